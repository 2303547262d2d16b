"""The `gomap` GDB commands: every subcommand of the LLDB plugin, run by the same C++ code
(commands/, through _gomap.run_command) over GDB (gomap/gdb_host.py) — the same options,
help, text and JSON (docs/commands.md). The command table is the C++ one."""
from __future__ import annotations

import shlex

import _gomap
import gdb

from gomap import gdb_host, gdb_printers


class Subcommand(gdb.Command):
    """One `gomap` subcommand; its help is the C++ table's."""

    def __init__(self, name: str) -> None:
        super().__init__(f"gomap {name}", gdb.COMMAND_DATA)
        self.name = name

    def split(self, arg: str) -> list[str]:
        """The command line as words. For show, shell words: inside '…' every character is
        literal, so a key's Go escapes survive (gdb.string_to_argv would eat the backslash of
        m["a\\nb"] even inside quotes)."""
        if self.name == "show":
            try:
                return shlex.split(arg)
            except ValueError:  # an unbalanced quote: GDB's own splitting
                pass
        return gdb.string_to_argv(arg)

    def invoke(self, arg: str, from_tty: bool) -> None:
        gdb_printers.ensure_first()
        try:
            argv = self.split(arg)
        except gdb.error as e:
            raise gdb.GdbError(f"gomap {self.name}: {e}") from None
        ok, error, _findings, interrupted = _gomap.run_command(
            self.name, argv, gdb_host.GdbHost(), gdb.write)
        if interrupted:
            raise KeyboardInterrupt
        if not ok:
            raise gdb.GdbError(error)


class GomapPrefix(gdb.Command):
    """Inspect Go maps: entries, headers and internals (gomap-inspector).

The subcommands are those of the LLDB plugin; `help gomap SUBCOMMAND` shows one."""

    def __init__(self) -> None:
        super().__init__("gomap", gdb.COMMAND_DATA, prefix=True)


def _command_class(name: str, summary: str, syntax: str) -> type:
    # GDB takes a command's help from its class docstring: first line, then the rest.
    return type(f"Gomap_{name}", (Subcommand,), {"__doc__": f"{summary}\n\n{syntax}"})


def register() -> None:
    GomapPrefix()
    for name, summary, syntax in _gomap.commands():
        _command_class(name, summary, syntax)(name)
    gdb_host.register()
