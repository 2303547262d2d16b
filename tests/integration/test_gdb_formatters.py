"""User formatters (gomap.formatters) in GDB 13, on a core of the maps fixture with every
available Go toolchain: a formatter registered in Python changes how main.UserID keys and
main.Record values render in `gomap show` (text and --json) and in `print`; a formatter that
raises falls back to the default rendering with one diagnostic; with none registered the output
is the unformatted document."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402

pytestmark = pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")

DATA = Path(__file__).resolve().parent / "data"
USER = DATA / "user_formatters.py"
BROKEN = DATA / "broken_formatters.py"
_HEX_KEY = re.compile(r'\[(0x[0-9a-f]+)\] = "([^"]*)"')
_DEC_KEY = re.compile(r'\[([0-9]+)\] = "([^"]*)"')

def _params() -> list[Any]:
    return fx.params()

def formatted_users(expect: dict[str, Any]) -> list[dict[str, Any]]:
    """main.mUsers' ground truth as user_formatters.py renders it in --json."""
    return [{"key": {"formatted": hex(e["key"]), "raw": e["key"]}, "value": e["value"]}
            for e in expect["maps"]["main.mUsers"]["entries"]]

def formatted_records(expect: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": e["key"], "value": {"formatted": {"id": e["value"]["ID"],
                                                      "name": e["value"]["Name"]},
                                        "raw": e["value"]}}
            for e in expect["maps"]["main.mStructVals"]["entries"]]

def text_users(expect: dict[str, Any]) -> set[str]:
    return {f'  {hex(e["key"])}: "{e["value"]}"'
            for e in expect["maps"]["main.mUsers"]["entries"]}

def show_doc(out: str) -> dict[str, Any]:
    try:
        return json.loads(out)["map"]
    except (json.JSONDecodeError, KeyError):
        raise AssertionError(f"not a show document: {out[:300]!r}") from None

@pytest.mark.parametrize("tc", _params())
def test_gdb_formatters(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    core, expect = fx.make_core(binary, tmp_path)
    users = "gomap show main.mUsers --all --json"
    records = "gomap show main.mStructVals --all --json"
    commands = [
        users, records,                                               # 0, 1: none registered
        f"source {USER}",
        users, "gomap show main.mUsers --all",                        # 3, 4
        "set print elements unlimited", "print 'main.mUsers'",        # 6
        records, "print 'main.mStructVals'",                          # 7, 8
        f"source {BROKEN}",
        users, "print 'main.mUsers'", "print 'main.mUsers'",          # 10, 11, 12
        "python from gomap import formatters; formatters.clear()",
        users, records,                                               # 14, 15
    ]
    outs, p = gs.run(binary, ["--core", str(core)], commands)
    problems: list[str] = []
    truth = expect["maps"]

    # Nothing registered: the program's own ground truth, unchanged.
    for i, name in ((0, "main.mUsers"), (1, "main.mStructVals")):
        missing, unexpected = fx.compare_entries(show_doc(outs[i])["entries"],
                                                 truth[name]["entries"])
        if missing or unexpected:
            problems.append(f"{name} unformatted: missing {missing[:3]} unexpected "
                            f"{unexpected[:3]}")

    m = show_doc(outs[3])
    missing, unexpected = fx.compare_entries(m["entries"], formatted_users(expect))
    if missing or unexpected or m["diagnostics"]:
        problems.append(f"show --json with formatter: missing {missing[:3]} unexpected "
                        f"{unexpected[:3]} diagnostics {m['diagnostics']}")
    lines = outs[4].splitlines()
    if set(lines[1:]) != text_users(expect):
        problems.append(f"show text with formatter: {lines}")
    printed = set(_HEX_KEY.findall(outs[6]))
    want = {(hex(e["key"]), e["value"]) for e in truth["main.mUsers"]["entries"]}
    if printed != want:
        problems.append(f"print with formatter: {outs[6]!r}")

    m = show_doc(outs[7])
    missing, unexpected = fx.compare_entries(m["entries"], formatted_records(expect))
    if missing or unexpected:
        problems.append(f"main.Record formatter --json: missing {missing[:2]} unexpected "
                        f"{unexpected[:2]}")
    for e in truth["main.mStructVals"]["entries"]:
        summary = f"Record#{e['value']['ID']} {e['value']['Name']}"
        if summary not in outs[8]:
            problems.append(f"print main.mStructVals lacks {summary!r}: {outs[8][:300]!r}")

    # A formatter that raises: default rendering, one formatter-error diagnostic, one line
    # on stderr for `print`, never a traceback.
    m = show_doc(outs[10])
    missing, unexpected = fx.compare_entries(m["entries"], truth["main.mUsers"]["entries"])
    codes = [(d["code"], d["severity"]) for d in m["diagnostics"]]
    if missing or unexpected or codes != [("formatter-error", "warning")]:
        problems.append(f"broken formatter --json: missing {missing[:3]} unexpected "
                        f"{unexpected[:3]} diagnostics {m['diagnostics']}")
    for out in outs[11:13]:
        printed = set(_DEC_KEY.findall(out))
        if printed != {(str(e["key"]), e["value"]) for e in truth["main.mUsers"]["entries"]}:
            problems.append(f"print with a broken formatter: {out!r}")
    reports = [ln for ln in p.stderr.splitlines() if "formatter for main.UserID failed" in ln]
    if len(reports) != 1 or "ZeroDivisionError" not in reports[0]:
        problems.append(f"broken formatter: stderr reports {reports}")
    if "Traceback" in p.stdout + p.stderr or "Python Exception" in p.stdout + p.stderr:
        problems.append(f"a Python exception escaped: {p.stderr[-1000:]}")

    # Cleared: byte-for-byte the documents printed before any formatter.
    if outs[14] != outs[0] or outs[15] != outs[1]:
        problems.append("after formatters.clear() the documents differ from the unformatted "
                        "ones")
    assert not problems, f"{tc.id}: {len(problems)} problems\n" + "\n".join(problems)
