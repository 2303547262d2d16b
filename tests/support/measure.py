"""Run a command and measure it: wall and CPU time and the peak RSS of the command itself.

A process forked from a big one (pytest after many tests holds a GiB) keeps that
high-water mark through exec, so wait4 on a direct child reports the parent's size. The
command is therefore started by a small launcher (a fresh python that forks and execs it)
and the launcher reports its child's rusage."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Sequence

_LAUNCHER = r"""
import json, os, sys
out = sys.argv[1]
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
with open(out, "w") as f:
    json.dump({"rc": os.waitstatus_to_exitcode(status), "rss_kib": ru.ru_maxrss,
               "cpu": ru.ru_utime + ru.ru_stime}, f)
sys.exit(0)
"""


class Timeout(AssertionError):
    pass


@dataclasses.dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    wall: float
    cpu: float
    rss_mib: int


def run_measured(argv: Sequence[str], timeout: float, input: str | None = None,
                 **popen) -> Measured:
    """Runs argv (stdout and stderr captured as text, `input` as its stdin); raises
    Timeout past `timeout` s."""
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gomap-measure-") as tmp:
        report = os.path.join(tmp, "rusage.json")
        with open(os.path.join(tmp, "in"), "w+") as stdin:
            stdin.write(input or "")
        with open(os.path.join(tmp, "out"), "w+") as out, \
                open(os.path.join(tmp, "err"), "w+") as err, \
                open(os.path.join(tmp, "in")) as stdin:
            p = subprocess.Popen([sys.executable, "-c", _LAUNCHER, report, *argv], stdout=out,
                                 stderr=err, stdin=stdin, text=True,
                                 start_new_session=True, **popen)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.wait()
                raise Timeout(f"{argv[:3]} did not finish within {timeout} s") from None
            wall = time.monotonic() - t0
            out.seek(0)
            err.seek(0)
            with open(report) as f:
                ru = json.load(f)
            return Measured(ru["rc"], out.read(), err.read(), wall, ru["cpu"],
                            ru["rss_kib"] // 1024)
