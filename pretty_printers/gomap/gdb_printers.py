"""GDB pretty-printers for Go maps (classic and swiss), decoded by the core, children lazy;
and for values whose Go type has a user formatter (gomap.formatters)."""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import _gomap
import gdb
import gdb.printing

from gomap import formatters
from gomap import gdb_target as tgt

COLLECTION = "gomap"


def print_elements() -> Optional[int]:
    """`set print elements` (None when unlimited)."""
    try:
        v = gdb.parameter("print elements")
    except (gdb.error, RuntimeError):
        return 200
    if v is None or v == 0 or (isinstance(v, int) and v >= 2**31 - 1):
        return None
    return int(v)


def _first_problem(diags_json: str, severities: tuple[str, ...]) -> Optional[str]:
    for d in json.loads(diags_json):
        if d.get("severity") in severities:
            return f"{d['severity']}[{d['code']}]: {d['message']}"
    return None


class PrintDetails(gdb.Parameter):
    """Whether `print` of a Go map says its length and implementation in the summary.

With it off (the default), a map prints as Go's own runtime-gdb.py prints it:
`map[string]int = {["one"] = 1, ...}`; on: `map[string]int len=5 impl=swiss = {...}`.
`gomap show` and `gomap header` always say both."""

    set_doc = "Set whether printed Go maps show len=N impl=I in their summary."
    show_doc = "Show whether printed Go maps show len=N impl=I in their summary."

    def __init__(self) -> None:
        super().__init__("gomap-print-details", gdb.COMMAND_DATA, gdb.PARAM_BOOLEAN)
        self.value = False

    def get_show_string(self, svalue: str) -> str:
        return f"Printing len=N impl=I in Go map summaries is {svalue}."


_details: Optional[PrintDetails] = None


def print_details() -> bool:
    return bool(_details is not None and _details.value)


class MapPrinter:
    """One Go map value: summary `map[K]V` (with `set gomap-print-details on`, `map[K]V
    len=N impl=I`), then key/value children."""

    def __init__(self, val: gdb.Value, info: tgt.MapInfo, name: Optional[str] = None) -> None:
        self.val = val
        self.info = info
        self.name = name or info.gtype.name  # a named map type prints as its name
        self.handle: Optional[Any] = None
        self.error: Optional[str] = None
        try:
            addr = int(val)
        except (gdb.error, gdb.MemoryError) as e:
            self.error = f"unreadable map value: {e}"
            return
        try:
            self.session = tgt.new_session()
            self.handle = self.session.open_map(info.gtype, addr)
        except _gomap.GomapError as e:
            self.error = str(e)

    def to_string(self) -> str:
        name = self.name
        if self.error is not None:
            return f"{name} <corrupt: {self.error}>"
        h = self.handle
        if h.address == 0:
            return f"{name} nil"
        text = f"{name} len={h.len} impl={h.impl}" if print_details() else name
        problem = _first_problem(h.header_diagnostics, ("error", "warning"))
        if problem:
            text += f" <{problem}>"
        return text

    def display_hint(self) -> str:
        return "map"

    def children(self) -> Iterator[tuple[str, Any]]:
        if self.handle is None or self.handle.address == 0:
            return
        limit = print_elements()
        # GDB stops pulling after `print elements` children; the cursor is bounded
        # the same way (plus one to let GDB print its "..." mark).
        max_entries = _gomap.ALL if limit is None else limit + 1
        cursor = self.handle.entries(max_entries)
        kt, et = self.info.key, self.info.elem
        inferior = gdb.selected_inferior()
        i = 0
        for key_addr, elem_addr in cursor:
            if i < LAZY_CHILDREN:
                yield f"[{i}].key", _value_at(key_addr, kt)
                yield f"[{i}].value", _value_at(elem_addr, et)
            else:
                yield f"[{i}].key", _value_of(inferior, key_addr, kt)
                yield f"[{i}].value", _value_of(inferior, elem_addr, et)
            i += 1
        if cursor.yielded >= max_entries:
            return
        problem = _first_problem(cursor.diagnostics, ("error",))
        if problem is None and cursor.truncated:
            problem = "truncated by a work limit"
        if problem is not None:
            yield "<gomap>", "<corrupt>"
            yield "<gomap-reason>", problem


class FormattedPrinter:
    """A value whose Go type has a user formatter: the core renders it through the formatter
    (gomap's own text when the formatter declines or fails)."""

    def __init__(self, val: gdb.Value, name: str) -> None:
        self.val = val
        self.name = name

    def to_string(self) -> str:
        try:
            ct = tgt.model().convert(self.val.type)
            text, diags = tgt.new_session().render_text(ct, int(self.val.address))
        except (gdb.error, _gomap.GomapError, RuntimeError) as e:
            return f"<gomap: cannot format {self.name}: {e}>"
        for d in json.loads(diags):
            if d["code"] == "formatter-error":
                _report_once(self.name, d["message"])
        return text


_reported: set[tuple[str, int]] = set()


def _report_once(name: str, message: str) -> None:
    """One line per failing formatter (until it is registered again)."""
    key = (name, id(formatters.lookup(name)))
    if key not in _reported:
        _reported.add(key)
        gdb.write(f"gomap: {message}\n", gdb.STDERR)


# Children past this many entries are built from their bytes, not as lazy values at their
# addresses. GDB 13 keeps every value it creates in a list (all_values) until the command
# ends, and printing a child adds a copy of it there; Value.cast and Value.dereference
# each end with value_free_to_mark, which searches that list from its start. Lazy children
# (cast + dereference) therefore made `print` with `set print elements unlimited` quadratic
# in the entries. gdb.Value(buffer, type) takes no mark; such a child prints the same but
# is not an lvalue (no address). Measured in bench/compare (gdb-print).
LAZY_CHILDREN = 2048


def _value_of(inferior: gdb.Inferior, addr: int, t: Optional[gdb.Type]) -> Any:
    if t is None or t.sizeof == 0:
        return _value_at(addr, t)
    try:
        return gdb.Value(inferior.read_memory(addr, t.sizeof), t)
    except gdb.MemoryError:
        return f"<unreadable {addr:#x}>"


def _value_at(addr: int, t: Optional[gdb.Type]) -> Any:
    if t is None:
        return f"<unknown type at {addr:#x}>"
    # Lazy: GDB reads the bytes only when it prints this child.
    return gdb.Value(addr).cast(t.pointer()).dereference()


class GomapCollection(gdb.printing.PrettyPrinter):
    """The named collection users can list and disable (`disable pretty-printer .* gomap`)."""

    def __init__(self) -> None:
        super().__init__(COLLECTION, [gdb.printing.SubPrettyPrinter("map"),
                                      gdb.printing.SubPrettyPrinter("formatters")])

    def __call__(self, val: gdb.Value) -> Any:
        if not self.enabled:
            return None
        if self.subprinters[1].enabled and formatters._any():
            printer = self._formatted(val)
            if printer is not None:
                return printer
        if not self.subprinters[0].enabled:
            return None
        t = val.type
        if t.code != gdb.TYPE_CODE_TYPEDEF:
            return None
        named = None
        if not (t.name or "").startswith("map["):
            # A named map type (type Routes map[string]int) prints as its name.
            try:
                mt = tgt.named_map_type(t)
            except gdb.error:
                return None
            if mt is None:
                return None
            named, t = t.name, mt
        try:
            info = tgt.model().map_info(t)
        except gdb.error:
            return None
        if info is None:
            return None
        return MapPrinter(val, info, named)

    @staticmethod
    def _formatted(val: gdb.Value) -> Optional[FormattedPrinter]:
        try:
            name = tgt.go_name(val.type)
        except gdb.error:
            return None
        if formatters.lookup(name) is None or val.address is None:
            return None  # a value with no address (a register) prints as GDB does
        return FormattedPrinter(val, name)


_PRINTER = GomapCollection()


def _register_objfile(objfile: gdb.Objfile) -> None:
    # Objfile printers are consulted before progspace and global ones. Go's
    # runtime-gdb.py, auto-loaded per objfile, *replaces* the objfile's list
    # (`pretty_printers = []`) and then appends its matchers: ours must be put
    # back in front after it ran, whichever was loaded first.
    printers = objfile.pretty_printers
    if printers and printers[0] is _PRINTER:
        return
    gdb.printing.register_pretty_printer(objfile, _PRINTER, replace=True)


def ensure_first() -> None:
    """Puts the gomap collection first in every objfile's printer list."""
    for objfile in gdb.objfiles():
        if objfile.is_valid():
            _register_objfile(objfile)


def _under_mi() -> bool:
    """gdb --interpreter=mi* (an IDE): GDB's event loop runs from the start."""
    try:
        with open("/proc/self/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return any(a.startswith((b"--interpreter=mi", b"-interpreter=mi", b"-i=mi")) for a in args)


_MI = _under_mi()


def _on_new_objfile(event: Any) -> None:
    tgt.reset_models()
    _register_objfile(event.new_objfile)
    # Auto-loaded scripts (Go's runtime-gdb.py) run after this event: register() checks
    # again before each prompt, at each stop and for each new thread. MI emits no
    # before_prompt, so there an event is posted, which its event loop runs. Nowhere else:
    # when the loop does not run before GDB exits (-batch, `-ex quit`), GDB 13 crashes at
    # exit destroying the pending event (SIGSEGV in PyGILState_Ensure, Python finalized).
    if _MI:
        gdb.post_event(ensure_first)


def _ensure_first_event(_: Any) -> None:
    ensure_first()


def register() -> None:
    global _details
    if _details is None:
        _details = PrintDetails()
    ensure_first()
    gdb.events.new_objfile.connect(_on_new_objfile)
    gdb.events.clear_objfiles.connect(tgt.reset_models)
    gdb.events.before_prompt.connect(ensure_first)  # not emitted under MI
    gdb.events.stop.connect(_ensure_first_event)
    gdb.events.new_thread.connect(_ensure_first_event)
