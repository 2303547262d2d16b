"""A read-only snapshot of a live Linux process as an ELF core file, for `gomap-inspect --pid`.

Attaching a debugger writes into the target: LLDB plants a breakpoint at the entry point of a
static (Go) executable when it attaches and removes it at detach, so a tool killed in between
leaves an int3 in the program's code for good; and it resumes a process the user had stopped.
This module never writes to the target. It takes every thread with PTRACE_SEIZE (which stops
nothing) and PTRACE_INTERRUPT, reads each thread's registers (PTRACE_GETREGS) and every readable
mapping through /proc/PID/mem, writes them as an ELF core (NT_PRSTATUS per thread, NT_PRPSINFO,
NT_AUXV, one PT_LOAD per mapping), and detaches. A thread stops for as long as the copy takes;
a process that was stopped (SIGSTOP) stays stopped, a running one runs on; if this process dies
midway, the kernel detaches for it and nothing in the target has changed. x86-64 only.
"""
from __future__ import annotations

import ctypes
import errno
import os
import struct
from dataclasses import dataclass
from pathlib import Path

PTRACE_GETREGS = 12
PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000
NGREG = 27  # struct user_regs_struct on x86-64, the order of elf_gregset_t

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
_libc.ptrace.restype = ctypes.c_long


class SnapshotError(RuntimeError):
    """The process could not be snapshotted (gone, not permitted, not x86-64)."""


def _ptrace(req: int, tid: int, addr: int = 0, data: object = None) -> None:
    if _libc.ptrace(req, tid, addr, data) == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


@dataclass
class Mapping:
    start: int
    end: int
    perms: str
    name: str


def mappings(pid: int) -> list[Mapping]:
    out = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split(None, 5)
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        out.append(Mapping(lo, hi, parts[1], parts[5] if len(parts) > 5 else ""))
    return out


def _threads(pid: int) -> set[int]:
    return {int(t) for t in os.listdir(f"/proc/{pid}/task")}


def _seize_all(pid: int) -> list[int]:
    """Seizes and interrupts every thread (again while new ones appear)."""
    seized: list[int] = []
    for _ in range(100):
        new = sorted(_threads(pid) - set(seized))
        if not new:
            return seized
        for tid in new:
            try:
                _ptrace(PTRACE_SEIZE, tid)
            except OSError as e:
                if e.errno == errno.ESRCH:  # the thread exited meanwhile
                    continue
                raise
            seized.append(tid)
            _ptrace(PTRACE_INTERRUPT, tid)
            os.waitpid(tid, WALL)
    raise SnapshotError(f"pid {pid} keeps creating threads")


def _regs(tid: int) -> bytes:
    buf = (ctypes.c_uint64 * NGREG)()
    _ptrace(PTRACE_GETREGS, tid, 0, ctypes.byref(buf))
    return bytes(buf)


class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def _regset(tid: int, kind: int, size: int) -> bytes:
    """PTRACE_GETREGSET: NT_PRFPREG (512 bytes) or NT_X86_XSTATE (the XSAVE area)."""
    buf = ctypes.create_string_buffer(size)
    iov = _Iovec(ctypes.cast(buf, ctypes.c_void_p), size)
    try:
        _ptrace(0x4204, tid, kind, ctypes.byref(iov))
    except OSError:
        return b""
    return buf.raw[:iov.len]


def _thread_notes(pid: int, tid: int) -> list[bytes]:
    """The notes a kernel core has per thread: NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE."""
    notes = [_note(b"CORE", 1, _prstatus(pid, tid, _regs(tid)))]
    fp = _regset(tid, 2, 512)
    if fp:
        notes.append(_note(b"CORE", 2, fp))
    xstate = _regset(tid, 0x202, 64 * 1024)
    if xstate:  # owner LINUX: also how LLDB tells a Linux core of a static binary
        notes.append(_note(b"LINUX", 0x202, xstate))
    return notes


def _read_mapping(mem, m: Mapping) -> bytes:
    """The readable prefix of a mapping ([vvar] and the like read as nothing)."""
    chunks = []
    addr = m.start
    while addr < m.end:
        n = min(m.end - addr, 1 << 20)
        try:
            mem.seek(addr)
            data = mem.read(n)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
        addr += len(data)
        if len(data) < n:
            break
    return b"".join(chunks)


def _note(name: bytes, ntype: int, desc: bytes) -> bytes:
    name += b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)  # noqa: E731
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + pad(desc)


def _prstatus(pid: int, tid: int, regs: bytes) -> bytes:
    # struct elf_prstatus (x86-64): siginfo (3 ints), cursig, pad, sigpend, sighold,
    # pid, ppid, pgrp, sid, 4 timevals, then the registers and fpvalid.
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ppid, pgrp, sid = int(stat[1]), int(stat[2]), int(stat[3])
    head = struct.pack("<iiiHHQQiiii", 0, 0, 0, 0, 0, 0, 0, tid, ppid, pgrp, sid) + b"\0" * 64
    return head + regs + struct.pack("<iI", 0, 0)


def _prpsinfo(pid: int) -> bytes:
    comm = Path(f"/proc/{pid}/comm").read_bytes().strip()[:15]
    args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()[:79]
    st = os.stat(f"/proc/{pid}")
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (struct.pack("<bcbbxxxxQIIiiii", 0, b"R", 0, 0, 0, st.st_uid, st.st_gid, pid,
                        int(stat[1]), int(stat[2]), int(stat[3])) +
            comm.ljust(16, b"\0") + args.ljust(80, b"\0"))


def _nt_file(maps: list[Mapping], offsets: dict[int, int]) -> bytes:
    """NT_FILE: the file-backed mappings (LLDB tells a Linux core by this note)."""
    files = [m for m in maps if m.name.startswith("/")]
    body = struct.pack("<QQ", len(files), 4096)
    for m in files:
        body += struct.pack("<QQQ", m.start, m.end, offsets.get(m.start, 0) // 4096)
    return body + b"".join(m.name.encode() + b"\0" for m in files)


def _map_offsets(pid: int) -> dict[int, int]:
    out = {}
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split()
        out[int(parts[0].split("-")[0], 16)] = int(parts[2], 16)
    return out


def same_executable(pid: int, binary: str) -> str:
    """"" when `binary` is the file pid runs, else why not (one line)."""
    try:
        exe = os.stat(f"/proc/{pid}/exe")
    except FileNotFoundError:
        return f"no process {pid}"
    except PermissionError:
        return f"cannot inspect pid {pid}: permission denied"
    b = os.stat(binary)
    if (exe.st_dev, exe.st_ino) != (b.st_dev, b.st_ino):
        return (f"{binary} is not the executable of pid {pid} "
                f"(that is {os.readlink(f'/proc/{pid}/exe')})")
    return ""


def snapshot(pid: int, core: Path) -> dict[str, int]:
    """Writes pid's threads and memory to `core`; returns {"threads", "mappings", "bytes"}."""
    if os.uname().machine != "x86_64":
        raise SnapshotError("--pid snapshots need an x86-64 machine")
    if not Path(f"/proc/{pid}").is_dir():
        raise SnapshotError(f"no process {pid}")
    try:
        seized = _seize_all(pid)
    except OSError as e:
        raise SnapshotError(f"cannot trace pid {pid}: {e.strerror} (another debugger attached, "
                            f"or ptrace not permitted)") from e
    try:
        # The main thread first: a kernel core starts with the thread that took the signal.
        order = sorted(seized, key=lambda t: (t != pid, t))
        per_thread = [_thread_notes(pid, tid) for tid in order]
        notes = per_thread[0][:1] + [_note(b"CORE", 3, _prpsinfo(pid))] + per_thread[0][1:]
        for t in per_thread[1:]:
            notes += t
        notes.append(_note(b"CORE", 6, Path(f"/proc/{pid}/auxv").read_bytes()))
        maps = mappings(pid)
        notes.append(_note(b"CORE", 0x46494C45, _nt_file(maps, _map_offsets(pid))))
        loads: list[tuple[Mapping, bytes]] = []
        with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
            for m in maps:
                if "r" not in m.perms or m.name == "[vsyscall]":
                    continue
                if m.name.startswith("/") and "w" not in m.perms:
                    continue  # unmodified file contents: the debugger reads the file
                data = _read_mapping(mem, m)
                if data:
                    loads.append((m, data))
    finally:
        for tid in seized:
            try:
                _ptrace(PTRACE_DETACH, tid)
            except OSError:
                pass
    note = b"".join(notes)
    phnum = 1 + len(loads)
    offset = 64 + 56 * phnum
    phdrs = [struct.pack("<IIQQQQQQ", 4, 0, offset, 0, 0, len(note), 0, 4)]
    data_off = (offset + len(note) + 4095) & ~4095
    for m, data in loads:
        flags = (4 if "r" in m.perms else 0) | (2 if "w" in m.perms else 0) | \
                (1 if "x" in m.perms else 0)
        phdrs.append(struct.pack("<IIQQQQQQ", 1, flags, data_off, m.start, 0, len(data),
                                 len(data), 4096))
        data_off += (len(data) + 4095) & ~4095
    ehdr = (b"\x7fELF\x02\x01\x01" + b"\0" * 9 +
            struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, phnum, 64, 0, 0))
    with open(core, "wb") as f:
        f.write(ehdr + b"".join(phdrs) + note)
        for _, data in loads:
            f.seek((f.tell() + 4095) & ~4095)
            f.write(data)
        f.truncate((f.tell() + 4095) & ~4095)
    return {"threads": len(seized), "mappings": len(loads),
            "bytes": sum(len(d) for _, d in loads)}
