// Rendering of map headers for `gomap header` (text and gomap/1 JSON).
#include "header_report.h"

#include <sstream>

#include "value.h"

namespace gomap {

namespace {
bool IsPointerField(const std::string &name) {
  return name == "buckets" || name == "oldbuckets" || name == "extra" || name == "dirPtr" ||
         name == "groups.data";
}
bool IsSignedField(const std::string &name) { return name == "dirLen" || name == "index"; }
int64_t SignExtend(uint64_t v, uint64_t size) {
  if (size >= 8 || size == 0)
    return int64_t(v);
  uint64_t bits = size * 8;
  uint64_t m = uint64_t(1) << (bits - 1);
  return int64_t((v ^ m) - m);
}
} // namespace

nlohmann::json IntJson(int64_t v) {
  constexpr int64_t kMax = int64_t(1) << 53;
  if (v > kMax || v < -kMax)
    return std::to_string(v);
  return v;
}

nlohmann::json UintJson(uint64_t v) {
  if (v > (uint64_t(1) << 53))
    return std::to_string(v);
  return v;
}

nlohmann::ordered_json HeaderFieldsJson(const MapHeader &h) {
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  for (const auto &f : h.fields) {
    if (IsPointerField(f.name))
      fields[f.name] = HexAddr(f.value);
    else if (IsSignedField(f.name))
      fields[f.name] = IntJson(SignExtend(f.value, f.size));
    else
      fields[f.name] = UintJson(f.value);
  }
  return fields;
}

nlohmann::ordered_json HeaderJson(const MapHeader &h, const MapLayout &layout, const Type *map_type,
                                  const DiagnosticSink &diags, const HeaderExtras *extras) {
  nlohmann::ordered_json fields = HeaderFieldsJson(h);
  nlohmann::ordered_json diag = nlohmann::ordered_json::array();
  for (const auto &d : diags.items())
    diag.push_back(DiagnosticJson(d));
  nlohmann::ordered_json j{
      {"address", HexAddr(h.address)},
      {"type", map_type ? map_type->name : std::string()},
      {"impl", std::string(ImplName(layout.impl))},
      {"go_version", layout.version.raw},
      {"layout_source", std::string(SourceName(layout.source))},
      {"nil", h.address == 0},
      {"len", UintJson(h.len)},
      {"fields", fields},
      {"flags", h.flag_names},
  };
  if (extras) {
    j["load_factor"] = LoadFactorJson(extras->load);
    j["state"] = StateJson(extras->state);
  }
  j["diagnostics"] = diag;
  return j;
}

std::string HeaderText(const MapHeader &h, const MapLayout &layout, const Type *map_type,
                       const DiagnosticSink &diags, const HeaderExtras *extras) {
  std::ostringstream os;
  os << "(" << (map_type ? map_type->name : "map") << ") " << HexAddr(h.address) << " len=" << h.len
     << " impl=" << ImplName(layout.impl) << " " << layout.version.raw
     << " layout=" << SourceName(layout.source) << "\n";
  if (h.address == 0) {
    os << "  nil map\n";
  }
  for (const auto &f : h.fields) {
    os << "  " << f.name << " = ";
    if (IsPointerField(f.name))
      os << HexAddr(f.value);
    else if (IsSignedField(f.name))
      os << SignExtend(f.value, f.size);
    else
      os << f.value;
    if (f.name == "flags" || f.name == "writing" || f.name == "tombstonePossible") {
      if (f.name == "flags" || f.value != 0) {
        os << " [";
        bool first = true;
        for (const auto &n : h.flag_names) {
          if (f.name != "flags" && n != f.name)
            continue;
          os << (first ? "" : "|") << n;
          first = false;
        }
        os << "]";
      }
    }
    os << "\n";
  }
  if (extras && h.address != 0) {
    os << "  load factor: " << LoadFactorText(extras->load) << "\n";
    os << "  state: " << StateText(extras->state) << "\n";
  }
  for (const auto &d : diags.items())
    os << "  " << SeverityName(d.severity) << "[" << CodeName(d.code) << "]: " << d.message << "\n";
  return os.str();
}

} // namespace gomap
