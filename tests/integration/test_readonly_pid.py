"""`gomap-inspect --pid` leaves the process exactly as it was: every byte of every mapping
(code included) is the same before and after each command, also when the tool is killed in the
middle of one, and a stopped process stays stopped, a running one keeps running."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from integration.lldb_support import INSPECT, inspect
from support import fixtures as fx


def state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def digest(pid: int, everything: bool) -> dict[str, str]:
    """sha256 of each readable mapping (`everything`), or of the code and read-only ones
    (a running Go program writes its own data at any time)."""
    out = {}
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            perms, name = parts[1], parts[5] if len(parts) > 5 else ""
            if "r" not in perms or name in ("[vvar]", "[vsyscall]"):
                continue
            if not everything and "w" in perms:
                continue
            h = hashlib.sha256()
            try:
                mem.seek(lo)
                h.update(mem.read(hi - lo))
            except OSError:
                continue
            out[f"{parts[0]} {perms} {name}"] = h.hexdigest()
    return out


COMMANDS = [["show", "main.mSmall", "--all"], ["goroutines"], ["scan"]]


@pytest.mark.parametrize("tc, stopped", [
    p for p in fx.params(["stopped", "running"])
    if p.values[0].id in {"go1.19.8", "go1.25.14-noswissmap", "go1.26.8",
                          "go1.27.4-mapsplitgroup"}])
def test_pid_is_read_only(tc: fx.Toolchain, stopped: str, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    proc, expect = fx.run_parked(binary, tmp_path)
    try:
        pid = proc.pid
        if stopped == "stopped":
            os.kill(pid, signal.SIGSTOP)
            for _ in range(100):
                if state(pid) == "T":
                    break
                time.sleep(0.01)
        want_state = "T" if stopped == "stopped" else None
        before = digest(pid, stopped == "stopped")
        assert any(" r-x" in k or "r-xp" in k for k in before), "no code mapping hashed"
        for cmd in COMMANDS:
            p = inspect(binary, ["--pid", str(pid)], *cmd)
            assert p.returncode in (0, 1), (cmd, p.stderr[-2000:])
            assert digest(pid, stopped == "stopped") == before, f"{cmd} changed the process"
            assert (state(pid) == "T") == (want_state == "T"), (cmd, state(pid))
        # Killed mid-command, at several points of its work.
        for delay in (0.1, 0.4, 1.0):
            c = subprocess.Popen([str(INSPECT), str(binary), "--pid", str(pid), "scan"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            c.kill()
            c.wait()
            assert digest(pid, stopped == "stopped") == before, f"killed after {delay}s"
            assert (state(pid) == "T") == (want_state == "T"), (delay, state(pid))
        # And the process still answers as it did.
        p = inspect(binary, ["--pid", str(pid)], "show", "main.mSmall", "--all", "--json")
        assert p.returncode == 0, p.stderr
        print(f"{tc.id} {stopped}: {len(before)} mappings unchanged after "
              f"{len(COMMANDS)} commands and 3 kills")
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
        fx.stop(proc)


def test_pid_bad_input(tmp_path: Path) -> None:
    tc = next((t for t in fx.toolchains() if t.usable), None)
    if tc is None:
        pytest.skip("no usable Go toolchain")
    binary = fx.build("maps", tc)
    for bad, want in (("-5", "positive number"), ("abc", "positive number"),
                      ("999999999", "no process 999999999")):
        p = inspect(binary, ["--pid", bad], "version")
        assert p.returncode == 2 and want in p.stderr and "Traceback" not in p.stderr, p.stderr
    proc, _ = fx.run_parked(binary, tmp_path)
    try:
        other = Path("/bin/true")
        p = inspect(other, ["--pid", str(proc.pid)], "version")
        assert p.returncode == 2 and "is not the executable of pid" in p.stderr, p.stderr
    finally:
        fx.stop(proc)
