#!/usr/bin/python3
"""Builds and runs the libFuzzer targets (tests/fuzz) and prints one row per target:
executions, coverage (edges, features), corpus size, crashes, timeouts, out-of-memory,
slowest input and peak RSS. Used by bench/fuzz (an execution budget) and by scripts/test
(a time budget, the smoke).

  run_fuzz.py --seconds 120            # smoke: ~120 s in all
  run_fuzz.py --executions 10000000    # bench: at least 10M executions in all

Builds build-fuzz/ (GOMAP_FUZZ_BUILD overrides) with clang++-19 (-DGOMAP_FUZZ=ON: ASan, UBSan,
libFuzzer; -O1 -gline-tables-only, as OSS-Fuzz builds: line numbers in every report, a fifth
less compile time than -O2 -g; only the fuzz targets and the seed tool, in one ninja run,
GOMAP_JOBS caps its parallelism as in scripts/setup) and captures
seed corpora from real fixture cores into build-fuzz/corpus/ on the first run
(tests/fuzz/capture_seeds.py; GOMAP_FUZZ_TOOLCHAINS picks the toolchains). New inputs
libFuzzer finds go to build-fuzz/work/<target>/, findings to build-fuzz/findings/<target>/.
Every input is held to libFuzzer's per-input limits as the issue states them:
-timeout=1 (s) and -rss_limit_mb=256. Exit status 1 when any target found a crash, a
timeout or an out-of-memory input.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("GOMAP_FUZZ_BUILD") or REPO / "build-fuzz").resolve()
# Compile flags of the fuzz build: re-configured when they change (cmake is cheap).
FUZZ_FLAGS = "-O1 -gline-tables-only -DNDEBUG"
TARGETS = ["map", "value", "iter", "lookup", "syncmap", "pclntab", "location", "heap"]
LIMITS = ["-timeout=1", "-rss_limit_mb=256"]
MAX_LEN = 64 * 1024  # the seeds' cap (capture_seeds.MAX_SEED); pclntab seeds are whole tables
JOBS = 2


@dataclass
class Row:
    target: str
    executions: int = 0
    seconds: float = 0.0
    cov: int = 0
    ft: int = 0
    corpus: int = 0
    crashes: int = 0
    timeouts: int = 0
    ooms: int = 0
    slowest: float = 0.0
    peak_rss_mb: int = 0
    runs: int = 0
    starved: int = 0          # wall-clock timeouts of inputs that take < 1 s CPU alone
    starved_worst: float = 0.0
    notes: list[str] = field(default_factory=list)


def build() -> None:
    clang = shutil.which("clang++-19")
    if clang is None:
        sys.exit("run_fuzz: clang++-19 not found (scripts/setup installs it)")
    cache = BUILD / "CMakeCache.txt"
    want = f"CMAKE_CXX_FLAGS_RELWITHDEBINFO:STRING={FUZZ_FLAGS}"
    if not (BUILD / "build.ninja").exists() or want not in cache.read_text():
        subprocess.run(["cmake", "-S", str(REPO), "-B", str(BUILD), "-G", "Ninja",
                        f"-DCMAKE_CXX_COMPILER={clang}", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                        f"-DCMAKE_CXX_FLAGS_RELWITHDEBINFO={FUZZ_FLAGS}",
                        "-DGOMAP_BUILD_PLUGIN=OFF", "-DGOMAP_BUILD_PYTHON=OFF",
                        "-DGOMAP_BUILD_TESTS=OFF", "-DGOMAP_FUZZ=ON"],
                       check=True, stdout=subprocess.DEVNULL)
    jobs = os.environ.get("GOMAP_JOBS")
    subprocess.run(["ninja", "-C", str(BUILD), *([f"-j{jobs}"] if jobs else []),
                    *(f"tests/fuzz/fuzz_{t}" for t in TARGETS), "tests/fuzz/fuzz_seed_tool"],
                   check=True, stdout=subprocess.DEVNULL)


def seeds() -> None:
    corpus = BUILD / "corpus"
    if all((corpus / t).is_dir() and any((corpus / t).iterdir()) for t in TARGETS):
        return
    env = dict(os.environ)
    if "GOMAP_FUZZ_TOOLCHAINS" in env:
        env["GOMAP_TOOLCHAINS"] = env["GOMAP_FUZZ_TOOLCHAINS"]
    else:
        env.pop("GOMAP_TOOLCHAINS", None)
    subprocess.run([sys.executable, str(REPO / "tests" / "fuzz" / "capture_seeds.py"),
                    str(BUILD), str(BUILD / "tests" / "fuzz" / "fuzz_seed_tool")],
                   check=True, env=env)


def fuzz_env() -> dict[str, str]:
    """ASan keeps freed memory in a quarantine (256 MB by default) that -rss_limit_mb would
    count against the decoder; 16 MB still catches use-after-free within an input."""
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "quarantine_size_mb=16:" + env.get("ASAN_OPTIONS", "")
    env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1:" + env.get("UBSAN_OPTIONS", "")
    return env


def run_one(row: Row, *, seconds: float = 0, runs: int = 0) -> subprocess.Popen:
    t = row.target
    work, findings = BUILD / "work" / t, BUILD / "findings" / t
    work.mkdir(parents=True, exist_ok=True)
    findings.mkdir(parents=True, exist_ok=True)
    args = [str(BUILD / "tests" / "fuzz" / f"fuzz_{t}"), *LIMITS, "-print_final_stats=1",
            f"-artifact_prefix={findings}/"]
    if t != "pclntab":
        args.append(f"-max_len={MAX_LEN}")
    if seconds:
        args.append(f"-max_total_time={int(max(1, seconds))}")
    if runs:
        args.append(f"-runs={runs}")
    args += [str(work), str(BUILD / "corpus" / t)]
    log = open(BUILD / "work" / f"{t}.log", "w")
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=BUILD, env=fuzz_env())
    p.row, p.log, p.t0 = row, log, time.monotonic()  # type: ignore[attr-defined]
    return p


def collect(p: subprocess.Popen) -> None:
    row: Row = p.row  # type: ignore[attr-defined]
    p.log.close()  # type: ignore[attr-defined]
    row.seconds += time.monotonic() - p.t0  # type: ignore[attr-defined]
    row.runs += 1
    text = (BUILD / "work" / f"{row.target}.log").read_text(errors="replace")
    stat = dict(re.findall(r"^stat::(\w+):\s+(\S+)", text, re.M))
    row.executions += int(stat.get("number_of_executed_units", 0))
    row.slowest = max(row.slowest, float(stat.get("slowest_unit_time_sec", 0)))
    row.peak_rss_mb = max(row.peak_rss_mb, int(stat.get("peak_rss_mb", 0)))
    covs = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", text)
    if covs:
        row.cov, row.ft, row.corpus = (int(x) for x in covs[-1])
    if p.returncode not in (0, None):
        kind = re.search(r"ERROR: libFuzzer: (\S+)|SUMMARY: (\w+Sanitizer: \S+)", text)
        row.notes.append(f"exit {p.returncode}: "
                         f"{(kind.group(1) or kind.group(2)) if kind else 'see log'}")
    findings = BUILD / "findings" / row.target
    for art in list(findings.glob("timeout-*")) + list(findings.glob("oom-*")):
        recheck(row, art)
    row.crashes = len(list(findings.glob("crash-*"))) + len(list(findings.glob("leak-*")))
    row.timeouts = len(list(findings.glob("timeout-*")))
    row.ooms = len(list(findings.glob("oom-*")))


def recheck(row: Row, art: Path) -> None:
    """libFuzzer's -timeout is wall time: on a shared, overloaded machine a starved process
    times out on inputs that take milliseconds. Each timeout / out-of-memory input is run
    again alone and measured by the child's own resource usage (CPU time, peak RSS, minus an
    empty run's); only an input that still needs > 1 s of CPU or > 256 MB stays a finding.
    Starved ones move to findings/<target>/starved/ and are counted as such."""
    exe = str(BUILD / "tests" / "fuzz" / f"fuzz_{row.target}")

    def measure(*inputs: str) -> tuple[float, int]:
        p = subprocess.Popen([exe, "-timeout=30", "-rss_limit_mb=2048", "-runs=1", *inputs],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=fuzz_env())
        _, _, ru = os.wait4(p.pid, 0)
        return ru.ru_utime + ru.ru_stime, ru.ru_maxrss // 1024

    empty = BUILD / "work" / "empty-input"
    empty.write_bytes(b"")
    base_cpu, base_rss = measure(str(empty))
    cpu, rss = measure(str(art))
    cpu, rss = max(0.0, cpu - base_cpu), max(0, rss)
    if cpu <= 1.0 and rss <= 256:
        starved = art.parent / "starved"
        starved.mkdir(exist_ok=True)
        art.rename(starved / art.name)
        row.starved += 1
        row.notes = [n for n in row.notes if "timeout" not in n and "out-of-memory" not in n]
        row.starved_worst = max(row.starved_worst, cpu)
    else:
        row.notes.append(f"{art.name}: {cpu:.2f} s CPU, {rss} MB alone")


def schedule(rows: list[Row], jobs: list[tuple[Row, dict]]) -> None:
    """Runs (row, kwargs) jobs JOBS at a time."""
    running: list[subprocess.Popen] = []
    queue = list(jobs)
    while queue or running:
        while queue and len(running) < JOBS:
            row, kw = queue.pop(0)
            running.append(run_one(row, **kw))
        time.sleep(0.5)
        for p in list(running):
            if p.poll() is not None:
                collect(p)
                running.remove(p)


def table(rows: list[Row], wall: float) -> str:
    head = (f"{'target':<10} {'executions':>12} {'exec/s':>8} {'cov':>6} {'ft':>7} "
            f"{'corpus':>7} {'crashes':>7} {'timeouts':>8} {'ooms':>5} {'slowest s':>9} "
            f"{'peak RSS MB':>11} {'starved':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        rate = r.executions / r.seconds if r.seconds else 0
        lines.append(f"{r.target:<10} {r.executions:>12,} {rate:>8,.0f} {r.cov:>6} {r.ft:>7} "
                     f"{r.corpus:>7} {r.crashes:>7} {r.timeouts:>8} {r.ooms:>5} "
                     f"{r.slowest:>9} {r.peak_rss_mb:>11} {r.starved:>7}"
                     + (f"  {'; '.join(r.notes)}" if r.notes else ""))
    total = sum(r.executions for r in rows)
    lines.append(f"{'total':<10} {total:>12,}   wall {wall:.0f} s, {JOBS} at a time, "
                 f"limits {' '.join(LIMITS)}")
    worst = max((r.starved_worst for r in rows), default=0.0)
    if any(r.starved for r in rows):
        lines.append(f"starved: wall-clock timeouts of a loaded machine; every such input "
                     f"re-run alone took <= {worst:.2f} s CPU and <= 256 MB "
                     f"(build-fuzz/findings/<target>/starved/)")
    lines.append("loadavg at the end: " + " ".join(os.getloadavg().__repr__()[1:-1].split(", ")))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, help="time budget in all (smoke)")
    ap.add_argument("--executions", type=int, help="execution budget in all (bench)")
    ap.add_argument("--max-seconds", type=float, default=0,
                    help="with --executions: stop starting new rounds after this long")
    ap.add_argument("--targets", default=",".join(TARGETS))
    a = ap.parse_args()
    t0 = time.monotonic()
    build()
    t_build = time.monotonic()
    seeds()
    t_seeds = time.monotonic()
    print(f"run_fuzz: build {t_build - t0:.0f} s, seeds {t_seeds - t_build:.0f} s "
          f"({BUILD})", flush=True)
    rows = [Row(t) for t in a.targets.split(",")]
    if a.executions:
        # A first slice of each target measures its speed; the rest of the budget is
        # spread so that every target gets an equal share of time, in rounds, until the
        # executions add up.
        slice_s = 30.0
        schedule(rows, [(r, {"seconds": slice_s}) for r in rows])
        while sum(r.executions for r in rows) < a.executions and \
                not any(r.crashes or r.timeouts or r.ooms for r in rows):
            if a.max_seconds and time.monotonic() - t0 > a.max_seconds:
                print(f"run_fuzz: stopped at --max-seconds {a.max_seconds:.0f} before the "
                      f"execution budget", file=sys.stderr)
                break
            left = a.executions - sum(r.executions for r in rows)
            speed = sum(r.executions / max(r.seconds, 1e-3) for r in rows)
            per = max(30.0, min(90.0, left / max(speed, 1.0) * JOBS / len(rows) * 1.1))
            schedule(rows, [(r, {"seconds": per}) for r in rows])
    else:
        per = (a.seconds or 120.0) * JOBS / len(rows)
        schedule(rows, [(r, {"seconds": per}) for r in rows])
    print(table(rows, time.monotonic() - t0))
    bad = [r.target for r in rows if r.crashes or r.timeouts or r.ooms or r.notes]
    if bad:
        print(f"run_fuzz: findings in {', '.join(bad)}: see {BUILD / 'findings'} and "
              f"{BUILD / 'work'}/<target>.log", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
