// Load factor and one-line state of a map for `gomap header`.
// Thresholds from runtime/map.go (go1.19-1.23, map_noswiss.go 1.24-1.25) and
// internal/runtime/maps/table.go (go1.24-1.27).
#include "map_state.h"

#include <cstdio>

#include "core/classic/hmap.h"
#include "core/swiss/map.h"
#include "header_report.h"

namespace gomap {

HeaderExtras DescribeMap(MemoryReader &mem, const MapLayout &layout, const MapHeader &h,
                         const Limits &limits, DiagnosticSink &sink) {
  HeaderExtras x;
  LoadFactor &lf = x.load;
  MapState &st = x.state;
  st.writing = h.writing;
  lf.entries = h.len;
  if (layout.impl == MapImpl::Classic) {
    lf.basis = "count/2^B";
    lf.max = 6.5; // loadFactorNum/loadFactorDen = 13/2
    const uint64_t b = h.Get("B");
    const uint8_t flags = uint8_t(h.Get("flags"));
    if (h.address != 0 && b <= 63) {
      lf.capacity = uint64_t(1) << b;
      lf.known = true;
      lf.value = double(int64_t(h.len) < 0 ? 0 : h.len) / double(lf.capacity);
    }
    if (h.address != 0 && h.Get("oldbuckets") != 0 && b <= 63) {
      st.growing = true;
      const bool same = (flags & classic::kFlagSameSizeGrow) != 0;
      st.grow = same ? "same-size" : "doubling";
      st.old_buckets = same ? uint64_t(1) << b : (b == 0 ? 0 : uint64_t(1) << (b - 1));
      st.evacuated = h.Get("nevacuate");
    }
  } else {
    lf.basis = "used/capacity";
    lf.max = double(swiss::kMaxAvgGroupLoad) / double(swiss::kGroupSlots);
    if (h.address == 0) {
      // nil map: no capacity
    } else if (int64_t(h.Get("dirLen")) == 0) {
      lf.capacity = h.Get("dirPtr") != 0 ? swiss::kGroupSlots : 0;
      lf.known = true;
    } else {
      swiss::Directory d = swiss::ReadDirectory(mem, layout.swiss, h, limits, sink);
      lf.known = !d.truncated;
      for (const auto &t : d.tables) {
        if (!t.readable || t.stale) {
          lf.known = false;
          continue;
        }
        lf.capacity += t.table.capacity;
      }
    }
    if (lf.capacity > 0)
      lf.value = double(h.len) / double(lf.capacity);
  }
  st.kind = st.writing ? "writing" : st.growing ? "growing" : "idle";
  return x;
}

nlohmann::ordered_json LoadFactorJson(const LoadFactor &lf) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (lf.known && lf.capacity > 0)
    j["value"] = lf.value;
  else
    j["value"] = nullptr;
  j["max"] = lf.max;
  j["basis"] = lf.basis;
  j["entries"] = UintJson(lf.entries);
  j["capacity"] = UintJson(lf.capacity);
  return j;
}

nlohmann::ordered_json StateJson(const MapState &s) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["kind"] = s.kind;
  if (s.growing) {
    j["grow"] = s.grow;
    j["evacuated"] = UintJson(s.evacuated);
    j["old_buckets"] = UintJson(s.old_buckets);
  }
  return j;
}

std::string StateText(const MapState &s) {
  std::string out;
  if (s.writing)
    out = "write in progress";
  if (s.growing) {
    if (!out.empty())
      out += "; ";
    out += "growing (" + s.grow + "): " + std::to_string(s.evacuated) + "/" +
           std::to_string(s.old_buckets) + " old buckets evacuated (nevacuate)";
  }
  return out.empty() ? "idle" : out;
}

std::string LoadFactorText(const LoadFactor &lf) {
  char buf[160];
  const char *unit = lf.basis == "count/2^B" ? "buckets" : "slots";
  if (!lf.known || lf.capacity == 0) {
    std::snprintf(buf, sizeof buf, "- (%s: %llu entries, %s %s unknown or 0; max %.3g)",
                  lf.basis.c_str(), static_cast<unsigned long long>(lf.entries),
                  lf.known ? "0" : "capacity", unit, lf.max);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.3f of max %.3g (%s = %llu/%llu %s)", lf.value, lf.max,
                lf.basis.c_str(), static_cast<unsigned long long>(lf.entries),
                static_cast<unsigned long long>(lf.capacity), unit);
  return buf;
}

} // namespace gomap
