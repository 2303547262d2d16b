"""`gomap scan` on bad input: a core that is not a crash, a crash that is not a map race, a
corrupt map header on the crash path, a truncated core. Each gives one clear verdict line (or
one error line), the documented exit status, and finishes in bounded time and memory (printed).
Representative toolchains: this exercises the triage's guards, not map layouts."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from support import corefile  # noqa: E402
from support.measure import run_measured  # noqa: E402
from integration.lldb_support import INSPECT  # noqa: E402
from integration.notes import NOTES  # noqa: E402
from integration.test_lldb_scan_corpus import crash  # noqa: E402

LIMIT_S = 120


def run(binary: Path, core: Path, *args: str) -> tuple[int, str, str, float, int]:
    """(exit status, stdout, stderr, seconds, peak RSS in MiB) of one headless scan."""
    m = run_measured([str(INSPECT), str(binary), "--core", str(core), "scan", *args], LIMIT_S)
    return m.returncode, m.stdout, m.stderr, m.wall, m.rss_mib


def note(tc: fx.Toolchain, case: str, rc: int, secs: float, rss: int) -> None:
    NOTES.append(f"scan bad input {tc.id} {case}: exit {rc}, {secs:.1f} s, peak RSS {rss} MiB")


@pytest.mark.parametrize("tc", fx.representative_params())
def test_scan_bad_input(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("crashes", tc)

    # A crash that is not a map race: a nil dereference in a goroutine.
    nil = crash(binary, "nilderef", tmp_path / "nil")
    rc, out, err, secs, rss = run(binary, nil["core"])
    note(tc, "nil dereference", rc, secs, rss)
    assert rc == 0, (rc, out, err[-2000:])
    assert out.splitlines()[0].startswith("verdict: no goroutine died in a map operation"), out
    doc = json.loads(run(binary, nil["core"], "--json")[1])["scan"]
    assert doc["verdict"] is None and doc["crash"] is None, doc
    nil["core"].unlink()

    # A core that is not a crash: a healthy program aborted from outside.
    healthy, _ = fx.make_core(fx.build("goroutines", tc), tmp_path / "healthy")
    rc, out, err, secs, rss = run(fx.build("goroutines", tc), healthy)
    note(tc, "healthy core", rc, secs, rss)
    assert rc == 0 and out.startswith("verdict: no goroutine died in a map operation"), (rc, out)
    healthy.unlink()

    # A map race whose map header is corrupt: the map's count/used and (classic) B, or
    # (swiss) dirLen, overwritten. The map is still named; its check reports the header.
    race = crash(binary, "field", tmp_path / "race")
    addr = int(race["truth"]["map"], 16)
    if tc.impl == "classic":  # count, B
        patches = {addr: corefile.u64(1 << 40), addr + 9: bytes([60])}
    else:  # used, dirLen
        patches = {addr: corefile.u64(1 << 40), addr + 24: corefile.u64(1 << 40)}
    bad = corefile.patched_copy(race["core"], tmp_path / "race" / "core.bad", patches)
    rc, out, err, secs, rss = run(binary, bad, "--json")
    note(tc, "corrupt map header on the crash path", rc, secs, rss)
    assert rc == 1, (rc, err[-2000:])
    doc: dict[str, Any] = json.loads(out)["scan"]
    v = doc["verdict"]
    assert v and v["map"] and int(v["map"]["address"], 16) == addr, v
    m = next(m for m in doc["maps"] if int(m["address"], 16) == addr)
    assert m["diagnostics"], m
    bad.unlink()

    # A truncated core (the writer was killed): one line, no hang.
    cut = tmp_path / "race" / "core.cut"
    with open(race["core"], "rb") as src, open(cut, "wb") as dst:
        dst.write(src.read(os.path.getsize(race["core"]) * 2 // 5))
    race["core"].unlink()
    rc, out, err, secs, rss = run(binary, cut)
    note(tc, "truncated core (40%)", rc, secs, rss)
    assert rc in (0, 1, 2), rc
    if rc == 2:
        lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("warning:")]
        assert len(lines) == 1, err
    else:
        assert out.splitlines()[0].startswith(("fatal error:", "verdict:")), out
    print("\n".join(NOTES[-4:]))
