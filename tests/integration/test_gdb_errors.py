"""GDB side, bad input and precedence: corrupt or unreadable map memory gives one error line
(commands) or a visible marker (print), never a traceback; the gomap printer wins over Go's
runtime-gdb.py whichever is loaded first, and can be disabled by name; a 1,000,000-entry map
prints promptly under the default `print elements`; `gomap version`."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402

pytestmark = pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
# One classic and one swiss toolchain; test_gdb_maps covers them all.
PICK = [t for t in fx.toolchains() if t.usable and (t.impl, t.experiment) in
        {("classic", ""), ("swiss", "")}]
CLASSIC = next((t for t in PICK if t.impl == "classic"), None)
SWISS = next((t for t in reversed(PICK) if t.impl == "swiss"), None)
TCS = [pytest.param(t, id=t.id) for t in (CLASSIC, SWISS) if t is not None]

@pytest.fixture(scope="module", params=TCS)
def core_target(request, tmp_path_factory):
    tc = request.param
    binary = fx.build("maps", tc)
    core, expect = fx.make_core(binary, tmp_path_factory.mktemp(tc.id))
    return tc, binary, ["--core", str(core)], expect

def _global_address(binary: Path, name: str) -> int:
    out = subprocess.run(["llvm-dwarfdump-19", f"--name={name}", str(binary)],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"DW_OP_addr (0x[0-9a-f]+)", out)
    assert m, out
    return int(m.group(1), 16)

def _set_map_var(name: str, addr: str) -> str:
    """A GDB convenience variable holding a map[string]int value (the header pointer)."""
    return (f"python gdb.set_convenience_variable('{name}', gdb.Value({addr})"
            f".cast(gdb.lookup_type('map[string]int')))")

def _error_lines(stderr: str) -> list[str]:
    """stderr without GDB's own start-up chatter about the core and threads."""
    return [ln for ln in stderr.splitlines() if ln.startswith("gomap ") or
            "Traceback" in ln or "Python Exception" in ln or "Error occurred" in ln]

def test_corrupt_and_unreadable_maps_are_one_line(core_target) -> None:
    _, binary, target, expect = core_target
    bad = hex(_global_address(binary, "main.notAMap"))
    small = expect["maps"]["main.mSmall"]["address"]
    commands = [f"gomap show {bad} --type map[string]int",
                f"gomap header {bad} --type map[int]int --json",
                "gomap show 0x10 --type map[string]int",
                f"gomap show {small} --type map[nosuch]T",
                f"gomap show {small} --type main.Point",
                f"gomap show {small}",
                "gomap show main.mSmal",
                "gomap show main.pointTarget",
                "gomap show main.holder.nope",
                "gomap show main.mSmall --limit x",
                "gomap show main.mSmall --bogus",
                _set_map_var("bad", bad), "print $bad",
                _set_map_var("low", "0x10"), "print $low"]
    outs, p = gs.run(binary, target, commands)
    errors = _error_lines(p.stderr)
    want = [r"gomap show: 0x[0-9a-f]+ does not hold a valid map\[string\]int header",
            r"gomap header: 0x[0-9a-f]+ does not hold a valid map\[int\]int header",
            r"gomap show: cannot read a map\[string\]int header at 0x10",
            r"gomap show: no type named 'map\[nosuch\]T'",
            r"gomap show: 'main.Point' is not a map type",
            r"gomap show: an address needs --type",
            r"gomap show: no variable named 'main.mSmal'",
            r"gomap show: main.pointTarget is a \*main.Point, not a map",
            r"gomap show: main.holder .*has no field 'nope'",
            r"gomap show: --limit takes a number",
            r"gomap show: unknown option '--bogus'"]
    assert len(errors) == len(want), p.stderr
    for line, pattern in zip(errors, want):
        assert re.match(pattern, line), (line, pattern)
    assert all(o == "" for o in outs[:len(want)]), outs
    # print: the printer marks the value instead of failing or printing garbage.
    assert re.search(r"map\[string\]int <corrupt: 0x[0-9a-f]+ does not hold a valid",
                     outs[-3]), outs[-3]
    assert "<corrupt: cannot read a map[string]int header at 0x10" in outs[-1], outs[-1]

def test_field_path_address_and_text(core_target) -> None:
    _, binary, target, expect = core_target
    small = expect["maps"]["main.mSmall"]
    outs, p = gs.run(binary, target, [
        "gomap show main.holder.inner.m --json",
        f"gomap show {small['address']} --type '{small['type']}' --json",
        "gomap show mSmall --limit 2",
        "gomap header main.mSmall"])
    got = json.loads(outs[0])["map"]
    fx.assert_same_entries(got["entries"], [{"key": "x", "value": 1},
                                            {"key": "y", "value": 2}])
    fx.assert_same_entries(json.loads(outs[1])["map"]["entries"], small["entries"])
    lines = outs[2].splitlines()
    assert lines[0] == f"(map[string]int) {small['address']} len=5 impl={expect['impl']}"
    assert len(lines) == 4 and lines[3].startswith("  ... (more entries"), outs[2]
    assert outs[3].startswith(f"(map[string]int) {small['address']} len=5"), outs[3]

@pytest.mark.parametrize("source_first", [False, True], ids=["after-autoload",
                                                             "before-autoload"])
def test_precedence_over_runtime_gdb_py(core_target, source_first: bool) -> None:
    _, binary, target, _ = core_target
    outs, p = gs.run(binary, target, [
        "info auto-load python-scripts", "set gomap-print-details on", "print 'main.mSmall'",
        "disable pretty-printer .* gomap", "print 'main.mSmall'",
        "enable pretty-printer .* gomap", "print 'main.mSmall'"],
        source_first=source_first, interactive=source_first)
    if "runtime-gdb.py" not in outs[0] or "Yes" not in outs[0]:
        pytest.skip(f"Go's runtime-gdb.py was not auto-loaded: {outs[0]!r}")
    assert " impl=" in outs[2], outs[2]
    assert " impl=" not in outs[4], outs[4]  # runtime-gdb.py's printer, or none
    assert " impl=" in outs[6], outs[6]

def test_gdb_exits_cleanly_however_the_script_is_loaded(core_target) -> None:
    """GDB 13 crashed at exit (SIGSEGV in PyGILState_Ensure) when the printers posted an
    event that its event loop never ran: the script loaded before the program or the core
    (~/.gdbinit), then -batch or `-ex quit`. Every way of loading exits 0; under MI (where no
    before_prompt event comes) the gomap printer still goes first after runtime-gdb.py."""
    _, binary, target, _ = core_target
    core = target[1]
    base = [str(gs.GDB), "-nx", "-iex", "set auto-load safe-path /"]
    src = f"source {gs.SCRIPT}"
    shapes = {
        "-iex source, -batch": base + ["-batch", "-iex", src, "-ex", "gomap version",
                                       str(binary), core],
        "-ex source, -ex core, -batch": base + ["-batch", "-ex", src, "-ex", f"core {core}",
                                                "-ex", "gomap version", str(binary)],
        "-ex source, -ex core, -ex quit": base + ["-ex", src, "-ex", f"core {core}",
                                                  "-ex", "quit", str(binary)],
    }
    for what, args in shapes.items():
        p = subprocess.run(args, capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
        assert p.returncode == 0 and "Fatal signal" not in p.stderr, (what, p.returncode,
                                                                      p.stderr[-2000:])
    first = ('-interpreter-exec console "python print(\'FIRST\', getattr(gdb.objfiles()[0]'
             '.pretty_printers[0], \'name\', \'other\'))"\n-gdb-exit\n')
    p = subprocess.run(base + ["--interpreter=mi", "-iex", src, str(binary), core],
                       input=first, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    assert 'FIRST gomap' in p.stdout, p.stdout[-2000:]


def test_version(core_target) -> None:
    tc, binary, target, _ = core_target
    outs, _ = gs.run(binary, target, ["gomap version --json", "gomap version"])
    v = json.loads(outs[0])["version"]
    assert v["go_version"] == tc.runtime_version.replace("-X:", " X:")
    assert v["go_version_source"] == "runtime.buildVersion"
    assert v["impl"] == tc.impl
    assert v["debugger"].startswith("GNU gdb")
    assert f"map implementation: {tc.impl}" in outs[1]

@pytest.mark.parametrize("tc", TCS)
def test_print_of_a_million_entries_is_bounded(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    core, expect = fx.make_core(binary, tmp_path, args=["-big"])
    outs, _ = gs.run(binary, ["--core", str(core)],
                     ["set gomap-print-details on", "print 'main.mBig1M'"], timeout=120)
    summary, entries, elided = gs.parse_printed_map(outs[1])
    assert summary == f"map[int64]int64 len=1000000 impl={tc.impl}"
    # GDB 13 counts keys and values as elements: 200 elements = 100 entries, then "...".
    assert len(entries) == 100 and elided, outs[0][-200:]
    assert all(e["value"] == ~e["key"] for e in entries)
