"""pytest hooks for the integration tests: a closing summary of which Go toolchains ran,
per test file, and which were skipped and why, and the notes tests left (NOTES).

Under pytest-xdist (scripts/test runs one worker per CPU) tests run in worker processes:
their toolchain and the notes they appended travel to the controller in the report's
user_properties, so the summary is the same with and without workers."""
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
_notes: list[str] = []     # controller side: every note, in the order reports arrived
_notes_sent = 0            # worker side: NOTES[:_notes_sent] are already in a report


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any):
    global _notes_sent
    outcome = yield
    report = outcome.get_result()
    params = getattr(getattr(item, "callspec", None), "params", {})
    # The toolchain parameter, of the test (tc) or of a parametrized fixture.
    tc = next((v for v in params.values() if isinstance(v, fx.Toolchain)), None)
    if tc is not None:
        report.user_properties.append(("toolchain", tc.id))
    for n in NOTES[_notes_sent:]:
        report.user_properties.append(("note", n))
    _notes_sent = len(NOTES)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _notes.extend(v for k, v in report.user_properties if k == "note")
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
    if _notes:
        tr.section("Notes")
        for n in _notes:
            tr.write_line(n)
