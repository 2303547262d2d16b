// A map's load factor and one-line state (idle / growing / writing), derived
// from its header (and, for swiss maps, its tables) for `gomap header`.
#ifndef GOMAP_CORE_MAP_STATE_H
#define GOMAP_CORE_MAP_STATE_H

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
#include "map.h"
#include "map_layout.h"
#include "target.h"

namespace gomap {

// Entries per unit of capacity against the runtime's growth threshold.
// classic: count / 2^B buckets vs loadFactorNum/loadFactorDen = 6.5
// (runtime/map.go overLoadFactor); swiss: used / sum of table capacities (one
// group of 8 slots for a small map) vs maxAvgGroupLoad/8 = 7/8
// (internal/runtime/maps/table.go).
struct LoadFactor {
  double value = 0;
  double max = 0;
  uint64_t entries = 0;
  uint64_t capacity = 0; // classic: buckets; swiss: slots
  std::string basis;     // "count/2^B" or "used/capacity"
  bool known = false;    // false when the capacity could not be read
};

struct MapState {
  // "writing" when a write was in progress (wins over growing, whose details
  // are still filled in), else "growing", else "idle".
  std::string kind = "idle";
  bool growing = false;     // classic: oldbuckets != nil
  std::string grow;         // "doubling" / "same-size" while growing
  uint64_t evacuated = 0;   // nevacuate: old buckets below it are evacuated
  uint64_t old_buckets = 0; // number of old buckets
  bool writing = false;
};

struct HeaderExtras {
  LoadFactor load;
  MapState state;
};

// Load factor and state of the map whose header `h` was read with `layout`.
// Swiss tables are read through `mem` within `limits` (one read of the
// directory, one per table header); problems go to `sink`.
HeaderExtras DescribeMap(MemoryReader &mem, const MapLayout &layout, const MapHeader &h,
                         const Limits &limits, DiagnosticSink &sink);

// {"value","max","basis","entries","capacity"} (value null when unknown).
nlohmann::ordered_json LoadFactorJson(const LoadFactor &lf);
// {"kind":"idle"} / {"kind":"growing","grow":"doubling","evacuated":3,
// "old_buckets":16} / {"kind":"writing"[,"grow",...]}.
nlohmann::ordered_json StateJson(const MapState &s);
// "idle", "growing (doubling): 3/16 old buckets evacuated (nevacuate)",
// "write in progress".
std::string StateText(const MapState &s);
// "0.81 of 6.5 (count/2^B = 26/32)".
std::string LoadFactorText(const LoadFactor &lf);

} // namespace gomap

#endif
