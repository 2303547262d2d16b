"""A live GDB session as a person runs it: `run` under GDB to a breakpoint, then `continue`
twice, with gomap commands at every stop and after `frame 1` / `frame 0`: each must show
what the program recorded about itself at that stop (tests/fixtures/session's stop-N.json),
never what an earlier stop showed, and after the exit one clear error. The same program as
test_lldb_session.py; the commands are the plugin's (commands/), GDB's selection is theirs."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from support.lldb_session import marker_line  # noqa: E402
from integration import gdb_support as gs  # noqa: E402

SOURCE = Path(__file__).resolve().parents[1] / "fixtures" / "session" / "main.go"
STOPS = 3
FLAGS = ["-gcflags=all=-N -l"]
PER_STOP = ["gomap show main.counts --all --json", "gomap header main.counts --json",
            "gomap show m --all --json", "gomap show main.m --all --json",
            "gomap show c.byID --all --json", "gomap bt --json", "gomap locals --json",
            "gomap goroutines --json", "frame 1", "gomap locals --json",
            "gomap show steps --all --json", "gomap show m --all --json", "frame 0",
            "gomap locals --json"]


def _entries(out: str) -> list[Any]:
    return json.loads(out)["map"]["entries"]


def _same(actual: list[Any], expected: list[Any], what: str, problems: list[str]) -> None:
    missing, unexpected = fx.compare_entries(actual, expected)
    if missing or unexpected:
        problems.append(f"{what}: {len(missing)} missing {missing[:4]}, {len(unexpected)} "
                        f"unexpected {unexpected[:4]}")


@pytest.mark.skipif(gs.GDB is None, reason="gdb is not installed")
@pytest.mark.parametrize("tc", fx.representative_params())
def test_gdb_live_session(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("session", tc, FLAGS)
    commands = ["set environment GODEBUG=asyncpreemptoff=1", "set environment GOMAXPROCS=2",
                f"break {SOURCE}:{marker_line(SOURCE, 'gomap:stop')}",
                f"run -out {tmp_path} -stops {STOPS} < /dev/null > {tmp_path}/stdout "
                f"2> {tmp_path}/stderr"]
    commands += (PER_STOP + ["continue"]) * STOPS
    commands += ["gomap show main.counts"]
    outs, p = gs.run(binary, [], commands, interactive=True, timeout=600)
    problems: list[str] = []
    for i in range(STOPS):
        want = json.loads((tmp_path / f"stop-{i}.json").read_text())
        o = outs[4 + i * (len(PER_STOP) + 1):]
        try:
            _same(_entries(o[0]), want["counts"], f"stop {i}: main.counts", problems)
            h = json.loads(o[1])["header"]
            if h["len"] != len(want["counts"]):
                problems.append(f"stop {i}: header len {h['len']} != {len(want['counts'])}")
            _same(_entries(o[2]), want["local_m"], f"stop {i}: m (tick's local)", problems)
            _same(_entries(o[3]), want["global_m"], f"stop {i}: main.m", problems)
            _same(_entries(o[4]), want["byID"], f"stop {i}: c.byID", problems)
            bt = json.loads(o[5])["goroutine"]
            if bt["id"] != want["tick_goroutine"] or bt["frames"][0]["function"] != "main.tick":
                problems.append(f"stop {i}: bt is goroutine {bt['id']} in "
                                f"{bt['frames'][0]['function']}")
            if bt["frames"][0]["gdb_frame"] != 0 or bt["frames"][1]["gdb_frame"] != 1:
                problems.append(f"stop {i}: gdb frame numbers {bt['frames'][:2]}")
            loc = json.loads(o[6])["locals"]
            if loc["function"] != "main.tick":
                problems.append(f"stop {i}: locals of {loc['function']}")
            ids = {g["id"] for g in json.loads(o[7])["goroutines"]}
            if not set(want["goroutines"]) <= ids:
                problems.append(f"stop {i}: goroutines {sorted(ids)} lack {want['goroutines']}")
            # `frame 1` (GDB's selection) moves the commands to main.run.
            if json.loads(o[9])["locals"]["function"] != "main.run":
                problems.append(f"stop {i}: after frame 1, locals of {o[9][:200]}")
            _same(_entries(o[10]), want["steps"], f"stop {i}: steps in run", problems)
            _same(_entries(o[11]), want["global_m"], f"stop {i}: m in run (main.m)", problems)
            if json.loads(o[13])["locals"]["function"] != "main.tick":
                problems.append(f"stop {i}: after frame 0, locals of {o[13][:200]}")
        except (ValueError, KeyError, IndexError) as e:
            problems.append(f"stop {i}: {type(e).__name__} {e}; outputs {o[:3]}")
    if "exited" not in p.stderr or "gomap show: the process has exited" not in p.stderr:
        problems.append(f"after the exit: stderr {p.stderr[-600:]!r}")
    assert not problems, f"{tc.id}:\n" + "\n".join(problems)
