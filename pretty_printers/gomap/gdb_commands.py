"""The `gomap` GDB commands (show, header, version): same options, text and JSON as the LLDB
plugin (docs/commands.md); EXPR is evaluated by GDB, everything else by the core."""
from __future__ import annotations

import dataclasses
import json
import re
import shlex
from typing import Any, Optional

import _gomap
import gdb

from gomap import gdb_printers
from gomap import gdb_target as tgt


@dataclasses.dataclass(frozen=True)
class Opt:
    long: str
    short: str = ""
    value: bool = False
    help: str = ""


JSON = Opt("json", help="print one JSON document (schema gomap/1)")
TYPE = Opt("type", "t", True, "Go map type of an 0xADDR expression, e.g. 'map[string]int'")
BUILTIN = Opt("builtin-layout", help="use the built-in layout tables instead of the "
                                     "binary's DWARF")
GOROUTINE = Opt("goroutine", "g", True, "goroutine id (not implemented yet)")
FRAME = Opt("frame", "f", True, "frame index (not implemented yet)")
DEPTH = Opt("depth", "d", True, "pointer levels to follow to the pointee (default 1; 0 "
                                "with --json)")
MAX_DEREF = 8
_IDENT_PATH = re.compile(r"^[\w/.-]+$")


class UsageError(Exception):
    """A one-line error for the user."""


def parse_args(argv: list[str], spec: list[Opt]) -> tuple[list[str], dict[str, str]]:
    """Positional arguments and options, as plugin/args.cpp ParseArgs does."""
    positional: list[str] = []
    options: dict[str, str] = {}
    only_positional = False
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if only_positional or len(a) < 2 or a[0] != "-" or a[1].isdigit():
            positional.append(a)
            continue
        if a == "--":
            only_positional = True
            continue
        match: Optional[Opt] = None
        value, inline = "", False
        if a[1] == "-":
            name = a[2:]
            if "=" in name:
                name, value = name.split("=", 1)
                inline = True
            match = next((s for s in spec if s.long == name), None)
        elif len(a) == 2:
            match = next((s for s in spec if s.short and s.short == a[1]), None)
        if match is None:
            raise UsageError(f"unknown option '{a}'")
        if match.value and not inline:
            if i >= len(argv):
                raise UsageError(f"option '--{match.long}' needs a value")
            value = argv[i]
            i += 1
        elif not match.value and inline:
            raise UsageError(f"option '--{match.long}' takes no value")
        options[match.long] = value
    return positional, options


def parse_uint(text: str) -> Optional[int]:
    """A non-negative decimal or 0x hex number, as plugin/args.cpp ParseUint ("0" included)."""
    hexa = text.lower().startswith("0x")
    digits = text[2:] if hexa else text
    if not digits or not digits.isalnum():  # no signs, spaces or underscores
        return None
    try:
        v = int(digits, 16 if hexa else 10)
    except ValueError:
        return None
    return v if v < 2**64 else None


def uint_option(options: dict[str, str], name: str, default: int) -> int:
    if name not in options:
        return default
    v = parse_uint(options[name])
    if v is None:
        raise UsageError(f"--{name} takes a number")
    return v


# --- EXPR -----------------------------------------------------------------------------


def _deref_all(v: gdb.Value, path: str) -> gdb.Value:
    """Follows pointers (at most MAX_DEREF) so that a field can be taken."""
    for _ in range(MAX_DEREF):
        t = v.type.strip_typedefs()
        if t.code != gdb.TYPE_CODE_PTR:
            break
        try:
            p = int(v)
        except gdb.MemoryError:
            raise UsageError(f"cannot read {path} at {_addr_text(v)}") from None
        if p == 0:
            raise UsageError(f"{path} is nil")
        v = v.dereference()
    return v


def _addr_text(v: gdb.Value) -> str:
    return hex(int(v.address)) if v.address is not None else "?"


def _global_value(name: str) -> Optional[gdb.Value]:
    try:
        sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    except gdb.error:
        return None
    if sym is None or not sym.is_variable:
        return None
    return sym.value()


def _local_value(name: str) -> Optional[gdb.Value]:
    try:
        frame = gdb.selected_frame()
        sym, _ = gdb.lookup_symbol(name, frame.block())
    except (gdb.error, RuntimeError):
        return None
    if sym is None or not (sym.is_variable or sym.is_argument):
        return None
    try:
        return sym.value(frame)
    except gdb.error:
        return None


def resolve_value(expr: str) -> tuple[gdb.Value, str]:
    """EXPR as a gdb.Value: a local or argument of the selected frame, the longest dotted
    prefix naming a package-level variable ("main.cfg", "example.com/p.V", "cfg" = main.cfg)
    then fields with automatic dereference; else GDB's own expression evaluation."""
    parts = expr.split(".")
    value: Optional[gdb.Value] = None
    path, used = "", 0
    if all(parts):
        local = _local_value(parts[0])
        if local is not None:
            value, path, used = local, parts[0], 1
        for n in range(len(parts), 0, -1):
            if value is not None:
                break
            name = ".".join(parts[:n])
            value = _global_value(name)
            if value is None and n == 1:
                value, name = _global_value("main." + name), "main." + name
            if value is not None:
                path, used = name, n
    if value is None:
        if _IDENT_PATH.match(expr):
            # Not handed to GDB: in GDB 13 with Go's runtime-gdb.py loaded, evaluating an
            # unknown `pkg.name` after symbol lookups can crash GDB (SIGSEGV).
            raise UsageError(f"no variable named '{expr}' (package-level variables need "
                             f"their package, e.g. main.cache)")
        try:
            return gdb.parse_and_eval(expr), expr
        except gdb.error:
            raise UsageError(f"no variable named '{expr}' (package-level variables need "
                             f"their package, e.g. main.cache)") from None
    for part in parts[used:]:
        value = _deref_all(value, path)
        t = value.type.strip_typedefs()
        if tgt.field(t, part) is None:
            raise UsageError(f"{path} ({tgt.go_name(value.type)}) has no field '{part}'")
        value = value[part]
        path += "." + part
    return value, path


def resolve_map(expr: str, type_name: str, builtin: bool,
                session: "_gomap.Session") -> "_gomap.Map":
    tm = tgt.model()
    if expr.lower().startswith("0x") and parse_uint(expr) is not None:
        if not type_name:
            raise UsageError("an address needs --type 'map[K]V'")
        t = tgt.lookup_go_type(type_name)
        if t is None:
            raise UsageError(f"no type named '{type_name}' in {_exe()}'s DWARF")
        info = tm.map_info(t)
        if info is None:
            raise UsageError(f"'{type_name}' is not a map type")
        return session.open_map(info.gtype, parse_uint(expr), builtin)
    if type_name:
        raise UsageError("--type goes with an address (0x...), not with a variable")
    value, path = resolve_value(expr)
    info = tm.map_info(value.type)
    if info is None:
        raise UsageError(f"{path} is a {tgt.go_name(value.type)}, not a map")
    try:
        addr = int(value)
    except gdb.MemoryError:
        raise UsageError(f"cannot read {path} at {_addr_text(value)}") from None
    return session.open_map(info.gtype, addr, builtin)


def _value_type(expr: str) -> Optional[gdb.Type]:
    """The type EXPR resolves to, or None when it does not resolve."""
    try:
        value, _ = resolve_value(expr)
    except (UsageError, gdb.error, RuntimeError):
        return None
    return value.type


def _is_indexable(t: gdb.Type) -> bool:
    """Arrays and slices (Go's slices are structs named []T in GDB)."""
    for _ in range(MAX_DEREF):
        s = t.strip_typedefs()
        if s.code != gdb.TYPE_CODE_PTR:
            break
        t = s.target()
    s = t.strip_typedefs()
    return s.code == gdb.TYPE_CODE_ARRAY or tgt.go_name(t).startswith("[]")


def _names(tm: "tgt.TypeModel") -> Any:
    """name -> core Type for interface keys written as main.P{1, 2}."""
    def lookup(name: str) -> Optional["_gomap.Type"]:
        t = tgt.lookup_go_type(name)
        return tm.convert(t) if t is not None else None
    return lookup


def lookup_key(expr: str, split: tuple[str, str, str], options: dict[str, str],
               session: "_gomap.Session", depth: int) -> Optional[str]:
    """`gomap show 'EXPR[KEY]'` when EXPR is a map; None when EXPR is an array or slice
    (then EXPR[KEY] is indexing, resolved as before)."""
    status, prefix, key = split
    try:
        m = resolve_map(prefix, options.get("type", ""), "builtin-layout" in options, session)
    except UsageError:
        t = _value_type(prefix)
        if t is None or tgt.model().map_info(t) is not None:
            raise
        if _is_indexable(t):
            if status != "ok" or parse_uint(key) is None:
                raise UsageError(f"{prefix} is a {tgt.go_name(t)}: its index must be a "
                                 f"non-negative integer, not {key}") from None
            return None
        raise UsageError(f"{prefix} is a {tgt.go_name(t)}, not a map: [{key}] looks a key up "
                         f"in a map (arrays and slices take an integer index)") from None
    try:
        return m.lookup(key, expr, "json" in options, depth, status == "ok",
                        _names(tgt.model()))
    except _gomap.GomapError as e:
        msg = str(e)
        word = re.match(r"[A-Za-z_]", key) and key not in ("true", "false", "nil")
        if "is not a string" in msg and word:
            msg += (f"; GDB drops unquoted double quotes: quote the whole EXPR, e.g. "
                    f"gomap show '{prefix}[\"{key}\"]'")
        raise UsageError(msg) from None


def _exe() -> str:
    return gdb.current_progspace().filename or "the program"


# --- commands -------------------------------------------------------------------------


def _target_session() -> "_gomap.Session":
    """A session on the current inferior; refuses a target that is not a usable Go one."""
    if gdb.current_progspace().filename is None:
        raise UsageError("no target; load the program with 'file BINARY'")
    version, _ = tgt.go_version()
    if not version:
        raise UsageError(f"cannot tell the Go version of {_exe()}")
    session = tgt.new_session()
    if session.unsupported:
        raise UsageError(f"{session.unsupported} ({_exe()} was built with {version})")
    return session


class Subcommand(gdb.Command):
    """Option parsing and the one catch-all boundary of every `gomap` subcommand."""

    name = ""
    spec: list[Opt] = []
    min_args = max_args = 0

    def __init__(self) -> None:
        super().__init__(f"gomap {self.name}", gdb.COMMAND_DATA)

    def invoke(self, arg: str, from_tty: bool) -> None:
        gdb_printers.ensure_first()
        try:
            positional, options = parse_args(self.split(arg), self.spec)
            if len(positional) < self.min_args:
                raise UsageError("missing EXPR (a variable such as main.cache, or 0xADDR "
                                 "--type 'map[K]V')")
            if len(positional) > self.max_args:
                raise UsageError(f"unexpected argument '{positional[self.max_args]}'")
            if "goroutine" in options or "frame" in options:
                raise UsageError("goroutine/frame selection (-g/-f) is not implemented yet; "
                                 "name a package-level variable or an address")
            out = self.run(positional, options)
        except (UsageError, _gomap.GomapError) as e:
            raise gdb.GdbError(f"gomap {self.name}: {e}") from None
        except gdb.GdbError:
            raise
        except (gdb.error, RuntimeError, ValueError, KeyError, TypeError) as e:
            # One line, never a traceback into the user's session.
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise gdb.GdbError(f"gomap {self.name}: internal error: {msg}") from None
        if out is not None:  # None: the command wrote its output itself
            gdb.write(out if out.endswith("\n") else out + "\n")

    def split(self, arg: str) -> list[str]:
        """The command line as words, as GDB splits it."""
        return gdb.string_to_argv(arg)

    def run(self, positional: list[str], options: dict[str, str]) -> str:
        raise NotImplementedError


class ShowCommand(Subcommand):
    """gomap show EXPR [--limit N] [--offset K] [--all] [--json]: a map's entries."""

    name = "show"
    spec = [JSON, TYPE, Opt("limit", "n", True, "entries to show (default 64)"),
            Opt("offset", "", True, "entries to skip first"),
            Opt("all", "a", False, "show every entry"), DEPTH,
            Opt("output", "o", True, "write the map to FILE as it is rendered"),
            BUILTIN, GOROUTINE, FRAME]
    min_args = 1
    # An unquoted EXPR[KEY] with spaces arrives in pieces: m[main.P{X: 1, Y: 2}].
    max_args = 64

    def split(self, arg: str) -> list[str]:
        """Shell words: inside '…' every character is literal, so a key's Go escapes survive
        (gdb.string_to_argv would eat the backslash of m["a\\nb"] even inside quotes)."""
        try:
            return shlex.split(arg)
        except ValueError:  # an unbalanced quote: GDB's own splitting, as before
            return gdb.string_to_argv(arg)

    def run(self, positional: list[str], options: dict[str, str]) -> str | None:
        if len(positional) > 1:
            if _gomap.split_index(positional[0])[0] != "unterminated":
                raise UsageError(f"unexpected argument '{positional[1]}'")
            positional = [" ".join(positional)]
        limit = uint_option(options, "limit", 64)
        offset = uint_option(options, "offset", 0)
        depth = min(uint_option(options, "depth", 0), 64) if "depth" in options else -1
        if "all" in options:
            limit = _gomap.ALL
        session = _target_session()
        split = _gomap.split_index(positional[0])
        if split[0] != "none":
            out = lookup_key(positional[0], split, options, session, depth)
            if out is not None:
                return out
        m = resolve_map(positional[0], options.get("type", ""), "builtin-layout" in options,
                        session)
        # Streamed: each chunk goes to GDB (or FILE) as it is rendered, never the whole
        # map as one string.
        if "output" in options:
            try:
                with open(options["output"], "w", encoding="utf-8") as f:
                    m.show_stream(f.write, "json" in options, offset, limit, depth)
            except OSError as e:
                raise UsageError(f"cannot write {options['output']}: {e.strerror}") from None
            return None
        m.show_stream(gdb.write, "json" in options, offset, limit, depth)
        return None


class HeaderCommand(Subcommand):
    """gomap header EXPR [--json]: every header field, flags, implementation, layout source."""

    name = "header"
    spec = [JSON, TYPE, BUILTIN, GOROUTINE, FRAME]
    min_args = max_args = 1

    def run(self, positional: list[str], options: dict[str, str]) -> str:
        session = _target_session()
        m = resolve_map(positional[0], options.get("type", ""), "builtin-layout" in options,
                        session)
        return m.header_json() if "json" in options else m.header_text()


class VersionCommand(Subcommand):
    """gomap version [--json]: gomap, GDB and target Go versions, map implementation."""

    name = "version"
    spec = [JSON]

    def run(self, positional: list[str], options: dict[str, str]) -> str:
        v: dict[str, Any] = {"plugin": _gomap.VERSION, "debugger": f"GNU gdb {gdb.VERSION}"}
        why = ""
        version, source = tgt.go_version() if gdb.current_progspace().filename else ("", "")
        if version:
            v["go_version"] = version
            v["go_version_source"] = source
            # Structural, as Delve does: which runtime map header type the binary has.
            if tgt.lookup_go_type("internal/runtime/maps.Map") is not None:
                v["impl"] = "swiss"
            elif tgt.lookup_go_type("runtime.hmap") is not None:
                v["impl"] = "classic"
            else:
                v["impl"] = None
        else:
            v["go_version"] = None
            v["impl"] = None
            why = ("no target; load the program with 'file BINARY'"
                   if not gdb.current_progspace().filename
                   else f"cannot tell the Go version of {_exe()}")
            v["target_error"] = why
        if "json" in options:
            return json.dumps({"schema": "gomap/1", "version": v}, indent=2,
                              ensure_ascii=False)
        text = f"gomap-inspector {_gomap.VERSION}\ndebugger: {v['debugger']}\n"
        if v["go_version"]:
            text += (f"target: {v['go_version']} ({v['go_version_source']}), map "
                     f"implementation: {v['impl'] or 'unknown'}\n")
        else:
            text += f"target: {why or 'none'}\n"
        return text


_SECTION_LINE = re.compile(r"^\s*(0x[0-9a-f]+) - (0x[0-9a-f]+) is (\S+)\s*$")


def _sections() -> list[tuple[int, int, str, str]]:
    """The executable's sections as (lo, hi, "code"|"global", name), from `info files`."""
    out = []
    try:
        text = gdb.execute("info files", to_string=True)
    except gdb.error:
        return out
    for line in text.splitlines():
        if " in " in line:  # a shared library's section: not the Go binary
            continue
        m = _SECTION_LINE.match(line)
        if m and m.group(3).startswith("."):
            name = m.group(3)
            out.append((int(m.group(1), 16), int(m.group(2), 16),
                        "code" if name == ".text" else "global", "section " + name))
    return out


def _mheap_address() -> int:
    """&runtime.mheap_ (from DWARF or the symbol table); 0 when the binary has neither."""
    for expr in ("&'runtime.mheap_'", "(long)&'runtime.mheap_'"):
        try:
            return int(gdb.parse_and_eval(expr)) & (2**64 - 1)
        except gdb.error:
            continue
    sym = gdb.lookup_global_symbol("runtime.mheap_")
    return int(sym.value().address) if sym is not None else 0


class PointerCommand(Subcommand):
    """gomap pointer ADDR [--json]: what ADDR is from the Go heap's own records — unmapped,
    code, a global, free heap pages, or a heap object (span, element size, allocated or
    free). GDB reads the heap with the built-in per-release layout table."""

    name = "pointer"
    spec = [JSON]
    min_args = max_args = 1

    def run(self, positional: list[str], options: dict[str, str]) -> str:
        addr = parse_uint(positional[0])
        if addr is None:
            raise UsageError(f"ADDR must be a number (0x... or decimal), not '{positional[0]}'")
        session = _target_session()
        doc = json.loads(session.pointer_json(_mheap_address(), _sections(), addr))
        text = doc["pointer"].pop("text")
        if "json" in options:
            return json.dumps(doc, indent=2, ensure_ascii=False)
        return text


class GomapPrefix(gdb.Command):
    """Go maps: gomap show|header|version (see `help gomap show`)."""

    def __init__(self) -> None:
        super().__init__("gomap", gdb.COMMAND_DATA, prefix=True)


def register() -> None:
    GomapPrefix()
    ShowCommand()
    HeaderCommand()
    PointerCommand()
    VersionCommand()
