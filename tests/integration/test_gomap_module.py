"""The _gomap extension module on its own (no debugger): types built by hand, layouts from the
built-in tables, nil and unreadable maps, a read callable that fails, the one-line errors."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build" / "pretty_printers"))
_gomap = pytest.importorskip("_gomap", reason="build/pretty_printers/_gomap not built "
                                               "(scripts/setup)")
K = _gomap.Kind

def _map_string_int(table: "_gomap.TypeTable") -> "_gomap.Type":
    s = table.new(K.String, "string", 16, 8)
    i = table.new(K.Int, "int", 8, 8)
    m = table.new(K.Map, "map[string]int", 8, 8)
    m.key, m.elem = s, i
    return m

def test_builtin_layouts_follow_the_version() -> None:
    table = _gomap.TypeTable()
    m = _map_string_int(table)
    none = lambda addr, n: b""  # noqa: E731
    assert _gomap.Session(table, none, "go1.19.8").layout(m, True) == {
        "impl": "classic", "source": "builtin"}
    assert _gomap.Session(table, none, "go1.26.1").layout(m, True)["impl"] == "swiss"
    assert _gomap.Session(table, none, "go1.24.3 X:noswissmap").layout(m, True)["impl"] == \
        "classic"
    with pytest.raises(_gomap.GomapError, match="no layout for map\\[string\\]int"):
        _gomap.Session(table, none, "").layout(m, True)

def test_nil_map_renders_like_the_plugin() -> None:
    table = _gomap.TypeTable()
    m = _map_string_int(table)
    h = _gomap.Session(table, lambda a, n: b"", "go1.26.1").open_map(m, 0)
    assert (h.address, h.len) == (0, 0)
    doc = json.loads(h.show_json(0, _gomap.ALL))
    assert doc["schema"] == "gomap/1"
    assert doc["map"]["address"] == "0x0" and doc["map"]["entries"] == []
    assert list(h.entries()) == []

@pytest.mark.parametrize("read", [lambda a, n: b"", lambda a, n: 1 / 0, lambda a, n: None,
                                  lambda a, n: b"\x01"])
def test_unreadable_header_is_one_line(read) -> None:
    table = _gomap.TypeTable()
    m = _map_string_int(table)
    s = _gomap.Session(table, read, "go1.19.8")
    with pytest.raises(_gomap.GomapError) as e:
        s.open_map(m, 0x10, True)
    assert str(e.value).startswith("cannot read a map[string]int header at 0x10")
    assert "\n" not in str(e.value)

def test_small_classic_map_from_bytes() -> None:
    """One bucket of map[int64]int64 (go1.19 hmap) holding {7: -7}."""
    table = _gomap.TypeTable()
    i64 = table.new(K.Int64, "int64", 8, 8)
    m = table.new(K.Map, "map[int64]int64", 8, 8)
    m.key, m.elem = i64, i64
    hdr, bucket = 0x1000, 0x2000
    mem = {hdr: (1).to_bytes(8, "little") + bytes(8) + bucket.to_bytes(8, "little") +
           bytes(24)}
    tophash = bytes([0x80]) + bytes(7)
    keys = (7).to_bytes(8, "little") + bytes(56)
    vals = (-7).to_bytes(8, "little", signed=True) + bytes(56)
    mem[bucket] = tophash + keys + vals + bytes(8)

    def read(addr: int, n: int) -> bytes:
        for base, data in mem.items():
            if base <= addr < base + len(data):
                return data[addr - base:addr - base + n]
        return b""

    h = _gomap.Session(table, read, "go1.19.8").open_map(m, hdr, True)
    assert (h.len, h.impl, h.layout_source) == (1, "classic", "builtin")
    assert list(h.entries()) == [(bucket + 8, bucket + 8 + 64)]
    doc = json.loads(h.show_json(0, _gomap.ALL))["map"]
    assert doc["entries"] == [{"key": 7, "value": -7}]
    assert json.loads(h.header_json())["header"]["fields"]["count"] == 1
