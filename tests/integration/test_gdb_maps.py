"""GDB 13 with pretty_printers/gomap_gdb.py on every fixture map, live (attach) and from a core,
with every available Go toolchain: `gomap show --all --json` equals the program's ground truth
and, on the core, the LLDB plugin's document; GDB's own `print` (through the printer) shows the
right entries; `print` of a big map is bounded by `set print elements`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402
from integration.lldb_support import batch as lldb_batch, show_map_problems  # noqa: E402

pytestmark = pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")

MODES = ["core", "live"]
# Maps of scalars and plain strings, whose `print` output the test can parse.
PRINTED = ["main.mNamed", "main.mSmall", "main.mBoolKeys", "main.mInt32Int8", "main.mUint64Keys",
           "main.mSparse", "main.mEmpty", "main.mNil"]

def _params() -> list[Any]:
    return fx.params(MODES)

def _int_json(v: Any) -> Any:
    """Printed integers in the gomap/1 encoding (decimal strings past 2^53)."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
        return str(v)
    return v

def sorted_entries(v: Any) -> Any:
    """The document with every map object's entries in a canonical order."""
    if isinstance(v, list):
        return [sorted_entries(x) for x in v]
    if isinstance(v, dict):
        out = {k: sorted_entries(x) for k, x in v.items()}
        if {"address", "type", "impl", "entries"} <= v.keys():
            out["entries"] = sorted(out["entries"], key=fx.canonical)
        return out
    return v

def _check_show(name: str, want: dict[str, Any], out: str, impl: str) -> list[str]:
    try:
        m = json.loads(out)["map"]
    except (json.JSONDecodeError, KeyError):
        return [f"{name}: not a show document: {out[:200]!r}"]
    return show_map_problems(name, want, m, impl)

def _check_print(name: str, want: dict[str, Any], out: str, impl: str) -> list[str]:
    summary, entries, elided = gs.parse_printed_map(out)
    problems = []
    if want["nil"]:
        return [] if summary == f"{want['type']} nil" else [f"{name}: printed {summary!r}"]
    if summary != f"{want['type']} len={want['len']} impl={impl}":
        problems.append(f"{name}: summary {summary!r}")
    if elided:
        problems.append(f"{name}: elided with print elements unlimited")
    got = [{"key": _int_json(e["key"]), "value": _int_json(e["value"])} for e in entries]
    missing, unexpected = fx.compare_entries(got, want["entries"])
    if missing or unexpected:
        problems.append(f"{name}: print: {len(missing)} missing, {len(unexpected)} "
                        f"unexpected; missing {missing[:3]} unexpected {unexpected[:3]}")
    return problems

@pytest.mark.parametrize("tc,mode", _params())
def test_gdb_maps(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    names = sorted(expect["maps"])
    commands = [f"gomap show {n} --all --json" for n in names]
    commands += ["set print elements unlimited", "set gomap-print-details on"]
    commands += [f"print '{n}'" for n in PRINTED]
    commands += ["set gomap-print-details off", "print 'main.mSmall'"]
    commands += ["set print elements 200", "print 'main.mInt100k'"]
    try:
        outs, p = gs.run(binary, target, commands)
    finally:
        fx.stop(proc)
    impl = expect["impl"]
    problems: list[str] = []
    for n, out in zip(names, outs):
        problems += _check_show(n, expect["maps"][n], out, impl)
    printed = outs[len(names) + 2:len(names) + 2 + len(PRINTED)]
    for n, out in zip(PRINTED, printed):
        problems += _check_print(n, expect["maps"][n], out, impl)
    # By default the summary is the type alone, as Go's runtime-gdb.py prints it.
    summary, _, _ = gs.parse_printed_map(outs[-3])
    if summary != "map[string]int":
        problems.append(f"print main.mSmall (default): summary {summary!r}")
    # Default `print elements` (200): GDB 13 counts keys and values alike, so 100 entries
    # then "...", pulled lazily from a cursor bounded the same way.
    summary, entries, elided = gs.parse_printed_map(outs[-1])
    if len(entries) != 100 or not elided:
        problems.append(f"print main.mInt100k: {len(entries)} entries, elided={elided}")
    want = fx.entry_multiset(expect["maps"]["main.mInt100k"]["entries"])
    if any(fx.canonical(e) not in want for e in entries):
        problems.append("print main.mInt100k: entries not in the map")
    if mode == "core":
        problems += _compare_with_lldb(binary, target, names, outs)
    assert not problems, f"{tc.id} {mode}: {len(problems)} problems\n" + "\n".join(problems)

def _compare_with_lldb(binary: Path, target: list[str], names: list[str],
                       gdb_outs: list[str]) -> list[str]:
    """GDB and the LLDB plugin print the same document for the same core."""
    results = lldb_batch(binary, target, [f"show {n} --all --json" for n in names])
    problems = []
    for n, r, out in zip(names, results, gdb_outs):
        if r["status"] != 0:
            problems.append(f"{n}: LLDB show failed: {r['error']}")
            continue
        try:
            g = sorted_entries(json.loads(out))
        except json.JSONDecodeError:
            continue  # reported by _check_show
        lldb_doc = sorted_entries(json.loads(r["output"]))
        if g != lldb_doc:
            problems.append(f"{n}: GDB and LLDB documents differ:\n  gdb:  "
                            f"{json.dumps(g)[:400]}\n  lldb: {json.dumps(lldb_doc)[:400]}")
    return problems
