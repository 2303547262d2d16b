"""Map internals in the LLDB plugin, live and from a core, with every available Go toolchain:
`gomap header` state and load factor, `gomap layout` (classic buckets and evacuation, swiss
directory and tables), and sync.Map (`show`/`header`), checked against what the fixture
program read about its own maps through unsafe (tests/fixtures/maps: header, growth, tables)
and the logical contents of its sync.Maps (kept in shadow maps)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import as_int, batch, normalise_maps  # noqa: E402

MODES = ["core", "live"]
# Maps whose layout is checked (classic: grows; swiss: tables).
LAYOUT_MAPS = ["main.mGrowing", "main.mSameSize", "main.mSmall", "main.mMultiTable",
               "main.mDeleted", "main.mInt100k", "main.mEmpty"]
HEADER_FIELDS_CLASSIC = ["count", "flags", "B", "noverflow", "hash0", "buckets", "oldbuckets",
                         "nevacuate"]
TABLE_FIELDS = ["address", "used", "capacity", "growthLeft", "localDepth", "index"]
SYNC_MAPS = ["main.smEmpty", "main.smMixed", "main.smPromoted", "main.smMany"]
# Maps whose header state and load factor are checked.
HEADER_MAPS = ["main.mGrowing", "main.mSameSize", "main.mSmall", "main.mMultiTable",
               "main.mDeleted", "main.mInt100k", "main.mEmpty"]

def _params() -> list[Any]:
    return fx.params(MODES)

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

def _check_layout(name: str, want: dict[str, Any], lay: dict[str, Any],
                  impl: str) -> list[str]:
    problems: list[str] = []
    wh = want["header"]
    if lay["impl"] != impl or lay["address"] != want["address"]:
        problems.append(f"{name}: layout impl/address {lay['impl']} {lay['address']}")
    if lay["diagnostics"]:
        problems.append(f"{name}: diagnostics {lay['diagnostics'][:3]}")
    if lay["truncated"]:
        problems.append(f"{name}: truncated")
    for field in wh:
        if field != "tables" and as_int(lay["fields"].get(field)) != as_int(wh[field]):
            problems.append(f"{name}: layout field {field} = {lay['fields'].get(field)} "
                            f"!= {wh[field]}")
    if impl == "classic":
        c = lay["classic"]
        if c["B"] != wh["B"] or c["buckets"]["count"] != 1 << wh["B"]:
            problems.append(f"{name}: B {c['B']} / {c['buckets']['count']} buckets")
        live = c["buckets"]["tophash"]["full"]
        growth = want.get("growth")
        if growth is None:
            if c["grow"] is not None:
                problems.append(f"{name}: grow {c['grow']} but the program saw none")
            if live != wh["count"]:
                problems.append(f"{name}: {live} full tophash slots != count {wh['count']}")
            return problems
        g = c["grow"]
        if g is None:
            return problems + [f"{name}: no grow reported, program saw {growth}"]
        kind = "same-size" if growth["same_size"] else "doubling"
        if g["kind"] != kind or g["nevacuate"] != growth["nevacuate"] or \
                g["old_buckets"] != growth["old_buckets"]:
            problems.append(f"{name}: grow {g['kind']} nevacuate {g['nevacuate']} "
                            f"old {g['old_buckets']}, program saw {growth}")
        old = g["oldbuckets"]
        got_evac = [b["index"] for b in old["list"] if b.get("evacuated")]
        if got_evac != growth["evacuated"]:
            problems.append(f"{name}: evacuated old buckets {got_evac} != {growth['evacuated']}")
        if g["evacuated"] < growth["nevacuate"]:
            problems.append(f"{name}: {g['evacuated']} evacuated < nevacuate")
        if len(old["strip"]) != growth["old_buckets"] or \
                old["strip"].count("E") != len(growth["evacuated"]):
            problems.append(f"{name}: old strip {old['strip']!r}")
        # Live entries: the new array's full slots plus the unevacuated old buckets'.
        live_old = sum(b["tophash"]["full"] for b in old["list"] if not b["evacuated"])
        if live + live_old != wh["count"]:
            problems.append(f"{name}: {live} + {live_old} live slots != count {wh['count']}")
        return problems
    s = lay["swiss"]
    if s["dirLen"] != wh["dirLen"] or s["globalDepth"] != wh["globalDepth"]:
        problems.append(f"{name}: dirLen/globalDepth {s['dirLen']}/{s['globalDepth']}")
    got = [{k: t.get(k) for k in TABLE_FIELDS} for t in s["tables"]]
    exp = [{k: t[k] for k in TABLE_FIELDS} for t in wh["tables"]]
    if got != exp:
        problems.append(f"{name}: tables differ:\n  got  {got[:4]}\n  want {exp[:4]}")
    if any(t["stale"] for t in s["tables"]):
        problems.append(f"{name}: stale tables reported")
    full = s["totals"]["ctrl"]["full"] if s["tables"] else \
        (s["small_group"] or {"ctrl": {"full": 0}})["ctrl"]["full"]
    if full != wh["used"]:
        problems.append(f"{name}: {full} full ctrl bytes != used {wh['used']}")
    return problems

def _go_minor(version: str) -> int:
    return int(version.removeprefix("go").split(".")[1])

def _check_sync(name: str, want: dict[str, Any], show: dict[str, Any], header: dict[str, Any],
                go_version: str) -> list[str]:
    problems: list[str] = []
    kind = "hash-trie" if _go_minor(go_version) >= 24 else "read-dirty"
    if show["type"] != "sync.Map" or show["impl"] != f"sync.Map/{kind}":
        problems.append(f"{name}: show type/impl {show['type']} {show['impl']}")
    if show["len"] != want["len"] or show["truncated"]:
        problems.append(f"{name}: len {show['len']} != {want['len']} (truncated "
                        f"{show['truncated']})")
    if show["diagnostics"] or header["diagnostics"]:
        problems.append(f"{name}: diagnostics {show['diagnostics'][:3]} "
                        f"{header['diagnostics'][:3]}")
    missing, unexpected = fx.compare_entries(normalise_maps(show["entries"]),
                                             normalise_maps(want["entries"]))
    if missing or unexpected:
        problems.append(f"{name}: {len(missing)} missing, {len(unexpected)} unexpected; "
                        f"missing {missing[:3]} unexpected {unexpected[:3]}")
    if header["impl"] != f"sync.Map/{kind}" or header["len"] != want["len"]:
        problems.append(f"{name}: header impl {header['impl']} len {header['len']}")
    if kind == "read-dirty":
        r, d = header["read"], header["dirty"]
        if r["live"] + d["only_in_dirty"] != want["len"]:
            problems.append(f"{name}: read live {r['live']} + dirty-only "
                            f"{d['only_in_dirty']} != {want['len']}")
        if name == "main.smMixed" and (not r["amended"] or r["expunged"] < 1 or
                                       d["only_in_dirty"] < 1):
            problems.append(f"{name}: expected amended with expunged and dirty-only entries: "
                            f"{header}")
        if name == "main.smPromoted" and (r["amended"] or r["live"] != want["len"]):
            problems.append(f"{name}: expected every entry promoted to read: {header}")
    else:
        t = header["trie"]
        if t["entries"] != want["len"]:
            problems.append(f"{name}: trie entries {t['entries']} != {want['len']}")
        if name == "main.smMany" and t["max_depth"] < 1:
            problems.append(f"{name}: a trie of {want['len']} entries with depth "
                            f"{t['max_depth']}")
    return problems

@pytest.mark.parametrize("tc,mode", _params())
def test_layout_fixture(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    commands = [f"header {n} --json" for n in HEADER_MAPS]
    commands += [f"header {n}" for n in ("main.mGrowing", "main.mMultiTable")]
    first_layout = len(commands)
    commands += [f"layout {n} --json --all" for n in LAYOUT_MAPS]
    commands += [f"layout {n}" for n in ("main.mGrowing", "main.mInt100k")]
    first_sync = len(commands)
    for n in SYNC_MAPS:
        commands += [f"show {n} --all --json", f"header {n} --json"]
    commands += ["show main.smMixed", "header main.smMixed"]
    try:
        results = batch(binary, target, commands)
    finally:
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
    for i, n in enumerate(LAYOUT_MAPS):
        lay = _json(n, results[first_layout + i], "layout", problems)
        if lay is not None:
            problems += _check_layout(n, maps[n], lay, impl)
    text_growing = results[first_layout + len(LAYOUT_MAPS)]["output"]
    text_big = results[first_layout + len(LAYOUT_MAPS) + 1]["output"]
    if "legend:" not in text_growing or "legend:" not in text_big:
        problems.append(f"layout text lacks its legend:\n{text_growing}")
    if impl == "classic" and ("oldbuckets" not in text_growing
                              or "^ nevacuate" not in text_growing):
        problems.append(f"layout text of mGrowing does not show the old buckets:\n{text_growing}")
    if "more (--all" not in text_big and "strips cut" not in text_big:
        problems.append(f"layout text of mInt100k is not capped:\n{text_big[:2000]}")
    for i, n in enumerate(SYNC_MAPS):
        show = _json(n, results[first_sync + 2 * i], "map", problems)
        header = _json(n, results[first_sync + 2 * i + 1], "header", problems)
        if show is not None and header is not None:
            problems += _check_sync(n, expect["syncmaps"][n], show, header,
                                    expect["go_version"])
    text_show = results[first_sync + 2 * len(SYNC_MAPS)]["output"]
    text_header = results[first_sync + 2 * len(SYNC_MAPS) + 1]["output"]
    if '"a": int(10)' not in text_show.replace('string("a")', '"a"'):
        problems.append(f"sync.Map show text:\n{text_show}")
    if "(sync.Map)" not in text_header:
        problems.append(f"sync.Map header text:\n{text_header}")
    if impl == "classic" and not maps["main.mSameSize"].get("growth", {}).get("same_size"):
        problems.append("fixture: mSameSize is not mid same-size grow")
    assert not problems, f"{tc.id} {mode}: {len(problems)} problems\n" + "\n".join(problems)
