"""The LLDB plugin decodes every fixture map, live and from a core, with every available Go
toolchain: entries equal the program's own ground truth as a multiset, len equals len(m), and
header fields equal what the program read about itself through unsafe. Each map is decoded
twice: with the layout from the binary's DWARF, and with the built-in tables alone
(--builtin-layout), which checks those tables against every real toolchain."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import as_int, batch, show_map_problems  # noqa: E402

MODES = ["core", "live"]

def _params() -> list[Any]:
    return fx.params(MODES)

def _check_map(name: str, want: dict[str, Any], show: dict[str, Any],
               header: dict[str, Any], impl: str, source: str) -> list[str]:
    problems: list[str] = []
    name = f"{name} [{source}]"
    if show["status"] != 0:
        return [f"{name}: show failed (status {show['status']}): {show['error']}"]
    got = json.loads(show["output"])
    assert got["schema"] == "gomap/1"
    problems += show_map_problems(name, want, got["map"], impl)
    if header["status"] != 0:
        problems.append(f"{name}: header failed: {header['error']}")
    elif want["header"] is not None:
        h = json.loads(header["output"])["header"]
        if h["layout_source"] != source:
            problems.append(f"{name}: layout source {h['layout_source']}")
        for field, value in want["header"].items():
            if field == "tables":
                continue
            if field not in h["fields"]:
                problems.append(f"{name}: header lacks {field}")
            elif as_int(h["fields"][field]) != as_int(value):
                problems.append(f"{name}: header {field} = {h['fields'][field]} != {value}")
        extra = set(h["fields"]) - set(want["header"])
        if extra:
            problems.append(f"{name}: header has fields the runtime lacks: {sorted(extra)}")
    return problems

@pytest.mark.parametrize("tc,mode", _params())
def test_maps_fixture(tc: fx.Toolchain, mode: str, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    target, expect, proc = fx.start(binary, tmp_path, mode)
    try:
        names = sorted(expect["maps"])
        commands = []
        for n in names:
            for opt in ("", " --builtin-layout"):
                commands += [f"show {n} --all --json{opt}", f"header {n} --json{opt}"]
        results = batch(binary, target, commands)
    finally:
        fx.stop(proc)
    problems: list[str] = []
    for i, n in enumerate(names):
        for j, source in enumerate(("dwarf", "builtin")):
            k = 4 * i + 2 * j
            problems += _check_map(n, expect["maps"][n], results[k], results[k + 1],
                                   expect["impl"], source)
    assert not problems, f"{tc.id} {mode}: {len(problems)} problems\n" + "\n".join(problems)
