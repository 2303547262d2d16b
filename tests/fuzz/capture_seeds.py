#!/usr/bin/python3
"""Seed corpora for the libFuzzer targets, captured from real fixture cores (run time only;
nothing here is committed).

For each toolchain: build tests/fixtures/maps, let it abort into a kernel core, and write a raw
image of the process (the core's PT_LOADs plus the executable's read-only sections, which cores
leave out) to OUT/raw/<toolchain>.img. fuzz_seed_tool then replays the core's decoders over
each map and sync.Map the fixture names in expect.json and keeps only the bytes they read:
OUT/corpus/{map,value,iter,lookup,syncmap}/<toolchain>-<name>; the heap records read to
classify each map's header and its first words: OUT/corpus/heap/<toolchain>-<name>. The
pclntab seed is the executable's own tables; location seeds are hand-written DWARF
expressions.

Usage: capture_seeds.py OUT SEED_TOOL  (GOMAP_TOOLCHAINS restricts the toolchains)
"""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from support import corefile  # noqa: E402
from support import fixtures as fx  # noqa: E402

DEFAULT_TOOLCHAINS = "go1.19.8,go1.25.14-noswissmap,go1.26.8,go1.27.4-mapsplitgroup"
# fuzz_common.h: kVersions index per toolchain family, and the K/V menu.
KV = {"map[string]int": 0, "map[int]int": 1, "map[int64]int64": 2, "map[string]string": 3,
      "map[int]int32": 4, "map[int32]int8": 5, "map[main.BigKey]main.BigVal": 6,
      "map[string]interface {}": 7, "map[string]map[string]int": 8}
NUM_KV = 10
MAX_SEED = 64 * 1024  # larger maps make slow inputs; -max_len in bench/fuzz matches
SHT_NOBITS, SHF_WRITE, SHF_ALLOC = 8, 1, 2


def version_index(tc: fx.Toolchain) -> int:
    if tc.impl == "classic":
        return 0 if tc.minor < 24 else 1
    if tc.minor == 24:
        return 2
    return 4 if tc.experiment == "mapsplitgroup" else 3


def sections(binary: Path) -> list[tuple[str, int, int, int, int, int]]:
    """(name, type, flags, addr, offset, size) of every ELF section."""
    data = binary.read_bytes()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    heads = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = heads[shstrndx][4]
    out = []
    for name_off, typ, flags, addr, off, size in heads:
        end = data.index(b"\0", stroff + name_off)
        out.append((data[stroff + name_off:end].decode(), typ, flags, addr, off, size))
    return out


def symbols(binary: Path, names: set[str]) -> dict[str, int]:
    data = binary.read_bytes()
    secs = sections(binary)
    symtab = next((s for s in secs if s[0] == ".symtab"), None)
    strtab = next((s for s in secs if s[0] == ".strtab"), None)
    out: dict[str, int] = {}
    if symtab is None or strtab is None:
        return out
    for i in range(symtab[5] // 24):
        name_off, _info, _other, _shndx, value, _size = struct.unpack_from(
            "<IBBHQQ", data, symtab[4] + i * 24)
        end = data.index(b"\0", strtab[4] + name_off)
        name = data[strtab[4] + name_off:end].decode(errors="replace")
        if name in names:
            out[name] = value
    return out


def region(addr: int, payload: bytes) -> bytes:
    return struct.pack("<QI", addr, len(payload)) + payload


def raw_image(binary: Path, core: Path) -> bytes:
    data = binary.read_bytes()
    out = bytearray(b"\0" * 17)
    for _name, typ, flags, addr, off, size in sections(binary):
        if flags & SHF_ALLOC and not flags & SHF_WRITE and typ != SHT_NOBITS and addr:
            out += region(addr, data[off:off + size])
    with open(core, "rb") as f:
        for vaddr, off, filesz in corefile.load_segments(core):
            f.seek(off)
            out += region(vaddr, f.read(filesz))
    return bytes(out)


def pclntab_seed(binary: Path, prof: int) -> bytes:
    data = binary.read_bytes()
    secs = {s[0]: s for s in sections(binary)}
    out = bytearray([prof]) + struct.pack("<QQ", 0, 0)
    text = secs.get(".text")
    if text:
        out[1:17] = struct.pack("<QQ", text[3] + 0x1000, text[3] + 0x20000)
    for i, name in enumerate([".gopclntab", ".noptrdata", ".rodata", ".text", ".go.module",
                              ".bss", ".noptrbss", ".data"]):
        s = secs.get(name)
        addr, size = (s[3], s[5]) if s else (0, 0)
        if i == 3 or i >= 5:
            out += struct.pack("<QI", addr, size)
        else:
            if name == ".rodata":
                size = min(size, 256 * 1024)
            out += region(addr, data[s[4]:s[4] + size] if s else b"")
    return bytes(out)


LOCATION_SEEDS = [bytes([8, 0, 0x9c]), bytes([8, 0, 0x91, 0x70]), bytes([8, 0, 0x50]),
                  bytes([16, 0, 0x50, 0x93, 8, 0x51, 0x93, 8]),
                  bytes([8, 0, 0x03]) + struct.pack("<Q", 0x7810),
                  bytes([8, 0, 0x77, 0x10]), bytes([4, 0, 0x9c, 0x23, 0x08, 0x06]),
                  bytes([24, 0, 0x91, 0x08, 0x93, 8, 0x93, 8, 0x52, 0x93, 8])]


def main() -> int:
    out, tool = Path(sys.argv[1]), Path(sys.argv[2])
    os.environ.setdefault("GOMAP_TOOLCHAINS", DEFAULT_TOOLCHAINS)
    corpus = out / "corpus"
    for t in ("map", "value", "iter", "lookup", "syncmap", "pclntab", "location", "heap"):
        (corpus / t).mkdir(parents=True, exist_ok=True)
    (out / "raw").mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(LOCATION_SEEDS):
        (corpus / "location" / f"seed{i}").write_bytes(s)
    made = 0
    for tc in fx.toolchains():
        if not tc.usable:
            print(f"capture: {tc.id}: skipped ({tc.reason})")
            continue
        binary = fx.build("maps", tc)
        syncs = ["main.smEmpty", "main.smMixed", "main.smPromoted", "main.smMany"]
        addrs = symbols(binary, set(syncs) | {"sync.expunged", "runtime.mheap_"})
        expunged = 0
        with tempfile.TemporaryDirectory() as tmp:
            core, expect = fx.make_core(binary, Path(tmp))
            raw = out / "raw" / f"{tc.id}.img"
            raw.write_bytes(raw_image(binary, core))
            if "sync.expunged" in addrs:  # the sentinel *any (read/dirty sync.Map)
                try:
                    expunged, = struct.unpack("<Q", corefile.read(core, addrs["sync.expunged"], 8))
                except ValueError:
                    pass
        vi = version_index(tc)
        specs = []
        for name, m in sorted(expect["maps"].items()):
            if m["type"] in KV and not m.get("nil") and int(m["len"]) <= 20000:
                specs.append(f"{tc.id}-{name}:{vi * NUM_KV + KV[m['type']]}:{m['address']}")
                if "runtime.mheap_" in addrs:  # fuzz_heap: the profile is the version index
                    specs.append(f"heap:{tc.id}-{name}:{vi}:{addrs['runtime.mheap_']:#x}:"
                                 f"{m['address']}")
        sprof = vi | (0x80 if tc.minor >= 24 else 0) | (0x40 if tc.minor < 20 else 0)
        for s in syncs:
            if s in addrs:
                specs.append(f"sync:{tc.id}-{s}:{sprof}:{addrs[s]:#x}:{expunged:#x}")
        p = subprocess.run([str(tool), str(raw), str(corpus), *specs], capture_output=True,
                           text=True)
        sys.stdout.write(p.stdout)
        if p.returncode:
            sys.stderr.write(p.stderr)
            print(f"capture: {tc.id}: fuzz_seed_tool exit {p.returncode}", file=sys.stderr)
            return 1
        (corpus / "pclntab" / tc.id).write_bytes(pclntab_seed(binary, 1 if tc.minor < 20 else 0))
        raw.unlink()  # hundreds of MB; the trimmed seeds are what the fuzzers need
        made += len(specs)
    for f in corpus.rglob("*"):
        if f.is_file() and f.stat().st_size > MAX_SEED and f.parent.name != "pclntab":
            f.unlink()
    counts = {t.name: len(list(t.iterdir())) for t in sorted(corpus.iterdir())}
    print(f"capture: {made} maps captured; seeds per target: {counts}")
    return 0 if made else 1


if __name__ == "__main__":
    sys.exit(main())
