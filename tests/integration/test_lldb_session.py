"""Live LLDB sessions as a person runs them: launch under LLDB, stop at a breakpoint three
times with `continue` between, step with `next`, move with `frame select`/`up`/`down`/
`thread select` and `gomap goroutine`, and after each move every gomap command must agree
with what the program recorded about itself at that stop (tests/fixtures/session writes
stop-N.json before each stop). Nothing may survive a resume.

Debugger mechanics, not layouts (the cores of every toolchain cover those): the
REPRESENTATIVE toolchains."""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from support import fixtures as fx
from support.lldb_session import LldbSession, marker_line

REPO = Path(__file__).resolve().parents[2]
PLUGIN = Path(os.environ.get("GOMAP_PLUGIN", REPO / "build" / "plugin" / "libgomap_lldb.so"))
SOURCE = REPO / "tests" / "fixtures" / "session" / "main.go"
STOPS = 3
THREAD_SELECTS: list[int] = []  # how often the spin goroutine was on a thread
FLAGS = ["-gcflags=all=-N -l"]  # what a debugging user builds; every local is kept


def entries(doc: dict[str, Any]) -> list[Any]:
    return doc["map"]["entries"]


def same(actual: list[Any], expected: list[Any], what: str) -> None:
    missing, unexpected = fx.compare_entries(actual, expected)
    assert not missing and not unexpected, (
        f"{what}: {len(missing)} missing {missing[:4]}, {len(unexpected)} unexpected "
        f"{unexpected[:4]}")


# LLDB steps threads, not goroutines: `next` derails (stops elsewhere, or runs to
# the end) when the goroutine moves to another thread during the step, or when a
# preemption SIGURG lands in it (LLDB cannot unwind through runtime.sigtramp's
# return into runtime.sigreturn__sigaction, which has no signal-frame CFI). The
# plugin launches Go programs with GODEBUG=asyncpreemptoff=1, as Delve does (no
# preemption signals: test_next_sends_no_preemption_signal); docs/commands.md
# ("Stepping") says what else keeps a goroutine on its thread, and the stepping
# tests use it: one P (one thread runs Go code, and a goroutine preempted at a
# call comes back on it). The session test runs with two Ps, so that the
# spinning goroutine is on a thread of its own at the stops (thread select).
STEP_ENV = "-E GOMAXPROCS=1"
SESSION_ENV = "-E GOMAXPROCS=2"


def start(tc: fx.Toolchain, tmp_path: Path, env: str,
          session: LldbSession | None = None) -> LldbSession:
    binary = fx.build("session", tc, FLAGS)
    s = session or LldbSession()
    s.ok(f"plugin load {PLUGIN}")
    s.ok(f"target create {binary}")
    s.ok(f"breakpoint set -f {SOURCE} -l {marker_line(SOURCE, 'gomap:stop')}")
    out = s.ok(f"process launch -i /dev/null -o {tmp_path}/stdout -e {tmp_path}/stderr {env} -- "
               f"-out {tmp_path} -stops {STOPS}")
    # SIGURG is passed silently from the first run: the first stop is the breakpoint.
    assert "stop reason = breakpoint" in out, out
    return s


def selected_thread_tid(s: LldbSession) -> int:
    m = re.search(r"tid = (\d+)", s.ok("thread info"))
    assert m
    return int(m.group(1))


def check_stop(s: LldbSession, want: dict[str, Any], frozen_addr: str | None) -> str:
    """Every command at the breakpoint in tick (LLDB's selected frame 0)."""
    i = want["stop"]
    counts = s.json("gomap show main.counts --all --json")
    same(entries(counts), want["counts"], f"stop {i}: main.counts")
    header = s.json("gomap header main.counts --json")["header"]
    assert header["len"] == len(want["counts"])
    used = header["fields"].get("count", header["fields"].get("used"))
    assert used == len(want["counts"]), header["fields"]
    layout = s.json("gomap layout main.counts --json")["layout"]
    assert layout["len"] == len(want["counts"])
    check = s.json("gomap check main.counts --json")["check"]
    assert check["ok"] and check["walked"]["entries"] == len(want["counts"]), check
    # Go's scoping: tick's local m shadows main.m; c.byID through the pointer param.
    same(entries(s.json("gomap show m --all --json")), want["local_m"], f"stop {i}: m")
    same(entries(s.json("gomap show main.m --all --json")), want["global_m"],
         f"stop {i}: main.m")
    same(entries(s.json("gomap show c.byID --all --json")), want["byID"], f"stop {i}: c.byID")
    # Goroutines: every one the program listed, and bt defaults to the selected thread's.
    listed = s.json("gomap goroutines --json")["goroutines"]
    ids = {g["id"] for g in listed}
    assert set(want["goroutines"]) <= ids, (want["goroutines"], sorted(ids))
    bt = s.json("gomap bt --json")["goroutine"]
    assert bt["id"] == want["tick_goroutine"]
    assert bt["frames"][0]["function"] == "main.tick"
    assert bt["frames"][0]["lldb_frame"] == 0 and bt["frames"][1]["lldb_frame"] == 1
    loc = s.json("gomap locals --json")["locals"]
    assert loc["function"] == "main.tick" and loc["goroutine"] == want["tick_goroutine"]
    lens = {v["name"]: v["len"] for v in loc["variables"]}
    assert lens.get("m") == len(want["local_m"]) and lens.get("c.byID") == len(want["byID"]), lens
    assert lens.get("seen") == 1, lens
    # The range loop over main.frozen in run: one iterator, one entry returned.
    its = [it for it in s.json("gomap iter --json")["iterators"] if it["map"] == frozen_addr]
    assert len(its) == 1 and its[0]["returned"] == 1 and its[0]["total"] == 3, its
    assert its[0]["goroutine"] == want["tick_goroutine"]
    scan = s.run("gomap scan --json")
    assert scan["status"] == 0, scan
    return bt["frames"][1]["function"]


def check_moves(s: LldbSession, want: dict[str, Any]) -> None:
    """frame select / up / down / thread select / gomap goroutine, at one stop."""
    i = want["stop"]
    s.ok("frame select 1")
    loc = s.json("gomap locals --json")["locals"]
    assert loc["function"] == "main.run" and loc["frame"] == 1, loc
    same(entries(s.json("gomap show steps --all --json")), want["steps"], f"stop {i}: steps")
    # run has no local m: main.m is the package's.
    same(entries(s.json("gomap show m --all --json")), want["global_m"], f"stop {i}: m in run")
    assert s.json("gomap bt --json")["goroutine"]["selected_frame"] == 1
    s.ok("up")
    assert s.json("gomap locals --json")["locals"]["function"] == "main.main"
    s.ok("down")
    s.ok("down")
    assert s.json("gomap locals --json")["locals"]["function"] == "main.tick"
    # The spinning goroutine runs on another thread: select that thread in LLDB.
    tick_tid = selected_thread_tid(s)
    spin = next(g for g in s.json("gomap goroutines --json")["goroutines"]
                if g["id"] == want["spin"])
    if spin["thread"]:
        threads = s.ok("thread list")
        m = re.search(rf"thread #(\d+): tid = {spin['thread']}\b", threads)
        assert m, threads
        s.ok(f"thread select {m.group(1)}")
        THREAD_SELECTS.append(1)
        bt = s.json("gomap bt --json")["goroutine"]
        assert bt["id"] == want["spin"]
        assert any(f["function"] == "main.spin" for f in bt["frames"])
    # gomap's own selection: a parked goroutine, until LLDB's selection moves.
    parked = next(g for g in s.json("gomap goroutines --json --frames")["goroutines"]
                  if not g["thread"] and g["frames"])
    s.ok(f"gomap goroutine {parked['id']}")
    assert s.json("gomap bt --json")["goroutine"]["id"] == parked["id"]
    sel = s.json("gomap goroutine --json")["selected"]
    default = parked["user_frame"] or parked["frames"][0]
    assert sel["goroutine"] == parked["id"] and sel["function"] == default["function"], sel
    # Until LLDB's own selection moves: back to tick's thread, frame 1.
    tid_line = next(line for line in s.ok("thread list").splitlines()
                    if f"tid = {tick_tid}," in line)
    s.ok("thread select " + re.search(r"thread #(\d+)", tid_line).group(1))
    s.ok("frame select 1")
    bt = s.json("gomap bt --json")["goroutine"]
    assert bt["id"] == want["tick_goroutine"] and bt["selected_frame"] == 1, bt
    s.ok("frame select 0")
    # Hints: the frame's variables and their fields first, then the package's; never the
    # standard library's, never "needs a package".
    r = s.run("gomap show cnts")
    assert r["status"] == 2, r
    assert "no variable named 'cnts' in main.tick (goroutine" in r["error"], r["error"]
    hints = r["error"].split("map variables: ")[1].split(", ")
    assert set(hints[:3]) == {"m", "seen", "c.byID"} and "main.counts" in hints[3:], hints
    assert not any(h.startswith(("unicode.", "syscall.", "runtime.")) for h in hints), hints
    # Bad selections: one clear line each.
    r = s.run("gomap goroutine 999999")
    assert r["status"] == 2 and "no goroutine 999999" in r["error"], r
    r = s.run("gomap locals -f 99")
    assert r["status"] == 2 and "out of range" in r["error"], r


# One pytest-xdist worker runs the sessions and then test_thread_select_ran (scripts/test
# passes --dist loadgroup), which reads what they recorded in this process.
@pytest.mark.xdist_group("lldb_session")
@pytest.mark.parametrize("tc", fx.representative_params())
def test_live_session(tc: fx.Toolchain, tmp_path: Path) -> None:
    s = start(tc, tmp_path, SESSION_ENV)
    try:
        frozen_addr = s.json("gomap show main.frozen --json")["map"]["address"]
        for i in range(STOPS):
            want = json.loads((tmp_path / f"stop-{i}.json").read_text())
            assert want["stop"] == i
            caller = check_stop(s, want, frozen_addr)
            assert caller == "main.run"
            if i == 1:
                check_moves(s, want)
            if i < STOPS - 1:
                assert "stop reason = breakpoint" in s.ok("continue")
        out = s.ok("continue")
        assert "exited with status" in out, out
        r = s.run("gomap show main.counts")
        assert r["status"] == 2 and "exited" in r["error"], r
        print(f"{tc.id}: {len(s.transcript)} commands typed")
    finally:
        s.run("process kill")
        s.close()


@pytest.mark.parametrize("tc", fx.representative_params())
def test_next(tc: fx.Toolchain, tmp_path: Path) -> None:
    """`next` at the breakpoint: gomap reads the stop after the step (the closure's write
    shows in m); `step` into work and `finish` out of it; stepping on stays in main.tick /
    main.run, and in run gomap sees run's own map."""
    s = start(tc, tmp_path, STEP_ENV)
    try:
        want = json.loads((tmp_path / "stop-0.json").read_text())
        same(entries(s.json("gomap show m --all --json")), want["local_m"], "m at the stop")
        for n in range(40):
            out = s.ok("next")
            frame0 = next((line for line in out.splitlines() if "frame #0" in line), out)
            assert "stop reason = step over" in out, out
            assert re.search(r"main\.(tick|run)\b", frame0), f"next #{n}: {frame0}"
            if n == 0:
                m = entries(s.json("gomap show m --all --json"))
                same(m, want["local_m"] + [{"key": "closure", "value": len(want["local_m"])}],
                     "m after next")
                loc = s.json("gomap locals --json")["locals"]
                assert loc["function"] == "main.tick", loc
                # `step` into work(100), then `finish` back to tick.
                out = s.ok("step")
                assert "main.work" in out, out
                bt = s.json("gomap bt --json")["goroutine"]
                assert [f["function"] for f in bt["frames"][:2]] == ["main.work", "main.tick"]
                assert s.json("gomap locals --json")["locals"]["function"] == "main.work"
                same(entries(s.json("gomap show m --all --json")), want["global_m"], "m in work")
                s.ok("finish")
                assert s.json("gomap locals --json")["locals"]["function"] == "main.tick"
            if "main.run" in frame0:
                same(entries(s.json("gomap show steps --all --json")), want["steps"],
                     "steps in run after stepping out of tick")
                break
        else:
            raise AssertionError("40 steps did not leave main.tick")
    finally:
        s.run("process kill")
        s.close()


@pytest.mark.parametrize("tc", fx.representative_params())
def test_next_sends_no_preemption_signal(tc: fx.Toolchain, tmp_path: Path) -> None:
    """The plugin adds asyncpreemptoff=1 to the GODEBUG a launch gets (here LLDB's own
    GODEBUG=madvdontneed=1, which stays), so the runtime sends no preemption SIGURG: with
    SIGURG made to stop and print, 30 `next`s 30 ms apart (sysmon preempts a goroutine
    that ran 10 ms; the breakpoint in tick stays) see none and stay in package main.
    Without asyncpreemptoff, about one `next` in six stopped on a SIGURG (docs/commands.md,
    "Stepping")."""
    s = start(tc, tmp_path, STEP_ENV, LldbSession(env={"GODEBUG": "madvdontneed=1"}))
    try:
        pid = int(re.search(r"Process (\d+)", s.ok("process status")).group(1))
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"GODEBUG=madvdontneed=1,asyncpreemptoff=1" in env, [
            e for e in env if e.startswith(b"GODEBUG")]
        s.ok("process handle -p true -s true -n true SIGURG")
        for n in range(30):
            time.sleep(0.03)
            out = s.ok("next")
            frame0 = next((line for line in out.splitlines() if "frame #0" in line), out)
            assert "SIGURG" not in out, f"next #{n}: {out}"
            if "exited with status" in out:
                break
            assert re.search(r"`main\.\w+ at main\.go:", frame0), f"next #{n}: {frame0}"
    finally:
        s.run("process kill")
        s.close()


@pytest.mark.xdist_group("lldb_session")
def test_thread_select_ran() -> None:
    """The thread-select check depends on where the scheduler put the spinning goroutine;
    across the toolchains it must have run at least once."""
    if not THREAD_SELECTS:
        pytest.skip("no live session ran (or none found spin on its own thread)")
