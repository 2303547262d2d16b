"""gomap-inspector for GDB: Go map pretty-printers and `gomap` commands on the C++ core.

Source this one file (`source /path/to/pretty_printers/gomap_gdb.py`, see docs/gdb.md). It
imports the `_gomap` extension module built by scripts/setup into build/pretty_printers (or
$GOMAP_PYTHON_DIR); if that fails it prints one line and registers nothing.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import gdb
import gdb.printing

_HERE = Path(__file__).resolve().parent
_MODULE_DIRS = [os.environ.get("GOMAP_PYTHON_DIR", ""),
                str(_HERE.parent / "build" / "pretty_printers"), str(_HERE)]
for _d in _MODULE_DIRS:
    if _d and _d not in sys.path and Path(_d).is_dir():
        sys.path.insert(0, _d)

try:
    import _gomap
except ImportError as _e:
    _gomap = None  # type: ignore[assignment]
    gdb.write(f"gomap: cannot import the _gomap module ({_e}); it is built by scripts/setup "
              f"for /usr/bin/python3 (Python 3.11), this GDB embeds Python "
              f"{sys.version.split()[0]} at {sys.executable}; nothing registered\n",
              gdb.STDERR)

if _gomap is not None:
    if str(_HERE) not in sys.path:
        sys.path.insert(0, str(_HERE))
    # Registration happens here and only here.
    from gomap import gdb_commands, gdb_printers  # noqa: E402

    gdb_printers.register()
    gdb_commands.register()
