"""Maps held in locals and parameters of goroutines parked several frames deep (channel
receive, mutex, sleep), in a method receiver's field (c.byID) and in a closure, are found by
goroutine id, frame index and name, and their entries equal the program's ground truth —
live and from a core, with every toolchain, in -N -l builds and in default optimized builds.
In optimized builds a variable may be unavailable (in a register, or optimized out); it must
then say so, never show other data. Which ones were unavailable is printed at the end."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import batch  # noqa: E402
from integration.notes import NOTES  # noqa: E402

BUILDS = {"noopt": ["-gcflags=all=-N -l"], "opt": []}

def _params() -> list[Any]:
    return fx.params(BUILDS, ("core", "live"))

@pytest.mark.parametrize("tc,build,mode", _params())
def test_frame_maps(tc: fx.Toolchain, build: str, mode: str, tmp_path: Path) -> None:
    binary = fx.build("goroutines", tc, BUILDS[build])
    target, expect, proc = fx.start(binary, tmp_path, mode)
    try:
        gs = expect["goroutines"] + [expect["main"]]
        bts = batch(binary, target, [f"bt -g {g['id']} --json" for g in gs])
        frames = {g["id"]: json.loads(r["output"])["goroutine"]["frames"]
                  for g, r in zip(gs, bts)}
        commands, wanted = [], []
        for g in gs:
            for m in g["maps"]:
                k = next(f["index"] for f in frames[g["id"]]
                         if f["function"] == m["function"] and not f["inlined"])
                commands.append(f"show {m['name']} -g {g['id']} -f {k} --all --json")
                wanted.append((g, m, k))
                commands.append(f"locals -g {g['id']} -f {k} --json")
                wanted.append((g, m, k))
        results = batch(binary, target, commands)
    finally:
        fx.stop(proc)
    problems, unavailable = [], []
    for i in range(0, len(results), 2):
        g, m, k = wanted[i]
        show, locals_ = results[i], results[i + 1]
        label = f"goroutine {g['id']} ({g['role']}) frame {k} {m['function']} {m['name']}"
        if show["status"] != 0:
            err = show["error"]
            if build == "opt" and ("unavailable" in err or "no variable named" in err):
                unavailable.append(f"{m['function']} {m['name']}: {err.split(': ', 1)[-1]}")
                continue
            problems.append(f"{label}: {err}")
            continue
        got = json.loads(show["output"])["map"]
        if got["len"] != m["len"] or got["type"] != m["type"]:
            problems.append(f"{label}: len/type {got['len']} {got['type']}")
        missing, unexpected = fx.compare_entries(got["entries"], m["entries"])
        if missing or unexpected:
            problems.append(f"{label}: missing {missing[:3]} unexpected {unexpected[:3]}")
        assert locals_["status"] == 0, locals_["error"]
        loc = json.loads(locals_["output"])["locals"]
        root = m["name"].split(".")[0]
        if "." not in m["name"] and root not in [v["name"] for v in loc["variables"]]:
            problems.append(f"{label}: not listed by locals: {loc['variables']}")
    if unavailable:
        NOTES.append(f"{tc.id} {build} {mode}: unavailable in optimized code: "
                     + "; ".join(sorted(set(unavailable))))
    if build == "noopt":
        assert not unavailable
    assert not problems, f"{tc.id} {build} {mode}:\n" + "\n".join(problems)
