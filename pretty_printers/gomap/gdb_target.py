"""GDB adapter for the core: Go types from gdb.Type, target memory, Go version, sessions."""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Optional

import _gomap
import gdb

from gomap import formatters

K = _gomap.Kind
MAX_TYPE_DEPTH = 64
PAGE = 4096

_INT_KINDS = {
    "int": K.Int, "int8": K.Int8, "int16": K.Int16, "int32": K.Int32, "int64": K.Int64,
    "uint": K.Uint, "uint8": K.Uint8, "uint16": K.Uint16, "uint32": K.Uint32,
    "uint64": K.Uint64, "uintptr": K.Uintptr, "byte": K.Uint8, "rune": K.Int32,
}
_SIGNED_BY_SIZE = {1: K.Int8, 2: K.Int16, 4: K.Int32, 8: K.Int64}
_UNSIGNED_BY_SIZE = {1: K.Uint8, 2: K.Uint16, 4: K.Uint32, 8: K.Uint64}


def go_name(t: gdb.Type) -> str:
    """The Go spelling of a type ("*main.T", not GDB's C-style "main.T *")."""
    if t.code == gdb.TYPE_CODE_PTR and not t.name:
        target = t.target()
        if target.code == gdb.TYPE_CODE_VOID:
            return "unsafe.Pointer"
        return "*" + go_name(target)
    return t.name or str(t)


def split_map_name(name: str) -> Optional[tuple[str, str]]:
    """("K", "V") of "map[K]V" (brackets nest: map[[2]int]map[string]int)."""
    if not name.startswith("map["):
        return None
    depth = 0
    for i in range(3, len(name)):
        c = name[i]
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return name[4:i], name[i + 1:]
    return None


def field(t: gdb.Type, name: str) -> Optional[gdb.Field]:
    t = t.strip_typedefs()
    if t.code != gdb.TYPE_CODE_STRUCT:
        return None
    for f in t.fields():
        if f.name == name:
            return f
    return None


def map_header_type(t: gdb.Type) -> Optional[gdb.Type]:
    """hash<K,V> / map<K,V> of a Go map typedef, else None."""
    if t.code != gdb.TYPE_CODE_TYPEDEF or not (t.name or "").startswith("map["):
        return None
    p = t.strip_typedefs()
    if p.code != gdb.TYPE_CODE_PTR:
        return None
    h = p.target().strip_typedefs()
    if h.code != gdb.TYPE_CODE_STRUCT:
        return None
    if field(h, "buckets") is None and field(h, "dirPtr") is None:
        return None
    return h


def named_map_type(t: gdb.Type) -> Optional[gdb.Type]:
    """The map[K]V typedef under a named map type (type Routes map[string]int: Go's DWARF
    makes main.Routes a typedef of the header pointer itself), else None."""
    if t.code != gdb.TYPE_CODE_TYPEDEF or (t.name or "").startswith("map["):
        return None
    p = t.strip_typedefs()
    if p.code != gdb.TYPE_CODE_PTR:
        return None
    m = re.match(r"^(?:hash|map)<(.*)>$", p.target().strip_typedefs().name or "")
    if m is None:
        return None
    depth, inner = 0, m.group(1)
    for i, c in enumerate(inner):  # the comma between K and V, outside brackets
        depth += c in "<[({"
        depth -= c in ">])}"
        if c == "," and depth == 0:
            try:
                mt = gdb.lookup_type(f"map[{inner[:i]}]{inner[i + 1:]}")
            except gdb.error:
                return None
            return mt if map_header_type(mt) is not None else None
    return None


def _deref(t: Optional[gdb.Type]) -> Optional[gdb.Type]:
    if t is None:
        return None
    t = t.strip_typedefs()
    return t.target() if t.code == gdb.TYPE_CODE_PTR else None


def _array_elem(t: Optional[gdb.Type]) -> Optional[gdb.Type]:
    if t is None:
        return None
    t = t.strip_typedefs()
    return t.target() if t.code == gdb.TYPE_CODE_ARRAY else None


def map_slot_types(hdr: gdb.Type) -> tuple[Optional[gdb.Type], Optional[gdb.Type]]:
    """The key and elem slot types of a map's bucket (classic) or group (swiss)."""
    b = field(hdr, "buckets")
    if b is not None:
        bucket = _deref(b.type)
        if bucket is None:
            return None, None
        keys, vals = field(bucket, "keys"), field(bucket, "values") or field(bucket, "elems")
        return (_array_elem(keys.type) if keys else None,
                _array_elem(vals.type) if vals else None)
    d = field(hdr, "dirPtr")
    table = _deref(_deref(d.type)) if d is not None else None
    groups = field(table, "groups") if table is not None else None
    data = field(groups.type, "data") if groups is not None else None
    group = _deref(data.type) if data is not None else None
    if group is None:
        return None, None
    slots = field(group, "slots")
    if slots is not None:
        slot = _array_elem(slots.type)
        k, e = (field(slot, "key"), field(slot, "elem")) if slot is not None else (None, None)
        return (k.type if k else None, e.type if e else None)
    ks, es = field(group, "keys"), field(group, "elems")  # go1.27 mapsplitgroup
    return (_array_elem(ks.type) if ks else None, _array_elem(es.type) if es else None)


def logical_type(slot: Optional[gdb.Type], want: str) -> Optional[gdb.Type]:
    """K from a slot type that holds K, or *K for indirect slots (K > 128 bytes)."""
    if slot is None:
        return None
    if go_name(slot) == want:
        return slot
    s = slot.strip_typedefs()
    if s.code == gdb.TYPE_CODE_PTR and go_name(s.target()) == want:
        return s.target()
    return slot


@dataclasses.dataclass
class MapInfo:
    """What a printer needs about one Go map type."""

    gtype: "_gomap.Type"
    key: Optional[gdb.Type]
    elem: Optional[gdb.Type]


class TypeModel:
    """Converts gdb.Type to the core's Type model; one per program space, cached."""

    def __init__(self) -> None:
        self.table = _gomap.TypeTable()
        self._cache: dict[tuple[int, str, int], _gomap.Type] = {}
        self._maps: dict[str, MapInfo] = {}
        self._pending: list[tuple[_gomap.Type, _gomap.Type]] = []
        self._depth = 0

    def map_info(self, t: gdb.Type) -> Optional[MapInfo]:
        """MapInfo of a Go map typedef, else None."""
        name = t.name or ""
        info = self._maps.get(name)
        if info is not None:
            return info
        hdr = map_header_type(t)
        if hdr is None:
            return None
        gt = self.convert(t)
        kn, vn = split_map_name(name) or ("", "")
        ks, es = map_slot_types(hdr)
        info = MapInfo(gt, logical_type(ks, kn), logical_type(es, vn))
        self._maps[name] = info
        return info

    def convert(self, t: gdb.Type) -> _gomap.Type:
        key = (int(t.code), go_name(t), t.sizeof if t.code != gdb.TYPE_CODE_VOID else 0)
        got = self._cache.get(key)
        if got is not None:
            return got
        self._depth += 1
        try:
            out = self._convert(t, key)
        finally:
            self._depth -= 1
        if self._depth == 0:
            # Named types copy their underlying type once every part is complete
            # (recursive types reach a named type while it is being converted).
            for named, under in self._pending:
                named.copy_from(under)
            self._pending.clear()
        return out

    def _new(self, key: tuple[int, str, int], kind: Any, name: str, size: int,
             align: int) -> _gomap.Type:
        nt = self.table.new(kind, name, size, align)
        self._cache[key] = nt
        return nt

    def _convert(self, t: gdb.Type, key: tuple[int, str, int]) -> _gomap.Type:
        code, name = t.code, go_name(t)
        if self._depth > MAX_TYPE_DEPTH:
            return self._new(key, K.Invalid, name, 0, 1)
        if code == gdb.TYPE_CODE_TYPEDEF:
            return self._typedef(t, key, name)
        if code == gdb.TYPE_CODE_PTR:
            target = t.target()
            if target.code == gdb.TYPE_CODE_VOID:
                return self._new(key, K.UnsafePointer, "unsafe.Pointer", 8, 8)
            if target.strip_typedefs().code == gdb.TYPE_CODE_FUNC:
                return self._new(key, K.Func, name, 8, 8)
            p = self._new(key, K.Pointer, name, 8, 8)
            p.elem = self.convert(target)
            return p
        if code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR):
            kind = _INT_KINDS.get(name)
            if kind is None:
                signed = getattr(t, "is_signed", code == gdb.TYPE_CODE_INT)
                kind = (_SIGNED_BY_SIZE if signed else _UNSIGNED_BY_SIZE).get(t.sizeof, K.Int64)
            return self._new(key, kind, name, t.sizeof, max(1, min(t.sizeof, 8)))
        if code == gdb.TYPE_CODE_BOOL:
            return self._new(key, K.Bool, name, t.sizeof, 1)
        if code == gdb.TYPE_CODE_FLT:
            return self._new(key, K.Float32 if t.sizeof == 4 else K.Float64, name, t.sizeof,
                             t.sizeof)
        if code == gdb.TYPE_CODE_COMPLEX:
            c64 = t.sizeof == 8
            return self._new(key, K.Complex64 if c64 else K.Complex128, name, t.sizeof,
                             4 if c64 else 8)
        if code == gdb.TYPE_CODE_FUNC:
            return self._new(key, K.Func, name, 8, 8)
        if code == gdb.TYPE_CODE_ARRAY:
            lo, hi = t.range()
            a = self._new(key, K.Array, name, t.sizeof, 1)
            a.len = max(0, hi - lo + 1)
            a.elem = self.convert(t.target())
            a.align = a.elem.align
            return a
        if code == gdb.TYPE_CODE_STRUCT:
            return self._struct(t, key, name)
        return self._new(key, K.Invalid, name, t.sizeof, 1)

    def _struct(self, t: gdb.Type, key: tuple[int, str, int], name: str) -> _gomap.Type:
        fields = t.fields()
        names = [f.name for f in fields]
        if name == "string" and names == ["str", "len"]:
            return self._new(key, K.String, name, 16, 8)
        if name.startswith("[]") and names[:3] == ["array", "len", "cap"]:
            s = self._new(key, K.Slice, name, 24, 8)
            self._fields(s, fields)
            s.align = 8
            s.elem = self.convert(fields[0].type.strip_typedefs().target())
            return s
        s = self._new(key, K.Struct, name, t.sizeof, 1)
        self._fields(s, fields)
        return s

    def _fields(self, s: _gomap.Type, fields: list[gdb.Field]) -> None:
        align = 1
        for f in fields:
            ft = self.convert(f.type)
            align = max(align, ft.align)
            s.add_field(f.name or "", f.bitpos // 8, ft, bool(getattr(f, "is_base_class", False)))
        s.align = align

    def _typedef(self, t: gdb.Type, key: tuple[int, str, int], name: str) -> _gomap.Type:
        if name.startswith("map["):
            m = self._new(key, K.Map, name, 8, 8)
            hdr = map_header_type(t)
            if hdr is not None:
                m.map_header = self.convert(hdr)
                kn, vn = split_map_name(name) or ("", "")
                ks, es = map_slot_types(hdr)
                kt, et = logical_type(ks, kn), logical_type(es, vn)
                m.key = self.convert(kt) if kt is not None else None
                m.elem = self.convert(et) if et is not None else None
            return m
        if name.startswith(("chan ", "chan<-", "<-chan")):
            return self._new(key, K.Chan, name, 8, 8)
        if name.startswith("func("):
            return self._new(key, K.Func, name, 8, 8)
        under = t.strip_typedefs()
        if under.code == gdb.TYPE_CODE_STRUCT:
            names = [f.name for f in under.fields()]
            if names in (["_type", "data"], ["tab", "data"]) and (
                    name.startswith("interface") or under.name in ("runtime.eface",
                                                                   "runtime.iface")
                    or "." in name):
                i = self._new(key, K.Interface, name, 16, 8)
                self._fields(i, under.fields())
                i.align = 8
                i.nonempty_iface = names[0] == "tab"
                return i
        # A Go named type: its underlying type under this name.
        named = self._new(key, K.Invalid, name, t.sizeof, 1)
        u = self.convert(t.target())
        named.copy_from(u)
        self._pending.append((named, u))
        return named


_models: dict[int, TypeModel] = {}


def model() -> TypeModel:
    """The TypeModel of the current program space."""
    ps = gdb.current_progspace()
    key = id(ps)
    m = _models.get(key)
    if m is None:
        m = _models[key] = TypeModel()
    return m


def reset_models(*_: Any) -> None:
    """Forget converted types (a new executable was loaded)."""
    _models.clear()


def read_memory(addr: int, n: int) -> bytes:
    """read(addr, n) for the core: short bytes where memory ends being readable."""
    inf = gdb.selected_inferior()
    try:
        return bytes(inf.read_memory(addr, n))
    except (gdb.MemoryError, gdb.error, ValueError, OverflowError):
        pass
    out = bytearray()
    # Page by page up to the first unreadable page; at most n/PAGE+1 reads.
    pos, end = addr, addr + n
    while pos < end:
        step = min(end - pos, PAGE - (pos % PAGE))
        try:
            out += bytes(inf.read_memory(pos, step))
        except (gdb.MemoryError, gdb.error, ValueError, OverflowError):
            break
        pos += step
    return bytes(out)


def _read_go_string(addr: int, max_len: int = 256) -> Optional[str]:
    hdr = read_memory(addr, 16)
    if len(hdr) != 16:
        return None
    ptr, n = int.from_bytes(hdr[:8], "little"), int.from_bytes(hdr[8:], "little")
    if n > max_len:
        return None
    data = read_memory(ptr, n)
    return data.decode("utf-8", "replace") if len(data) == n else None


def global_address(name: str) -> Optional[int]:
    """Static address of a package-level variable ("runtime.buildVersion")."""
    try:
        sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
        if sym is None:
            return None
        return int(sym.value().address)
    except (gdb.error, RuntimeError, TypeError):
        return None


def go_version() -> tuple[str, str]:
    """(version text, where it came from); ("", "") when unknown."""
    addr = global_address("runtime.buildVersion")
    if addr is not None:
        text = _read_go_string(addr)
        if text:
            return text, "runtime.buildVersion"
    return "", ""


class DynamicTypes:
    """Interface dynamic types: runtime type descriptor -> core Type, by the descriptor's
    name (abi.Type.Str, a nameOff from moduledata.types; go1.19-go1.27 layout)."""

    TFLAG_EXTRA_STAR = 2
    STR_OFF = 40  # abi.Type: Size_, PtrBytes, Hash, TFlag, Align_, FieldAlign_, Kind_,
    TFLAG_OFF = 20  # Equal, GCData, Str (int32), PtrToThis

    def __init__(self, tm: TypeModel) -> None:
        self.tm = tm
        self.base: Optional[int] = None
        try:
            sym = gdb.lookup_global_symbol("runtime.firstmoduledata")
            if sym is not None:
                self.base = int(sym.value()["types"])
        except (gdb.error, gdb.MemoryError, RuntimeError):
            self.base = None

    def name_of(self, descriptor: int) -> Optional[str]:
        if not self.base:
            return None
        raw = read_memory(descriptor, 48)
        if len(raw) != 48:
            return None
        tflag = raw[self.TFLAG_OFF]
        off = int.from_bytes(raw[self.STR_OFF:self.STR_OFF + 4], "little", signed=True)
        hdr = read_memory(self.base + off, 11)
        if len(hdr) < 2:
            return None
        n, shift, i = 0, 0, 1
        while i < len(hdr):  # uvarint length after the flag byte (go1.17+)
            b = hdr[i]
            n |= (b & 0x7F) << shift
            shift += 7
            i += 1
            if b < 0x80:
                break
        if n > 4096:
            return None
        data = read_memory(self.base + off + i, n)
        if len(data) != n:
            return None
        name = data.decode("utf-8", "replace")
        if tflag & self.TFLAG_EXTRA_STAR and name.startswith("*"):
            name = name[1:]
        return name

    def __call__(self, descriptor: int) -> Optional[_gomap.Type]:
        name = self.name_of(descriptor)
        if not name:
            return None
        t = lookup_go_type(name)
        return self.tm.convert(t) if t is not None else None


def lookup_go_type(name: str) -> Optional[gdb.Type]:
    """A gdb.Type by its Go name, including "*T" and "[]T"."""
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        pass
    if name.startswith("*"):
        t = lookup_go_type(name[1:])
        return t.pointer() if t is not None else None
    try:
        return gdb.lookup_type("struct " + name)
    except gdb.error:
        return None


def new_session(tm: Optional[TypeModel] = None) -> _gomap.Session:
    tm = tm or model()
    version, _ = go_version()
    return _gomap.Session(tm.table, read_memory, version, DynamicTypes(tm), formatters)
