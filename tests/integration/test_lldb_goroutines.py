"""`gomap goroutines` and `gomap bt` list what the program's own runtime.Stack(all) lists:
the same goroutine ids and states, and backtraces in which every frame runtime.Stack shows
(function, file, line) appears in order — live and from a core, with every Go toolchain, for
binaries with DWARF and for stripped ones (-ldflags=-s -w: pclntab, built-in runtime.g
offsets, allgs found by scanning .bss)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import batch  # noqa: E402

# Build flags per kind: "stripped" has neither DWARF nor a symbol table; "nodwarf" (-w) keeps
# the symbol table, which gomap does not need either; "extstripped" is linked by the system
# linker (as cgo programs often are), which puts C sections before Go's in .text and .bss.
FLAGS = {"dwarf": [], "stripped": ["-ldflags=-s -w"], "nodwarf": ["-ldflags=-w"],
         "extstripped": ["-ldflags=-s -w -linkmode=external"]}

def _params(kinds: tuple[str, ...] = ("dwarf", "stripped"),
            modes: tuple[str, ...] = ("core", "live")) -> list[Any]:
    return fx.params(kinds, modes)

def parse_stacks(text: str) -> dict[int, dict[str, Any]]:
    """runtime.Stack(all) text -> {id: {"state", "frames": [(function, file, line)]}}."""
    out: dict[int, dict[str, Any]] = {}
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        m = re.match(r"goroutine (\d+) \[([^\]]*)\]:", lines[0])
        assert m, lines[0]
        state = m.group(2).split(",")[0]
        frames = []
        i = 1
        while i + 1 < len(lines):
            call, where = lines[i], lines[i + 1]
            i += 2
            if call.startswith("created by "):
                break
            fn = call[:call.rfind("(")]
            fm = re.match(r"\t(.*):(\d+)(?: \+0x[0-9a-f]+)?$", where)
            assert fm, where
            frames.append((fn, fm.group(1), int(fm.group(2))))
        out[int(m.group(1))] = {"state": state, "frames": frames}
    return out

def _subsequence(want: list[tuple], got: list[tuple]) -> bool:
    it = iter(got)
    return all(any(w == g for g in it) for w in want)

@pytest.mark.parametrize("tc,kind,mode",
                         _params() + _params(("nodwarf", "extstripped"), ("core",)))
def test_goroutines_match_runtime_stack(tc: fx.Toolchain, kind: str, mode: str,
                                        tmp_path: Path) -> None:
    binary = fx.build("goroutines", tc, FLAGS[kind])
    target, expect, proc = fx.start(binary, tmp_path, mode)
    stacks = parse_stacks((tmp_path / "stacks.txt").read_text())
    ids = sorted(g["id"] for g in expect["goroutines"])
    try:
        results = batch(binary, target, ["goroutines --json --frames"] +
                        [f"bt -g {i} --json" for i in ids] + ["bt -g 999999"])
    finally:
        fx.stop(proc)
    assert results[0]["status"] == 0, results[0]["error"]
    listing = json.loads(results[0]["output"])
    gs = {g["id"]: g for g in listing["goroutines"]}
    want_sources = ({"code": "DWARF", "g_layout": "DWARF", "allgs": "DWARF"} if kind == "dwarf"
                    else {"code": "pclntab", "g_layout": f"built-in go1.{tc.minor} table",
                          "allgs": ".bss scan"})
    assert listing["sources"] == want_sources
    problems = []
    for gid, want in stacks.items():
        got = gs.get(gid)
        if got is None:
            problems.append(f"goroutine {gid} missing (have {sorted(gs)})")
            continue
        if gid == expect["dumper"]:
            continue  # it was running runtime.Stack then; it is elsewhere now
        state = got["wait_reason"] or got["status"]
        if state != want["state"]:
            problems.append(f"goroutine {gid}: state {state!r} != {want['state']!r}")
        frames = [(f["function"], f["file"], f["line"]) for f in got["frames"]]
        if not _subsequence(want["frames"], frames):
            problems.append(f"goroutine {gid}: runtime.Stack frames {want['frames']} "
                            f"not in order in {frames}")
    # main was running (go1.19 may already show it runnable) when the core was taken; either
    # way its user frame is main.main, whatever context frame 0 came from.
    main = gs.get(expect["dumper"], {})
    if (main.get("user_frame") or {}).get("function") != "main.main":
        problems.append(f"main goroutine user frame: {main.get('user_frame')}")
    # Every recorded goroutine's user frame is its innermost recorded function.
    for g in expect["goroutines"]:
        got = gs.get(g["id"], {})
        uf = (got.get("user_frame") or {}).get("function")
        if uf != g["frames"][0]:
            problems.append(f"goroutine {g['id']} ({g['role']}): user frame {uf!r} "
                            f"!= {g['frames'][0]!r}")
    # bt -g ID gives the same frames as the list.
    for i, gid in enumerate(ids, start=1):
        r = results[i]
        assert r["status"] == 0, r["error"]
        bt = json.loads(r["output"])["goroutine"]
        if [f["pc"] for f in bt["frames"]] != [f["pc"] for f in gs[gid]["frames"]]:
            problems.append(f"bt -g {gid} differs from the goroutines list")
    assert results[-1]["status"] == 2 and "no goroutine 999999" in results[-1]["error"]
    assert not problems, f"{tc.id} {kind} {mode}:\n" + "\n".join(problems)

@pytest.mark.parametrize("tc,kind,mode", _params(kinds=("dwarf",), modes=("core",)))
def test_pclntab_path_equals_dwarf_path(tc: fx.Toolchain, kind: str, mode: str,
                                        tmp_path: Path) -> None:
    """On a binary with DWARF, --pclntab (what a stripped binary gets: pclntab names and
    frame sizes, built-in runtime.g offsets, allgs from a .bss scan) lists the same
    goroutines with the same states and the same frames (pc, sp, function, file, line,
    inlined) as the DWARF path."""
    binary = fx.build("goroutines", tc)
    core, _ = fx.make_core(binary, tmp_path)
    dwarf, pcln = batch(binary, ["--core", str(core)],
                        ["goroutines --json --frames", "goroutines --json --frames --pclntab"])
    assert dwarf["status"] == 0 and pcln["status"] == 0, (dwarf["error"], pcln["error"])
    a, b = json.loads(dwarf["output"]), json.loads(pcln["output"])
    assert b["sources"]["code"] == "pclntab" and b["sources"]["allgs"] == ".bss scan"
    assert a["sources"]["code"] == "DWARF"
    assert len(a["goroutines"]) >= 8
    assert a["goroutines"] == b["goroutines"]
