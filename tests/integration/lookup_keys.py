"""Go key literals from the maps fixture's ground truth (expect.json), for the look-up tests of
`gomap show 'EXPR[KEY]'` in LLDB and GDB: every key kind the fixture has, and a key that is
absent from each map."""
from __future__ import annotations

import json
from typing import Any, Optional


PREDECLARED = {"bool", "string", "int", "int8", "int16", "int32", "int64", "uint", "uint8",
               "uint16", "uint32", "uint64", "uintptr", "float32", "float64", "complex64",
               "complex128"}


def key_type(map_type: str) -> str:
    """K of "map[K]V", brackets inside K included ("map[[2]int8]string" -> "[2]int8")."""
    assert map_type.startswith("map["), map_type
    depth = 0
    for i, c in enumerate(map_type[3:], start=3):
        depth += {"[": 1, "]": -1}.get(c, 0)
        if depth == 0:
            return map_type[4:i]
    raise ValueError(map_type)


def _float(v: Any) -> str:
    if v in ("NaN", "+Inf", "-Inf"):
        return v
    return repr(float(v))


def _untyped(v: Any) -> str:
    """A literal from the JSON value alone (inside composites: ints, floats, strings,
    pointers, nested composites)."""
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "{" + ", ".join(_untyped(x) for x in v) + "}"
    if isinstance(v, dict) and set(v) == {"ptr"}:
        return v["ptr"]
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_untyped(x)}" for k, x in v.items()) + "}"
    raise ValueError(v)


def go_literal(key: Any, ktype: str) -> str:
    """The Go literal of a key in the JSON encoding, for a map with keys of type ktype."""
    if ktype == "string":
        return json.dumps(key, ensure_ascii=False)
    if ktype in ("float32", "float64"):
        return _float(key)
    if ktype.startswith("complex"):
        return f"complex({_float(key['real'])}, {_float(key['imag'])})"
    if ktype.startswith("*"):
        return "nil" if key is None else key["ptr"]
    if ktype == "interface {}":
        if key is None:
            return "nil"
        t, v = key["type"], key["value"]
        if t == "string":
            return json.dumps(v, ensure_ascii=False)
        if t in ("int", "bool"):
            return _untyped(v)
        if t in ("float32", "float64", "complex64", "complex128"):
            inner = go_literal(v, t)
            return f"{t}({inner})"
        if isinstance(v, (dict, list)):
            return t + _untyped(v)
        return f"{t}({_untyped(v)})"
    if isinstance(key, str):  # ints past 2^53 are decimal strings
        return key
    return _untyped(key)


_ABSENT = {
    "string": '"no such key \U0001F642"',
    "float64": "12345.5",
    "float32": "12345.5",
    "complex128": "complex(9, 9)",
    "main.Point": "main.Point{X: 99, Y: 99}",
    "main.BigKey": "main.BigKey{}",
    "*main.Point": "0x10",
    "interface {}": '"absent"',
    "[2]int8": "{9, 9}",
}


def absent_literal(ktype: str, entries: list[dict[str, Any]]) -> Optional[str]:
    """A key of type ktype that is not among the entries (None for bool maps with both)."""
    if ktype == "bool":
        have = {e["key"] for e in entries}
        missing = [b for b in (True, False) if b not in have]
        return ("true" if missing[0] else "false") if missing else None
    if ktype in _ABSENT:
        return _ABSENT[ktype]  # the tests fail if the fixture ever holds it
    have = {int(e["key"]) for e in entries}
    gap = next((n for n in range(1, 1000) if n not in have), None)
    return str(gap if gap is not None else max(have) + 1)


def sample(entries: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """At most n entries, evenly spread (first and last included), deterministic."""
    if len(entries) <= n:
        return list(entries)
    step = (len(entries) - 1) / (n - 1)
    return [entries[round(i * step)] for i in range(n)]


def lldb_quote(expr: str) -> str:
    """EXPR as one LLDB (and GDB) argument: single quotes keep double quotes and backslashes."""
    assert "'" not in expr, expr
    return f"'{expr}'"
