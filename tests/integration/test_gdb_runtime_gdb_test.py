"""The map checks of Go's own runtime-gdb_test.go (TestGdbPython) pass with gomap's printers
loaded: its program (helloSource, from the toolchain's GOROOT) is built and debugged the way
the Go test does it, with runtime-gdb.py auto-loaded and gomap_gdb.py sourced after it (or,
as from ~/.gdbinit, before), and `print smallmapvar`, `print mapvar` and `print slicemap`
must match the Go test's expectations (copied from it)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402

SMALL = re.compile(r'^\$[0-9]+ = map\[string\]string = \{\[(0x[0-9a-f]+\s+)?"abc"\] = '
                   r'(0x[0-9a-f]+\s+)?"def"\}$')
MAPVAR = [re.compile(r'^\$[0-9]+ = map\[string\]string = \{\[(0x[0-9a-f]+\s+)?"abc"\] = '
                     r'(0x[0-9a-f]+\s+)?"def", \[(0x[0-9a-f]+\s+)?"ghi"\] = '
                     r'(0x[0-9a-f]+\s+)?"jkl"\}$'),
          re.compile(r'^\$[0-9]+ = map\[string\]string = \{\[(0x[0-9a-f]+\s+)?"ghi"\] = '
                     r'(0x[0-9a-f]+\s+)?"jkl", \[(0x[0-9a-f]+\s+)?"abc"\] = '
                     r'(0x[0-9a-f]+\s+)?"def"\}$')]
SLICEMAP = ['map[string][]string = {["e"] = []string = {"f", "g", "h"}, ["a"] = []string = '
            '{"b", "c", "d"}}',
            'map[string][]string = {["a"] = []string = {"b", "c", "d"}, ["e"] = []string = '
            '{"f", "g", "h"}}']


def _program(tc: fx.Toolchain, tmp_path: Path) -> tuple[Path, int, str]:
    test = Path(tc.goroot) / "src" / "runtime" / "runtime-gdb_test.go"
    # A raw string, from go1.24 on with sizes spliced in:
    # `...make(map[string]string, ` + strconv.FormatInt(abi.OldMapBucketCount+9, 10) + `)...`
    m = re.search(r"(?:var|const) helloSource = `(.*?END_OF_PROGRAM\n)`", test.read_text(),
                  re.S)
    assert m, f"no helloSource in {test}"
    body = re.sub(r"` \+ strconv\.FormatInt\(abi\.\w*BucketCount\+(\d+), 10\) \+ `",
                  lambda n: str(8 + int(n.group(1))), m.group(1))
    assert "`" not in body, f"helloSource of {test} is an expression this test cannot read"
    src = "package main\n" + body
    bp = next(i for i, line in enumerate(src.split("\n")) if "breakpoint" in line)
    (tmp_path / "main.go").write_text(src)
    env = dict(fx.os.environ, **tc.env)
    p = subprocess.run([tc.go, "build", "-o", "a.exe", "main.go"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return tmp_path / "a.exe", bp, src


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
@pytest.mark.parametrize("tc,order", fx.representative_params(("after", "before")))
def test_runtime_gdb_test_map_checks(tc: fx.Toolchain, order: str, tmp_path: Path) -> None:
    binary, bp, src = _program(tc, tmp_path)
    # Each release's test checks the maps its program has (smallmapvar from go1.21 on).
    names = [v for v in ("smallmapvar", "mapvar", "slicemap") if re.search(rf"\b{v}\b", src)]
    runtime_dir = Path(tc.goroot) / "src" / "runtime"
    script = ["-iex", f"source {gs.SCRIPT}"] if order == "before" else []
    args = [str(gs.GDB), "-nx", "-q", "--batch",
            "-iex", f"add-auto-load-safe-path {runtime_dir}", *script,
            "-ex", "set startup-with-shell off", "-ex", "info auto-load python-scripts"]
    if order == "after":
        args += ["-ex", f"source {gs.SCRIPT}"]
    args += ["-ex", f"br main.go:{bp}", "-ex", "run"]
    for v in names:
        args += ["-ex", f"echo BEGIN print {v}\\n", "-ex", f"print {v}", "-ex", "echo END\\n"]
    # The same map with details on: proof that gomap's printer, not runtime-gdb.py's, printed.
    args += ["-ex", "set gomap-print-details on", "-ex", "echo BEGIN details\\n",
             "-ex", "print mapvar", "-ex", "echo END\\n"]
    args.append(str(binary))
    p = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    blocks = dict(re.findall(r"(?ms)^BEGIN ([^\n]*)\n(.*?)\nEND", p.stdout))
    assert "runtime-gdb.py" in p.stdout, f"runtime-gdb.py not auto-loaded:\n{p.stdout[-2000:]}"
    problems = []
    if "smallmapvar" in names and not SMALL.match(blocks.get("print smallmapvar", "")):
        problems.append(f"print smallmapvar: {blocks.get('print smallmapvar')!r}")
    if not any(r.match(blocks.get("print mapvar", "")) for r in MAPVAR):
        problems.append(f"print mapvar: {blocks.get('print mapvar')!r}")
    sm = blocks.get("print slicemap", "").replace("  ", " ")
    if not any(sm.endswith(s) for s in SLICEMAP):
        problems.append(f"print slicemap: {sm!r}")
    if f"len=2 impl={tc.impl}" not in blocks.get("details", ""):
        problems.append(f"gomap's printer did not print mapvar: {blocks.get('details')!r}")
    assert not problems, "\n".join(problems) + f"\nstderr: {p.stderr[-2000:]}"
