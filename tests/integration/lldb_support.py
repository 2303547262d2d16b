"""Drives the real LLDB plugin through scripts/gomap-inspect (one session per call)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Sequence

REPO = Path(__file__).resolve().parents[2]
INSPECT = REPO / "scripts" / "gomap-inspect"

def inspect(binary: Path, target: Sequence[str], *command: str,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """One gomap command; returns the finished process (stdout, stderr, returncode)."""
    return subprocess.run([str(INSPECT), str(binary), *target, *command],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)

def batch(binary: Path, target: Sequence[str], commands: Sequence[str],
          timeout: float = 600) -> list[dict[str, Any]]:
    """Several gomap commands in one LLDB session; one result dict per command."""
    p = subprocess.run([str(INSPECT), str(binary), *target, "--batch", "-"],
                       input="\n".join(commands) + "\n", capture_output=True, text=True,
                       timeout=timeout)
    results = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    if len(results) != len(commands):
        raise AssertionError(f"gomap-inspect --batch gave {len(results)} results for "
                             f"{len(commands)} commands (rc={p.returncode}):\n"
                             f"{p.stderr[-3000:]}")
    return results

def normalise_maps(v: Any) -> Any:
    """Nested map objects compare by address, type, impl, len and entries as a multiset;
    renderer-only keys (truncated, diagnostics) are dropped."""
    if isinstance(v, list):
        return [normalise_maps(x) for x in v]
    if isinstance(v, dict):
        if {"address", "type", "impl", "len", "entries"} <= v.keys():
            entries = sorted(json.dumps(normalise_maps(e), sort_keys=False)
                             for e in v["entries"])
            return {"address": v["address"], "type": v["type"], "impl": v["impl"],
                    "len": v["len"], "entries": entries}
        return {k: normalise_maps(x) for k, x in v.items()}
    return v

def as_int(v: Any) -> Any:
    """Header numbers: the JSON encoding writes values past 2^53 as decimal strings."""
    if isinstance(v, str) and v.lstrip("-").isdigit():
        return int(v)
    return v


def show_map_problems(name: str, want: dict[str, Any], m: dict[str, Any], impl: str
                      ) -> list[str]:
    """A `show --all --json` map object against the fixture's ground truth for it."""
    from support.fixtures import compare_entries
    problems = []
    for k in ("len", "type", "address"):
        if m[k] != want[k]:
            problems.append(f"{name}: {k} {m[k]!r} != {want[k]!r}")
    if m["truncated"]:
        problems.append(f"{name}: truncated with --all")
    if not want["nil"] and m["impl"] != impl:
        problems.append(f"{name}: impl {m['impl']} != {impl}")
    errors = [d for d in m["diagnostics"] if d["severity"] == "error"]
    if errors:
        problems.append(f"{name}: error diagnostics {errors[:3]}")
    missing, unexpected = compare_entries(normalise_maps(m["entries"]),
                                          normalise_maps(want["entries"]))
    if missing or unexpected:
        problems.append(f"{name}: {len(missing)} missing, {len(unexpected)} unexpected; "
                        f"missing {missing[:3]} unexpected {unexpected[:3]}")
    return problems
