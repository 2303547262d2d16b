// Map iterator snapshots: layouts of runtime.hiter / maps.Iter, the dispatch
// to the classic and swiss replays, and JSON/text rendering.
#include "core/iter.h"

#include "core/bulk.h"
#include "core/diagnostic_json.h"
#include "core/go_format.h"

namespace gomap {

using detail::Hex;
using ojson = nlohmann::ordered_json;

namespace {

void Add(StructLayout *l, const char *name, uint64_t off, uint64_t size) {
  l->fields.push_back(StructField{name, off, size});
}

// Fields the decoders read; the rest are shown when present.
const char *const kClassicNeeded[] = {"key",    "t",       "h", "buckets", "bptr",  "startBucket",
                                      "offset", "wrapped", "B", "i",       "bucket"};
const char *const kSwissNeeded[] = {"key",       "typ",        "m",           "entryOffset",
                                    "dirOffset", "clearSeq",   "globalDepth", "dirIdx",
                                    "tab",       "group.data", "entryIdx"};

} // namespace

IterLayout BuiltinIterLayout(MapImpl impl, const GoVersion &v) {
  IterLayout il;
  il.impl = impl;
  il.source = LayoutSource::Builtin;
  StructLayout &l = il.it;
  if (impl == MapImpl::Classic) {
    // runtime/map.go hiter (go1.18-1.23); map_noswiss.go adds clearSeq (1.24+).
    Add(&l, "key", 0x00, 8);
    Add(&l, "elem", 0x08, 8);
    Add(&l, "t", 0x10, 8);
    Add(&l, "h", 0x18, 8);
    Add(&l, "buckets", 0x20, 8);
    Add(&l, "bptr", 0x28, 8);
    Add(&l, "overflow", 0x30, 8);
    Add(&l, "oldoverflow", 0x38, 8);
    Add(&l, "startBucket", 0x40, 8);
    Add(&l, "offset", 0x48, 1);
    Add(&l, "wrapped", 0x49, 1);
    Add(&l, "B", 0x4a, 1);
    Add(&l, "i", 0x4b, 1);
    Add(&l, "bucket", 0x50, 8);
    Add(&l, "checkBucket", 0x58, 8);
    l.size = 96;
    if (v.AtLeast(1, 24)) {
      Add(&l, "clearSeq", 0x60, 8);
      l.size = 104;
    }
    return il;
  }
  // internal/runtime/maps/table.go Iter (go1.24-1.27, unchanged).
  Add(&l, "key", 0x00, 8);
  Add(&l, "elem", 0x08, 8);
  Add(&l, "typ", 0x10, 8);
  Add(&l, "m", 0x18, 8);
  Add(&l, "entryOffset", 0x20, 8);
  Add(&l, "dirOffset", 0x28, 8);
  Add(&l, "clearSeq", 0x30, 8);
  Add(&l, "globalDepth", 0x38, 1);
  Add(&l, "dirIdx", 0x40, 8);
  Add(&l, "tab", 0x48, 8);
  Add(&l, "group.data", 0x50, 8);
  Add(&l, "entryIdx", 0x58, 8);
  l.size = 96;
  return il;
}

std::optional<IterLayout> IterLayoutFromType(const Type *t, MapImpl impl, std::string *why) {
  if (t == nullptr || t->kind != Kind::Struct) {
    *why = "not a struct type";
    return std::nullopt;
  }
  IterLayout il;
  il.impl = impl;
  il.source = LayoutSource::Dwarf;
  il.it.size = t->size;
  for (const Field &f : t->fields) {
    if (f.type == nullptr)
      continue;
    if (f.type->kind == Kind::Struct) {
      // groupReference{data}: flatten one level.
      for (const Field &g : f.type->fields)
        if (g.type != nullptr && g.type->size <= 8)
          il.it.fields.push_back(
              StructField{f.name + "." + g.name, f.offset + g.offset, g.type->size});
      continue;
    }
    if (f.type->size == 0 || f.type->size > 8)
      continue;
    // The compiler's copy of maps.Iter says groupSlotOffset for entryOffset.
    std::string name = f.name == "groupSlotOffset" ? "entryOffset" : f.name;
    il.it.fields.push_back(StructField{name, f.offset, f.type->size});
  }
  auto check = [&](const char *const *names, size_t n) {
    for (size_t i = 0; i < n; ++i)
      if (il.it.Find(names[i]) == nullptr) {
        *why = std::string(t->name) + " has no field '" + names[i] + "'";
        return false;
      }
    return true;
  };
  bool ok = impl == MapImpl::Classic ? check(kClassicNeeded, std::size(kClassicNeeded))
                                     : check(kSwissNeeded, std::size(kSwissNeeded));
  if (!ok)
    return std::nullopt;
  return il;
}

bool ReadIterFields(MemoryReader &mem, const IterLayout &il, uint64_t addr,
                    std::vector<HeaderValue> *out) {
  return detail::ReadStruct(mem, il.it, addr, out);
}

bool PlausibleIter(const std::vector<HeaderValue> &f, MapImpl impl, const MapHeader &h) {
  auto get = [&](const char *n) {
    const HeaderValue *v = detail::FindValue(f, n);
    return v ? v->value : 0;
  };
  if (impl == MapImpl::Classic) {
    const uint64_t b = get("B"), buckets = get("buckets");
    if (b > 63 || b > h.Get("B") || get("offset") > 7 || get("i") > 8 || get("wrapped") > 1 ||
        buckets == 0 || buckets % 8 != 0)
      return false;
    const uint64_t nb = uint64_t(1) << b;
    if (get("startBucket") >= nb || get("bucket") >= nb)
      return false;
    return get("bptr") % 8 == 0;
  }
  const int64_t dir_idx = int64_t(get("dirIdx"));
  const uint64_t depth = get("globalDepth");
  if (dir_idx < -1 || depth > 63 || depth > h.Get("globalDepth") || get("tab") % 8 != 0 ||
      get("group.data") % 8 != 0 || get("entryIdx") > (uint64_t(1) << 17))
    return false;
  if (dir_idx == -1)
    return get("entryIdx") <= 8 && get("tab") == 0;
  return dir_idx <= int64_t(uint64_t(1) << std::min<uint64_t>(depth, 40)) &&
         (get("key") == 0 || get("tab") != 0);
}

IterReport DecodeIter(MemoryReader &mem, const MapLayout &layout, const IterLayout &il,
                      uint64_t addr, const Limits &limits) {
  IterReport r(limits.max_diagnostics);
  r.address = addr;
  r.impl = il.impl;
  const std::string where = "iterator at " + Hex(addr);
  if (il.impl != layout.impl) {
    r.diags.Add(DiagCode::UnsupportedLayout, Severity::Error,
                where + ": a " + std::string(ImplName(il.impl)) + " iterator over a " +
                    std::string(ImplName(layout.impl)) + " map",
                addr);
    return r;
  }
  if (addr == 0 || addr % 8 != 0) {
    r.diags.Add(DiagCode::Implausible, Severity::Error, where + ": nil or not 8-byte aligned",
                addr);
    return r;
  }
  if (!ReadIterFields(mem, il, addr, &r.fields)) {
    r.diags.Add(DiagCode::Unreadable, Severity::Error, where + ": unreadable", addr);
    return r;
  }
  r.readable = true;
  if (il.impl == MapImpl::Classic)
    classic::DecodeIter(mem, layout, limits, &r);
  else
    swiss::DecodeIter(mem, layout, limits, &r);
  return r;
}

ojson IterJson(const IterReport &r, const Type *map_type) {
  ojson j{{"address", HexAddr(r.address)},
          {"map", HexAddr(r.map)},
          {"type", map_type ? ojson(map_type->name) : ojson(nullptr)},
          {"type_descriptor", HexAddr(r.type)},
          {"impl", std::string(ImplName(r.impl))},
          {"started", r.started},
          {"finished", r.finished}};
  j["returned"] = r.returned_known ? ojson(r.returned) : ojson(nullptr);
  j["returned_max"] = r.returned_known ? ojson(r.returned_max) : ojson(nullptr);
  j["exact"] = r.returned_known && r.exact;
  j["approximate"] = r.approximate.empty() ? ojson(nullptr) : ojson(r.approximate);
  j["total"] = r.header_ok ? ojson(r.header.len) : ojson(nullptr);
  j["position"] = r.position;
  j["relation"] = r.relation.empty() ? ojson(nullptr) : ojson(r.relation);
  j["reason"] = r.reason.empty() ? ojson(nullptr) : ojson(r.reason);
  ojson fields = ojson::object();
  for (const auto &f : r.fields)
    fields[f.name] =
        f.size == 8 && (f.name == "key" || f.name == "elem" || f.name == "t" || f.name == "typ" ||
                        f.name == "h" || f.name == "m" || f.name == "buckets" || f.name == "bptr" ||
                        f.name == "overflow" || f.name == "oldoverflow" || f.name == "tab" ||
                        f.name == "group.data")
            ? ojson(HexAddr(f.value))
        : f.name == "dirIdx" ? ojson(int64_t(f.value))
                             : ojson(f.value);
  j["fields"] = fields;
  ojson diags = ojson::array();
  for (const auto &d : r.diags.items())
    diags.push_back(DiagnosticJson(d));
  j["diagnostics"] = diags;
  return j;
}

std::string IterLine(const IterReport &r, const Type *map_type) {
  std::string s = (map_type ? map_type->name : std::string("map")) + " " + HexAddr(r.map) + ": ";
  if (!r.started)
    s += "not started (map was nil or empty)";
  else if (!r.returned_known)
    s += "returned ?";
  else
    s += "returned " + std::to_string(r.returned) +
         (r.returned_max != r.returned ? "-" + std::to_string(r.returned_max) : "") +
         (r.exact ? "" : " (approximate)");
  if (r.header_ok)
    s += "/" + std::to_string(r.header.len);
  if (r.finished)
    s += ", finished";
  if (!r.relation.empty())
    s += ", " + r.relation;
  return s;
}

std::string IterText(const IterReport &r, const Type *map_type) {
  std::string s = "iterator " + HexAddr(r.address) + " (" + std::string(ImplName(r.impl)) +
                  ") over " + IterLine(r, map_type) + "\n";
  if (!r.reason.empty())
    s += "  reason: " + r.reason + "\n";
  if (!r.approximate.empty())
    s += "  approximate: " + r.approximate + "\n";
  if (!r.position.empty()) {
    s += "  position:";
    for (auto it = r.position.begin(); it != r.position.end(); ++it)
      s += " " + it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump());
    s += "\n";
  }
  for (const auto &d : r.diags.items())
    s += "  " + std::string(SeverityName(d.severity)) + "[" + std::string(CodeName(d.code)) +
         "]: " + d.message + "\n";
  if (r.diags.dropped())
    s += "  (" + std::to_string(r.diags.dropped()) + " more diagnostics)\n";
  return s;
}

} // namespace gomap
