"""Drives real GDB 13 with gomap_gdb.py: one batch process runs many commands, each bracketed
by BEGIN/END markers on stdout."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Sequence

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "pretty_printers" / "gomap_gdb.py"
GDB = shutil.which("gdb")

def _marked(commands: Sequence[str]) -> list[str]:
    out = []
    for i, c in enumerate(commands):
        out += [f"echo \\nBEGIN {i}\\n", c, f"echo \\nEND {i}\\n"]
    return out

def gdb_args(binary: Path, target: Sequence[str], commands: Sequence[str],
             source_first: bool = False, auto_load: bool = True,
             interactive: bool = False) -> list[str]:
    """The gdb command line: -nx (no user init files), Go's runtime-gdb.py auto-load allowed
    (auto_load) so that precedence over it is always exercised, markers around commands.
    source_first sources gomap_gdb.py before the program loads, as ~/.gdbinit does;
    interactive reads the commands from stdin (prompts, events) instead of -batch -ex."""
    args = [str(GDB), "-q" if interactive else "-batch", "-nx", "-iex", "set pagination off",
            "-iex", "set width 0", "-iex", "set confirm off"]
    args += ["-iex", "set auto-load safe-path /" if auto_load else "set auto-load python off"]
    if source_first:
        args += ["-iex", f"source {SCRIPT}"]
    else:
        args += ["-ex", f"source {SCRIPT}"]
    args += ["-ex", "set language go"]
    if not interactive:
        for c in _marked(commands):
            args += ["-ex", c]
    args.append(str(binary))
    if target and target[0] == "--core":
        args.append(str(target[1]))
    elif target and target[0] == "--pid":
        args += ["-p", str(target[1])]
    return args

def run(binary: Path, target: Sequence[str], commands: Sequence[str], timeout: float = 600,
        **kw: Any) -> tuple[list[str], subprocess.CompletedProcess]:
    """Outputs of each command (stdout between its markers) and the finished process."""
    stdin = "\n".join(_marked(commands) + ["quit"]) + "\n" if kw.get("interactive") else ""
    p = subprocess.run(gdb_args(binary, target, commands, **kw), capture_output=True,
                       text=True, timeout=timeout, input=stdin)
    outs = []
    for i in range(len(commands)):
        m = re.search(rf"^BEGIN {i}\n(.*?)^END {i}$", p.stdout, re.S | re.M)
        if m is None:
            raise AssertionError(f"no output markers for command {i} ({commands[i]!r}); "
                                 f"rc={p.returncode}\nstderr: {p.stderr[-3000:]}")
        outs.append(re.sub(r"^\(gdb\) ", "", m.group(1), flags=re.M).strip("\n"))
    return outs, p

_NUM = r"-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?"
_SCALAR_ENTRY = re.compile(
    rf'\[(?:0x[0-9a-f]+ )?("(?:[^"\\]|\\.)*"|{_NUM}|true|false)\] = '
    rf'((?:0x[0-9a-f]+ )?"(?:[^"\\]|\\.)*"|{_NUM}|true|false)')

def parse_printed_map(text: str) -> tuple[str, list[dict[str, Any]], bool]:
    """(summary, entries, elided) of `print` output for a map of scalars/strings:
    `$1 = map[string]int len=5 impl=swiss = {["one"] = 1, ...}` (GDB may prefix strings
    with their data pointer)."""
    m = re.match(r"\$\d+ = (.*?)(?: = \{(.*)\})?$", text.strip(), re.S)
    assert m, text[:300]
    summary, body = m.group(1), m.group(2) or ""
    entries = []
    for k, v in _SCALAR_ENTRY.findall(body):
        entries.append({"key": _scalar(k), "value": _scalar(v)})
    return summary, entries, body.rstrip().endswith("...")

def _scalar(text: str) -> Any:
    text = re.sub(r"^0x[0-9a-f]+ ", "", text)
    if text.startswith('"'):
        return bytes(text[1:-1], "utf-8").decode("unicode_escape").encode(
            "latin-1").decode("utf-8")
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return float(text)
