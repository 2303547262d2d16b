"""`gomap pointer ADDR` in GDB (the commands LLDB runs, over GDB) on the heap fixture: the
storage the GC freed is freed, the live 24-byte object is an allocated object at its base,
and every document is LLDB's, byte for byte, on the same process or core (owners included)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402
from integration.lldb_support import batch as lldb_batch  # noqa: E402


def _params() -> list[Any]:
    return fx.params(("core", "live"))


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
@pytest.mark.parametrize("tc,mode", _params())
def test_gdb_pointer_matches_lldb_and_ground_truth(tc: fx.Toolchain, mode: str,
                                                   tmp_path: Path) -> None:
    binary = fx.build("heap", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    addrs = ([c["target"] for c in expect["corruptions"]] +
             [it["header"] for it in expect["iterators"]])
    try:
        outs, p = gs.run(binary, target, [f"gomap pointer {a} --json" for a in addrs])
        lldb = lldb_batch(binary, target, [f"pointer {a} --json" for a in addrs])
    finally:
        fx.stop(proc)
    problems = []
    for a, out, res in zip(addrs, outs, lldb):
        try:
            g = json.loads(out)["pointer"]
        except (ValueError, KeyError):
            problems.append(f"{a}: GDB printed {out[:500]!r}")
            continue
        if not g["heap"]["available"]:
            problems.append(f"{a}: GDB did not read the heap: {g['heap']}")
        if out.strip() != res["output"].strip():
            problems.append(f"{a}: GDB {out.strip()}\n   != LLDB {res['output'].strip()}")
    for c, out in zip(expect["corruptions"], outs):
        g = json.loads(out)["pointer"]
        if c["want"] == "freed" and not (g["class"] == "free-pages" or g["alloc"] == "free"):
            problems.append(f"{c['name']}: GDB says {g['class']} {g['alloc']}, not freed")
        if c["want"] == "reused" and (g["alloc"] != "allocated" or
                                      int(g["object"]["base"], 16) != int(c["target"], 16)):
            problems.append(f"{c['name']}: GDB says {g}, not the live object")
    assert not problems, "\n".join(problems)
