"""Map internals in the LLDB plugin, live and from a core, with every available Go toolchain:
`gomap header` state and load factor, checked against what the fixture program read about
its own maps through unsafe (tests/fixtures/maps: header, growth, tables)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import as_int, batch  # noqa: E402

ALL = fx.toolchains()
MODES = ["core", "live"]
# Maps whose header state and load factor are checked.
HEADER_MAPS = ["main.mGrowing", "main.mSameSize", "main.mSmall", "main.mMultiTable",
               "main.mDeleted", "main.mInt100k", "main.mEmpty"]


def _params() -> list[Any]:
    out = []
    for tc in ALL:
        for mode in MODES:
            marks = [] if tc.usable else [pytest.mark.skip(reason=f"{tc.id}: {tc.reason}")]
            out.append(pytest.param(tc, mode, id=f"{tc.id}-{mode}", marks=marks))
    return out


def _json(name: str, res: dict[str, Any], key: str, problems: list[str]) -> Any:
    if res["status"] != 0:
        problems.append(f"{name}: {res['command']!r} failed (status {res['status']}): "
                        f"{res['error']}")
        return None
    doc = json.loads(res["output"])
    assert doc["schema"] == "gomap/1"
    return doc[key]


def _check_header(name: str, want: dict[str, Any], h: dict[str, Any], impl: str) -> list[str]:
    problems: list[str] = []
    wh = want["header"]
    for field, value in wh.items():
        if field == "tables":
            continue
        if as_int(h["fields"].get(field)) != as_int(value):
            problems.append(f"{name}: header {field} = {h['fields'].get(field)} != {value}")
    lf, st = h["load_factor"], h["state"]
    growth = want.get("growth")
    if impl == "classic":
        nb = 1 << wh["B"]
        if lf["basis"] != "count/2^B" or lf["max"] != 6.5 or lf["capacity"] != nb:
            problems.append(f"{name}: load_factor {lf}")
        elif abs(lf["value"] - wh["count"] / nb) > 1e-9:
            problems.append(f"{name}: load_factor value {lf['value']} != {wh['count']}/{nb}")
        if growth is None:
            if st != {"kind": "idle"}:
                problems.append(f"{name}: state {st}, want idle")
        else:
            kind = "same-size" if growth["same_size"] else "doubling"
            want_st = {"kind": "growing", "grow": kind, "evacuated": growth["nevacuate"],
                       "old_buckets": growth["old_buckets"]}
            if st != want_st:
                problems.append(f"{name}: state {st}, want {want_st}")
    else:
        tables = wh.get("tables", [])
        cap = sum(t["capacity"] for t in tables) if tables else (8 if wh["dirPtr"] != "0x0"
                                                                 else 0)
        if lf["basis"] != "used/capacity" or lf["max"] != 0.875 or lf["capacity"] != cap:
            problems.append(f"{name}: load_factor {lf}, want capacity {cap}")
        elif cap and abs(lf["value"] - wh["used"] / cap) > 1e-9:
            problems.append(f"{name}: load_factor value {lf['value']} != {wh['used']}/{cap}")
        if st != {"kind": "idle"}:
            problems.append(f"{name}: state {st}, want idle")
    return problems


@pytest.mark.parametrize("tc,mode", _params())
def test_layout_fixture(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    proc = None
    if mode == "core":
        core, expect = fx.make_core(binary, tmp_path)
        target = ["--core", str(core)]
    else:
        proc, expect = fx.run_parked(binary, tmp_path)
        target = ["--pid", str(proc.pid)]
    commands = [f"header {n} --json" for n in HEADER_MAPS]
    commands += [f"header {n}" for n in ("main.mGrowing", "main.mMultiTable")]
    try:
        results = batch(binary, target, commands)
    finally:
        if proc is not None:
            fx.stop(proc)
    for r, c in zip(results, commands):
        r["command"] = c
    impl = expect["impl"]
    maps = expect["maps"]
    problems: list[str] = []
    for i, n in enumerate(HEADER_MAPS):
        h = _json(n, results[i], "header", problems)
        if h is not None:
            problems += _check_header(n, maps[n], h, impl)
    growing_text = results[len(HEADER_MAPS)]["output"]
    if impl == "classic" and "state: growing (doubling)" not in growing_text:
        problems.append(f"header text of mGrowing lacks its state:\n{growing_text}")
    if "load factor:" not in results[len(HEADER_MAPS) + 1]["output"]:
        problems.append("header text lacks the load factor")
    if impl == "classic" and not maps["main.mSameSize"].get("growth", {}).get("same_size"):
        problems.append("fixture: mSameSize is not mid same-size grow")
    assert not problems, f"{tc.id} {mode}: {len(problems)} problems\n" + "\n".join(problems)
