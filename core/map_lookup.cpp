// Key look-ups: Go's key equality (runtime/alg.go) over a bounded entry walk,
// and the `gomap show 'm[KEY]'` text and JSON.
#include "map_lookup.h"

#include "value_stream.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace gomap {

namespace {

using ojson = nlohmann::ordered_json;

constexpr uint64_t kWord = 8;
constexpr int kMaxCompareDepth = 32;
constexpr uint64_t kMaxCompareElems = uint64_t(1) << 20;

// Combines the comparison of parts: any NotEqual decides; else the worst of
// Unreadable/UnknownType; else Equal.
class Verdict {
public:
  // false when the whole comparison is decided (a part was NotEqual).
  bool Add(KeyCompare c) {
    if (c == KeyCompare::NotEqual) {
      v_ = c;
      return false;
    }
    if (c != KeyCompare::Equal && v_ == KeyCompare::Equal)
      v_ = c;
    return true;
  }
  KeyCompare get() const { return v_; }

private:
  KeyCompare v_ = KeyCompare::Equal;
};

class Comparer {
public:
  Comparer(MemoryReader &mem, TypeResolver *types) : mem_(mem), types_(types) {}

  KeyCompare Eq(uint64_t addr, const Type *t, const GoLiteral &l, int depth) {
    if (t == nullptr || depth > kMaxCompareDepth)
      return KeyCompare::UnknownType;
    if (l.kind == GoLiteral::Kind::Zero)
      return IsZero(addr, t, depth);
    switch (t->kind) {
    case Kind::Bool: {
      uint8_t b;
      if (!mem_.ReadScalar(addr, &b))
        return KeyCompare::Unreadable;
      return Is((b != 0) == l.b && l.kind == GoLiteral::Kind::Bool);
    }
    case Kind::Int:
    case Kind::Int8:
    case Kind::Int16:
    case Kind::Int32:
    case Kind::Int64: {
      int64_t v;
      if (!ReadSigned(addr, t, &v))
        return KeyCompare::Unreadable;
      return Is(l.kind == GoLiteral::Kind::Int && v == l.i);
    }
    case Kind::Uint:
    case Kind::Uint8:
    case Kind::Uint16:
    case Kind::Uint32:
    case Kind::Uint64:
    case Kind::Uintptr: {
      uint64_t v;
      if (!mem_.ReadUint(addr, ScalarSize(t), &v))
        return KeyCompare::Unreadable;
      return Is(l.kind == GoLiteral::Kind::Uint && v == l.u);
    }
    case Kind::Float32:
    case Kind::Float64: {
      double v;
      if (!ReadFloat(addr, t->kind == Kind::Float32, &v))
        return KeyCompare::Unreadable;
      return Is(l.kind == GoLiteral::Kind::Float && v == l.re); // NaN != NaN, -0 == +0
    }
    case Kind::Complex64:
    case Kind::Complex128: {
      bool is32 = t->kind == Kind::Complex64;
      double re, im;
      if (!ReadFloat(addr, is32, &re) || !ReadFloat(addr + (is32 ? 4 : 8), is32, &im))
        return KeyCompare::Unreadable;
      return Is(l.kind == GoLiteral::Kind::Complex && re == l.re && im == l.im);
    }
    case Kind::String:
      return l.kind == GoLiteral::Kind::String ? StringEq(addr, l.s) : KeyCompare::NotEqual;
    case Kind::Pointer:
    case Kind::Chan:
    case Kind::Func:
    case Kind::UnsafePointer: {
      uint64_t p;
      if (!mem_.ReadPtr(addr, &p))
        return KeyCompare::Unreadable;
      return Is(l.kind == GoLiteral::Kind::Pointer && p == l.u);
    }
    case Kind::Struct: {
      if (l.kind != GoLiteral::Kind::Struct || l.elems.size() != t->fields.size())
        return KeyCompare::NotEqual;
      Verdict v;
      for (size_t f = 0; f < t->fields.size(); ++f) {
        const Field &fd = t->fields[f];
        if (fd.name == "_")
          continue; // blank fields take no part in ==
        if (!v.Add(Eq(addr + fd.offset, fd.type, l.elems[f], depth + 1)))
          break;
      }
      return v.get();
    }
    case Kind::Array: {
      if (l.kind != GoLiteral::Kind::Array || t->elem == nullptr)
        return KeyCompare::NotEqual;
      Verdict v;
      GoLiteral zero;
      zero.type = t->elem;
      uint64_t n = std::min(t->len, kMaxCompareElems);
      for (uint64_t e = 0; e < n; ++e) {
        const GoLiteral &el = e < l.elems.size() ? l.elems[e] : zero;
        if (!v.Add(Eq(addr + e * t->elem->size, t->elem, el, depth + 1)))
          break;
      }
      return v.get();
    }
    case Kind::Interface:
      return IfaceEq(addr, t, l, depth);
    default:
      return KeyCompare::UnknownType;
    }
  }

private:
  static KeyCompare Is(bool eq) { return eq ? KeyCompare::Equal : KeyCompare::NotEqual; }

  bool ReadSigned(uint64_t addr, const Type *t, int64_t *v) {
    uint64_t size = ScalarSize(t), u;
    if (!mem_.ReadUint(addr, size, &u))
      return false;
    if (size < 8) {
      uint64_t sign = uint64_t(1) << (8 * size - 1);
      u = (u ^ sign) - sign;
    }
    *v = int64_t(u);
    return true;
  }
  bool ReadFloat(uint64_t addr, bool is32, double *v) {
    if (is32) {
      float f;
      if (!mem_.ReadScalar(addr, &f))
        return false;
      *v = f;
      return true;
    }
    return mem_.ReadScalar(addr, v);
  }

  KeyCompare StringEq(uint64_t addr, const std::string &want) {
    uint64_t hdr[2];
    if (!mem_.ReadExact(addr, hdr, sizeof hdr))
      return KeyCompare::Unreadable;
    if (hdr[1] != want.size())
      return KeyCompare::NotEqual; // lengths first: no string bytes read
    if (want.empty())
      return KeyCompare::Equal;
    std::string got(want.size(), '\0');
    if (!mem_.ReadExact(hdr[0], got.data(), got.size()))
      return KeyCompare::Unreadable;
    return Is(got == want);
  }

  KeyCompare IfaceEq(uint64_t addr, const Type *t, const GoLiteral &l, int depth) {
    uint64_t words[2];
    if (!mem_.ReadExact(addr, words, sizeof words))
      return KeyCompare::Unreadable;
    bool want_nil = l.kind != GoLiteral::Kind::Interface || l.elems.empty();
    if (words[0] == 0 || want_nil)
      return Is(words[0] == 0 && want_nil);
    uint64_t descriptor = words[0];
    // iface: itab._type at offset 8 (runtime.itab / internal/abi.ITab, go1.18-go1.27).
    if (t->nonempty_iface && !mem_.ReadPtr(words[0] + kWord, &descriptor))
      return KeyCompare::Unreadable;
    const Type *dyn = types_ != nullptr ? types_->ByRuntimeType(descriptor) : nullptr;
    if (dyn == nullptr)
      return KeyCompare::UnknownType;
    const GoLiteral &payload = l.elems[0];
    if (payload.type == nullptr || payload.type->name != dyn->name)
      return KeyCompare::NotEqual; // different dynamic types are never equal
    uint64_t value_addr = IsDirectIface(dyn) ? addr + kWord : words[1];
    return Eq(value_addr, dyn, payload, depth + 1);
  }

  KeyCompare IsZero(uint64_t addr, const Type *t, int depth) {
    if (depth > kMaxCompareDepth)
      return KeyCompare::UnknownType;
    switch (t->kind) {
    case Kind::String: {
      uint64_t hdr[2];
      if (!mem_.ReadExact(addr, hdr, sizeof hdr))
        return KeyCompare::Unreadable;
      return Is(hdr[1] == 0);
    }
    case Kind::Float32:
    case Kind::Float64: {
      double v;
      if (!ReadFloat(addr, t->kind == Kind::Float32, &v))
        return KeyCompare::Unreadable;
      return Is(v == 0); // -0 is zero too
    }
    case Kind::Complex64:
    case Kind::Complex128: {
      bool is32 = t->kind == Kind::Complex64;
      double re, im;
      if (!ReadFloat(addr, is32, &re) || !ReadFloat(addr + (is32 ? 4 : 8), is32, &im))
        return KeyCompare::Unreadable;
      return Is(re == 0 && im == 0);
    }
    case Kind::Interface: {
      uint64_t tab;
      if (!mem_.ReadPtr(addr, &tab))
        return KeyCompare::Unreadable;
      return Is(tab == 0);
    }
    case Kind::Struct: {
      Verdict v;
      for (const Field &fd : t->fields) {
        if (fd.name == "_" || fd.type == nullptr)
          continue;
        if (!v.Add(IsZero(addr + fd.offset, fd.type, depth + 1)))
          break;
      }
      return v.get();
    }
    case Kind::Array: {
      if (t->elem == nullptr)
        return KeyCompare::UnknownType;
      Verdict v;
      uint64_t n = std::min(t->len, kMaxCompareElems);
      for (uint64_t e = 0; e < n; ++e)
        if (!v.Add(IsZero(addr + e * t->elem->size, t->elem, depth + 1)))
          break;
      return v.get();
    }
    case Kind::Invalid:
    case Kind::Map:
    case Kind::Slice:
      return KeyCompare::UnknownType;
    default: {
      // Integers, bool, pointers: all bytes zero.
      uint64_t v;
      if (!mem_.ReadUint(addr, ScalarSize(t), &v))
        return KeyCompare::Unreadable;
      return Is(v == 0);
    }
    }
  }

  MemoryReader &mem_;
  TypeResolver *types_;
};

std::string MapTypeName(const Type *map_type, const Type *k, const Type *v) {
  if (map_type != nullptr && !map_type->name.empty())
    return map_type->name;
  return "map[" + (k ? k->name : std::string("?")) + "]" + (v ? v->name : std::string("?"));
}

std::string Entries(uint64_t n) { return std::to_string(n) + (n == 1 ? " entry" : " entries"); }

constexpr const char *kNaNNote = "NaN keys never match, as in Go; use show to list them";

} // namespace

KeyCompare CompareKey(MemoryReader &mem, uint64_t addr, const Type *t, const GoLiteral &lit,
                      TypeResolver *types) {
  return Comparer(mem, types).Eq(addr, t, lit, 0);
}

bool ParseMapKey(std::string_view text, const Type *map_type, const MapLayout &layout,
                 TypeLookup *lookup, ParsedLiteral *out, std::string *error) {
  const Type *key = layout.key ? layout.key : map_type ? map_type->key : nullptr;
  const Type *elem = layout.elem ? layout.elem : map_type ? map_type->elem : nullptr;
  std::string map_name = MapTypeName(map_type, key, elem);
  if (key == nullptr) {
    *error = map_name + ": the key type is unknown";
    return false;
  }
  LiteralError e;
  if (ParseGoLiteral(text, key, lookup, out, &e))
    return true;
  std::string_view trimmed = text;
  while (!trimmed.empty() && trimmed.front() == ' ')
    trimmed.remove_prefix(1);
  while (!trimmed.empty() && trimmed.back() == ' ')
    trimmed.remove_suffix(1);
  std::string shown(trimmed);
  // "42 is not a string" names the key itself; "unknown field Z in main.P" does not.
  bool names_key = e.message.compare(0, shown.size(), shown) == 0;
  if (e.syntax)
    *error = "key " + shown + " does not parse: " + e.message;
  else if (e.path.empty() && names_key)
    *error = "key " + e.message + " (" + map_name + " has " + key->name + " keys)";
  else
    *error = "key " + shown + ": " + (e.path.empty() ? "" : e.path + ": ") + e.message + " (" +
             map_name + " has " + key->name + " keys)";
  return false;
}

LookupResult LookupKey(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                       uint64_t addr, const GoLiteral &key, TypeResolver *types,
                       const Limits &limits) {
  LookupResult r;
  r.address = addr;
  r.key_type = layout.key ? layout.key : map_type ? map_type->key : nullptr;
  r.elem_type = layout.elem ? layout.elem : map_type ? map_type->elem : nullptr;
  r.type = MapTypeName(map_type, r.key_type, r.elem_type);
  r.impl = layout.impl;
  r.diags = DiagnosticSink(limits.max_diagnostics);
  r.nan = key.HasNaN();
  if (addr == 0)
    return r; // nil map: nothing to find
  MapHeader hdr;
  r.header_ok = ReadHeader(mem, layout, addr, &hdr, r.diags);
  if (!r.header_ok) {
    bool reported = std::any_of(r.diags.items().begin(), r.diags.items().end(),
                                [](const Diagnostic &d) { return d.code == DiagCode::Unreadable; });
    if (!reported)
      r.diags.Add(DiagCode::Unreadable, Severity::Error,
                  "cannot read map header at " + HexAddr(addr), addr);
    return r;
  }
  r.len = hdr.len;
  r.impl = hdr.impl;
  if (hdr.writing &&
      std::none_of(r.diags.items().begin(), r.diags.items().end(),
                   [](const Diagnostic &d) { return d.code == DiagCode::WritingFlagSet; }))
    r.diags.Add(DiagCode::WritingFlagSet, Severity::Warning,
                "map at " + HexAddr(addr) + ": a write was in progress", addr);
  if (r.nan)
    return r; // as in Go, a NaN key matches nothing: no walk
  std::unique_ptr<EntryCursor> cursor = OpenEntries(mem, layout, addr, limits);
  Comparer cmp(mem, types);
  uint64_t unreadable = 0, unknown = 0;
  uint64_t first_unreadable = 0, first_unknown = 0;
  MapEntry e;
  while (cursor->Next(&e)) {
    ++r.walked;
    KeyCompare c = cmp.Eq(e.key_addr, r.key_type, key, 0);
    if (c == KeyCompare::Equal) {
      r.found = true;
      r.entry = e;
      break;
    }
    if (c == KeyCompare::Unreadable && unreadable++ == 0)
      first_unreadable = e.key_addr;
    if (c == KeyCompare::UnknownType && unknown++ == 0)
      first_unknown = e.key_addr;
  }
  r.truncated = !r.found && cursor->truncated();
  r.unreadable = unreadable + unknown;
  const std::vector<Diagnostic> header_diags = r.diags.items();
  for (const auto &d : cursor->diagnostics().items()) {
    bool dup = std::any_of(header_diags.begin(), header_diags.end(), [&](const Diagnostic &h) {
      return h.code == d.code && h.address == d.address && h.message == d.message;
    });
    if (!dup)
      r.diags.Add(d.code, d.severity, d.message, d.address);
  }
  if (unreadable != 0)
    r.diags.Add(DiagCode::Unreadable, Severity::Warning,
                Entries(unreadable) +
                    ": the key could not be read and was not compared "
                    "(first at " +
                    HexAddr(first_unreadable) + ")",
                first_unreadable);
  if (unknown != 0)
    r.diags.Add(DiagCode::UnsupportedLayout, Severity::Warning,
                Entries(unknown) +
                    ": the key's dynamic type is not in the debug info, so "
                    "it was not compared (first at " +
                    HexAddr(first_unknown) + ")",
                first_unknown);
  return r;
}

nlohmann::ordered_json LookupJson(const LookupResult &r, const GoLiteral &key,
                                  ValueRenderer &renderer) {
  size_t diag_start = renderer.diagnostics().items().size();
  ojson m = ojson::object();
  m["address"] = HexAddr(r.address);
  m["type"] = r.type;
  m["impl"] = std::string(ImplName(r.impl));
  if (r.header_ok && r.len <= (uint64_t(1) << 53))
    m["len"] = r.len;
  else if (r.header_ok)
    m["len"] = std::to_string(r.len); // the JSON encoding of numbers past 2^53
  else
    m["len"] = nullptr;
  ojson j = ojson::object();
  j["map"] = std::move(m);
  if (r.found) {
    j["key"] = renderer.KeyJsonOrdered(r.entry.key_addr, r.key_type);
    j["found"] = true;
    j["value"] = renderer.JsonOrdered(r.entry.elem_addr, r.elem_type);
  } else {
    j["key"] = GoLiteralJson(key);
    j["found"] = false;
    j["value"] = nullptr;
  }
  j["walked"] = r.walked;
  j["truncated"] = r.truncated;
  if (r.nan)
    j["note"] = kNaNNote;
  else
    j["note"] = nullptr;
  ojson diags = ojson::array();
  for (const auto &d : r.diags.items())
    diags.push_back(DiagnosticJson(d));
  const auto &items = renderer.diagnostics().items();
  for (size_t i = diag_start; i < items.size(); ++i)
    diags.push_back(DiagnosticJson(items[i]));
  j["diagnostics"] = std::move(diags);
  return j;
}

std::string LookupText(const LookupResult &r, const std::string &expr, ValueRenderer &renderer) {
  size_t diag_start = renderer.diagnostics().items().size();
  std::string out;
  if (r.found) {
    out = expr + " = " + renderer.Text(r.entry.elem_addr, r.elem_type) + "\n";
  } else if (r.nan) {
    out = expr + ": no such key (" + kNaNNote + ")\n";
  } else if (r.address == 0) {
    out = expr + ": no such key (the map is nil)\n";
  } else if (!r.header_ok) {
    out = expr + ": cannot look the key up: the map header at " + HexAddr(r.address) +
          " cannot be read\n";
  } else if (r.truncated) {
    out = expr + ": not found in the " + Entries(r.walked) +
          " walked; a work limit stopped the walk (the map has " + Entries(r.len) + ")\n";
  } else {
    out = expr + ": no such key (map has " + Entries(r.len) + ")\n";
  }
  auto line = [&](const Diagnostic &d) {
    out += "  " + std::string(SeverityName(d.severity)) + "[" + std::string(CodeName(d.code)) +
           "]: " + d.message + "\n";
  };
  for (const auto &d : r.diags.items())
    line(d);
  const auto &items = renderer.diagnostics().items();
  for (size_t i = diag_start; i < items.size(); ++i)
    line(items[i]);
  return out;
}

} // namespace gomap
