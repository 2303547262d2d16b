"""Bad input gets one clear line and exit status 2 from the CLI, never a crash or garbage:
an address that is not a map, an unreadable address, an unknown type, an unknown or non-map
variable, a non-Go binary, a Go release outside the supported window, CLI usage errors.
Also: field-path expressions, and the `gomap version` report."""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import INSPECT, inspect  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# One classic and one swiss toolchain keep this file quick; test_lldb_maps covers them all.
PICK = [t for t in fx.toolchains() if t.usable and (t.impl, t.experiment) in
        {("classic", ""), ("swiss", "")}]
CLASSIC = next((t for t in PICK if t.impl == "classic"), None)
SWISS = next((t for t in reversed(PICK) if t.impl == "swiss"), None)
TCS = [pytest.param(t, id=t.id) for t in (CLASSIC, SWISS) if t is not None]

def _one_line_error(p: subprocess.CompletedProcess, pattern: str) -> None:
    assert p.returncode == 2, f"rc={p.returncode}\nstdout={p.stdout}\nstderr={p.stderr}"
    assert p.stdout == "", p.stdout
    lines = [ln for ln in p.stderr.splitlines()
             if ln.strip() and "no plugin for the language" not in ln]
    assert len(lines) == 1, p.stderr
    assert re.search(pattern, lines[0]), lines[0]

def _global_address(binary: Path, name: str) -> int:
    out = subprocess.run(["llvm-dwarfdump-19", f"--name={name}", str(binary)],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"DW_OP_addr (0x[0-9a-f]+)", out)
    assert m, out
    return int(m.group(1), 16)

@pytest.fixture(scope="module", params=TCS)
def core_target(request, tmp_path_factory):
    tc = request.param
    binary = fx.build("maps", tc)
    core, expect = fx.make_core(binary, tmp_path_factory.mktemp(tc.id))
    return tc, binary, ["--core", str(core)], expect

def test_address_that_is_not_a_map(core_target) -> None:
    tc, binary, target, _ = core_target
    addr = _global_address(binary, "main.notAMap")
    p = inspect(binary, target, "show", hex(addr), "--type", "map[string]int")
    _one_line_error(p, r"does not hold a valid map\[string\]int header")
    p = inspect(binary, target, "header", hex(addr), "--type", "map[int]int", "--json")
    _one_line_error(p, r"does not hold a valid map\[int\]int header")

def test_unreadable_address(core_target) -> None:
    _, binary, target, _ = core_target
    p = inspect(binary, target, "show", "0x10", "--type", "map[string]int")
    _one_line_error(p, r"cannot read a map\[string\]int header at 0x10")

def test_unknown_type(core_target) -> None:
    _, binary, target, expect = core_target
    addr = expect["maps"]["main.mSmall"]["address"]
    p = inspect(binary, target, "show", addr, "--type", "map[nosuch]T")
    _one_line_error(p, r"no type named 'map\[nosuch\]T'")
    p = inspect(binary, target, "show", addr, "--type", "main.Point")
    _one_line_error(p, r"'main.Point' is not a map type")
    p = inspect(binary, target, "show", addr)
    _one_line_error(p, r"an address needs --type")

def test_address_with_type_decodes(core_target) -> None:
    _, binary, target, expect = core_target
    want = expect["maps"]["main.mSmall"]
    p = inspect(binary, target, "show", want["address"], "--type", want["type"], "--json")
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)["map"]
    fx.assert_same_entries(got["entries"], want["entries"])

def test_unknown_variable_suggests(core_target) -> None:
    _, binary, target, _ = core_target
    p = inspect(binary, target, "show", "main.mSmal")
    _one_line_error(p, r"no variable named 'main.mSmal'.*map variables: (.*, )?main.mSmall\b")
    # The package may be left out for main.
    p = inspect(binary, target, "show", "mSmall", "--json")
    assert p.returncode == 0, p.stderr

def test_non_map_variable_and_bad_field(core_target) -> None:
    _, binary, target, _ = core_target
    p = inspect(binary, target, "show", "main.pointTarget")
    _one_line_error(p, r"main.pointTarget is a \*main.Point, not a map")
    p = inspect(binary, target, "show", "main.holder.nope")
    _one_line_error(p, r"has no field 'nope'")

def test_field_path_through_pointers(core_target) -> None:
    _, binary, target, _ = core_target
    p = inspect(binary, target, "show", "main.holder.inner.m", "--json")
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)["map"]
    assert got["len"] == 2
    fx.assert_same_entries(got["entries"], [{"key": "x", "value": 1},
                                            {"key": "y", "value": 2}])

def test_limit_offset_truncated(core_target) -> None:
    _, binary, target, expect = core_target
    want = expect["maps"]["main.mInt100k"]
    seen = []
    for off in (0, 40, 80):
        p = inspect(binary, target, "show", "main.mInt100k", "--offset", str(off),
                    "--limit", "40", "--json")
        assert p.returncode == 0, p.stderr
        m = json.loads(p.stdout)["map"]
        assert len(m["entries"]) == 40 and m["truncated"] is True
        seen += m["entries"]
    # Three pages of one walk order do not overlap, and all are real entries.
    assert len({json.dumps(e) for e in seen}) == 120
    wanted = {json.dumps(e) for e in want["entries"]}
    assert all(json.dumps(e) in wanted for e in seen)
    p = inspect(binary, target, "show", "main.mInt100k")
    assert p.returncode == 0
    lines = p.stdout.splitlines()
    assert lines[0].startswith("(map[int64]int64) 0x") and "len=100000" in lines[0]
    assert len(lines) == 1 + 64 + 1, lines[-3:]  # header, default limit 64, "more" line

def test_usage_errors(core_target) -> None:
    _, binary, target, _ = core_target
    _one_line_error(inspect(binary, target, "show"), r"missing EXPR")
    _one_line_error(inspect(binary, target, "show", "main.mSmall", "--bogus"),
                    r"unknown option '--bogus'")
    _one_line_error(inspect(binary, target, "show", "main.mSmall", "--limit", "x"),
                    r"--limit takes a number")
    _one_line_error(inspect(binary, target, "show", "main.mSmall", "-g", "999999"),
                    r"no goroutine 999999")
    # A package-level variable is valid in any goroutine's frames.
    p = inspect(binary, target, "show", "main.mSmall", "-g", "1", "--json")
    assert p.returncode == 0, p.stderr
    p = subprocess.run([str(INSPECT)], capture_output=True, text=True)
    assert p.returncode == 2
    p = subprocess.run([str(INSPECT), str(binary), "--core", "/nonexistent", "version"],
                       capture_output=True, text=True)
    _one_line_error(p, r"no such core file")
    p = subprocess.run([str(INSPECT), str(binary), "version"], capture_output=True, text=True)
    assert p.returncode == 2 and "exactly one of --core or --pid" in p.stderr

def test_version_report(core_target) -> None:
    tc, binary, target, expect = core_target
    p = inspect(binary, target, "version", "--json")
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)["version"]
    assert v["go_version"] == expect["go_version"]
    assert v["impl"] == expect["impl"]
    # The LLDB gomap-inspect runs (GOMAP_LLDB_MAJOR; scripts/test also runs with 22).
    major = os.environ.get("GOMAP_LLDB_MAJOR", "19")
    assert v["debugger"].startswith(f"lldb version {major}."), v["debugger"]

def test_non_go_binary(tmp_path: Path) -> None:
    src = tmp_path / "hello.c"
    src.write_text("#include <unistd.h>\nint main(void){for(;;)pause();}\n")
    exe = tmp_path / "hello"
    subprocess.run(["cc", "-g", "-o", str(exe), str(src)], check=True)
    proc = subprocess.Popen([str(exe)])
    try:
        time.sleep(0.2)
        p = inspect(exe, ["--pid", str(proc.pid)], "show", "main.m")
        _one_line_error(p, r"is not a Go binary")
        assert proc.poll() is None, "the process must keep running after detach"
    finally:
        proc.kill()
        proc.wait()

def test_go_release_outside_window(tmp_path: Path) -> None:
    go = shutil.which("go")
    if go is None:
        pytest.skip("no machine go to fetch go1.18.10 with")
    env = dict(os.environ, GOTOOLCHAIN="go1.18.10", GOFLAGS="-buildvcs=false")
    exe = tmp_path / "crash118"
    b = subprocess.run([go, "build", "-o", str(exe), "./crash"], cwd=REPO / "tests/fixtures",
                       env=env, capture_output=True, text=True, timeout=600)
    if b.returncode != 0:
        pytest.skip(f"go1.18.10 not available here: {b.stderr.strip()[-300:]}")

    def unlimited() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2)
    r = subprocess.run([str(exe)], cwd=tmp_path, env=dict(os.environ, GOTRACEBACK="crash"),
                       preexec_fn=unlimited, capture_output=True, timeout=120)
    assert r.returncode == -signal.SIGABRT, r.stderr[-500:]
    cores = list(tmp_path.glob("core*"))
    assert cores, "no core"
    p = inspect(exe, ["--core", str(cores[0])], "show", "main.sessions")
    _one_line_error(p, r"outside the supported window go1\.19-go1\.27.*go1\.18\.10")

@pytest.mark.parametrize("tc", TCS)
def test_stripped_binary(tc: fx.Toolchain, tmp_path: Path) -> None:
    """-ldflags='-s -w': no DWARF and no symbols. Commands that need names say so in one
    line; version reports the release from .go.buildinfo; goroutines and bt work from the
    pclntab (their output is checked against runtime.Stack in test_lldb_goroutines.py)."""
    binary = fx.build("goroutines", tc, ["-ldflags=-s -w"])
    core, expect = fx.make_core(binary, tmp_path)
    target = ["--core", str(core)]
    for cmd in (["show", "main.x"], ["header", "m"], ["locals"], ["layout", "main.x"],
                ["iter"], ["show", "0x1000", "--type", "map[int]int"]):
        _one_line_error(inspect(binary, target, *cmd),
                        r"has no DWARF debug info .*variables and types are unavailable; "
                        r"gomap goroutines and gomap bt work from the pclntab")
    p = inspect(binary, target, "version", "--json")
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)["version"]
    assert v["go_version"] == tc.runtime_version and v["go_version_source"] == ".go.buildinfo"
    assert v["debug_info"] is False and v["impl"] == tc.impl
    assert "no DWARF" in v["target_error"]
    p = inspect(binary, target, "goroutines")
    assert p.returncode == 0, p.stderr
    assert "(names and lines from the pclntab, runtime.g offsets from the built-in" in p.stdout
    listed = json.loads(inspect(binary, target, "goroutines", "--json").stdout)["goroutines"]
    assert f"[{len(listed)} goroutines]" in p.stdout
    p = inspect(binary, target, "bt", "-g", "1")
    assert p.returncode == 0 and "main.main" in p.stdout, p.stdout + p.stderr
