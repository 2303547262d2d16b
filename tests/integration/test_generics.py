"""Maps in generic functions and methods (tests/fixtures/generics): their DWARF types are
shapes (`.param0` = map[go.shape.string]go.shape.*uint8, every pointer a *uint8), and the
instantiated type is in the function's dictionary (`.dict`). `gomap show` and `gomap
locals` give the map's Go type as the program's own %T says it and its entries with pointer
values rendered as their pointees (`&main.User{…}`), in LLDB and GDB, core and live, on
every toolchain (live on the representative ones). Built -N -l, as a debugging user does.
Optimized, the dictionary is not kept: the map is shown under its shape type, entries
exact, shape pointers shown and never followed (never another instantiation's type)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support import fixtures as fx
from integration import gdb_support as gs
from integration.lldb_support import batch
from integration.notes import NOTES

DEBUG = ["-gcflags=all=-N -l"]


def _plain(v: Any) -> Any:
    """A pointer rendered with its pointee ({"ptr","elem"}) as the pointee alone."""
    if isinstance(v, dict) and set(v) == {"ptr", "elem"}:
        return _plain(v["elem"])
    return v


def _commands(binary: Path, target: list[str], expect: dict[str, Any]) -> list[tuple[dict, str]]:
    """(case, gomap command) for each case: show and locals in the case's frame."""
    bts = batch(binary, target, [f"bt -g {c['goroutine']} --json" for c in expect["cases"]])
    out = []
    for c, bt in zip(expect["cases"], bts):
        frames = json.loads(bt["output"])["goroutine"]["frames"]
        k = next(f["index"] for f in frames if f["function"].startswith(c["function"]))
        where = f"-g {c['goroutine']} -f {k}"
        out.append((c, f"show {c['expr']} {where} --depth 1 --json"))
        out.append((c, f"locals {where} --json"))
    return out


def _problems(case: dict[str, Any], cmd: str, output: str, exact: bool) -> list[str]:
    doc = json.loads(output)
    if cmd.startswith("locals"):
        name = case["expr"].split(".")[0]
        var = next((v for v in doc["locals"]["variables"] if v["name"] == case["expr"]
                    or v["name"] == name), None)
        if var is None:
            return [f"{case['name']}: locals has no {case['expr']}: {doc['locals']['variables']}"]
        t = var.get("type") or ""
        shape = "go.shape." in t
        if case["expr"] == name and t != case["type"] and (exact or not shape):
            return [f"{case['name']}: locals type {t!r}, not {case['type']!r}"]
        return []
    m = doc["map"]
    if m["type"] != case["type"]:
        return [f"{case['name']}: show type {m['type']!r}, not {case['type']!r}"]
    got = sorted(json.dumps({"key": _plain(e["key"]), "value": _plain(e["value"])},
                            sort_keys=True) for e in m["entries"])
    want = sorted(json.dumps(e, sort_keys=True) for e in case["entries"])
    missing = [e for e in want if e not in got]
    unexpected = [e for e in got if e not in want]
    if missing or unexpected or m["diagnostics"]:
        return [f"{case['name']}: missing {missing[:3]}, unexpected {unexpected[:3]}, "
                f"diagnostics {m['diagnostics'][:2]}"]
    return []


@pytest.mark.parametrize("tc,mode", fx.params(["core", "live"]))
def test_generic_maps_get_their_instantiated_types(tc: fx.Toolchain, mode: str,
                                                    tmp_path: Path) -> None:
    binary = fx.build("generics", tc, DEBUG)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    try:
        cmds = _commands(binary, target, expect)
        lldb = batch(binary, target, [c for _, c in cmds])
        problems = []
        for (case, cmd), r in zip(cmds, lldb):
            assert r["status"] == 0, (cmd, r["error"])
            problems += ["lldb " + p for p in _problems(case, cmd, r["output"], True)]
        outs, _ = gs.run(binary, target, [f"gomap {c}" for _, c in cmds])
        for (case, cmd), out in zip(cmds, outs):
            problems += ["gdb " + p for p in _problems(case, cmd, out, True)]
        assert not problems, problems
    finally:
        if proc is not None:
            fx.stop(proc)


@pytest.mark.parametrize("tc", fx.params())
def test_optimized_generic_maps_never_get_a_wrong_type(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("generics", tc)
    core, expect = fx.make_core(binary, tmp_path)
    target = ["--core", str(core)]
    cmds = _commands(binary, target, expect)
    resolved = unavailable = 0
    problems = []
    for (case, cmd), r in zip(cmds, batch(binary, target, [c for _, c in cmds])):
        if r["status"] != 0:
            assert "unavailable" in r["error"] or "optimized" in r["error"], (cmd, r["error"])
            unavailable += 1
            continue
        doc = json.loads(r["output"])
        if cmd.startswith("show"):
            t = doc["map"]["type"]
            if t != case["type"]:
                # The shape type where the dictionary is gone: said as such, never another
                # instantiation's type; a shape pointer is shown, never followed.
                assert "go.shape." in t and not t.startswith(".param"), (case["name"], t)
                for e in doc["map"]["entries"]:
                    v = e["value"]
                    assert not isinstance(v, dict) or set(v) == {"ptr"}, (case["name"], e)
                if any(isinstance(e["value"], dict) for e in case["entries"]):
                    continue
                doc["map"]["type"] = case["type"]  # same entries under the shape's name
                problems += _problems(case, cmd, json.dumps(doc), False)
                continue
            resolved += 1
        problems += _problems(case, cmd, r["output"], False)
    NOTES.append(f"generics {tc.id} optimized: {resolved} of {len(expect['cases'])} maps "
                 f"typed from the dictionary, {unavailable} commands on optimized-out values")
    assert not problems, problems
