"""Proves the fixture harness: for every Go toolchain, the maps fixture builds, parks, dumps a
core, and writes a self-consistent ground truth for the map implementation expected."""

from __future__ import annotations

import concurrent.futures
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402

ALL = fx.toolchains()
# Maps whose entries hold no addresses, so two runs of the same binary must agree exactly.
ADDRESS_FREE = ["main.mSmall", "main.mInt100k", "main.mStrings", "main.mStructVals",
                "main.mIndirect", "main.mFloatKeys", "main.mUint64Keys", "main.mSparse",
                "main.mDeleted", "main.mGrowing", "main.mMultiTable", "main.mSet",
                "main.mInt32Int8", "main.mBoolKeys", "main.mUsers"]

def _params() -> list[Any]:
    return fx.params()

@pytest.fixture(scope="session")
def maps_binaries() -> dict[str, Any]:
    """Build the maps fixture with every usable toolchain, two at a time."""
    usable = [t for t in ALL if t.usable]
    result: dict[str, Any] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(fx.build, "maps", t): t for t in usable}
        for fut, t in futures.items():
            try:
                result[t.id] = fut.result()
            except fx.FixtureError as e:
                result[t.id] = e
    return result

def _binary(maps_binaries: dict[str, Any], tc: fx.Toolchain) -> Path:
    b = maps_binaries[tc.id]
    if isinstance(b, Exception):
        pytest.fail(str(b))
    return b

def _check_scenarios(expect: dict[str, Any], tc: fx.Toolchain) -> None:
    assert fx.check_expect(expect, impl=tc.impl) == []
    assert expect["go_version"] == tc.runtime_version
    maps = expect["maps"]
    assert maps["main.mNil"]["nil"] and maps["main.mNil"]["header"] is None
    assert maps["main.mBig1M"]["nil"]
    assert maps["main.mEmpty"]["len"] == 0 and not maps["main.mEmpty"]["nil"]
    nan_keys = [e for e in maps["main.mFloatKeys"]["entries"] if e["key"] == "NaN"]
    assert len(nan_keys) == 3
    assert {"key": "18446744073709551615", "value": "max"} in maps["main.mUint64Keys"]["entries"]
    assert maps["main.mSparse"]["len"] == 3 and maps["main.mDeleted"]["len"] == 1000
    grow = maps["main.mGrowing"]["header"]
    if tc.impl == "classic":
        assert ("clearSeq" in grow) == (tc.experiment == "noswissmap")
        assert grow["oldbuckets"] != "0x0"
        nold = 1 << (grow["B"] - (0 if grow["flags"] & 8 else 1))
        assert 0 < grow["nevacuate"] < nold
    else:
        assert maps["main.mMultiTable"]["header"]["dirLen"] > 1
        assert maps["main.mSmall"]["header"]["dirLen"] == 0
        has_tp = "tombstonePossible" in maps["main.mSmall"]["header"]
        assert has_tp == (not tc.id.startswith("go1.24."))

@pytest.mark.parametrize("tc", _params())
def test_parked(tc: fx.Toolchain, maps_binaries: dict[str, Any], tmp_path: Path) -> None:
    binary = _binary(maps_binaries, tc)
    proc, expect = fx.run_parked(binary, tmp_path)
    try:
        assert proc.poll() is None, "fixture exited instead of parking"
        assert Path(f"/proc/{proc.pid}/exe").resolve() == binary.resolve()
        _check_scenarios(expect, tc)
    finally:
        fx.stop(proc)

@pytest.mark.parametrize("tc", _params())
def test_core(tc: fx.Toolchain, maps_binaries: dict[str, Any], tmp_path: Path) -> None:
    binary = _binary(maps_binaries, tc)
    try:
        core, expect = fx.make_core(binary, tmp_path / "core")
    except fx.CoreUnavailable as e:
        pytest.skip(str(e))
    with open(core, "rb") as f:
        elf = f.read(18)
    assert elf[:4] == b"\x7fELF" and int.from_bytes(elf[16:18], "little") == 4, "not ET_CORE"
    core.unlink()  # ~40 MB each; the debugger tests make their own
    _check_scenarios(expect, tc)

    # A second run must reproduce every address-free map exactly (the ground truth is
    # deterministic, and the multiset helper sees no difference).
    proc, again = fx.run_parked(binary, tmp_path / "again")
    fx.stop(proc)
    for name in ADDRESS_FREE:
        fx.assert_same_entries(again["maps"][name]["entries"], expect["maps"][name]["entries"])

def test_quick_toolchains_available() -> None:
    """Debian's go1.19 and the machine's go are the floor every test run relies on."""
    usable = {t.id for t in ALL if t.usable}
    impls = {t.impl for t in ALL if t.usable}
    assert usable, "no usable Go toolchain"
    if len(ALL) > 2:  # the full set: both map implementations must be covered
        assert impls == {"classic", "swiss"}

def test_multiset_helper() -> None:
    nan = {"key": "NaN", "value": 1}
    a = [nan, nan, {"key": 1.0, "value": {"X": 1, "Y": 2}}]
    fx.assert_same_entries(a, [{"key": 1, "value": {"X": 1, "Y": 2}}, nan, nan])
    missing, unexpected = fx.compare_entries([nan], [nan, nan])
    assert missing == [fx.canonical(nan)] and unexpected == []
    with pytest.raises(AssertionError):
        fx.assert_same_entries([{"key": 1, "value": {"Y": 2, "X": 1}}],
                               [{"key": 1, "value": {"X": 1, "Y": 2}}])
