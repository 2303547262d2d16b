"""`gomap show 'EXPR[KEY]'` and `--depth N` in LLDB on the maps fixture, from a core with every
Go toolchain (and live, attached, for a smaller set): keys of every kind taken from the
program's own ground truth find values equal to it, absent keys and NaN keys find nothing (exit
0), bad keys fail in one line (exit 2), array/slice indexing still works, and pointer values
rendered to depth 1-3 equal the ground truth the program wrote for them, cycles included."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import batch, normalise_maps, show_map_problems  # noqa: E402
from integration.lookup_keys import (absent_literal, go_literal, key_type,  # noqa: E402
                                     lldb_quote, sample)

SAMPLE = 6  # keys looked up per map (evenly spread over its ground truth)
Check = Callable[[dict[str, Any]], list[str]]


def _same(a: Any, b: Any) -> bool:
    return fx.canonical(normalise_maps(a)) == fx.canonical(normalise_maps(b))


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


def _lookup_doc(r: dict[str, Any], label: str) -> tuple[dict[str, Any] | None, list[str]]:
    if r["status"] != 0:
        return None, [f"{label}: status {r['status']}: {r['error']}"]
    try:
        return json.loads(r["output"])["lookup"], []
    except (json.JSONDecodeError, KeyError):
        return None, [f"{label}: not a look-up document: {r['output'][:200]!r}"]


def _found(name: str, m: dict[str, Any], entry: dict[str, Any]) -> Check:
    def check(r: dict[str, Any]) -> list[str]:
        label = f"{name}[{entry['key']!r}]"
        doc, problems = _lookup_doc(r, label)
        if doc is None:
            return problems
        if not doc["found"]:
            return [f"{label}: not found ({doc['walked']} walked, {doc['diagnostics'][:2]})"]
        for k in ("address", "type", "len"):
            if doc["map"][k] != m[k]:
                problems.append(f"{label}: map {k} {doc['map'][k]!r} != {m[k]!r}")
        if not _same(doc["key"], entry["key"]):
            problems.append(f"{label}: key {doc['key']!r}")
        if not _same(doc["value"], entry["value"]):
            problems.append(f"{label}: value {doc['value']!r} != {entry['value']!r}")
        errors = [d for d in doc["diagnostics"] if d["severity"] == "error"]
        if errors:
            problems.append(f"{label}: error diagnostics {errors[:2]}")
        return problems
    return check


def _absent(name: str, m: dict[str, Any], lit: str, nan: bool = False) -> Check:
    def check(r: dict[str, Any]) -> list[str]:
        label = f"{name}[{lit}]"
        doc, problems = _lookup_doc(r, label)
        if doc is None:
            return problems
        if doc["found"] or doc["value"] is not None:
            problems.append(f"{label}: found {doc['value']!r}")
        if doc["truncated"]:
            problems.append(f"{label}: walk truncated")
        if nan:
            if doc["walked"] != 0 or "NaN keys never match" not in (doc["note"] or ""):
                problems.append(f"{label}: NaN look-up walked {doc['walked']}, note "
                                f"{doc['note']!r}")
        elif doc["walked"] != m["len"]:
            problems.append(f"{label}: walked {doc['walked']} of {m['len']}")
        return problems
    return check


def _text(expected: str | re.Pattern[str], status: int = 0) -> Check:
    def check(r: dict[str, Any]) -> list[str]:
        out = r["output"].rstrip("\n") if status == 0 else r["error"]
        ok = (expected.fullmatch(out) is not None if isinstance(expected, re.Pattern)
              else out == expected)
        if r["status"] != status or not ok:
            return [f"{r['command']}: status {r['status']}, got {out!r}, want {expected!r}"]
        return []
    return check


def _error(message: str) -> Check:
    """A bad look-up: exit 2 with exactly this one line."""
    return _text(f"error: gomap show: {message}", status=2)


def lookup_plan(expect: dict[str, Any]) -> list[tuple[str, Check]]:
    """For every non-empty map of the fixture: SAMPLE keys from its ground truth (JSON and,
    for the first, text), one absent key (JSON and text), NaN keys."""
    plan: list[tuple[str, Check]] = []
    for name, m in sorted(expect["maps"].items()):
        if m["nil"]:
            continue
        kt = m.get("key_type") or key_type(m["type"])
        shown_text = False
        for e in sample(m["entries"], SAMPLE):
            lit = go_literal(e["key"], kt)
            expr = f"{name}[{lit}]"
            if lit.endswith("NaN") or lit.startswith("complex(NaN"):
                plan.append((f"show {lldb_quote(expr)} --json", _absent(name, m, lit, True)))
                plan.append((f"show {lldb_quote(expr)}", _text(
                    f"{expr}: no such key (NaN keys never match, as in Go; use show to list "
                    f"them)")))
                continue
            plan.append((f"show {lldb_quote(expr)} --json", _found(name, m, e)))
            if not shown_text:
                shown_text = True
                plan.append((f"show {lldb_quote(expr)}",
                             _text(re.compile(re.escape(expr) + r" = .+"))))
        lit = absent_literal(kt, m["entries"])
        if lit is not None:
            expr = f"{name}[{lit}]"
            plan.append((f"show {lldb_quote(expr)} --json", _absent(name, m, lit)))
            plan.append((f"show {lldb_quote(expr)}",
                         _text(f"{expr}: no such key (map has {_entries(m['len'])})")))
    plan.append(("show 'main.mNil[\"x\"]'",
                 _text('main.mNil["x"]: no such key (the map is nil)')))
    return plan


def error_plan() -> list[tuple[str, Check]]:
    return [
        ("show 'main.mSmall[\"unterminated'",
         _error('key "unterminated does not parse: string literal not terminated')),
        ("show 'main.mSmall[42]'",
         _error("key 42 is not a string (map[string]int has string keys)")),
        ("show 'main.mSmall[\"one\"'", _error('key "one" does not parse: missing \']\' after '
                                              'the key')),
        ("show main.mSmall[\"one\"]",  # LLDB removes the unquoted double quotes
         _error("key one is not a string (map[string]int has string keys); LLDB drops "
                "unquoted double quotes: quote the whole EXPR, e.g. gomap show "
                "'main.mSmall[\"one\"]'")),
        ("show 'main.mInt32Int8[1.5]'",
         _error("key 1.5 is not an integer (map[int32]int8 has int32 keys)")),
        ("show 'main.mUint64Keys[-1]'",
         _error("key -1 overflows uint64 (map[uint64]string has uint64 keys)")),
        ("show 'main.mStructKeys[main.Point{X: \"a\"}]'",
         _error('key main.Point{X: "a"}: field X: "a" is not an integer '
                "(map[main.Point]string has main.Point keys)")),
        ("show 'main.mStructKeys[main.Point{Z: 1}]'",
         _error("key main.Point{Z: 1}: unknown field Z in main.Point "
                "(map[main.Point]string has main.Point keys)")),
        ("show 'main.mAnyKeys[main.Nope{}]'",
         _error("key main.Nope{}: no type named main.Nope in the binary's debug info "
                "(map[interface {}]string has interface {} keys)")),
        ("show 'main.pointTarget[\"x\"]'",
         _error('main.pointTarget is a *main.Point, not a map: ["x"] looks a key up in a map '
                "(arrays and slices take an integer index)")),
        ("show 'main.shardList[\"x\"]'",
         _error('main.shardList is a []map[string]int: its index must be a non-negative '
                'integer, not "x"')),
        ("show 'main.smMixed[\"x\"]'",
         _error("main.smMixed is a sync.Map: key look-ups are for Go maps only so far "
                "('gomap show main.smMixed' lists its entries)")),
        ("show 'main.nothing[\"x\"]'", lambda r: [] if r["status"] == 2 and
         "no variable named 'main.nothing'" in r["error"] and "\n" not in r["error"]
         else [f"unknown map: {r['status']} {r['error']!r}"]),
    ]


def indexing_plan(expect: dict[str, Any], impl: str) -> list[tuple[str, Check]]:
    """A trailing [N] on an array or slice stays indexing (the maps are mEmpty and mSmall)."""
    maps = expect["maps"]

    def show(name: str, want: str) -> Check:
        def check(r: dict[str, Any]) -> list[str]:
            if r["status"] != 0:
                return [f"{name}: {r['error']}"]
            return show_map_problems(name, maps[want], json.loads(r["output"])["map"], impl)
        return check
    two = next(e for e in maps["main.mSmall"]["entries"] if e["key"] == "two")
    return [
        ("show main.shardList[1] --all --json", show("main.shardList[1]", "main.mSmall")),
        ("show main.shards[1].m --all --json", show("main.shards[1].m", "main.mSmall")),
        ("show main.shards[0].m --all --json", show("main.shards[0].m", "main.mEmpty")),
        ("show 'main.shards[1].m[\"two\"]' --json",
         _found("main.shards[1].m", maps["main.mSmall"], two)),
        ("show 'main.shardList[1][\"two\"]' --json",
         _found("main.shardList[1]", maps["main.mSmall"], two)),
    ]


# --- depth --------------------------------------------------------------------------------


def session_text(v: Any, t: str) -> str:
    """Go-like text of a *main.Session / *main.Owner in the depth encoding, as show prints it."""
    if v is None:
        return "nil"
    if "elem" in v:
        e = v["elem"]
        if t == "*main.Owner":
            return f"&main.Owner{{Name: {json.dumps(e['Name'])}, Level: {e['Level']}}}"
        return (f"&main.Session{{ID: {json.dumps(e['ID'])}, Hits: {e['Hits']}, Owner: "
                f"{session_text(e['Owner'], '*main.Owner')}, Peer: "
                f"{session_text(e['Peer'], '*main.Session')}}}")
    return f"({t})({v['ptr']})" + (" <cycle>" if v.get("cycle") else "")


def depth_plan(expect: dict[str, Any]) -> list[tuple[str, Check]]:
    plan: list[tuple[str, Check]] = []
    for name in ("main.mPtrVals", "main.mInterface"):
        m = expect["maps"][name]
        levels = {"0": m["entries"], **m["depth"]}
        for depth, want in levels.items():
            opt = "" if depth == "0" else f" --depth {depth}"

            def check(r: dict[str, Any], want: list[Any] = want, label: str =
                      f"{name} depth {depth}") -> list[str]:
                if r["status"] != 0:
                    return [f"{label}: {r['error']}"]
                got = json.loads(r["output"])["map"]["entries"]
                missing, unexpected = fx.compare_entries(normalise_maps(got),
                                                         normalise_maps(want))
                if missing or unexpected:
                    return [f"{label}: missing {missing[:2]} unexpected {unexpected[:2]}"]
                return []
            plan.append((f"show {name} --all --json{opt}", check))
    sessions = expect["maps"]["main.mPtrVals"]
    for depth in ("0", "1", "2", "3"):
        entries = sessions["entries"] if depth == "0" else sessions["depth"][depth]
        for e in entries:
            expr = f"main.mPtrVals[{json.dumps(e['key'])}]"
            plan.append((f"show {lldb_quote(expr)} --json --depth {depth}",
                         _found("main.mPtrVals", sessions, e)))
            plan.append((f"show {lldb_quote(expr)} --depth {depth}",
                         _text(f"{expr} = {session_text(e['value'], '*main.Session')}")))
    # Text follows one pointer level by default (as Delve's print), keys never.
    lines = sorted(f"  {json.dumps(e['key'])}: {session_text(e['value'], '*main.Session')}"
                   for e in sessions["depth"]["1"])

    def whole(r: dict[str, Any]) -> list[str]:
        out = r["output"].rstrip("\n").split("\n")
        want_head = (f"(map[string]*main.Session) {sessions['address']} "
                     f"len={sessions['len']} impl={expect['impl']}")
        if r["status"] != 0 or out[0] != want_head or sorted(out[1:]) != lines:
            return [f"show main.mPtrVals text: {out!r}"]
        return []
    plan.append(("show main.mPtrVals", whole))
    return plan


def run_plan(binary: Path, target: list[str], plan: list[tuple[str, Check]]) -> list[str]:
    results = batch(binary, target, [c for c, _ in plan])
    problems: list[str] = []
    for (command, check), r in zip(plan, results):
        problems += [f"{command}: {p}" for p in check(r)]
    return problems


@pytest.fixture(scope="module")
def cores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One core of the maps fixture per toolchain, shared by this module's tests."""
    made: dict[str, Any] = {}

    def get(tc: fx.Toolchain) -> tuple[Path, list[str], dict[str, Any]]:
        if tc.id not in made:
            binary = fx.build("maps", tc)
            target, expect, _ = fx.start(binary, tmp_path_factory.mktemp(tc.id), "core")
            made[tc.id] = (binary, target, expect)
        return made[tc.id]
    return {"get": get}


@pytest.mark.parametrize("tc,mode", fx.params(["core"]))
def test_lookup_every_key_kind(tc: fx.Toolchain, mode: str, cores: dict[str, Any]) -> None:
    binary, target, expect = cores["get"](tc)
    plan = lookup_plan(expect) + error_plan() + indexing_plan(expect, expect["impl"])
    problems = run_plan(binary, target, plan)
    assert not problems, (f"{tc.id} {mode}: {len(problems)} of {len(plan)} look-ups wrong\n"
                          + "\n".join(problems[:40]))


@pytest.mark.parametrize("tc,mode", fx.params(["core"]))
def test_depth(tc: fx.Toolchain, mode: str, cores: dict[str, Any]) -> None:
    binary, target, expect = cores["get"](tc)
    plan = depth_plan(expect)
    problems = run_plan(binary, target, plan)
    assert not problems, (f"{tc.id} {mode}: {len(problems)} of {len(plan)} wrong\n"
                          + "\n".join(problems[:40]))


@pytest.mark.parametrize("tc,mode", fx.params(["live"]))
def test_lookup_live(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    """Attached to the parked program: a look-up per key kind, NaN, absent, depth."""
    binary = fx.build("maps", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    try:
        wanted = {"main.mSmall", "main.mAnyKeys", "main.mFloatKeys", "main.mStructKeys",
                  "main.mPtrKeys", "main.mUint64Keys", "main.mGrowing", "main.mMultiTable"}
        small = {"maps": {n: m for n, m in expect["maps"].items() if n in wanted},
                 "impl": expect["impl"]}
        plan = lookup_plan(small) + [p for p in depth_plan(expect) if "--depth 3" in p[0]]
        problems = run_plan(binary, target, plan)
    finally:
        fx.stop(proc)
    assert not problems, f"{tc.id} {mode}: {len(problems)} wrong\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("tc,mode", fx.params(["core"]))
def test_lookup_in_frames(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    """Look-ups on maps held by locals, parameters, closure captures and receiver fields
    (c.byID) of parked goroutines, chosen with -g/-f: EXPR[KEY] takes every EXPR form."""
    binary = fx.build("goroutines", tc, ["-gcflags=all=-N -l"])
    target, expect, _ = fx.start(binary, tmp_path, mode)
    gs = expect["goroutines"] + [expect["main"]]
    bts = batch(binary, target, [f"bt -g {g['id']} --json" for g in gs])
    plan: list[tuple[str, Check]] = []
    for g, r in zip(gs, bts):
        frames = json.loads(r["output"])["goroutine"]["frames"]
        for m in g["maps"]:
            k = next(f["index"] for f in frames
                     if f["function"] == m["function"] and not f["inlined"])
            kt = key_type(m["type"])
            want = {"address": m.get("address"), "type": m["type"], "len": m["len"]}
            for e in sample(m["entries"], 3):
                expr = f"{m['name']}[{go_literal(e['key'], kt)}]"
                found = _found(expr, want, e)

                def check(r: dict[str, Any], found: Check = found,
                          want: dict[str, Any] = want) -> list[str]:
                    # The frame fixture does not record map addresses: compare the rest.
                    doc = json.loads(r["output"])["lookup"] if r["status"] == 0 else None
                    if doc is not None and want["address"] is None:
                        doc["map"]["address"] = None
                        r = {**r, "output": json.dumps({"lookup": doc})}
                    return found(r)
                plan.append((f"show {lldb_quote(expr)} -g {g['id']} -f {k} --json", check))
            lit = absent_literal(kt, m["entries"])
            if lit is not None:
                expr = f"{m['name']}[{lit}]"
                plan.append((f"show {lldb_quote(expr)} -g {g['id']} -f {k}", _text(
                    f"{expr}: no such key (map has {_entries(m['len'])})")))
    assert plan, "the goroutines fixture holds no maps"
    problems = run_plan(binary, target, plan)
    assert not problems, (f"{tc.id} {mode}: {len(problems)} of {len(plan)} wrong\n"
                          + "\n".join(problems[:40]))
