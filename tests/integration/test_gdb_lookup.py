"""`gomap show 'EXPR[KEY]'` and `--depth N` in GDB 13 (through the same core as LLDB), from a
core with every Go toolchain: the look-ups and depth renderings of test_lldb_lookup equal the
program's ground truth, and bad keys fail in one line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402
from integration.test_lldb_lookup import depth_plan, lookup_plan  # noqa: E402

pytestmark = pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")

# Bad input: each one line on stderr (GDB prints command errors there).
ERRORS = [
    ("gomap show 'main.mSmall[\"unterminated'",
     'gomap show: key "unterminated does not parse: string literal not terminated'),
    ("gomap show 'main.mSmall[42]'",
     "gomap show: key 42 is not a string (map[string]int has string keys)"),
    ("gomap show main.mSmall[\"one\"]",
     "gomap show: key one is not a string (map[string]int has string keys); GDB drops "
     "unquoted double quotes: quote the whole EXPR, e.g. gomap show 'main.mSmall[\"one\"]'"),
    ("gomap show 'main.pointTarget[\"x\"]'",
     'gomap show: main.pointTarget is a *main.Point, not a map: ["x"] looks a key up in a map '
     "(arrays and slices take an integer index)"),
    ("gomap show 'main.mStructKeys[main.Point{X: \"a\"}]'",
     'gomap show: key main.Point{X: "a"}: field X: "a" is not an integer '
     "(map[main.Point]string has main.Point keys)"),
]


@pytest.mark.parametrize("tc,mode", fx.params(["core"]))
def test_gdb_lookup(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    target, expect, _ = fx.start(binary, tmp_path, mode)
    plan = lookup_plan(expect) + depth_plan(expect)
    commands = [f"gomap {c}" for c, _ in plan] + [c for c, _ in ERRORS]
    outs, p = gs.run(binary, target, commands)
    problems: list[str] = []
    for (command, check), out in zip(plan, outs):
        r: dict[str, Any] = {"command": command, "status": 0, "output": out, "error": ""}
        problems += [f"{command}: {x}" for x in check(r)]
    for (command, message), out in zip(ERRORS, outs[len(plan):]):
        if out.strip() or message not in p.stderr.splitlines():
            problems.append(f"{command}: stdout {out!r}; {message!r} not a line of stderr")
    assert not problems, (f"{tc.id} {mode}: {len(problems)} of {len(commands)} wrong\n"
                          + "\n".join(problems[:40]) + "\nstderr: " + p.stderr[-2000:])
