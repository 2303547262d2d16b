"""The Go heap model on real programs (tests/fixtures/heap): a map's oldbuckets / overflow
pointer (classic) or directory entry (swiss) overwritten with the address of storage the GC
freed (the program saw its finalizer run, then collected twice) or of a live 24-byte object;
and range loops parked over maps that grew once, twice, or were cleared inside the loop.
Each state gets the classification the program recorded — `gomap check` names the pointer
with its heap evidence (stale-bucket-pointer: freed or reused), `gomap pointer` says what the
target is and whose storage holds it — and no legal state (a grow or clear during range) is
called an error or a dangling iterator. Live and from a core, with every toolchain."""
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


def _run(tc: fx.Toolchain, mode: str, tmp_path: Path, commands) -> tuple[dict, list]:
    binary = fx.build("heap", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    try:
        results = batch(binary, target, commands(expect))
    finally:
        fx.stop(proc)
    return expect, results


def _commands(expect: dict) -> list[str]:
    cmds = []
    for c in expect["corruptions"]:
        cmds += [f"check {c['map']} --json", f"pointer {c['target']} --json",
                 f"layout {c['map']} --json"]
    for it in expect["iterators"]:
        cmds += [f"check {it['map']} --json", f"pointer {it['header']} --json"]
    # The built-in table against the binary's DWARF, on the same addresses.
    for a in _layout_probe_addresses(expect):
        cmds += [f"pointer {a} --json --no-owners",
                 f"pointer {a} --json --no-owners --builtin-layout"]
    return cmds


def _layout_probe_addresses(expect: dict) -> list[str]:
    return ([c["target"] for c in expect["corruptions"]] +
            [c["header"] for c in expect["corruptions"]] +
            [it["header"] for it in expect["iterators"]])


@pytest.mark.parametrize("tc,mode", _params())
def test_stale_pointers_and_changed_maps(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    expect, results = _run(tc, mode, tmp_path, _commands)
    want_cases = 4 if expect["impl"] == "classic" else 2
    assert len(expect["corruptions"]) == want_cases, expect["corruptions"]
    problems: list[str] = []
    res = iter(results)
    for c in expect["corruptions"]:
        check, ptr, layout = next(res), next(res), next(res)
        name = c["name"]
        # gomap layout marks the same pointer with the same verdict.
        marks = json.loads(layout["output"])["layout"]["pointers"]
        if not marks or not any(_addr(f["address"]) == _addr(c["target"])
                                and f["verdict"] == c["want"] for f in marks["findings"]):
            problems.append(f"{name}: layout marks lack {c['target']} {c['want']}: {marks}")
        # A stale pointer is an error-level finding: exit status 1.
        if check["status"] != 1:
            problems.append(f"{name}: check status {check['status']}: {check['error']}")
            continue
        doc = json.loads(check["output"])["check"]
        pc = doc["pointers"]
        if not pc or not pc["available"]:
            problems.append(f"{name}: pointers not classified: {pc}")
            continue
        mine = [f for f in pc["findings"] if _addr(f["address"]) == _addr(c["target"])
                and f["role"] == c["role"]]
        if len(mine) != 1:
            problems.append(f"{name}: {len(mine)} findings for {c['role']} {c['target']}: "
                            f"{pc['findings']}")
            continue
        f = mine[0]
        if f["verdict"] != c["want"]:
            problems.append(f"{name}: verdict {f['verdict']} != recorded {c['want']}: "
                            f"{f['evidence']}")
        stale = [d for d in doc["diagnostics"] if d["code"] == "stale-bucket-pointer"
                 and d["address"] and _addr(d["address"]) == _addr(c["target"])]
        if not stale or stale[0]["severity"] != "error" or "span" not in stale[0]["message"] \
                and "not in use" not in stale[0]["message"]:
            problems.append(f"{name}: no stale-bucket-pointer error with heap evidence: "
                            f"{doc['diagnostics']}")
        # What the target is, from gomap pointer, against the program's record.
        p = json.loads(ptr["output"])["pointer"]
        if not p["heap"]["available"]:
            problems.append(f"{name}: heap unavailable: {p['heap']}")
            continue
        if c["want"] == "freed":
            assert c["finalized"], c
            freed = p["class"] == "free-pages" or (p["class"] == "object"
                                                   and p["alloc"] == "free")
            if not freed:
                problems.append(f"{name}: pointer says {p['class']} {p['alloc']}: {p}")
        else:
            if p["class"] != "object" or p["alloc"] != "allocated":
                problems.append(f"{name}: live object not allocated: {p}")
            elif _addr(p["object"]["base"]) != _addr(c["target"]) or \
                    not c["object_size"] <= p["object"]["size"] < 2 * c["object_size"]:
                problems.append(f"{name}: object {p['object']} is not the recorded "
                                f"{c['object_size']}-byte object at {c['target']}")
        owners = [o for o in p["owners"] if o["map"] == c["map"]]
        if not owners or owners[0]["role"] != c["role"]:
            problems.append(f"{name}: owners {p['owners']} lack {c['map']} {c['role']}")

    assert len(expect["iterators"]) == 3
    for it in expect["iterators"]:
        check, ptr = next(res), next(res)
        name = it["name"]
        if check["status"] != 0:
            problems.append(f"{name}: legal map change gave status {check['status']}: "
                            f"{check['output'][:2000]} {check['error']}")
            continue
        doc = json.loads(check["output"])["check"]
        if not doc["ok"]:
            problems.append(f"{name}: not ok: {doc['diagnostics']}")
        bad = [d for d in doc["diagnostics"] if d["code"] == "dangling-iterator"
               or d["severity"] == "error"]
        if bad:
            problems.append(f"{name}: a legal change called an error: {bad}")
        mine = [i for i in doc["iterators"] or [] if i["goroutine"] == it["goroutine"]
                and not i["finished"]]
        if len(mine) != 1:
            problems.append(f"{name}: {len(mine)} iterators of goroutine {it['goroutine']}: "
                            f"{doc['iterators']}")
        pc = doc["pointers"]
        if not pc or not pc["available"] or pc["classified"] < 2:
            problems.append(f"{name}: pointers not classified: {pc}")
        elif any(v in pc["verdicts"] for v in ("freed", "reused", "unmapped", "unswept")):
            problems.append(f"{name}: a live map's pointers called bad: {pc}")
        if it["grows"] == 2 and not any(d["code"] == "map-changed"
                                        for d in doc["diagnostics"]):
            problems.append(f"{name}: grew twice during range but no map-changed info")
        p = json.loads(ptr["output"])["pointer"]
        if p["class"] != "object" or p["alloc"] != "allocated":
            problems.append(f"{name}: the map header {it['header']} is not an allocated "
                            f"object: {p}")
    for a in _layout_probe_addresses(expect):
        dwarf, builtin = next(res), next(res)
        d = json.loads(dwarf["output"])["pointer"]
        b = json.loads(builtin["output"])["pointer"]
        if d["heap"]["layout_source"] != "DWARF" or not b["heap"]["layout_source"].startswith(
                "built-in"):
            problems.append(f"{a}: layout sources {d['heap']} / {b['heap']}")
        d.pop("heap"), b.pop("heap")
        if d != b:
            problems.append(f"{a}: the built-in heap table disagrees with DWARF:\n"
                            f"  DWARF    {d}\n  built-in {b}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("tc", fx.params())
def test_pointer_without_dwarf(tc: fx.Toolchain, tmp_path: Path) -> None:
    """-ldflags=-w (no DWARF, symbols kept): the heap is read with the built-in table and
    runtime.mheap_ from the symbol table, and gives the recorded classification; -s -w (no
    symbols either): the heap is not read, and says why in one field."""
    for flags, readable in ((["-ldflags=-w"], True), (["-ldflags=-s -w"], False)):
        binary = fx.build("heap", tc, flags)
        out = tmp_path / flags[0].split("=", 1)[1].replace(" ", "")
        core, expect = fx.make_core(binary, out)
        cases = expect["corruptions"]
        results = batch(binary, ["--core", str(core)],
                        [f"pointer {c['target']} --json" for c in cases])
        for c, r in zip(cases, results):
            assert r["status"] == 0, r["error"]
            p = json.loads(r["output"])["pointer"]
            if not readable:
                assert not p["heap"]["available"], p
                assert "mheap_" in p["heap"]["reason"], p
                continue
            assert p["heap"]["available"], p
            assert p["heap"]["layout_source"].startswith("built-in"), p
            assert p["owners"] == [], p  # no DWARF: no map variables to search
            if c["want"] == "freed":
                assert p["class"] == "free-pages" or p["alloc"] == "free", (c, p)
            else:
                assert p["alloc"] == "allocated" and \
                    _addr(p["object"]["base"]) == _addr(c["target"]), (c, p)
