"""User formatters: render values of a Go type, by its name, your way in GDB and in LLDB.

Register a callable for a Go type name; it receives a `Value` and returns what to show::

    from gomap import formatters

    formatters.register("main.UserID", lambda v: hex(v.int()))

    @formatters.formatter("main.Record")
    def record(v: formatters.Value) -> str:
        return f"Record #{v.field('ID')} {v.field('Name')!r}"

The GDB printers and commands (pretty_printers/gomap_gdb.py) and the native LLDB plugin
(through the Python LLDB embeds) consult this one registry; see docs/formatters.md. This module
imports nothing from either debugger. `_handles` and `_format` are the bridge the C++ side calls.
"""
from __future__ import annotations

import json
import struct
import threading
from typing import Any, Callable, Optional

__all__ = ["Value", "Formatter", "register", "formatter", "unregister", "clear",
           "registered", "lookup"]

_SIGNED = {"Int": 8, "Int8": 1, "Int16": 2, "Int32": 4, "Int64": 8}
_UNSIGNED = {"Uint": 8, "Uint8": 1, "Uint16": 2, "Uint32": 4, "Uint64": 8, "Uintptr": 8,
             "Bool": 1, "Pointer": 8, "Chan": 8, "Func": 8, "UnsafePointer": 8, "Map": 8}
_FLOATS = {"Float32": "<f", "Float64": "<d"}
MAX_ERROR_CHARS = 300


class Value:
    """One Go value as a formatter sees it. Valid only during the formatter call.

    type_name: Go type name ("main.UserID"); kind: the underlying kind ("Uint64", "Struct",
    "String", ... as in _gomap.Kind); address: where it lives in the target; raw: its bytes
    (at most 4096); for_json: True when the `--json` form is rendered.
    """

    __slots__ = ("type_name", "kind", "address", "raw", "for_json", "_text", "_json",
                 "_text_fn", "_json_fn")

    def __init__(self, type_name: str, kind: str, address: int, raw: bytes, for_json: bool,
                 default_text: Callable[[], str], default_json: Callable[[], str]) -> None:
        self.type_name = type_name
        self.kind = kind
        self.address = address
        self.raw = raw
        self.for_json = for_json
        self._text_fn = default_text
        self._json_fn = default_json
        self._text: Optional[str] = None
        self._json: Any = None

    @property
    def default_text(self) -> str:
        """gomap's own Go-like text of the value (`main.Record{ID: 1, ...}`)."""
        if self._text is None:
            self._text = self._text_fn()
        return self._text

    @property
    def default_json(self) -> Any:
        """gomap's own gomap/1 JSON encoding of the value, as Python objects."""
        if self._json is None:
            self._json = json.loads(self._json_fn())
        return self._json

    def int(self) -> int:
        """The value as an integer: integer kinds (signed or not), bool, pointer words."""
        if self.kind in _SIGNED:
            return int.from_bytes(self._bytes(_SIGNED[self.kind]), "little", signed=True)
        if self.kind in _UNSIGNED:
            return int.from_bytes(self._bytes(_UNSIGNED[self.kind]), "little")
        raise TypeError(f"{self.type_name} ({self.kind}) is not an integer")

    def float(self) -> float:
        """The value of a float32/float64 kind."""
        fmt = _FLOATS.get(self.kind)
        if fmt is None:
            raise TypeError(f"{self.type_name} ({self.kind}) is not a float")
        return float(struct.unpack(fmt, self._bytes(struct.calcsize(fmt)))[0])

    def string(self) -> str:
        """The value of a string kind (the bytes gomap read, invalid UTF-8 replaced)."""
        if self.kind != "String":
            raise TypeError(f"{self.type_name} ({self.kind}) is not a string")
        v = self.default_json
        if not isinstance(v, str):
            raise ValueError(f"string at {self.address:#x} is unreadable")
        return v

    def field(self, name: str) -> Any:
        """A struct field's value in the JSON encoding (numbers, strings, objects...)."""
        v = self.default_json
        if not isinstance(v, dict) or name not in v:
            raise KeyError(f"{self.type_name} has no field {name!r}")
        return v[name]

    def _bytes(self, n: int) -> bytes:
        if len(self.raw) < n:
            raise ValueError(f"{self.type_name} at {self.address:#x}: {len(self.raw)} bytes, "
                             f"need {n}")
        return self.raw[:n]

    def __repr__(self) -> str:
        return f"<gomap Value {self.type_name} at {self.address:#x}>"


Formatter = Callable[[Value], Any]
_lock = threading.Lock()
_registry: dict[str, Formatter] = {}


def register(type_name: str, fn: Formatter) -> None:
    """Formats every value whose Go type is named type_name ("main.UserID", "[]main.T",
    "map[string]int") with fn(value). fn returns a str (shown as is in text, a JSON string in
    --json), another JSON-able value (shown as JSON in text), or None for gomap's own
    rendering. Registering a name again replaces its formatter."""
    if not isinstance(type_name, str) or not type_name:
        raise ValueError("type_name must be a non-empty Go type name, e.g. 'main.UserID'")
    if not callable(fn):
        raise TypeError(f"formatter for {type_name} is not callable")
    with _lock:
        _registry[type_name] = fn


def formatter(type_name: str) -> Callable[[Formatter], Formatter]:
    """Decorator form of register()."""
    def deco(fn: Formatter) -> Formatter:
        register(type_name, fn)
        return fn
    return deco


def unregister(type_name: str) -> bool:
    """Removes the formatter of type_name; False when there was none."""
    with _lock:
        return _registry.pop(type_name, None) is not None


def clear() -> None:
    """Removes every formatter."""
    with _lock:
        _registry.clear()


def registered() -> list[str]:
    """The type names that have a formatter, sorted."""
    with _lock:
        return sorted(_registry)


def lookup(type_name: str) -> Optional[Formatter]:
    with _lock:
        return _registry.get(type_name)


# --- the bridge the C++ frontends call (module.cpp, plugin/formatters.cpp) ----------------


def _any() -> bool:
    return bool(_registry)


def _handles(type_name: str) -> bool:
    return type_name in _registry


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    msg = f"{type(e).__name__}: {text[0]}" if text else type(e).__name__
    return msg[:MAX_ERROR_CHARS]


def _format(type_name: str, kind: str, address: int, raw: bytes, for_json: bool,
            default_text: Callable[[], str],
            default_json: Callable[[], str]) -> tuple[str, str]:
    """(status, payload): ("declined", ""), ("formatted", text or JSON text) or
    ("failed", one-line reason). Never raises for what the user's formatter does."""
    fn = lookup(type_name)
    if fn is None:
        return "declined", ""
    value = Value(type_name, kind, address, raw, for_json, default_text, default_json)
    try:
        result = fn(value)
    except Exception as e:  # noqa: BLE001 - any formatter bug: reported, default used
        return "failed", _one_line(e)
    if result is None:
        return "declined", ""
    if not for_json and isinstance(result, str):
        return "formatted", result
    try:
        text = json.dumps(result, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        return "failed", f"returned a {type(result).__name__} that is not JSON: {_one_line(e)}"
    return "formatted", text
