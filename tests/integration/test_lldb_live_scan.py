"""`gomap scan` on a live process in LLDB, at random instants: goroutines that read one map
at the same time (tests/fixtures/readers) are each found inside their map operation on that
map, as LLDB's own backtraces show them, and named with the map's path; nobody else is.

LLDB attaches to the running program (stopping every thread wherever it is), the scan
runs, LLDB detaches, the program runs on, and again: up to ATTACHES times, until one stop
found two readers in map code at once. The ground truth is the program's own
expect.json (the map's address, the readers' goroutine ids) and LLDB's `thread backtrace
all`, which gomap does not produce."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from support import fixtures as fx
from support.lldb_session import LldbSession
from integration.notes import NOTES

REPO = Path(__file__).resolve().parents[2]
PLUGIN = Path(os.environ.get("GOMAP_PLUGIN", REPO / "build" / "plugin" / "libgomap_lldb.so"))
ATTACHES = 12
FRAME = re.compile(r"^\s+\*?\s*frame #(\d+): 0x[0-9a-f]+ [^`\s]+`(\S+)", re.M)
MAP_FUNC = re.compile(r"^(runtime\.map\w+|internal/runtime/maps\.)")


def threads_in_map_code(backtraces: str) -> int:
    """Threads whose frames below main.lookup include a runtime map function."""
    n = 0
    for block in re.split(r"\n(?=\s*\*?\s*thread #\d+)", backtraces):
        funcs = [f for _, f in FRAME.findall(block)]
        if "main.lookup" not in funcs:
            continue
        n += any(MAP_FUNC.match(f) for f in funcs[:funcs.index("main.lookup")])
    return n


@pytest.mark.parametrize("tc", fx.params())
def test_live_scan_finds_every_reader_in_map_code(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("readers", tc)
    prog = subprocess.Popen([str(binary), "-out", str(tmp_path), "-readers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "expect.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.05)
        expect = json.loads((tmp_path / "expect.json").read_text())
        readers = set(expect["readers"])
        best = 0
        with LldbSession() as s:
            s.ok(f"plugin load {PLUGIN}")
            s.ok(f"target create {binary}")
            for attempt in range(1, ATTACHES + 1):
                s.ok(f"process attach -p {prog.pid}")
                in_map = threads_in_map_code(s.ok("thread backtrace all -c 12"))
                scan = s.run("gomap scan --json")
                assert scan["status"] == 0, scan
                doc = json.loads(scan["output"])["scan"]
                assert doc["crash"] is None or not doc["crash"], doc["crash"]
                named = [g for g in doc["map_goroutines"]
                         if any(m["address"] == expect["map"] for m in g["maps"])]
                ids = {g["goroutine"] for g in named}
                # Every goroutine named is a reader, reading main.index, named by its path.
                assert ids <= readers, (attempt, ids, readers, doc["map_goroutines"])
                for g in named:
                    assert g["role"] == "read" and g["user_frame"]["function"] == "main.lookup", g
                    assert any(m["path"] == expect["path"] for m in g["maps"]), g["maps"]
                # Every thread LLDB shows inside a map operation is one of them.
                assert len(ids) >= in_map, (attempt, in_map, doc["map_goroutines"])
                assert [m for m in doc["maps"] if m["address"] == expect["map"]] or not named
                assert not [d for d in doc["diagnostics"] if d["severity"] == "error"], \
                    doc["diagnostics"]
                s.ok("process detach")
                best = max(best, in_map)
                if in_map >= 2:
                    break
                time.sleep(0.05 * attempt)
        NOTES.append(f"live scan {tc.id}: {best} readers in map code at once "
                     f"(attach {attempt} of {ATTACHES})")
        assert best >= 2, f"{ATTACHES} attaches, never two readers in map code at once"
    finally:
        prog.kill()
        prog.wait()
