"""The limits of `show` a user sets, in LLDB and GDB.

Strings: in text they take the debugger's own limit on printed strings (LLDB's
target.max-string-summary-length, GDB's print elements), `--json` keeps 1 MiB, and
`--max-string N` sets it for both; a cut string is marked where it is cut ("…"... in text,
{"cut", "len"} in JSON), every cut is counted, and one diagnostic says so. Checked against
the ground truth of main.mStrings (a 161- and a 163-byte string among short ones, multi-byte
runes).

Output: `--max-output BYTES` (default 1 GiB) ends the walk at the entry that reaches it, with
"truncated": true and one truncated diagnostic naming the option; the entries shown are ground
truth (main.mInt100k).

On a core of the representative toolchains: this is debugger mechanics, not layout."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from support.lldb_session import LldbSession  # noqa: E402
from integration import gdb_support as gs  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PLUGIN = Path(os.environ.get("GOMAP_PLUGIN", REPO / "build" / "plugin" / "libgomap_lldb.so"))
LIMIT = 20


def go_quote_ascii(s: str) -> str:
    """Go's %q of a printable ASCII string (what the long entries are)."""
    assert all(32 <= ord(c) < 127 for c in s)
    return json.dumps(s)


def long_entries(want: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["key"], e["value"]) for e in want
            if len(e["key"].encode()) > LIMIT and e["key"].isascii() and e["value"].isascii()]


def text_problems(who: str, text: str, want: list[dict[str, Any]], limit: int | None) -> list[str]:
    """The long ASCII entries, whole when limit is None, else cut at `limit` bytes."""
    problems = []
    longs = long_entries(want)
    if not longs:
        return [f"{who}: the fixture has no long ASCII entry"]
    for k, v in longs:
        if limit is None:
            line = f"{go_quote_ascii(k)}: {go_quote_ascii(v)}"
        else:
            line = f"{go_quote_ascii(k[:limit])}...: {go_quote_ascii(v[:limit])}..."
        if line not in text:
            problems.append(f"{who}: no line {line!r} in\n{text[:3000]}")
    cut_lines = [ln for ln in text.splitlines() if "info[truncated]" in ln]
    if limit is None and cut_lines:
        problems.append(f"{who}: strings cut without a limit: {cut_lines}")
    if limit is not None and (len(cut_lines) != 1 or "--max-string" not in cut_lines[0]):
        problems.append(f"{who}: want one truncated line naming --max-string, got {cut_lines}")
    return problems


def json_problems(who: str, doc: dict[str, Any], want: list[dict[str, Any]],
                  limit: int | None) -> list[str]:
    m = doc["map"]
    problems, cut = [], 0
    got = {}
    for e in m["entries"]:
        k, v = e["key"], e["value"]
        key = k["cut"] if isinstance(k, dict) else k
        got[key] = (k, v)
    for e in want:
        full_k, full_v = e["key"], e["value"]
        k_enc = full_k.encode()
        key = full_k if limit is None or len(k_enc) <= limit else None
        if key is None:
            # The cut key: the longest prefix of whole runes within the limit.
            key = k_enc[:limit].decode("utf-8", "ignore")
        if key not in got:
            problems.append(f"{who}: no entry for {full_k!r} (as {key!r})")
            continue
        for full, enc in ((full_k, got[key][0]), (full_v, got[key][1])):
            if limit is None or len(full.encode()) <= limit:
                if enc != full:
                    problems.append(f"{who}: {full!r} rendered {enc!r}")
                continue
            cut += 1
            if not (isinstance(enc, dict) and enc.get("len") == len(full.encode())
                    and full.startswith(enc.get("cut", "\0"))
                    and len(enc["cut"].encode()) <= limit):
                problems.append(f"{who}: {full!r} cut at {limit}: {enc!r}")
    if m.get("cut_values") != cut:
        problems.append(f"{who}: cut_values {m.get('cut_values')!r}, want {cut}")
    cuts = [d for d in m["diagnostics"] if d["code"] == "truncated"]
    if len(cuts) != (1 if cut else 0):
        problems.append(f"{who}: truncated diagnostics {cuts}")
    return problems


@pytest.fixture(scope="module", params=fx.representative_params())
def maps_core(request, tmp_path_factory) -> tuple[Path, Path, dict[str, Any]]:
    tc = request.param
    binary = fx.build("maps", tc)
    core, expect = fx.make_core(binary, tmp_path_factory.mktemp(f"limits-{tc.id}"))
    return binary, core, expect["maps"]


@pytest.fixture
def strings_core(maps_core) -> tuple[Path, Path, list[dict[str, Any]]]:
    binary, core, maps = maps_core
    return binary, core, maps["main.mStrings"]["entries"]


def test_lldb_string_limit(strings_core) -> None:
    binary, core, want = strings_core
    problems: list[str] = []
    with LldbSession() as s:
        s.ok(f"plugin load {PLUGIN}")
        s.ok(f"target create {binary} --core {core}")
        # LLDB's default (1024) is above every string of the map: nothing is cut.
        problems += text_problems("default", s.ok("gomap show main.mStrings --all"), want, None)
        s.ok(f"settings set target.max-string-summary-length {LIMIT}")
        problems += text_problems("setting", s.ok("gomap show main.mStrings --all"), want,
                                  LIMIT)
        # --json ignores the display setting; --max-string applies to both.
        problems += json_problems("json", s.json("gomap show main.mStrings --all --json"),
                                  want, None)
        problems += json_problems(
            "json --max-string", s.json(f"gomap show main.mStrings --all --json "
                                        f"--max-string {LIMIT}"), want, LIMIT)
        s.ok("settings set target.max-string-summary-length 1024")
        problems += text_problems("--max-string", s.ok(
            f"gomap show main.mStrings --all --max-string {LIMIT}"), want, LIMIT)
        r = s.run("gomap show main.mStrings --max-string 0")
        if r["status"] != 2 or "--max-string: between 1 and" not in r["error"]:
            problems.append(f"--max-string 0: {r}")
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
def test_gdb_string_limit(strings_core) -> None:
    binary, core, want = strings_core
    commands = ["gomap show main.mStrings --all",          # print elements 200: whole
                f"set print elements {LIMIT}", "gomap show main.mStrings --all",
                "gomap show main.mStrings --all --json"]
    outs, p = gs.run(binary, ["--core", str(core)], commands)
    problems = text_problems("default", outs[0], want, None)
    problems += text_problems("print elements", outs[2], want, LIMIT)
    problems += json_problems("json", json.loads(outs[3]), want, None)
    assert not problems, "\n".join(problems) + "\nstderr: " + p.stderr[-2000:]


BUDGET = 200_000


def budget_problems(who: str, out: str, want: dict[str, Any], as_json: bool) -> list[str]:
    """`show main.mInt100k --all --max-output BUDGET`: cut near BUDGET, marked, ground truth."""
    problems = []
    if len(out) > BUDGET + 4096:
        problems.append(f"{who}: {len(out)} bytes printed for a budget of {BUDGET}")
    truth = {str(e["key"]): str(e["value"]) for e in want["entries"]}
    if as_json:
        m = json.loads(out)["map"]
        got = [(str(e["key"]), str(e["value"])) for e in m["entries"]]
        diags = [d["message"] for d in m["diagnostics"] if d["code"] == "truncated"]
        if m["truncated"] is not True:
            problems.append(f"{who}: truncated {m['truncated']!r}")
    else:
        got = [tuple(ln.strip().split(": ", 1)) for ln in out.splitlines()[1:]
               if ln.startswith("  ") and not ln.startswith("  ...") and "[" not in ln]
        diags = [ln for ln in out.splitlines() if "warning[truncated]" in ln]
        if "  ... (output budget reached" not in out:
            problems.append(f"{who}: no output budget line")
    if not 0 < len(got) < len(truth):
        problems.append(f"{who}: {len(got)} entries of {len(truth)}")
    wrong = [kv for kv in got if truth.get(kv[0]) != kv[1]]
    if wrong:
        problems.append(f"{who}: entries not in the ground truth: {wrong[:4]}")
    if len(diags) != 1 or "--max-output" not in diags[0] or f"after {len(got)} entries" \
            not in diags[0]:
        problems.append(f"{who}: want one truncated diagnostic naming --max-output and "
                        f"{len(got)} entries: {diags}")
    return problems


def test_lldb_output_budget(maps_core) -> None:
    binary, core, maps = maps_core
    want = maps["main.mInt100k"]
    problems: list[str] = []
    with LldbSession() as s:
        s.ok(f"plugin load {PLUGIN}")
        s.ok(f"target create {binary} --core {core}")
        for as_json in (True, False):
            cmd = f"gomap show main.mInt100k --all --max-output {BUDGET}" + \
                (" --json" if as_json else "")
            r = s.run(cmd)
            if r["status"] != 0:
                problems.append(f"{cmd}: status {r['status']} {r['error'][:300]}")
            problems += budget_problems(cmd, r["output"], want, as_json)
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
def test_gdb_output_budget(maps_core) -> None:
    binary, core, maps = maps_core
    commands = [f"gomap show main.mInt100k --all --max-output {BUDGET} --json",
                f"gomap show main.mInt100k --all --max-output {BUDGET}"]
    outs, p = gs.run(binary, ["--core", str(core)], commands)
    problems = budget_problems(commands[0], outs[0], maps["main.mInt100k"], True)
    problems += budget_problems(commands[1], outs[1], maps["main.mInt100k"], False)
    assert not problems, "\n".join(problems) + "\nstderr: " + p.stderr[-2000:]
