"""Patching a copy of an ELF core: map a virtual address to its file offset via the
core's PT_LOAD program headers and overwrite bytes there (tests of corrupt maps)."""
from __future__ import annotations

import shutil
import struct
from pathlib import Path

PT_LOAD = 1


def load_segments(core: Path) -> list[tuple[int, int, int]]:
    """(vaddr, file offset, bytes in the file) of every PT_LOAD of a 64-bit LE ELF core."""
    with open(core, "rb") as f:
        ident = f.read(64)
        if ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1:
            raise ValueError(f"{core}: not a 64-bit little-endian ELF file")
        phoff, = struct.unpack_from("<Q", ident, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", ident, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    out = []
    for i in range(phnum):
        p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(
            "<IIQQQQ", table, i * phentsize)
        if p_type == PT_LOAD and p_filesz:
            out.append((p_vaddr, p_offset, p_filesz))
    return out


def file_offset(core: Path, addr: int, size: int = 1) -> int:
    """File offset of [addr, addr+size) in the core; ValueError when not in one segment."""
    for vaddr, offset, filesz in load_segments(core):
        if vaddr <= addr and addr + size <= vaddr + filesz:
            return offset + (addr - vaddr)
    raise ValueError(f"{addr:#x}+{size} is not in the file part of any PT_LOAD of {core}")


def read(core: Path, addr: int, size: int) -> bytes:
    with open(core, "rb") as f:
        f.seek(file_offset(core, addr, size))
        return f.read(size)


def patched_copy(core: Path, dest: Path, patches: dict[int, bytes]) -> Path:
    """Copy core to dest and write each {address: bytes} patch into the copy."""
    shutil.copyfile(core, dest)
    offsets = {addr: file_offset(dest, addr, len(data)) for addr, data in patches.items()}
    with open(dest, "r+b") as f:
        for addr, data in patches.items():
            f.seek(offsets[addr])
            f.write(data)
    return dest


def u64(v: int) -> bytes:
    return struct.pack("<Q", v & (2**64 - 1))
