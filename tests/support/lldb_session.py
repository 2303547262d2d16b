"""An interactive LLDB session for tests: commands typed one at a time, as a person would.

The session runs in its own process (Debian's /usr/bin/python3 with the lldb module of
`lldb-NN -P`), so an LLDB crash fails one test instead of pytest. Every command goes through
LLDB's command interpreter (`run`, `continue`, `next`, `frame select 1`, `gomap show m`), in
synchronous mode: a command that resumes the process returns when it stops again.

    with LldbSession() as s:
        s.ok(f"plugin load {PLUGIN}")
        s.ok(f"target create {binary}")
        s.ok("breakpoint set -f main.go -l 42")
        s.ok(f"process launch -o /dev/null -- -out {dir}")
        print(s.ok("gomap show main.counts --json"))
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

LLDB_MAJOR = os.environ.get("GOMAP_LLDB_MAJOR", "19")

# The child: reads one JSON command per line, answers one JSON line per command.
_CHILD = r"""
import json, os, subprocess, sys
major = sys.argv[1]
# GOMAP_LLDB_PREFIX: an unpacked lldb-NN package set (scripts/lldb22), as gomap-inspect.
root = os.environ.get("GOMAP_LLDB_PREFIX", "")
server = f"{root}/usr/bin/lldb-server-{major}"
if os.path.exists(server):
    os.environ.setdefault("LLDB_DEBUGSERVER_PATH", server)
lldb_bin = f"{root}/usr/bin/lldb-{major}" if root else f"lldb-{major}"
pypath = subprocess.run([lldb_bin, "-P"], capture_output=True, text=True,
                        check=True).stdout.strip()
if root and os.path.isdir(root + pypath):
    pypath = root + pypath
sys.path.insert(0, pypath)
import lldb
dbg = lldb.SBDebugger.Create(False)
dbg.SetAsync(False)
interp = dbg.GetCommandInterpreter()
out = sys.stdout
sys.stdout = sys.stderr  # LLDB's own chatter stays off the protocol
print(json.dumps({"ready": True}), file=out, flush=True)
for line in sys.stdin:
    req = json.loads(line)
    res = lldb.SBCommandReturnObject()
    interp.HandleCommand(req["cmd"], res)
    st = 2 if not res.Succeeded() else (
        1 if res.GetStatus() == lldb.eReturnStatusSuccessContinuingResult else 0)
    p = dbg.GetSelectedTarget().GetProcess()
    print(json.dumps({"status": st, "output": res.GetOutput() or "",
                      "error": (res.GetError() or "").rstrip(),
                      "state": lldb.SBDebugger.StateAsCString(p.GetState())
                               if p.IsValid() else "none"}), file=out, flush=True)
lldb.SBDebugger.Destroy(dbg)
"""


class LldbError(AssertionError):
    pass


class LldbSession:
    """One LLDB debugger in a child process; `run` types one command."""

    def __init__(self, major: str = LLDB_MAJOR, timeout: float = 120,
                 env: dict[str, str] | None = None):
        """env: variables added to the environment LLDB runs in (and launches inherit)."""
        self.timeout = timeout
        self.transcript: list[str] = []
        self.proc = subprocess.Popen(["/usr/bin/python3", "-c", _CHILD, major],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1,
                                     env={**os.environ, **(env or {})})
        self._read()

    def _read(self) -> dict[str, Any]:
        import select
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.close()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise LldbError(f"LLDB session ended or hung (rc={self.proc.returncode}); "
                            f"transcript:\n" + "\n".join(self.transcript[-20:]) +
                            f"\nstderr:\n{err[-3000:]}")
        return json.loads(line)

    def run(self, cmd: str) -> dict[str, Any]:
        """Types `cmd`; returns {"status" 0/1/2, "output", "error", "state"}."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd}) + "\n")
        self.proc.stdin.flush()
        r = self._read()
        self.transcript.append(f"(lldb) {cmd}\n{r['output']}{r['error']}")
        return r

    def ok(self, cmd: str) -> str:
        """Types `cmd`, which must succeed (status 0 or 1); returns its output."""
        r = self.run(cmd)
        if r["status"] == 2:
            raise LldbError(f"{cmd!r} failed: {r['error']}\ntranscript:\n" +
                            "\n".join(self.transcript[-12:]))
        return r["output"]

    def json(self, cmd: str) -> dict[str, Any]:
        """A `gomap ... --json` command's document."""
        out = self.ok(cmd)
        try:
            return json.loads(out)
        except ValueError as e:
            raise LldbError(f"{cmd!r}: not JSON ({e}): {out[:500]}") from e

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "LldbSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def marker_line(source: Path, marker: str) -> int:
    """1-based line of the marker comment `// <marker>` in source."""
    for n, line in enumerate(Path(source).read_text().splitlines(), 1):
        if line.rstrip().endswith("// " + marker):
            return n
    raise LookupError(f"no marker {marker!r} in {source}")


if __name__ == "__main__":  # a manual session: one command per line on stdin
    with LldbSession() as s:
        for cmd in sys.stdin:
            r = s.run(cmd.strip())
            print(r["output"] + r["error"])
