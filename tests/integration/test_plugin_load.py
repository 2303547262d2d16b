"""Loading the plugin: it registers `gomap` in the LLDB it was built for, and refuses in one
line, without crashing the host (also at exit), when another LLDB loads it."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "build" / "plugin" / "libgomap_lldb.so"
LIBLLDB22 = Path("/usr/lib/llvm-22/lib/liblldb.so.1")

HOST = r"""
// Minimal LLDB host: loads a plugin into whichever liblldb it is linked with.
#include <cstdio>
#include <string>
#include "lldb/API/LLDB.h"
int main(int argc, char **argv) {
  lldb::SBDebugger::Initialize();
  lldb::SBDebugger d = lldb::SBDebugger::Create(false);
  std::printf("host: %s\n", lldb::SBDebugger::GetVersionString());
  lldb::SBCommandReturnObject r;
  d.GetCommandInterpreter().HandleCommand(("plugin load " + std::string(argv[1])).c_str(), r);
  std::printf("loaded=%d\n", r.Succeeded());
  lldb::SBCommandReturnObject r2;
  d.GetCommandInterpreter().HandleCommand("gomap version", r2);
  std::printf("gomap=%d\n", r2.Succeeded());
  lldb::SBDebugger::Destroy(d);
  lldb::SBDebugger::Terminate();
  return 0;
}
"""

def test_loads_into_lldb19() -> None:
    p = subprocess.run(["lldb-19", "-b", "-o", f"plugin load {PLUGIN}", "-o", "gomap version",
                        "-o", "help gomap"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "gomap-inspector 0.1.0" in p.stdout
    assert "debugger: lldb version 19." in p.stdout
    for sub in ("show", "header", "version"):
        assert f"  {sub}" in p.stdout, p.stdout

def test_lldb_gets_only_the_container() -> None:
    """In lldb the plugin prints nothing on load and registers `gomap` once, as a container:
    the plain `gomap` it adds for lldb-dap's console (docs/ide.md) would make `gom` ambiguous."""
    p = subprocess.run(["lldb-19", "-b", "-o", f"plugin load {PLUGIN}", "-o", "gom version",
                        "-o", "help"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[:2] == [f"(lldb) plugin load {PLUGIN}", "(lldb) gom version"], p.stdout
    assert lines[2].startswith("gomap-inspector "), p.stdout
    assert "warning" not in p.stderr.lower() and "error" not in p.stderr.lower(), p.stderr
    listed = [ln for ln in lines if ln.lstrip().startswith("gomap ")]
    assert len(listed) == 1, listed

def test_refuses_other_lldb(tmp_path: Path) -> None:
    if not LIBLLDB22.exists():
        pytest.skip(f"{LIBLLDB22} not installed (Debian package liblldb-22)")
    src = tmp_path / "host.cpp"
    src.write_text(HOST)
    exe = tmp_path / "host22"
    subprocess.run(["g++", "-std=c++17", "-I/usr/lib/llvm-19/include", str(src), "-o", str(exe),
                    str(LIBLLDB22), f"-Wl,-rpath,{LIBLLDB22.parent}"], check=True)
    p = subprocess.run([str(exe), str(PLUGIN)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"host crashed: rc={p.returncode}\n{p.stderr}"
    assert "host: lldb version 22." in p.stdout
    assert "loaded=0" in p.stdout and "gomap=0" in p.stdout
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert lines == ["gomap: this plugin was built for LLDB 19 and cannot load into LLDB 22; "
                     "rebuild it with -DGOMAP_LLDB_MAJOR=22"], p.stderr
