"""Bad input, one field at a time (issue 14): patched copies of a real fixture core — each
header field and pointer class of classic maps, swiss maps and sync.Map, tophash and ctrl
bytes — plus a truncated core, the wrong binary and a wrong `--type`. Every case runs the real
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
    sm = symbol(binary, "main.smMany")
    if sm is not None:  # sync.Map (HashTrieMap since go1.24): root pointer @0x10
        cases.append(Case("sync.Map root unmapped", ["show main.smMany --json"],
                          {sm + 0x10: u64(UNMAPPED)},
                          [(0, {0, 1, 2}, ["unreadable"])]))
    return cases


@pytest.mark.parametrize("tc", TCS, ids=[t.id for t in TCS])
def test_bad_input_matrix(tc: fx.Toolchain, tmp_path: Path) -> None:
    if not tc.usable:
        pytest.skip(tc.reason)
    binary = fx.build("maps", tc)
    core, expect = fx.make_core(binary, tmp_path)
    others = [t for t in TCS if t.usable and t.impl != tc.impl]
    other = fx.build("maps", others[0]) if others else None
    cases = (classic_cases if tc.impl == "classic" else swiss_cases)(binary, core, expect)
    cases += common_cases(tc, expect, other)
    problems: list[str] = []
    t0 = time.monotonic()
    for i, c in enumerate(cases):
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
    print(f"{tc.id}: {len(cases)} cases in {time.monotonic() - t0:.0f} s")
    assert not problems, f"{tc.id}: {len(problems)} problems\n" + "\n".join(problems)
