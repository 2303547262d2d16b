"""A map given by address is named as `scan` names maps (issue 10): `show`, `header` and
`check` of `0xADDR --type T` print the shortest path from a variable — a package variable
(`path=main.mSmall`), else a goroutine's frame variable (`path=c.byID (goroutine 7, frame 2,
main.f)`) — in text and as "name": {"path", "where", "type"} in JSON; with a wrong --type the
text says what the path holds (`[holds a map[int64]int64]`). Ground truth: the package maps
of the maps fixture (each held by its own variable) and the frame maps of the goroutines
fixture (-N -l), whose addresses come from `show NAME -g ID -f K`. A map given by name is not
renamed. On cores of every toolchain (the walk reads each release's types)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import batch  # noqa: E402

NOOPT = ["-gcflags=all=-N -l"]


def names_of(results: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    return [json.loads(r["output"]).get("name") if r["status"] in (0, 1) else None
            for r in results]


@pytest.mark.parametrize("tc", fx.params())
def test_package_maps_named(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    core, expect = fx.make_core(binary, tmp_path)
    target = ["--core", str(core)]
    maps = {n: m for n, m in expect["maps"].items() if not m.get("nil")}
    commands = []
    for m in maps.values():
        t = m["type"]
        commands += [f"show {m['address']} --type '{t}' -n 1 --json",
                     f"header {m['address']} --type '{t}' --json",
                     f"check {m['address']} --type '{t}' --json",
                     f"show {m['address']} --type '{t}' -n 1",
                     f"check {m['address']} --type '{t}'"]
    commands.append("show main.mSmall -n 1 --json")
    big = maps["main.mInt100k"]["address"]
    commands.append(f"header {big} --type 'map[string]string'")
    results = batch(binary, target, commands)
    problems = []
    for i, (n, m) in enumerate(maps.items()):
        rs = results[5 * i:5 * i + 5]
        for r, name in zip(rs[:3], names_of(rs[:3])):
            if name != {"path": n, "where": "", "type": m["type"]}:
                problems.append(f"{r['command']}: name {name}")
        first = rs[3]["output"].splitlines()[0] if rs[3]["output"] else ""
        if not first.endswith(f" path={n}"):
            problems.append(f"{rs[3]['command']}: header line {first!r}")
        if f"\n  path: {n}\n" not in rs[4]["output"] + "\n":
            problems.append(f"{rs[4]['command']}: no path line in {rs[4]['output'][:300]!r}")
    if "name" in json.loads(results[-2]["output"]):
        problems.append("show main.mSmall: a map given by name is named again")
    # A wrong --type: the path says what the map is.
    first = (results[-1]["output"] or results[-1]["error"]).splitlines()[0]
    if not first.endswith(" path=main.mInt100k [holds a map[int64]int64]"):
        problems.append(f"wrong --type: header line {first!r}")
    assert not problems, f"{tc.id}: {len(problems)} wrong\n" + "\n".join(problems[:30])


@pytest.mark.parametrize("tc", fx.params())
def test_frame_maps_named(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("goroutines", tc, NOOPT)
    core, expect = fx.make_core(binary, tmp_path)
    target = ["--core", str(core)]
    gs = expect["goroutines"] + [expect["main"]]
    bts = batch(binary, target, [f"bt -g {g['id']} --json" for g in gs])
    frames = {g["id"]: json.loads(r["output"])["goroutine"]["frames"] for g, r in zip(gs, bts)}
    held = []  # (goroutine, frame index, function, variable path, type)
    for g in gs:
        for m in g["maps"]:
            k = next(f["index"] for f in frames[g["id"]]
                     if f["function"] == m["function"] and not f["inlined"])
            held.append((g["id"], k, m["function"], m["name"], m["type"]))
    shows = batch(binary, target, [f"show {n} -g {gid} -f {k} -n 0 --json"
                                   for gid, k, _, n, _ in held])
    by_addr: dict[str, set[tuple[int, str, str]]] = {}
    for (gid, _, fn, n, _), r in zip(held, shows):
        addr = json.loads(r["output"])["map"]["address"]
        if addr != "0x0":
            by_addr.setdefault(addr, set()).add((gid, fn, n))
    types = {json.loads(r["output"])["map"]["address"]: t
             for (_, _, _, _, t), r in zip(held, shows)}
    addrs = sorted(by_addr)
    assert addrs, "no frame map"
    results = batch(binary, target, [f"header {a} --type '{types[a]}' --json" for a in addrs])
    problems = []
    for a, name in zip(addrs, names_of(results)):
        if name is None:
            problems.append(f"{a} ({types[a]}): not named; held by {sorted(by_addr[a])}")
            continue
        m = re.fullmatch(r"goroutine (\d+), frame \d+, (.+)", name["where"])
        holders = {(gid, fn) for gid, fn, n in by_addr[a] if n == name["path"]}
        if m is None or (int(m.group(1)), m.group(2)) not in holders:
            problems.append(f"{a}: named {name}, held by {sorted(by_addr[a])}")
    print(f"{tc.id}: {len(addrs)} frame maps named")
    assert not problems, f"{tc.id}: {len(problems)} of {len(addrs)} wrong\n" + \
        "\n".join(problems[:30])
