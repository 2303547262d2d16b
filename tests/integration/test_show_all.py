"""`gomap show --all` renders every entry of a map with more values than any internal
budget (main.mBig1M: 1,000,000 entries, 2,000,000 values > 2^20), in LLDB and GDB, text and
JSON, equal to the program's own ground truth; a value cut by a per-value limit is marked
where it is cut and counted (main.mCut, built with -big too)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration import gdb_support as gs  # noqa: E402
from integration.lldb_support import INSPECT, batch  # noqa: E402

# The 1M-entry map is about budgets and streaming, not layouts (every toolchain decodes the
# other fixture maps in test_lldb_maps/test_gdb_maps): the representative toolchains, one of
# each layout (classic, noswissmap, swiss, mapsplitgroup).
TCS = [pytest.param(t, id=t.id) for t in fx.usable_toolchains() if t.id in fx.REPRESENTATIVE]
BIG = "main.mBig1M"
COMMANDS = [f"show {BIG} --all --json", f"show {BIG} --all",
            "show main.mCut --all --json", "show main.mCut --all"]


@pytest.fixture(scope="module", params=TCS)
def big_core(request, tmp_path_factory):
    tc = request.param
    binary = fx.build("maps", tc)
    tmp = tmp_path_factory.mktemp(f"big-{tc.id}")
    try:
        core, expect = fx.make_core(binary, tmp, args=["-big"])
    except fx.CoreUnavailable as e:
        pytest.skip(str(e))
    yield tc, binary, core, expect


def _truth(expect: dict[str, Any]) -> dict[int, int]:
    entries = expect["maps"][BIG]["entries"]
    truth = {e["key"]: e["value"] for e in entries}
    assert len(truth) == len(entries) == expect["maps"][BIG]["len"] > (1 << 20) // 2
    return truth


def _json_problems(who: str, doc: str, truth: dict[int, int]) -> list[str]:
    m = json.loads(doc)["map"]
    problems = []
    if m["truncated"] or m["len"] != len(truth):
        problems.append(f"{who}: truncated={m['truncated']} len={m['len']}")
    if len(m["entries"]) != len(truth):
        problems.append(f"{who}: {len(m['entries'])} entries for len {len(truth)}")
    got = {e["key"]: e["value"] for e in m["entries"]}
    if got != truth:
        bad = [e for e in m["entries"] if truth.get(e["key"]) != e["value"]]
        problems.append(f"{who}: {len(bad)} entries differ from the ground truth: {bad[:3]}")
    if m["diagnostics"]:
        problems.append(f"{who}: diagnostics {m['diagnostics'][:3]}")
    return problems


def _text_problems(who: str, text: str, truth: dict[int, int]) -> list[str]:
    lines = text.splitlines()
    problems = []
    if not lines or f"len={len(truth)}" not in lines[0]:
        problems.append(f"{who}: header {lines[:1]}")
    got: dict[int, int] = {}
    rest = []
    for line in lines[1:]:
        m = re.fullmatch(r"  (-?\d+): (-?\d+)", line)
        if m:
            got[int(m.group(1))] = int(m.group(2))
        else:
            rest.append(line)
    if rest:
        problems.append(f"{who}: {len(rest)} lines that are not entries: {rest[:3]}")
    if len(lines) - 1 - len(rest) != len(truth) or got != truth:
        problems.append(f"{who}: {len(got)} entries, not the ground truth's {len(truth)}")
    return problems


def _cut_problems(who: str, doc: str, text: str, want: dict[str, Any]) -> list[str]:
    """main.mCut: {"v": main.Cut{S: a string past the per-string limit, Ints: a slice past
    the per-container element limit}}; each is marked where cut and counted."""
    problems = []
    m = json.loads(doc)["map"]
    vals = {e["key"]: e["value"] for e in m["entries"]}.get("v", {})
    truth = {e["key"]: e["value"] for e in want["entries"]}["v"]
    s = vals.get("S")
    if not (isinstance(s, dict) and s.get("len") == len(truth["S"])
            and isinstance(s.get("cut"), str) and truth["S"].startswith(s["cut"])
            and len(s["cut"]) < len(truth["S"])):
        problems.append(f"{who}: cut string not marked: {str(s)[:200]}")
    ints = vals.get("Ints")
    if not (isinstance(ints, dict) and ints.get("len") == len(truth["Ints"])
            and isinstance(ints.get("cut"), list)
            and ints["cut"] == truth["Ints"][:len(ints["cut"])]
            and len(ints["cut"]) < len(truth["Ints"])):
        problems.append(f"{who}: cut slice not marked: {str(ints)[:200]}")
    if m.get("cut_values") != 2:
        problems.append(f"{who}: cut_values {m.get('cut_values')!r}, want 2")
    if m["truncated"]:
        problems.append(f"{who}: truncated with --all")
    cuts = [d for d in m["diagnostics"] if d["code"] == "truncated"]
    if len(cuts) != 2:
        problems.append(f"{who}: {len(cuts)} truncated diagnostics: {m['diagnostics']}")
    if not re.search(r'^  "v": main\.Cut\{S: "x+"\.\.\., ', text, re.M):
        problems.append(f"{who}: text of the cut string is not marked with ...")
    if not re.search(r'Ints: \[\]int\{0, 1, [0-9, ]*, \.\.\.\}\}$', text, re.M):
        problems.append(f"{who}: text of the cut slice is not marked with ...")
    return problems


def test_lldb_show_all_big_and_cut(big_core) -> None:
    tc, binary, core, expect = big_core
    truth = _truth(expect)
    res = batch(binary, ["--core", str(core)], COMMANDS, timeout=900)
    assert all(r["status"] == 0 for r in res), [(r["command"], r["error"]) for r in res]
    problems = _json_problems("lldb json", res[0]["output"], truth)
    problems += _text_problems("lldb text", res[1]["output"], truth)
    problems += _cut_problems("lldb", res[2]["output"], res[3]["output"],
                              expect["maps"]["main.mCut"])
    # Without --batch, gomap-inspect has the plugin write show straight to its stdout
    # (show --output -): the same bytes as the result object gets.
    for cmd, want in ((COMMANDS[0], res[0]["output"]), (COMMANDS[1], res[1]["output"])):
        p = subprocess.run([str(INSPECT), str(binary), "--core", str(core), *cmd.split()],
                           capture_output=True, text=True, timeout=900)
        if p.returncode != 0 or p.stdout != want:
            problems.append(f"gomap-inspect {cmd}: rc {p.returncode}, {len(p.stdout)} bytes "
                            f"on stdout, {len(want)} via --batch; {p.stderr[-300:]}")
    assert not problems, f"{tc.id}:\n" + "\n".join(problems)


def test_gdb_show_all_big_and_cut(big_core) -> None:
    tc, binary, core, expect = big_core
    if gs.GDB is None:
        pytest.skip("no gdb")
    truth = _truth(expect)
    outs, _ = gs.run(binary, ["--core", str(core)],
                     [f"gomap {c}" for c in COMMANDS] +
                     ["set print elements 20000", f"print '{BIG}'"], timeout=900)
    problems = _json_problems("gdb json", outs[0], truth)
    # `print` past the first 2048 entries, whose children are built from their bytes
    # (GDB counts keys and values: 20000 elements = 10000 entries, then "...").
    summary, entries, elided = gs.parse_printed_map(outs[5])
    bad = [e for e in entries if truth.get(e["key"]) != e["value"]]
    if not elided or len(entries) != 10000 or len({e["key"] for e in entries}) != 10000 or bad:
        problems.append(f"gdb print: {len(entries)} entries (elided={elided}), "
                        f"{len(bad)} differ from the ground truth: {bad[:3]}")
    problems += _text_problems("gdb text", outs[1], truth)
    problems += _cut_problems("gdb", outs[2], outs[3], expect["maps"]["main.mCut"])
    assert not problems, f"{tc.id}:\n" + "\n".join(problems)
