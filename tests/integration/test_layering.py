"""The layering check (cmake/LayeringCheck.cmake) passes on the tree and fails the configure
step on a forbidden include in each layer."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "cmake" / "LayeringCheck.cmake"
CMAKE = shutil.which("cmake")

# (layer, an include it must not have)
FORBIDDEN = [("core", "commands/host.h"), ("core", "lldb/API/SBDebugger.h"),
             ("core/classic", "core/value.h"), ("core/swiss", "core/triage.h"),
             ("core/heap", "core/check.h"),
             ("dwarf", "commands/go_target.h"), ("commands", "lldb/API/SBProcess.h"),
             ("commands", "pybind11/pybind11.h"), ("commands", "plugin/lldb_host.h"),
             ("plugin", "Python.h"), ("pretty_printers", "plugin/commands.h")]


def _check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CMAKE, f"-DGOMAP_LAYERING_ROOT={root}", "-P", str(CHECK)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(CMAKE is None, reason="cmake is not installed")
def test_tree_passes() -> None:
    p = _check(REPO)
    assert p.returncode == 0, p.stderr


@pytest.mark.skipif(CMAKE is None, reason="cmake is not installed")
@pytest.mark.parametrize("layer,include", FORBIDDEN)
def test_forbidden_include_fails(layer: str, include: str, tmp_path: Path) -> None:
    (tmp_path / layer).mkdir(parents=True)
    bad = tmp_path / layer / "bad.cpp"
    bad.write_text(f'// a layering violation\n#include "{include}"\nint x;\n')
    p = _check(tmp_path)
    assert p.returncode != 0, f"{layer} including {include} passed the check"
    assert "layering violation" in p.stderr and str(bad) in p.stderr, p.stderr
