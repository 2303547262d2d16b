"""Bad input, one field at a time (issue 14): patched copies of a real fixture core — each
header field and pointer class of classic maps, swiss maps and sync.Map (the HashTrieMap and,
before go1.24, read/dirty/misses and readOnly), tophash and ctrl bytes, every field of a range
loop's iterator (classic runtime.hiter, swiss maps.Iter) parked mid-range in the iterators
fixture — plus a truncated core, the wrong binary and a wrong `--type`. Every case runs the real
LLDB plugin (scripts/gomap-inspect --batch) and must finish in bounded time and memory
(printed: wall time, CPU time and peak RSS of the command, tests/support/measure.py), with the named
diagnostic or one clear line, and the exit statuses of docs/commands.md (0 no error-level
findings, 1 findings, 2 a refused command).

Toolchains: GOMAP_BAD_INPUT_TOOLCHAINS, default go1.19.8, go1.25.14-noswissmap, go1.26.8,
go1.27.4-mapsplitgroup (intersected with GOMAP_TOOLCHAINS when that is set)."""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import corefile  # noqa: E402
from support import fixtures as fx  # noqa: E402
from support.measure import Timeout, run_measured  # noqa: E402
from integration.lldb_support import INSPECT  # noqa: E402

DEFAULT = "go1.19.8,go1.25.14-noswissmap,go1.26.8,go1.27.4-mapsplitgroup"
WANT = os.environ.get("GOMAP_BAD_INPUT_TOOLCHAINS", DEFAULT).split(",")
TCS = [t for t in fx.toolchains() if t.id in WANT]
UNMAPPED = 0x10000      # in no PT_LOAD of a Go core
TIMEOUT = 60.0          # wall seconds per case (a hang fails the case)
MAX_RSS_MB = 1024       # the LLDB child, DWARF index included
u64 = corefile.u64


@dataclass
class Case:
    name: str
    commands: list[str]
    patches: dict[int, bytes] = field(default_factory=dict)
    # (command index, allowed statuses, substrings one of which the output or error has)
    expect: list[tuple[int, set[int], list[str]]] = field(default_factory=list)
    core: Callable[[Path, Path], Path] | None = None  # builds the bad core instead of patches
    binary: Path | None = None
    max_output: int = 0  # bytes of output each command may print (0: not bounded here)


def run_case(binary: Path, core: Path, c: Case) -> tuple[list[dict[str, Any]], str]:
    """Runs the case's commands in one session; returns results and the figures line."""
    try:
        m = run_measured([str(INSPECT), str(c.binary or binary), "--core", str(core),
                          "--batch", "-"], TIMEOUT, input="\n".join(c.commands) + "\n")
    except Timeout:
        pytest.fail(f"{c.name}: no answer within {TIMEOUT:.0f} s")
    text, errors = m.stdout, m.stderr
    figures = (f"{c.name}: {m.wall:.1f} s wall, {m.cpu:.1f} s CPU, "
               f"peak RSS {m.rss_mib} MiB, exit {m.returncode}")
    results = [json.loads(ln) for ln in text.splitlines() if ln.startswith("{")]
    if not results and m.returncode == 2:
        # The target itself was refused (a core LLDB cannot load): one line for all.
        results = [{"command": cmd, "status": 2, "output": "", "error": errors.strip()}
                   for cmd in c.commands]
    assert len(results) == len(c.commands), (
        f"{c.name}: {len(results)} results for {len(c.commands)} commands "
        f"(exit {m.returncode}): {errors[-2000:]}")
    figures += f", {sum(len(r.get('output') or '') for r in results)} bytes printed"
    assert m.rss_mib < MAX_RSS_MB, figures
    return results, figures


def problems_of(c: Case, results: list[dict[str, Any]]) -> list[str]:
    problems = []
    for i, statuses, needles in c.expect:
        r = results[i]
        text = (r.get("output") or "") + (r.get("error") or "")
        if r["status"] not in statuses:
            problems.append(f"{c.name}: `{r['command']}`: status {r['status']}, want "
                            f"{sorted(statuses)}: {text[:600]}")
        elif not any(n in text for n in needles):
            problems.append(f"{c.name}: `{r['command']}`: none of {needles} in {text[:800]}")
        if c.max_output and len(r.get("output") or "") > c.max_output:
            problems.append(f"{c.name}: `{r['command']}` printed {len(r['output'])} bytes, "
                            f"more than {c.max_output}")
        if r["status"] == 2:
            lines = [ln for ln in (r.get("error") or "").splitlines() if ln.strip()]
            if len(lines) != 1:
                problems.append(f"{c.name}: `{r['command']}` refused in {len(lines)} lines: "
                                f"{r.get('error')!r}")
    return problems


def header(binary: Path, core: Path, name: str) -> dict[str, Any]:
    p = subprocess.run([str(INSPECT), str(binary), "--core", str(core), "header", name,
                        "--json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["header"]


def symbol(binary: Path, name: str) -> int | None:
    p = subprocess.run(["nm", str(binary)], capture_output=True, text=True)
    for ln in p.stdout.splitlines():
        parts = ln.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    return None


def truncated(core: Path, dest: Path) -> Path:
    size = core.stat().st_size
    with open(core, "rb") as f, open(dest, "wb") as g:
        g.write(f.read(size * 3 // 5))
    return dest


def common_cases(tc: fx.Toolchain, expect: dict[str, Any], other: Path | None) -> list[Case]:
    big = expect["maps"]["main.mInt100k"]["address"]
    cases = [
        Case("wrong --type on the 100k-entry map",
             [f"show {big} --type 'map[string]string' --all --json"],
             expect=[(0, {0, 1, 2}, ["wrong type?", "claims", "implausible", "not in readable"])]),
        # Text, with LLDB's default string limit (1024 bytes): garbage string headers
        # that point at readable memory print 1 KiB each, not 1 MiB (this printed 52 MB
        # on go1.26.8 before show's text took the debugger's limit).
        Case("wrong --type on the 100k-entry map, text",
             [f"show {big} --type 'map[string]int' --all"], max_output=8 << 20,
             expect=[(0, {0, 1, 2}, ["wrong type?", "claims", "implausible", "not in readable",
                                     "inconsistent"])]),
        Case("truncated core (first 60%)", ["show main.mSmall --json", "check main.mSmall"],
             core=truncated,
             expect=[(0, {0, 1, 2}, ['"entries"', "error", "unreadable", "cannot"]),
                     (1, {0, 1, 2}, ["entries walked", "error", "unreadable", "cannot"])]),
    ]
    if other is not None:
        cases.append(Case("wrong binary", ["show main.mSmall --json", "check main.mSmall"],
                          binary=other,
                          expect=[(0, {0, 1, 2}, ["", "error"]),
                                  (1, {0, 1, 2}, ["", "error"])]))
    return cases


def classic_cases(binary: Path, core: Path, expect: dict[str, Any]) -> list[Case]:
    h = header(binary, core, "main.mSmall")
    a = int(h["address"], 16)
    f = h["fields"]
    buckets = int(f["buckets"], 16)
    assert f["B"] == 0 and f["count"] == 5, f
    bucket_size = 8 + 8 * 16 + 8 * 8 + 8  # map[string]int: tophash, keys, elems, overflow
    tophash = corefile.read(core, buckets, 8)
    first_rest = tophash.index(0) if 0 in tophash[:7] else None
    chk, show, layout = "check main.mSmall --json", "show main.mSmall --all --json", \
        "layout main.mSmall --json"
    cases = [
        Case("hmap.count = 0 over 5 entries", [chk, show], {a: u64(0)},
             [(0, {1}, ["found 5 entries but count = 0"]),
              (1, {0, 1}, ["found 5 entries but count = 0"])]),
        Case("hmap.count = 2^40", [chk], {a: u64(1 << 40)},
             [(0, {1}, ["entries but count = 1099511627776"])]),
        Case("hmap.flags = hashWriting", [chk], {a + 8: bytes([4])},
             [(0, {0, 1}, ["writing-flag-set"])]),
        Case("hmap.B = 40", [show, chk], {a + 9: bytes([40])},
             [(0, {2}, ["B = 40 claims"]), (1, {1}, ["B = 40 claims"])]),
        Case("hmap.buckets unmapped", [chk, show], {a + 16: u64(UNMAPPED)},
             [(0, {1}, ["unreadable", "not in readable"]), (1, {0, 1, 2}, ["unreadable",
                                                                          "readable"])]),
        Case("hmap.oldbuckets unmapped", [chk, layout], {a + 24: u64(UNMAPPED)},
             [(0, {1}, ["oldbucket", "B = 0", "unreadable"]),
              (1, {0, 1, 2}, ["oldbucket", "B = 0", "unreadable"])]),
        Case("overflow pointer at the hmap", [chk, layout],
             {buckets + bucket_size - 8: u64(a)},
             [(0, {1}, ["points into the hmap"]), (1, {0, 1, 2}, ["points into the hmap"])]),
    ]
    if first_rest is not None:
        cases.append(Case("full tophash after emptyRest", [chk, show],
                          {buckets + 7: bytes([0x80])},
                          [(0, {1}, ["after emptyRest"]), (1, {0, 1}, ["after emptyRest"])]))
    return cases


def swiss_cases(binary: Path, core: Path, expect: dict[str, Any]) -> list[Case]:
    s = header(binary, core, "main.mSmall")
    a = int(s["address"], 16)
    group = int(s["fields"]["dirPtr"], 16)
    assert s["fields"]["dirLen"] == 0, s
    m = header(binary, core, "main.mMultiTable")
    ma = int(m["address"], 16)
    dir_ptr = int(m["fields"]["dirPtr"], 16)
    table0, = struct.unpack("<Q", corefile.read(core, dir_ptr, 8))
    chk, show = "check main.mSmall --json", "show main.mSmall --all --json"
    mchk = "check main.mMultiTable --json"
    cases = [
        Case("Map.used = 0 over 5 entries", [chk, show], {a: u64(0)},
             [(0, {1}, ["found 5 entries but used = 0"]),
              (1, {0, 1}, ["found 5 entries but used = 0"])]),
        Case("Map.dirPtr unmapped", [chk], {a + 16: u64(UNMAPPED)},
             [(0, {1}, ["unreadable"])]),
        Case("Map.dirLen = 2^20", [mchk, "show main.mMultiTable --json"],
             {ma + 24: u64(1 << 20)},
             [(0, {1}, ["does not match globalDepth"]), (1, {2}, ["dirLen"])]),
        Case("Map.globalDepth = 40", [mchk], {ma + 32: bytes([40])},
             [(0, {1}, ["globalDepth = 40"])]),
        Case("Map.writing = 1", [chk], {a + 34: bytes([1])},
             [(0, {0, 1}, ["writing-flag-set"])]),
        Case("directory entry (table pointer) unmapped", [mchk], {dir_ptr: u64(UNMAPPED)},
             [(0, {1}, ["unreadable"])]),
        Case("table.groups.data unmapped", [mchk], {table0 + 16: u64(UNMAPPED)},
             [(0, {1}, ["unreadable"])]),
        Case("ctrl word all empty", [chk, show], {group: u64(0x8080808080808080)},
             [(0, {1}, ["found 0 entries but used = 5"]),
              (1, {0, 1}, ["found 0 entries but used = 5"])]),
    ]
    return cases


def syncmap_cases(tc: fx.Toolchain, binary: Path, core: Path) -> list[Case]:
    """sync.Map fields: the HashTrieMap (go1.24+) root, or (before go1.24) read/dirty/misses
    and the readOnly behind read (go-map-internals.md 3.1: go1.19 read is an atomic.Value,
    an `any` whose data word points at the readOnly; 1.20-1.23 an atomic.Pointer)."""
    show = "show main.smMixed --all --json"
    if tc.minor >= 24:
        sm = symbol(binary, "main.smMany")
        if sm is None:
            return []
        return [Case("sync.Map root unmapped", ["show main.smMany --json"],
                     {sm + 0x10: u64(UNMAPPED)}, [(0, {0, 1, 2}, ["unreadable"])])]
    sm = symbol(binary, "main.smMixed")
    assert sm is not None, "main.smMixed not in the symbol table"
    value = tc.minor < 20  # read is an atomic.Value (16 bytes)
    read = sm + (0x10 if value else 0x08)  # the pointer to the readOnly
    dirty, misses = (sm + 0x18, sm + 0x20) if value else (sm + 0x10, sm + 0x18)
    ro, = struct.unpack("<Q", corefile.read(core, read, 8))
    read_m, = struct.unpack("<Q", corefile.read(core, ro, 8))
    dirty_m, = struct.unpack("<Q", corefile.read(core, dirty, 8))
    amended = corefile.read(core, ro + 8, 1)[0]
    # The fixture leaves "d" dirty-only (amended) and "b" expunged in read.m.
    assert ro and read_m and dirty_m and amended == 1, (ro, read_m, dirty_m, amended)
    cases = [
        Case("sync.Map.read unmapped", [show], {read: u64(UNMAPPED)},
             [(0, {1, 2}, ["readOnly at 0x10000: unreadable", "unreadable"])]),
        Case("sync.Map.dirty unmapped", [show], {dirty: u64(UNMAPPED)},
             [(0, {1, 2}, ["unreadable"])]),
        Case("sync.Map.dirty = nil while amended", [show], {dirty: u64(0)},
             [(0, {1, 2}, ["read.amended is true but dirty is nil"])]),
        Case("sync.Map.dirty = read.m", [show], {dirty: u64(read_m)},
             [(0, {1, 2}, ["expunged entry in the dirty map"])]),
        Case("sync.Map.misses = 2^62", [show], {misses: u64(1 << 62)},
             [(0, {0, 1}, ["misses = 4611686018427387904"])]),
        Case("readOnly.m unmapped", [show], {ro: u64(UNMAPPED)},
             [(0, {1, 2}, ["unreadable"])]),
        Case("readOnly.amended = false over dirty-only entries", [show], {ro + 8: bytes([0])},
             [(0, {1}, ["read.amended is false"])]),
        Case("readOnly.amended = 7", [show], {ro + 8: bytes([7])},
             [(0, {1}, ["amended = 7"])]),
    ]
    if value:
        cases.append(Case("sync.Map.read type word nil over a dirty map", [show],
                          {sm + 0x08: u64(0)},
                          [(0, {1}, ["read is empty but dirty"])]))
    return cases


def iterator_cases(tc: fx.Toolchain, tmp_path: Path) -> tuple[Path, Path, list[Case]]:
    """Every field of the range loop's iterator over the 1000-entry map of the iterators
    fixture (main.rangeLarge, parked after 417 entries), patched one at a time; the
    iterator is decoded where it is (`iter 0xADDR --type T`) and the map is checked with
    the stack scan of its iterators."""
    binary = fx.build("iterators", tc)
    core, expect = fx.make_core(binary, tmp_path / "iterators")
    large = next(c for c in expect["cases"] if c["name"] == "large")
    p = subprocess.run([str(INSPECT), str(binary), "--core", str(core), "iter", "--json",
                        "-g", str(large["goroutine"])],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    its = [i for i in json.loads(p.stdout)["iterators"]
           if int(i["map"], 16) == int(large["map"], 16) and not i["finished"]]
    assert len(its) == 1, its
    it = its[0]
    a, f, m = int(it["address"], 16), it["fields"], large["map"]
    tname = "runtime.hiter" if tc.impl == "classic" else "internal/runtime/maps.Iter"
    one = f"iter {it['address']} --type {tname} --json"
    chk = f"check {m} --type 'map[int]int' --json"
    cmds = [one, chk]
    ptr = lambda n: int(f[n], 16)  # noqa: E731

    def c(name: str, off: int, data: bytes, needles: list[str],
          statuses: frozenset[int] = frozenset({1})) -> Case:
        # The direct decode must name the problem; the map's check (whose stack scan may
        # no longer recognise the iterator) must finish with a documented status.
        return Case(f"{tc.impl} iterator {name}", cmds, {a + off: data},
                    [(0, set(statuses), needles), (1, {0, 1}, ["entries walked", "diagnostics"])])

    if tc.impl == "classic":
        bptr, h = ptr("bptr"), int(m, 16)
        cases = [
            c("key not a slot of bptr", 0x00, u64(bptr + 1), ["is not slot"]),
            c("key = nil mid-bucket (claims finished)", 0x00, u64(0),
              ["key is nil but", "finished"]),
            c("elem not a slot of bptr", 0x08, u64(UNMAPPED), ["elem = 0x10000"]),
            c("t unmapped", 0x10, u64(UNMAPPED), ["0x10000"], {1, 2}),
            c("h unmapped", 0x18, u64(UNMAPPED), ["it.h = 0x10000 is unreadable"]),
            c("buckets unmapped", 0x20, u64(UNMAPPED), ["unreadable", "0x10000"]),
            c("bptr unmapped", 0x28, u64(UNMAPPED), ["bptr = 0x10000"]),
            c("bptr into the hmap", 0x28, u64(h), ["bptr = " + m]),
            c("overflow into the hmap", 0x30, u64(h + 8), ["points into the hmap"]),
            c("oldoverflow misaligned", 0x38, u64(UNMAPPED + 3), ["not 8-byte aligned"]),
            c("startBucket = 2^40", 0x40, u64(1 << 40), ["startBucket = 1099511627776"]),
            c("offset = 9", 0x48, bytes([9]), ["offset = 9 > 7"]),
            c("wrapped = 2", 0x49, bytes([2]), ["wrapped = 2"]),
            c("B = 200", 0x4A, bytes([200]), ["B = 200 > 63"]),
            c("B = map B + 1", 0x4A, bytes([f["B"] + 1]), [f"B = {f['B'] + 1} > map B"]),
            c("i = 200", 0x4B, bytes([200]), ["i = 200 > 8"]),
            c("bucket = 2^40", 0x50, u64(1 << 40), ["bucket = 1099511627776"]),
            c("checkBucket = 2^40", 0x58, u64(1 << 40), ["checkBucket = 1099511627776"]),
        ]
        if "clearSeq" in f:
            cases.append(c("clearSeq + 1", 0x60, u64(f["clearSeq"] + 1), ["cleared"],
                           {0, 1}))
        return binary, core, cases
    tab = ptr("tab")
    assert f["dirIdx"] >= 0 and tab, f  # 1000 entries: a directory of tables
    cases = [
        c("key = nil mid-table (claims finished)", 0x00, u64(0),
          ["key is nil but", "finished"]),
        # it.key / it.elem against the slots of it.group (Next returns from it.group).
        c("key = it.group's ctrl word, no key slot", 0x00, u64(ptr("group.data")),
          ["is not a key slot of it.group"]),
        c("elem unmapped, not its key's slot's elem", 0x08, u64(UNMAPPED),
          ["it.elem = 0x10000 but slot", "holds its elem at"]),
        c("typ unmapped", 0x10, u64(UNMAPPED), ["0x10000"], {1, 2}),
        c("m unmapped", 0x18, u64(UNMAPPED), ["it.m = 0x10000 is unreadable"]),
        c("entryOffset = 2^63 + 5", 0x20, u64((1 << 63) + 5), ["returned", "entryOffset"],
          {0, 1}),
        c("dirOffset = 2^63 + 1", 0x28, u64((1 << 63) + 1), ["returned", "dirOffset"],
          {0, 1}),
        c("clearSeq + 1", 0x30, u64(f["clearSeq"] + 1), ["cleared"], {0, 1}),
        c("globalDepth = 200", 0x38, bytes([200]), ["globalDepth = 200"]),
        c("dirIdx = -5", 0x40, u64(-5), ["dirIdx = -5 < -1"]),
        c("dirIdx = 2^40", 0x40, u64(1 << 40), ["dirIdx = 1099511627776"]),
        c("dirIdx = -1 (small) over a directory", 0x40, u64(-1), ["small", "entryIdx"],
          {0, 1}),
        c("tab unmapped", 0x48, u64(UNMAPPED), ["it.tab = 0x10000 is unreadable"]),
        c("tab = the map header", 0x48, u64(int(m, 16)), ["tab", "table"]),
        c("group not in tab", 0x50, u64(UNMAPPED), ["group.data = 0x10000 is not one of"]),
        c("entryIdx = 2^40", 0x58, u64(1 << 40), ["entryIdx = 1099511627776"]),
    ]
    return binary, core, cases


@pytest.mark.parametrize("tc", TCS, ids=[t.id for t in TCS])
def test_bad_input_matrix(tc: fx.Toolchain, tmp_path: Path) -> None:
    if not tc.usable:
        pytest.skip(tc.reason)
    binary = fx.build("maps", tc)
    core, expect = fx.make_core(binary, tmp_path)
    others = [t for t in TCS if t.usable and t.impl != tc.impl]
    other = fx.build("maps", others[0]) if others else None
    cases = (classic_cases if tc.impl == "classic" else swiss_cases)(binary, core, expect)
    cases += syncmap_cases(tc, binary, core)
    cases += common_cases(tc, expect, other)
    ibinary, icore, icases = iterator_cases(tc, tmp_path)
    plan = [(binary, core, c) for c in cases] + [(ibinary, icore, c) for c in icases]
    problems: list[str] = []
    t0 = time.monotonic()
    for i, (binary, core, c) in enumerate(plan):
        bad = tmp_path / f"core.{i}"
        if c.core is not None:
            c.core(core, bad)
        elif c.patches:
            corefile.patched_copy(core, bad, c.patches)
        else:
            shutil.copyfile(core, bad)
        results, figures = run_case(binary, bad, c)
        print(f"{tc.id}: {figures}")
        problems += problems_of(c, results)
        bad.unlink()
    print(f"{tc.id}: {len(plan)} cases in {time.monotonic() - t0:.0f} s")
    for p in problems:
        print(f"{tc.id}: PROBLEM {p[:300]}")
    assert not problems, f"{tc.id}: {len(problems)} problems\n" + "\n".join(problems)
