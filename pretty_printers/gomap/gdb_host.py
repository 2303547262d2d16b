"""The debugger side of the `gomap` commands in GDB: what commands/host.h asks a debugger
for (memory, threads and their registers and frames, the selection, symbols), answered with
GDB's Python API. The commands themselves are the C++ ones the LLDB plugin runs
(_gomap.run_command), so both debuggers print the same text and JSON."""
from __future__ import annotations

from typing import Any, Optional

import gdb

from gomap import gdb_target as tgt

# DWARF register numbers of x86-64 (System V psABI), as GDB names them.
REGISTERS = ("rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10",
             "r11", "r12", "r13", "r14", "r15", "rip")
MAX_FRAMES = 1024
MASK = 2**64 - 1

_stop_id = 0


def _bump(*_: Any) -> None:
    """Anything that can change what the target's memory or registers say is a new stop."""
    global _stop_id
    _stop_id += 1


def connect_events() -> None:
    for name in ("stop", "cont", "exited", "new_objfile", "clear_objfiles", "memory_changed",
                 "register_changed", "inferior_call", "new_inferior", "new_thread"):
        ev = getattr(gdb.events, name, None)
        if ev is not None:
            ev.connect(_bump)


def _reg(frame: gdb.Frame, name: str) -> Optional[int]:
    try:
        return int(frame.read_register(name)) & MASK
    except (gdb.error, ValueError):
        return None


class _Selection:
    """Restores GDB's selected thread and frame on exit: reading another thread's registers
    means switching to it."""

    def __enter__(self) -> "_Selection":
        self.thread = gdb.selected_thread()
        try:
            self.frame: Optional[gdb.Frame] = gdb.selected_frame()
        except gdb.error:
            self.frame = None
        return self

    def __exit__(self, *_: Any) -> None:
        if self.thread is not None and self.thread.is_valid():
            self.thread.switch()
            if self.frame is not None and self.frame.is_valid():
                self.frame.select()


class GdbHost:
    """One command's view of GDB's selected inferior (see commands/host.h)."""

    def __init__(self) -> None:
        self._threads: Optional[dict[int, tuple[gdb.InferiorThread, tuple]]] = None
        self._regs: dict[int, list[Optional[int]]] = {}

    # --- target and process ----------------------------------------------------------
    def name(self) -> str:
        return "gdb"

    def version(self) -> str:
        return f"GNU gdb {gdb.VERSION}"

    def executable(self) -> tuple[bool, str]:
        path = gdb.current_progspace().filename
        if not path:
            return False, "no target; load the program with 'file BINARY'"
        return True, path

    def stopped(self) -> tuple[bool, str]:
        inf = gdb.selected_inferior()
        if inf.pid == 0 or not inf.threads():
            if _exit_status is not None:
                return False, (f"the process has exited (status {_exit_status}); there is "
                               "nothing to read")
            return False, ("no process: run or attach to the program, or load a core "
                           "('core-file CORE')")
        th = gdb.selected_thread()
        if th is None or th.is_running() or any(t.is_running() for t in inf.threads()):
            return False, "the process is running; stop it first (interrupt)"
        return True, ""

    def process_id(self) -> int:
        inf = gdb.selected_inferior()
        return (inf.num << 32) | (inf.pid & 0xFFFFFFFF)

    def stop_id(self) -> int:
        return _stop_id & 0xFFFFFFFF

    def read_memory(self, addr: int, n: int) -> Any:
        try:
            return gdb.selected_inferior().read_memory(addr, n)
        except (gdb.MemoryError, gdb.error, ValueError, OverflowError):
            return None

    # --- threads ---------------------------------------------------------------------
    def _all(self) -> dict[int, tuple[gdb.InferiorThread, tuple]]:
        if self._threads is None:
            self._threads = {}
            with _Selection():
                for t in gdb.selected_inferior().threads():
                    if not t.is_valid():
                        continue
                    tid = t.ptid[1] or t.ptid[2]
                    try:
                        t.switch()
                        f = gdb.newest_frame()
                    except gdb.error:
                        continue
                    regs = [_reg(f, r) for r in REGISTERS]
                    self._regs[tid] = regs
                    pc, sp = regs[16], regs[7]
                    if pc is None or sp is None:
                        continue
                    self._threads[tid] = (t, (tid, t.num, pc, sp))
        return self._threads

    def threads(self) -> list[tuple]:
        return [info for _, info in self._all().values()]

    def register(self, tid: int, regno: int) -> Optional[int]:
        self._all()
        regs = self._regs.get(tid)
        return regs[regno] if regs is not None and 0 <= regno < len(regs) else None

    def frames(self, tid: int) -> list[tuple[int, int]]:
        entry = self._all().get(tid)
        if entry is None:
            return []
        out: list[tuple[int, int]] = []
        with _Selection():
            entry[0].switch()
            f: Optional[gdb.Frame] = gdb.newest_frame()
            while f is not None and len(out) < MAX_FRAMES:
                try:
                    older = f.older()
                except gdb.error:
                    older = None
                # Go's amd64 frames: the CFA is the caller's SP.
                cfa = _reg(older, "rsp") if older is not None else None
                out.append((f.pc() & MASK, cfa or 0))
                f = older
        return out

    def selected(self) -> Optional[tuple[tuple, int]]:
        th = gdb.selected_thread()
        if th is None:
            return None
        entry = self._all().get(th.ptid[1] or th.ptid[2])
        if entry is None:
            return None
        try:
            level = gdb.selected_frame().level()
        except gdb.error:
            level = 0
        return entry[1], level

    def select(self, tid: int, frame: int) -> bool:
        entry = self._all().get(tid)
        if entry is None:
            return False
        entry[0].switch()
        if frame >= 0:
            f: Optional[gdb.Frame] = gdb.newest_frame()
            for _ in range(frame):
                f = f.older() if f is not None else None
            if f is not None:
                f.select()
        return True

    # --- symbols and formatters ------------------------------------------------------
    def symbol_address(self, name: str) -> Optional[int]:
        addr = tgt.global_address(name)
        if addr:
            return addr
        try:
            sym = gdb.lookup_static_symbol(name) or gdb.lookup_global_symbol(name)
            if sym is not None:
                return int(sym.value().address) & MASK
        except (gdb.error, RuntimeError, TypeError):
            pass
        try:
            return int(gdb.parse_and_eval(f"(long)&'{name}'")) & MASK
        except gdb.error:
            return None

    def formatters(self) -> Any:
        from gomap import formatters
        return formatters

    def prepare(self) -> None:
        prepare_signals()

    def max_string_length(self) -> Optional[int]:
        """GDB's own cap on a printed string: `print characters` (GDB 14+; its
        default, "elements", defers to `print elements`), else `print elements`;
        None when unlimited."""
        for name in ("print characters", "print elements"):
            try:
                v = gdb.parameter(name)
            except RuntimeError:
                continue
            if isinstance(v, int) and not isinstance(v, bool):
                return v if v > 0 else None
            if v is None:  # unlimited
                return None
        return None


_exit_status: Optional[int] = None


def _on_exit(event: Any) -> None:
    global _exit_status
    _bump()
    _exit_status = int(getattr(event, "exit_code", 0) or 0)


def _on_start(_: Any) -> None:
    global _exit_status
    _exit_status = None


def prepare_signals() -> None:
    """Go's runtime preempts goroutines with SIGURG: let it pass silently (as the LLDB
    plugin does), from the first `run` on."""
    try:
        gdb.execute("handle SIGURG nostop noprint pass", to_string=True)
    except gdb.error:
        pass


def register() -> None:
    connect_events()
    gdb.events.exited.connect(_on_exit)
    gdb.events.new_thread.connect(_on_start)
    gdb.events.new_objfile.connect(_on_start)
    prepare_signals()
