"""pytest hooks for the integration tests: a closing summary of which Go toolchains ran,
per test file, and which were skipped and why."""
from __future__ import annotations

import collections
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.notes import NOTES  # noqa: E402

_outcomes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any):
    outcome = yield
    report = outcome.get_result()
    params = getattr(getattr(item, "callspec", None), "params", {})
    tc = params.get("tc")
    if isinstance(tc, fx.Toolchain):
        report.user_properties.append(("toolchain", tc.id))

def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tc_id = dict(report.user_properties).get("toolchain")
    if tc_id is None:
        return
    if report.when == "call" or report.outcome != "passed":
        module = report.nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
        _outcomes[tc_id][f"{module}:{report.outcome}"] += 1

def pytest_terminal_summary(terminalreporter: Any) -> None:
    tr = terminalreporter
    tr.section("Go toolchains (GOMAP_TOOLCHAINS selects; see docs/toolchains.md)")
    for tc in fx.toolchains():
        if not tc.usable:
            tr.write_line(f"{tc.id:26} skipped: {tc.reason}")
            continue
        counts = ", ".join(f"{k} {v}" for k, v in sorted(_outcomes.get(tc.id, {}).items()))
        tr.write_line(f"{tc.id:26} {tc.impl:7} {tc.runtime_version:26} {counts or 'not run'}")
    if NOTES:
        tr.section("Notes")
        for n in NOTES:
            tr.write_line(n)
