"""Build, run and core-dump the Go fixtures in tests/fixtures (stdlib only; used by pytest).

Typical use::

    from support import fixtures as fx
    for tc in fx.toolchains():              # every candidate, usable or not
        if not tc.usable: pytest.skip(tc.reason)
        binary = fx.build("maps", tc)
        proc, expect = fx.run_parked(binary, tmp_path)    # live: attach to proc.pid
        core, expect = fx.make_core(binary, tmp_path)     # post-mortem
        fx.assert_same_entries(decoded_entries, expect["maps"]["main.mSmall"]["entries"])

Binaries are cached in build/fixtures/<toolchain id>/<fixture>/, keyed by a hash of the fixture
sources, the toolchain and the build flags. build/ is git-ignored; nothing here is committed.
"""

from __future__ import annotations

import collections
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
BUILD = REPO / "build" / "fixtures"
TOOLCHAINS_SCRIPT = REPO / "scripts" / "toolchains"

READY_TIMEOUT = 60.0
CORE_TIMEOUT = 120.0
BUILD_TIMEOUT = 900.0


class FixtureError(RuntimeError):
    """A fixture could not be built, started or dumped."""


class CoreUnavailable(FixtureError):
    """This machine does not leave kernel core files where we can find them (tests skip)."""


@dataclasses.dataclass(frozen=True)
class Toolchain:
    """One row of scripts/toolchains --all."""

    id: str
    go: str
    env: dict[str, str]
    version: str
    runtime_version: str
    goroot: str
    impl: str
    experiment: str
    usable: bool
    reason: str

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def minor(self) -> int:
        """19 for go1.19.8, 27 for go1.27.4-mapsplitgroup."""
        return int(self.id.split(".")[1])


_toolchains_lock = threading.Lock()
_toolchains_cache: list[Toolchain] | None = None


def toolchains(refresh: bool = False) -> list[Toolchain]:
    """Every selected toolchain (GOMAP_TOOLCHAINS), usable or not, from scripts/toolchains."""
    global _toolchains_cache
    with _toolchains_lock:
        if _toolchains_cache is None or refresh:
            cmd = [sys.executable, str(TOOLCHAINS_SCRIPT), "--all", "--json"]
            if refresh:
                cmd.append("--refresh")
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
            if p.stdout.strip() == "":
                raise FixtureError(f"scripts/toolchains failed: {p.stderr.strip()}")
            _toolchains_cache = [Toolchain(**row) for row in json.loads(p.stdout)]
        return list(_toolchains_cache)


def usable_toolchains() -> list[Toolchain]:
    return [t for t in toolchains() if t.usable]


def _sources_hash(fixture: str, tc: Toolchain, flags: Sequence[str]) -> str:
    h = hashlib.sha256()
    files = [FIXTURES / "go.mod"] + sorted((FIXTURES / fixture).rglob("*.go"))
    for f in files:
        h.update(str(f.relative_to(FIXTURES)).encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    h.update(json.dumps([tc.id, tc.go, tc.env, tc.runtime_version, list(flags)]).encode())
    return h.hexdigest()[:16]


_build_locks: dict[tuple[str, str], threading.Lock] = collections.defaultdict(threading.Lock)


def build(fixture: str, toolchain: Toolchain, flags: Sequence[str] = ()) -> Path:
    """Build tests/fixtures/<fixture> with toolchain; returns the (cached) binary path.

    flags are extra `go build` arguments, e.g. ["-gcflags=all=-N -l"]; they are part of the
    cache key. Safe to call from several threads and processes (one build per fixture/toolchain
    at a time).
    """
    if not toolchain.usable:
        raise FixtureError(f"toolchain {toolchain.id} is not usable: {toolchain.reason}")
    key = _sources_hash(fixture, toolchain, flags)
    # One directory per flag set, so that an optimized and an -N -l build of one
    # fixture do not evict each other (older sources' binaries are removed below).
    variant = hashlib.sha256("\0".join(flags).encode()).hexdigest()[:8] if flags else ""
    outdir = BUILD / toolchain.id / (f"{fixture}.{variant}" if variant else fixture)
    binary = outdir / f"{fixture}-{key}"
    outdir.mkdir(parents=True, exist_ok=True)
    # A thread lock, then a file lock: pytest-xdist's workers are processes sharing BUILD.
    with _build_locks[(toolchain.id, fixture)], open(outdir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists():
            return binary
        tmp = outdir / f".{binary.name}.tmp{os.getpid()}"
        env = dict(os.environ)
        env.update(toolchain.env)
        cmd = [toolchain.go, "build", "-buildvcs=false", *flags, "-o", str(tmp),
               f"./{fixture}"]
        try:
            p = subprocess.run(cmd, cwd=FIXTURES, env=env, capture_output=True, text=True,
                               timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            raise FixtureError(f"{toolchain.id}: go build timed out after {e.timeout}s") from e
        if p.returncode != 0:
            raise FixtureError(f"{toolchain.id}: {' '.join(cmd)} failed:\n{p.stderr}")
        for old in outdir.glob(f"{fixture}-*"):  # binaries of older sources
            old.unlink(missing_ok=True)
        os.replace(tmp, binary)
        return binary


def _fixture_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["GOTRACEBACK"] = "crash"
    env.pop("GODEBUG", None)
    if extra:
        env.update(extra)
    return env


def load_expect(outdir: Path) -> dict[str, Any]:
    return json.loads((Path(outdir) / "expect.json").read_text())


def run_parked(binary: Path, outdir: Path, args: Sequence[str] = (),
               timeout: float = READY_TIMEOUT) -> tuple[subprocess.Popen, dict[str, Any]]:
    """Start binary in park mode; wait for "READY <pid>"; return (process, expect.json).

    The caller owns the process: stop it with stop(proc) (or proc.kill(); proc.wait()).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "expect.json").unlink(missing_ok=True)
    proc = subprocess.Popen([str(binary), "-out", str(outdir), "-mode", "park", *args],
                            cwd=outdir, env=_fixture_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            break
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
    words = line.decode(errors="replace").split()
    if words != ["READY", str(proc.pid)]:
        stop(proc)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise FixtureError(f"{binary} did not park (got {line!r}, rc={proc.returncode}): {err}")
    return proc, load_expect(outdir)


def stop(proc: subprocess.Popen | None) -> None:
    """Kill a parked fixture (only this process, by its pid) and reap it; None is a no-op."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=30)
    finally:
        for f in (proc.stdout, proc.stderr):
            if f:
                f.close()


def _core_pattern() -> str:
    try:
        return Path("/proc/sys/kernel/core_pattern").read_text().strip()
    except OSError:
        return ""


def _unlimited_core() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def make_core(binary: Path, outdir: Path, args: Sequence[str] = (),
              timeout: float = CORE_TIMEOUT) -> tuple[Path, dict[str, Any]]:
    """Run binary in abort mode (GOTRACEBACK=crash, RLIMIT_CORE raised, cwd=outdir).

    Returns (core path, expect.json). Raises CoreUnavailable if the kernel does not write
    cores into the working directory (core_pattern piped to a handler, or limit 0).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    pattern = _core_pattern()
    if pattern.startswith("|") or "/" in pattern:
        raise CoreUnavailable(f"core_pattern is {pattern!r}: cores do not land in the cwd")
    if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
        raise CoreUnavailable("hard RLIMIT_CORE is 0")
    for old in list(outdir.glob("core")) + list(outdir.glob("core.*")):
        old.unlink()
    (outdir / "expect.json").unlink(missing_ok=True)
    try:
        p = subprocess.run([str(binary), "-out", str(outdir), "-mode", "abort", *args],
                           cwd=outdir, env=_fixture_env(), capture_output=True,
                           preexec_fn=_unlimited_core, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise FixtureError(f"{binary} did not abort within {timeout}s") from e
    if p.returncode != -signal.SIGABRT:
        raise FixtureError(f"{binary} exited with {p.returncode}, expected SIGABRT: "
                           f"{p.stderr.decode(errors='replace')[-2000:]}")
    expect = load_expect(outdir)
    cores = [c for c in list(outdir.glob("core")) + list(outdir.glob("core.*"))
             if c.is_file()]
    if not cores:
        raise CoreUnavailable(f"{binary} died by SIGABRT but left no core in {outdir} "
                              f"(core_pattern {pattern!r})")
    if len(cores) > 1:
        raise FixtureError(f"several core files in {outdir}: {cores}")
    return cores[0], expect


# --- entry comparison -------------------------------------------------------------------


def _normalise(v: Any) -> Any:
    """Integral floats compare equal to ints (1.0 vs 1); everything else is kept as is."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_normalise(x) for x in v]
    if isinstance(v, dict):
        return {k: _normalise(x) for k, x in v.items()}
    return v


def canonical(value: Any) -> str:
    """Canonical JSON text of one entry. Object key order is kept (struct field order is part
    of the encoding); NaN keys are the string "NaN", so they compare like any other value."""
    return json.dumps(_normalise(value), separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def entry_multiset(entries: Iterable[Any]) -> collections.Counter:
    return collections.Counter(canonical(e) for e in entries)


def compare_entries(actual: Iterable[Any],
                    expected: Iterable[Any]) -> tuple[list[str], list[str]]:
    """(missing, unexpected): entries in expected but not actual, and the reverse, with
    multiplicity (three NaN keys must be found three times)."""
    a, e = entry_multiset(actual), entry_multiset(expected)
    return sorted((e - a).elements()), sorted((a - e).elements())


def assert_same_entries(actual: Iterable[Any], expected: Iterable[Any],
                        show: int = 10) -> None:
    missing, unexpected = compare_entries(actual, expected)
    if missing or unexpected:
        lines = [f"{len(missing)} missing, {len(unexpected)} unexpected entries"]
        lines += [f"  missing:    {m}" for m in missing[:show]]
        lines += [f"  unexpected: {u}" for u in unexpected[:show]]
        raise AssertionError("\n".join(lines))


# --- expect.json self-consistency -------------------------------------------------------


def check_expect(expect: dict[str, Any], impl: str | None = None) -> list[str]:
    """Problems found in an expect.json (empty list = consistent)."""
    problems: list[str] = []
    if impl is not None and expect.get("impl") != impl:
        problems.append(f"impl is {expect.get('impl')!r}, expected {impl!r}")
    for name, m in expect.get("maps", {}).items():
        n = len(m["entries"])
        if m["len"] != n:
            problems.append(f"{name}: len {m['len']} but {n} entries")
        if m["nil"]:
            if m["address"] != "0x0" or m["header"] is not None or n:
                problems.append(f"{name}: nil map with address/header/entries")
            continue
        # map[K]V, or a named map type (main.Routes)
        if not (m["type"].startswith("map[") or
                re.fullmatch(r"[\w/.-]+\.[A-Za-z_]\w*", m["type"])):
            problems.append(f"{name}: type {m['type']!r}")
        h = m["header"]
        if expect["impl"] == "classic":
            if h["count"] != n:
                problems.append(f"{name}: hmap.count {h['count']} != {n}")
        else:
            if h["used"] != n:
                problems.append(f"{name}: Map.used {h['used']} != {n}")
            if h["dirLen"] and h["dirLen"] != 1 << h["globalDepth"]:
                problems.append(f"{name}: dirLen {h['dirLen']} globalDepth {h['globalDepth']}")
            if h["dirLen"] and sum(t["used"] for t in h["tables"]) != h["used"]:
                problems.append(f"{name}: table used sum != Map.used")
        keys = entry_multiset({"k": e["key"]} for e in m["entries"])
        dups = [k for k, c in keys.items() if c > 1 and k != canonical({"k": "NaN"})]
        if dups:
            problems.append(f"{name}: duplicate keys {dups[:3]}")
    return problems


# Where a scenario exercises debugger mechanics rather than layouts: the oldest, a
# noswissmap, the machine's and a mapsplitgroup toolchain.
REPRESENTATIVE = ["go1.19.8", "go1.25.14-noswissmap", "go1.26.8", "go1.27.4-mapsplitgroup"]


def representative_params(*dims: Sequence[str]) -> list[Any]:
    """params(), restricted to the REPRESENTATIVE toolchains that are selected."""
    return [p for p in params(*dims) if p.values[0].id in REPRESENTATIVE]


def params(*dims: Sequence[str]) -> list[Any]:
    """pytest params: every selected toolchain times each combination of dims, e.g.
    params(["core", "live"]) gives (tc, mode) with ids "go1.19.8-core", ...; params() gives
    (tc,). Unusable toolchains are skipped with their reason.

    A combination with the mode "live" is kept for the REPRESENTATIVE toolchains only: a
    live target differs from its core in debugger mechanics (gomap-inspect --pid's
    snapshot, attaching), not in layouts, which the core of every toolchain covers."""
    import itertools

    import pytest  # only the tests need it
    out = []
    for tc in toolchains():
        marks = [] if tc.usable else [pytest.mark.skip(reason=f"{tc.id}: {tc.reason}")]
        for combo in itertools.product(*dims):
            if "live" in combo and tc.id not in REPRESENTATIVE:
                continue
            out.append(pytest.param(tc, *combo, id="-".join([tc.id, *combo]), marks=marks))
    return out


def start(binary: Path, outdir: Path, mode: str, args: Sequence[str] = ()
          ) -> tuple[list[str], dict[str, Any], subprocess.Popen | None]:
    """The fixture as a debugger target: mode "core" takes a core (make_core), "live" parks
    the program (run_parked). Returns (gomap-inspect target args, expect.json, the live
    process or None); the caller passes the process to stop() when done."""
    if mode == "core":
        core, expect = make_core(binary, outdir, args)
        return ["--core", str(core)], expect, None
    proc, expect = run_parked(binary, outdir, args)
    return ["--pid", str(proc.pid)], expect, proc
