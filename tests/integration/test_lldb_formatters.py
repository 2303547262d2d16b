"""User formatters (gomap.formatters) in the native LLDB plugin, through LLDB's own embedded
Python (scripts/gomap-inspect --formatters FILE = `command script import FILE`), on the maps
fixture live and from a core with every available Go toolchain: main.UserID keys and
main.Record values render through the formatter in `gomap show` text and --json, the JSON equals
GDB's for the same core, a formatter that raises falls back to the default rendering with one
diagnostic, and without formatters the output is unchanged."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402
from integration.lldb_support import batch, inspect  # noqa: E402
from integration.test_gdb_formatters import (BROKEN, USER, formatted_records,  # noqa: E402
                                             formatted_users, text_users)
from integration.test_gdb_maps import sorted_entries  # noqa: E402

ALL = fx.toolchains()
MODES = ["core", "live"]
COMMANDS = ["show main.mUsers --all --json", "show main.mUsers --all",
            "show main.mStructVals --all --json", "show main.mStructVals --all"]

def _params() -> list[Any]:
    return fx.params(MODES)

def _map(r: dict[str, Any]) -> dict[str, Any]:
    assert r["status"] == 0, f"{r['command']}: status {r['status']}: {r['error']}"
    return json.loads(r["output"])["map"]

@pytest.mark.parametrize("tc,mode", _params())
def test_lldb_formatters(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    try:
        plain = batch(binary, target, COMMANDS)
        user = batch(binary, [*target, "--formatters", str(USER)], COMMANDS)
        broken = batch(binary, [*target, "--formatters", str(BROKEN)], COMMANDS[:2])
    finally:
        fx.stop(proc)
    truth = expect["maps"]
    problems: list[str] = []

    # No formatters: the ground truth, as ever.
    for r, name in ((plain[0], "main.mUsers"), (plain[2], "main.mStructVals")):
        missing, unexpected = fx.compare_entries(_map(r)["entries"], truth[name]["entries"])
        if missing or unexpected:
            problems.append(f"{name} unformatted: missing {missing[:3]} unexpected "
                            f"{unexpected[:3]}")

    m = _map(user[0])
    missing, unexpected = fx.compare_entries(m["entries"], formatted_users(expect))
    if missing or unexpected or m["diagnostics"]:
        problems.append(f"show --json with formatter: missing {missing[:3]} unexpected "
                        f"{unexpected[:3]} diagnostics {m['diagnostics']}")
    lines = user[1]["output"].splitlines()
    if set(lines[1:]) != text_users(expect):
        problems.append(f"show text with formatter: {lines}")
    missing, unexpected = fx.compare_entries(_map(user[2])["entries"],
                                             formatted_records(expect))
    if missing or unexpected:
        problems.append(f"main.Record formatter --json: missing {missing[:2]} unexpected "
                        f"{unexpected[:2]}")
    for e in truth["main.mStructVals"]["entries"]:
        summary = f"Record#{e['value']['ID']} {e['value']['Name']}"
        if summary not in user[3]["output"]:
            problems.append(f"show main.mStructVals text lacks {summary!r}")
    # The header lines are the same with or without formatters.
    if user[1]["output"].splitlines()[0] != plain[1]["output"].splitlines()[0]:
        problems.append("the show header line changed with formatters")

    m = _map(broken[0])
    missing, unexpected = fx.compare_entries(m["entries"], truth["main.mUsers"]["entries"])
    codes = [(d["code"], d["severity"]) for d in m["diagnostics"]]
    if missing or unexpected or codes != [("formatter-error", "warning")]:
        problems.append(f"broken formatter --json: missing {missing[:3]} unexpected "
                        f"{unexpected[:3]} diagnostics {m['diagnostics']}")
    text = broken[1]["output"]
    if (broken[1]["status"] != 0 or text.count("warning[formatter-error]") != 1
            or "ZeroDivisionError" not in text
            or set(text.splitlines()[1:-1]) != set(plain[1]["output"].splitlines()[1:])):
        problems.append(f"broken formatter text: {text!r}")

    if mode == "core" and gs.GDB is not None:
        # GDB with the same formatter file prints the same documents.
        outs, _ = gs.run(binary, target, [f"source {USER}", "gomap " + COMMANDS[0],
                                          "gomap " + COMMANDS[2]])
        for i, r in ((1, user[0]), (2, user[2])):
            if sorted_entries(json.loads(outs[i])) != sorted_entries(json.loads(r["output"])):
                problems.append(f"{r['command']}: GDB and LLDB formatted documents differ")
    assert not problems, f"{tc.id} {mode}: {len(problems)} problems\n" + "\n".join(problems)

def test_lldb_formatters_file_that_fails_to_load(tmp_path: Path) -> None:
    tc = next((t for t in ALL if t.usable), None)
    if tc is None:
        pytest.skip("no usable Go toolchain")
    binary = fx.build("maps", tc)
    core, _ = fx.make_core(binary, tmp_path)
    bad = tmp_path / "bad_formatters.py"
    bad.write_text("import gomap_no_such_module\n")
    p = inspect(binary, ["--core", str(core), "--formatters", str(bad)], "show",
                "main.mUsers")
    assert p.returncode == 2, p
    errors = [ln for ln in p.stderr.splitlines() if ln.startswith("gomap-inspect:")]
    assert len(errors) == 1 and "cannot load formatters" in errors[0], p.stderr[-2000:]
    assert p.stdout == ""
