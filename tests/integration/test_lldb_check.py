"""`gomap check` in the LLDB plugin on real Go programs: every map of the `maps` fixture
checks clean (live and from a core, every toolchain); a copy of a real core with a map
header patched (count / used wrong, bucket array / directory pointer at unmapped memory)
gives the right error code with its address and exit status 1; usage errors exit 2."""
from __future__ import annotations

import json
import re
import resource
import subprocess
import time
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import corefile  # noqa: E402
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import as_int, batch, inspect  # noqa: E402

MODES = ["core", "live"]
# One classic and one swiss toolchain for the corruption and usage tests.
PICK = [t for t in fx.toolchains() if t.usable and (t.impl, t.experiment) in
        {("classic", ""), ("swiss", "")}]
CLASSIC = next((t for t in PICK if t.impl == "classic"), None)
SWISS = next((t for t in reversed(PICK) if t.impl == "swiss"), None)
TCS = [pytest.param(t, id=t.id) for t in (CLASSIC, SWISS) if t is not None]
# Header offsets (runtime.hmap go1.18-1.25: count @0, buckets @16; maps.Map
# go1.24-1.27: used @0, dirPtr @16); the test reads them back before patching.
COUNT_OFF = 0
BUCKETS_OFF = 16
UNMAPPED = 0x10000  # below every Go binary's text; in no PT_LOAD of a core

def _params() -> list[Any]:
    return fx.params(MODES)

@pytest.mark.parametrize("tc,mode", _params())
def test_every_fixture_map_checks_clean(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    names = sorted(expect["maps"])
    commands = [f"check {n} --json" for n in names] + ["check main.mGrowing"]
    try:
        results = batch(binary, target, commands)
    finally:
        fx.stop(proc)
    problems: list[str] = []
    for n, c, r in zip(names, commands, results):
        if r["status"] != 0:
            problems.append(f"{c}: status {r['status']}: {r['error']} {r['output'][:2000]}")
            continue
        ch = json.loads(r["output"])["check"]
        want = expect["maps"][n]
        errors = [d for d in ch["diagnostics"] if d["severity"] == "error"]
        if errors or not ch["ok"]:
            problems.append(f"{c}: errors {errors}")
        if ch["impl"] != expect["impl"]:
            problems.append(f"{c}: impl {ch['impl']} != {expect['impl']}")
        if ch["walked"]["entries"] != len(want["entries"]) and not ch["truncated"]:
            problems.append(f"{c}: walked {ch['walked']['entries']} entries, the program "
                            f"has {len(want['entries'])}")
        if as_int(ch["len"]) != len(want["entries"]):
            problems.append(f"{c}: len {ch['len']} != {len(want['entries'])}")
        key = "buckets" if expect["impl"] == "classic" else "groups"
        if key not in ch["walked"]:
            problems.append(f"{c}: walked lacks {key}: {ch['walked']}")
    text = results[-1]["output"]
    if not re.match(r"map\[\w+\]\w+ at 0x[0-9a-f]+ \((classic|swiss), \d+ entries walked\): OK",
                    text):
        problems.append(f"check text: {text!r}")
    assert not problems, "\n".join(problems)

@pytest.fixture(scope="module", params=TCS)
def core_target(request, tmp_path_factory):
    tc = request.param
    binary = fx.build("maps", tc)
    tmp = tmp_path_factory.mktemp(tc.id)
    core, expect = fx.make_core(binary, tmp)
    return tc, binary, core, expect, tmp

def _addr(d: dict[str, Any]) -> int | None:
    return int(d["address"], 16) if d.get("address") else None

def _header(binary: Path, core: Path, name: str) -> dict[str, Any]:
    p = inspect(binary, ["--core", str(core)], "header", name, "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["header"]

def _check(binary: Path, core: Path, name: str) -> tuple[subprocess.CompletedProcess,
                                                         dict[str, Any]]:
    p = inspect(binary, ["--core", str(core)], "check", name, "--json")
    assert p.returncode in (0, 1), f"rc={p.returncode}\n{p.stdout}\n{p.stderr}"
    return p, json.loads(p.stdout)["check"]

@pytest.mark.parametrize("name", ["main.mStrings", "main.mSmall"])
def test_wrong_count_in_a_patched_core(core_target, name: str) -> None:
    tc, binary, core, expect, tmp = core_target
    h = _header(binary, core, name)
    addr = int(h["address"], 16)
    n = len(expect["maps"][name]["entries"])
    assert int.from_bytes(corefile.read(core, addr + COUNT_OFF, 8), "little") == n
    bad = corefile.patched_copy(core, tmp / "core.count",
                                {addr + COUNT_OFF: corefile.u64(n + 5)})
    p, ch = _check(binary, bad, name)
    assert p.returncode == 1, p.stdout
    assert ch["ok"] is False and ch["walked"]["entries"] == n
    noun = "count" if tc.impl == "classic" else "used"
    hits = [d for d in ch["diagnostics"] if d["code"] == "inconsistent" and
            d["severity"] == "error" and _addr(d) == addr and
            f"found {n} entries but {noun} = {n + 5}" in d["message"]]
    assert hits, ch["diagnostics"]
    # Text: the summary and one line per diagnostic.
    t = inspect(binary, ["--core", str(bad)], "check", name)
    assert t.returncode == 1
    assert re.match(rf"map\[\w+\]\w+ at {h['address']} \({tc.impl}, {n} entries walked\): "
                    r"\d+ errors?", t.stdout), t.stdout
    assert "error inconsistent: " in t.stdout and f"{noun} = {n + 5}" in t.stdout

@pytest.mark.parametrize("name", ["main.mStrings", "main.mSmall"])
def test_bucket_pointer_at_unmapped_memory(core_target, name: str) -> None:
    tc, binary, core, expect, tmp = core_target
    h = _header(binary, core, name)
    addr = int(h["address"], 16)
    field = "buckets" if tc.impl == "classic" else "dirPtr"
    ptr = int.from_bytes(corefile.read(core, addr + BUCKETS_OFF, 8), "little")
    assert ptr == int(h["fields"][field], 16), (field, h["fields"])
    bad = corefile.patched_copy(core, tmp / "core.ptr",
                                {addr + BUCKETS_OFF: corefile.u64(UNMAPPED)})
    p, ch = _check(binary, bad, name)
    assert p.returncode == 1, p.stdout
    assert ch["ok"] is False
    hits = [d for d in ch["diagnostics"] if d["code"] == "unreadable" and
            d["severity"] == "error" and _addr(d) == UNMAPPED]
    assert hits, ch["diagnostics"]
    # The count no longer matches what could be walked: said once, as an error.
    assert any(d["code"] == "inconsistent" and _addr(d) == addr
               for d in ch["diagnostics"]), ch["diagnostics"]

B_OFF = 9  # runtime.hmap go1.18-1.25: count uint64 @0, flags uint8 @8, B uint8 @9


@pytest.mark.parametrize("b", [20, 40, 63])
def test_corrupt_b_is_bounded_by_evidence(core_target, b: int) -> None:
    """One corrupt byte of hmap.B in a real core: every command finishes at once with the
    implausible B named (the buckets it claims are not in the core), instead of walking
    2^24 buckets of whatever memory follows."""
    tc, binary, core, expect, tmp = core_target
    if tc.impl != "classic":
        pytest.skip("hmap.B is a classic map's field")
    name = "main.mStrings"
    h = _header(binary, core, name)
    addr = int(h["address"], 16)
    assert corefile.read(core, addr + B_OFF, 1)[0] == h["fields"]["B"]
    bad = corefile.patched_copy(core, tmp / f"core.B{b}", {addr + B_OFF: bytes([b])})
    claim = f"B = {b} claims {1 << b} buckets"
    for cmd in (["show", name, "--all", "--json"], ["layout", name, "--json"],
                ["check", name, "--json"], ["header", name, "--json"], ["scan", "--json"]):
        t0 = time.monotonic()
        p = inspect(binary, ["--core", str(bad)], *cmd, timeout=120)
        took = time.monotonic() - t0
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        print(f"{tc.id} B={b} {cmd[0]}: exit {p.returncode}, {took:.1f} s, "
              f"children's peak RSS so far {rss} MiB")
        if cmd[0] in ("show", "layout", "header"):
            # show/layout/header refuse a header that fails an invariant, in one line.
            assert p.returncode == 2 and claim in p.stderr, (cmd, p.stderr[-1500:])
        else:
            assert p.returncode == 1 and claim in p.stdout, (cmd, p.stdout[-1500:])


def test_usage_errors(core_target) -> None:
    _, binary, core, _, _ = core_target
    target = ["--core", str(core)]
    for args, pattern in [((), r"gomap check: .*missing EXPR"),
                          (("main.pointTarget",),
                           r"main.pointTarget is a \*main.Point, not a map"),
                          (("main.mSmal",), r"no variable named 'main.mSmal'")]:
        p = inspect(binary, target, "check", *args)
        assert p.returncode == 2, f"{args}: rc={p.returncode}\n{p.stdout}\n{p.stderr}"
        assert p.stdout == ""
        lines = [ln for ln in p.stderr.splitlines()
                 if ln.strip() and "no plugin for the language" not in ln]
        assert len(lines) == 1 and re.search(pattern, lines[0]), p.stderr

ITER_TYPES = {"large": "map[int]int", "small": "map[string]int", "reflect": "map[int]string"}

@pytest.mark.parametrize("tc", [p.values[0] for p in TCS], ids=[p.id for p in TCS])
def test_iterators_of_the_map_are_found(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("iterators", tc)
    core, expect = fx.make_core(binary, tmp_path)
    cases = [c for c in expect["cases"] if c["name"] in ITER_TYPES]
    commands = [f"check {c['map']} --type '{ITER_TYPES[c['name']]}' --json" for c in cases]
    results = batch(binary, ["--core", str(core)], commands)
    problems: list[str] = []
    for c, cmd, r in zip(cases, commands, results):
        if r["status"] != 0:
            problems.append(f"{cmd}: status {r['status']}: {r['error']} {r['output'][:2000]}")
            continue
        ch = json.loads(r["output"])["check"]
        gs = {it["goroutine"] for it in ch["iterators"] or []}
        if c["goroutine"] not in gs:
            problems.append(f"{cmd}: iterators {ch['iterators']}, want one on goroutine "
                            f"{c['goroutine']}")
    assert not problems, "\n".join(problems)
