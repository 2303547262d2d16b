"""`gomap scan` on a corpus of real-world map-race crashes (tests/fixtures/crashes, one
program per -shape), each run several times per toolchain because a race lands differently
each run. Each run writes its ground truth before the race (the map's header address, the
path scan should name it by, the racing goroutines' ids). Scan must name the map (address
and path) in >= 95% of the cores whose GOTRACEBACK=crash output shows a runtime map frame,
and never accuse the wrong map or a goroutine that is not a racer. Rates per toolchain go
to the closing summary."""
from __future__ import annotations

import concurrent.futures
import json
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.lldb_support import batch  # noqa: E402
from integration.notes import NOTES  # noqa: E402

SHAPES = ["closure", "field", "method", "syncmap", "ptrvalues", "slice", "mapofmaps",
          "rangegrow", "deferclear", "deferrange", "three", "slowwriter", "callerloop"]
RUNS = int(os.environ.get("GOMAP_CORPUS_RUNS", "3"))
MAP_FRAME = re.compile(r"^(runtime\.(map\w+)|internal/runtime/maps\.\S+)\(", re.M)
FATAL = re.compile(r"^fatal error: (concurrent map [a-z ]+)$", re.M)


def _unlimited() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2)


def crash(binary: Path, shape: str, outdir: Path) -> dict[str, Any]:
    """One run of one shape: its ground truth, the runtime's traceback and the core."""
    outdir.mkdir(parents=True)
    r = subprocess.run([str(binary), "-shape", shape, "-out", str(outdir)], cwd=outdir,
                       env=dict(os.environ, GOTRACEBACK="crash"), preexec_fn=_unlimited,
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == -signal.SIGABRT, f"{shape}: rc {r.returncode}\n{r.stderr[-2000:]}"
    cores = [c for c in outdir.glob("core*") if c.is_file()]
    assert len(cores) == 1, f"{shape}: cores {cores}"
    truth = json.loads((outdir / "expect.json").read_text())
    fatal = FATAL.search(r.stderr)
    # The dying goroutine's block: the first one with a fatal frame.
    first = r.stderr[r.stderr.index("goroutine "):].split("\n\n", 1)[0]
    return {"shape": shape, "truth": truth, "core": cores[0], "fatal": fatal and fatal.group(1),
            "map_frame": bool(MAP_FRAME.search(first)), "log": r.stderr}


def block(log: str, goid: int) -> str:
    """The first lines of goroutine `goid`'s block of the runtime's traceback."""
    m = re.search(rf"^goroutine {goid} .*?(?=\n\n|\Z)", log, re.M | re.S)
    return " | ".join(m.group(0).splitlines()[:9:2]) if m else "(not in the traceback)"


def judge(run: dict[str, Any], scan: dict[str, Any]) -> tuple[bool, bool, list[str]]:
    """(the map named with the right address and path, another racer named, the false
    accusations)."""
    truth = run["truth"]
    racers = set(truth["racers"])
    false: list[str] = []
    c = scan["crash"]
    if c is None:
        return False, False, false
    if c["goroutine"] not in racers:
        false.append(f"crash goroutine {c['goroutine']} is not a racer {sorted(racers)}")
    named = c["maps"][0] if c["maps"] else None
    if named and int(named["address"], 16) != int(truth["map"], 16):
        false.append(f"named {named['name']} {named['address']}, the map is {truth['map']}")
    ok = bool(named and int(named["address"], 16) == int(truth["map"], 16)
              and named["path"] == truth["path"])
    for g in scan["map_goroutines"]:
        on_map = any(int(m["address"], 16) == int(truth["map"], 16) for m in g["maps"])
        if (on_map or g["evidence"]) and g["goroutine"] not in racers:
            false.append(f"goroutine {g['goroutine']} listed ({g['reason']}) on the map")
    verdict = scan["verdict"] or {}
    other = False
    for r in verdict.get("racers", []):
        if r["goroutine"] not in racers:
            false.append(f"verdict names goroutine {r['goroutine']}: {r['evidence']}")
        elif r["goroutine"] != c["goroutine"]:
            other = True
        if not r["evidence"]:
            false.append(f"verdict names goroutine {r['goroutine']} without evidence")
    if run["fatal"] and verdict.get("fatal") != run["fatal"]:
        false.append(f"fatal {verdict.get('fatal')!r}, the runtime printed {run['fatal']!r}")
    race = {"concurrent map writes": "write/write",
            "concurrent map read and map write": "read/write",
            "concurrent map iteration and map write": "iterate/write"}.get(run["fatal"] or "")
    if race and verdict.get("race") != race:
        false.append(f"race {verdict.get('race')}, the runtime said {run['fatal']!r}")
    cw = [d for d in scan["diagnostics"] if d["code"] == "concurrent-writer"]
    if ok and "could not identify" in " ".join(d["message"] for d in cw):
        false.append("concurrent-writer says the map is unidentified for a named map")
    return ok, other, false


@pytest.mark.parametrize("tc", fx.params())
def test_scan_names_the_map_in_real_world_crashes(tc: fx.Toolchain, tmp_path: Path) -> None:
    corpus(tc, tmp_path, [], RUNS, "")


# What a debugging user builds: every local kept, struct fields must still be named.
@pytest.mark.parametrize("tc", fx.representative_params())
def test_scan_corpus_unoptimized(tc: fx.Toolchain, tmp_path: Path) -> None:
    corpus(tc, tmp_path, ["-gcflags=all=-N -l"], max(1, RUNS - 1), " (-N -l)")


def corpus(tc: fx.Toolchain, tmp_path: Path, flags: list[str], runs_each: int,
           label: str) -> None:
    binary = fx.build("crashes", tc, flags)
    jobs = [(s, i) for s in SHAPES for i in range(runs_each)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda j: crash(binary, j[0], tmp_path / f"{j[0]}-{j[1]}"), jobs))

    def scan(run: dict[str, Any]) -> dict[str, Any]:
        res = batch(binary, ["--core", str(run["core"])], ["scan --json"])[0]
        run["core"].unlink()  # cores are big; the JSON is what we keep
        return json.loads(res["output"])["scan"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        scans = list(pool.map(scan, runs))

    counted = named = both = 0
    falses: list[str] = []
    misses: list[str] = []
    for run, sc in zip(runs, scans):
        ok, other, false = judge(run, sc)
        falses += [f"{run['shape']}: {f}" for f in false]
        if not run["map_frame"]:
            continue  # the runtime itself did not show a map function frame
        counted += 1
        named += ok
        both += ok and other
        if not (ok and other):
            c = sc["crash"]
            named_racers = [(r["goroutine"], r["evidence"])
                            for r in (sc["verdict"] or {}).get("racers", [])]
            misses.append(f"{run['shape']} ({run['fatal']}): truth {run['truth']['map']} "
                          f"{run['truth']['path']} racers {run['truth']['racers']}; scan "
                          f"{c and c['maps'][:1]} arg {c and c.get('map_argument')} racers "
                          f"{named_racers}"
                          + "".join(f"\n    runtime: {block(run['log'], g)}"
                                    for g in run["truth"]["racers"]))
    rate = named / counted if counted else 0.0
    rate2 = both / counted if counted else 0.0
    NOTES.append(f"scan corpus {tc.id}{label}: {len(SHAPES)} shapes x {runs_each} runs = "
                 f"{len(runs)} cores, "
                 f"{counted} with a map frame: map named (address+path) {named} ({rate:.0%}), "
                 f"map and another racer named {both} ({rate2:.0%}), "
                 f"{len(falses)} false accusations")
    print(NOTES[-1])
    for m in misses:
        print("  miss:", m)
    assert not falses, falses
    assert counted, "no core showed a runtime map frame"
    assert rate >= 0.95 and rate2 >= 0.95, misses
