"""`gomap iter` finds every map iterator on every goroutine stack: range loops parked after N
entries over a large and a small map, a reflect.MapIter after K Next() calls (heap-allocated,
found through the stack word that points at it), and maps.All under iter.Pull2 (Go 1.23+, on
the pull coroutine's goroutine). Each names its goroutine and map and reports returned == N
exactly — live and from a core, with every toolchain. `gomap iter main.keepIter` decodes the
reflect.MapIter through its package-level pointer."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import batch  # noqa: E402

def _params() -> list[Any]:
    return fx.params(("core", "live"))

def _addr(s: str) -> int:
    return int(s, 16)

@pytest.mark.parametrize("tc,mode", _params())
def test_iterators_found_with_returned_count(tc: fx.Toolchain, mode: str,
                                             tmp_path: Path) -> None:
    binary = fx.build("iterators", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    cases = {c["name"]: c for c in expect["cases"]}
    want = {"large", "small", "reflect"} | ({"pull"} if _at_least(expect["go_version"], 23)
                                            else set())
    assert set(cases) == want, f"fixture recorded {sorted(cases)}"
    reflect_g = cases["reflect"]["goroutine"]
    try:
        results = batch(binary, target, [
            "iter --json",
            "iter main.keepIter --json",
            f"iter --json -g {cases['large']['goroutine']}",
            "iter",
            "iter 0x10 --type main.nosuchtype",
            # A time limit already passed when the scan starts: it stops at the first
            # stack, says where, and check says why it scanned no iterators.
            "iter --time-limit 0.000001 --json",
            "iter --time-limit 0.000001",
            f"check {cases['large']['map']} --type 'map[int]int' --time-limit 0.000001 --json",
        ])
    finally:
        fx.stop(proc)
    assert results[0]["status"] in (0, 1), results[0]["error"]
    doc = json.loads(results[0]["output"])
    assert doc["schema"] == "gomap/1"
    its = doc["iterators"]
    problems = []
    approx = []  # cases whose count could only be bracketed (printed)
    for name, c in sorted(cases.items()):
        mine = [it for it in its if _addr(it["map"]) == _addr(c["map"])
                and not it["finished"]]
        if len(mine) != 1:
            problems.append(f"{name}: {len(mine)} unfinished iterators over map {c['map']} "
                            f"(found {[(i['map'], i['goroutine']) for i in its]})")
            continue
        it = mine[0]
        # The pull iterator runs on the coroutine's goroutine, not the caller's.
        if c["coroutine"]:
            if it["goroutine"] == c["goroutine"] or it["goroutine"] is None:
                problems.append(f"{name}: goroutine {it['goroutine']} should be the "
                                f"coroutine's, not {c['goroutine']}")
        elif it["goroutine"] != c["goroutine"]:
            problems.append(f"{name}: goroutine {it['goroutine']} != {c['goroutine']}")
        if it["total"] != c["len"]:
            problems.append(f"{name}: total {it['total']} != len {c['len']}")
        # Nothing changed these maps after their iterators started: exact and current —
        # unless the map was still growing when its iterator started (classic: some
        # toolchains leave the 50-entry map mid-grow). Then mapiternext reads unevacuated
        # old buckets and keeps the entries hashing to the bucket it is on; without the
        # hash the count is a range that must hold N and say why.
        grow = it["impl"] == "classic" and it["position"].get("map_oldbuckets") != "0x0"
        if it["exact"]:
            if it["returned"] != c["returned"]:
                problems.append(f"{name}: returned {it['returned']} != {c['returned']}")
        elif grow and "split between X and Y" in (it["approximate"] or ""):
            if not it["returned"] <= c["returned"] <= it["returned_max"]:
                problems.append(f"{name}: {c['returned']} outside [{it['returned']}, "
                                f"{it['returned_max']}] ({it['approximate']})")
            approx.append(f"{name} ({it['reason']}): {it['approximate']}")
        else:
            problems.append(f"{name}: returned {it['returned']} not exact "
                            f"({it['approximate']}), want {c['returned']}")
        if it["relation"] != "current":
            problems.append(f"{name}: relation {it['relation']} ({it['reason']})")
        if it["impl"] != tc.impl:
            problems.append(f"{name}: impl {it['impl']} != {tc.impl}")
        if not c["coroutine"] and (it["frame"] or {}).get("function") != c["function"]:
            problems.append(f"{name}: frame {it['frame']} is not in {c['function']}")
        errs = [d for d in it["diagnostics"] if d["severity"] == "error"]
        if errs:
            problems.append(f"{name}: diagnostics {errs}")
    refl = [it for it in its if _addr(it["map"]) == _addr(cases["reflect"]["map"])]
    if refl and "reflect.MapIter" not in refl[0]["via"]:
        problems.append(f"reflect: found via {refl[0]['via']!r}")
    # iter EXPR through the package-level *reflect.MapIter.
    r = results[1]
    assert r["status"] in (0, 1), r["error"]
    one = json.loads(r["output"])["iterators"]
    if len(one) != 1 or _addr(one[0]["map"]) != _addr(cases["reflect"]["map"]) or \
            not one[0]["returned"] <= cases["reflect"]["returned"] <= one[0]["returned_max"]:
        problems.append(f"iter main.keepIter: {one}")
    elif refl and one[0]["address"] != refl[0]["address"]:
        problems.append(f"iter main.keepIter at {one[0]['address']} but the scan found "
                        f"{refl[0]['address']} (goroutine {reflect_g})")
    # -g limits the scan to one goroutine.
    only = json.loads(results[2]["output"])["iterators"]
    if {it["goroutine"] for it in only} != {cases["large"]["goroutine"]}:
        problems.append(f"iter -g: goroutines {[it['goroutine'] for it in only]}")
    # Text: one line per iterator, naming its goroutine.
    text = results[3]["output"]
    for c in cases.values():
        if not c["coroutine"] and f"goroutine {c['goroutine']} " not in text:
            problems.append(f"text output lacks goroutine {c['goroutine']}:\n{text}")
    assert results[4]["status"] == 2 and "main.nosuchtype" in results[4]["error"]
    assert doc["scan"]["stopped"] is None, doc["scan"]
    cut = json.loads(results[5]["output"])["scan"]
    assert cut["truncated"] and cut["stopped"].startswith(
        "time limit of 0.000001 s reached at the stack of goroutine "), cut
    assert cut["stopped"].endswith("; --time-limit raises it"), cut
    assert "(scan stopped: time limit of 0.000001 s reached at the stack of goroutine" \
        in results[6]["output"], results[6]["output"]
    chk = json.loads(results[7]["output"])["check"]
    assert chk["iterators"] is None and chk["truncated"], chk
    assert chk["iterator_scan_error"] == "time limit of 0.000001 s reached", chk
    if approx:
        print(f"{tc.id} {mode}: approximate: " + "; ".join(approx))
    assert not problems, f"{tc.id} {mode}:\n" + "\n".join(problems)

def _at_least(version: str, minor: int) -> bool:
    """go1.23.4 / go1.27rc2 -> compare (major, minor) with (1, minor)."""
    major, rest = version.removeprefix("go").split(".", 1)
    digits = ""
    for ch in rest:
        if not ch.isdigit():
            break
        digits += ch
    return (int(major), int(digits or 0)) >= (1, minor)
