"""Every `gomap` command in GDB prints what LLDB prints: the same C++ commands (commands/)
over each debugger. For each fixture, on the same core or parked process, GDB's output of
show, header, layout, check, iter, goroutines, bt, locals and scan (text and --json) must equal
LLDB's byte for byte, but for the debugger's own frame numbers ("lldb_frame"/"gdb_frame",
"(lldb frame #N)"), which are each debugger's own. GDB's goroutine list is checked against the
program's own runtime.Stack as well. Cores on every toolchain; live processes (GDB and LLDB
attach in turn) on the representative set — the layouts do not depend on the mode."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402
from integration.lldb_support import batch as lldb_batch  # noqa: E402
from integration.test_lldb_goroutines import _subsequence, parse_stacks  # noqa: E402
from integration.test_lldb_scan import crash_core  # noqa: E402

MAX_SHOWN = 5000  # maps past this are shown with --limit (test_show_all covers --all)


def _params() -> list[Any]:
    return fx.params(("core",)) + fx.representative_params(("live",))


def _normalise(text: str) -> str:
    """The debugger's own frame numbers out, everything else kept."""
    text = re.sub(r'"(?:lldb|gdb)_frame": (?:\d+|null)', '"host_frame": N', text)
    # A debugger may have no frame of its own for a goroutine frame (GDB does not unwind
    # from the g0 stack back onto the goroutine's, LLDB does).
    text = re.sub(r" \((?:lldb|gdb) frame #\d+\)", "", text)
    text = text.replace("GDB's", "LLDB's")
    return text.strip()


def _compare(binary: Path, target: list[str], commands: list[str]
             ) -> tuple[list[str], list[str]]:
    """(problems, GDB outputs) of running `commands` in both debuggers."""
    outs, p = gs.run(binary, target, [f"gomap {c}" for c in commands])
    lldb = lldb_batch(binary, target, commands)
    problems = []
    for c, g, r in zip(commands, outs, lldb):
        if r["status"] not in (0, 1):
            problems.append(f"{c}: LLDB failed: {r['error']}")
            continue
        want = _normalise(r["output"])
        got = _normalise(g)
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                      min(len(got), len(want)))
            problems.append(f"{c}: GDB differs from LLDB at byte {at}:\n"
                            f"  GDB : {got[max(0, at - 80):at + 120]!r}\n"
                            f"  LLDB: {want[max(0, at - 80):at + 120]!r}")
    return problems, outs


def _compare_fixture(fixture: str, tc: fx.Toolchain, mode: str, tmp_path: Path,
                     plan: Callable[[dict[str, Any]], list[str]]
                     ) -> tuple[list[str], list[str], dict[str, Any]]:
    """(problems, GDB outputs, expect.json) of the commands plan(expect) on the fixture,
    as a core or a parked process."""
    binary = fx.build(fixture, tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    try:
        problems, outs = _compare(binary, target, plan(expect))
    finally:
        fx.stop(proc)
    return problems, outs, expect


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
@pytest.mark.parametrize("tc,mode", _params())
def test_map_commands_equal_lldb(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    def plan(expect: dict[str, Any]) -> list[str]:
        commands = []
        for n, m in sorted(expect["maps"].items()):
            limit = "--all" if m["len"] <= MAX_SHOWN else "--limit 100"
            commands += [f"show {n} {limit} --json", f"show {n} --limit 20",
                         f"header {n} --json", f"header {n}", f"layout {n} --json",
                         f"check {n} --json"]
        return commands + ["layout main.mSmall", "check main.mSmall"]
    problems, _, _ = _compare_fixture("maps", tc, mode, tmp_path, plan)
    assert not problems, f"{tc.id} {mode}: {len(problems)} problems\n" + "\n".join(problems)


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
@pytest.mark.parametrize("tc,mode", _params())
def test_goroutine_commands_equal_lldb_and_runtime_stack(tc: fx.Toolchain, mode: str,
                                                         tmp_path: Path) -> None:
    def plan(expect: dict[str, Any]) -> list[str]:
        commands = ["goroutines --json --frames", "goroutines", "scan --json", "scan"]
        for i in sorted(g["id"] for g in expect["goroutines"]):
            commands += [f"bt -g {i} --json", f"locals -g {i} --json", f"locals -g {i}"]
        return commands
    problems, outs, expect = _compare_fixture("goroutines", tc, mode, tmp_path, plan)
    stacks = parse_stacks((tmp_path / "stacks.txt").read_text())
    gs_list = {g["id"]: g for g in json.loads(outs[0])["goroutines"]}
    for gid, want in stacks.items():
        got = gs_list.get(gid)
        if got is None:
            problems.append(f"GDB: goroutine {gid} missing")
        elif gid != expect["dumper"]:
            frames = [(f["function"], f["file"], f["line"]) for f in got["frames"]]
            if not _subsequence(want["frames"], frames):
                problems.append(f"GDB: goroutine {gid}: runtime.Stack frames {want['frames']} "
                                f"not in order in {frames}")
    assert not problems, f"{tc.id} {mode}: {len(problems)} problems\n" + "\n".join(problems)


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
@pytest.mark.parametrize("tc,mode", _params())
def test_iterator_commands_equal_lldb(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    def plan(expect: dict[str, Any]) -> list[str]:
        return (["iter --json", "iter", "iter main.keepIter --json", "scan --json"] +
                [f"iter --json -g {c['goroutine']}" for c in expect["cases"]])
    problems, _, _ = _compare_fixture("iterators", tc, mode, tmp_path, plan)
    assert not problems, f"{tc.id} {mode}: {len(problems)} problems\n" + "\n".join(problems)


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
@pytest.mark.parametrize("tc", fx.params())
def test_crash_scan_equal_lldb(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary, core, _ = crash_core(tc, tmp_path)
    problems, _ = _compare(binary, ["--core", str(core)],
                           ["scan --json", "scan", "goroutines", "bt --json", "locals"])
    assert not problems, f"{tc.id}: {len(problems)} problems\n" + "\n".join(problems)
