// The physical structure of a map for `gomap layout`: classic buckets (tophash
// states, overflow chains, old buckets and their evacuation) and swiss
// directories, tables and groups (ctrl bytes). Walked within Limits, in bulk.
#ifndef GOMAP_CORE_LAYOUT_H
#define GOMAP_CORE_LAYOUT_H

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
#include "map.h"
#include "map_layout.h"
#include "swiss/map.h"
#include "target.h"
#include "types.h"

namespace gomap {

// tophash states of a bucket (or a chain), runtime/map.go names.
struct TophashCounts {
  uint64_t full = 0, empty_one = 0, empty_rest = 0;
  uint64_t evacuated_x = 0, evacuated_y = 0, evacuated_empty = 0;
  void Add(const TophashCounts &o);
  uint64_t Evacuation() const { return evacuated_x + evacuated_y + evacuated_empty; }
};

struct ClassicBucket {
  uint64_t index = 0;
  uint64_t address = 0;
  bool readable = false;
  TophashCounts tophash;  // over the whole chain
  uint64_t overflow = 0;  // overflow buckets in the chain
  bool evacuated = false; // runtime.evacuated: tophash[0] in X/Y/Empty
};

struct ClassicLayoutReport {
  uint64_t b = 0;
  uint64_t bucket_size = 0;
  std::vector<ClassicBucket> buckets; // index order; fewer when truncated
  TophashCounts totals;
  // Overflow buckets of the current array (old ones: old_overflow_buckets).
  uint64_t overflow_buckets = 0, chains_with_overflow = 0, longest_chain = 0;
  // Grow in progress (oldbuckets != nil).
  bool growing = false;
  bool same_size = false;
  uint64_t nevacuate = 0;
  uint64_t old_count = 0;
  std::vector<ClassicBucket> old;
  TophashCounts old_totals;
  uint64_t old_evacuated = 0;
  uint64_t old_overflow_buckets = 0;
  // hmap.extra (runtime.mapextra: overflow, oldoverflow, nextOverflow).
  uint64_t extra = 0;
  bool extra_readable = false;
  uint64_t overflow_slice = 0, oldoverflow_slice = 0, next_overflow = 0;
  int64_t overflow_len = -1, oldoverflow_len = -1; // -1: nil or unreadable
};

struct CtrlCounts {
  uint64_t full = 0, empty = 0, deleted = 0, invalid = 0;
  void Add(const CtrlCounts &o);
};

struct SwissGroup {
  uint64_t address = 0;
  bool readable = false;
  CtrlCounts ctrl;
};

struct SwissTable {
  swiss::DirTable dir;
  std::vector<SwissGroup> groups;
  CtrlCounts ctrl;
};

struct SwissLayoutReport {
  bool small = false;             // dirLen == 0
  SwissGroup small_group;         // address 0 when dirPtr is nil
  std::vector<SwissTable> tables; // each distinct table once, directory order
  uint64_t dir_entries = 0;
  CtrlCounts totals;
};

// A pointer the map holds into its storage, for the heap model
// (core/heap/mheap.h) to classify: what object it must be.
struct HeldPointer {
  std::string role;  // "buckets", "oldbuckets", "overflow", "extra", "dirPtr",
                     // "table", "groups", "small-group"
  std::string where; // coordinates: "bucket 3 overflow 1", "dir 2 table"
  uint64_t address = 0;
  uint64_t size = 0;   // bytes the object must hold from `address`
  bool base = true;    // must be an object's first byte
  uint64_t stride = 0; // !base: offset in its object a multiple of this
  bool old = false;    // storage of the grow in progress (oldbuckets)
  bool stale = false;  // the walk already called it stale (swiss index -1)
};

struct MapLayoutReport {
  MapHeader header;
  bool header_ok = false;
  ClassicLayoutReport classic;
  SwissLayoutReport swiss;
  bool truncated = false; // a work limit stopped the walk
  // Every storage pointer met by the walk (bounded by it), in walk order.
  std::vector<HeldPointer> pointers;
  DiagnosticSink diags;
  explicit MapLayoutReport(size_t max_diags = 100) : diags(max_diags) {}
};

// Walks the structure of the map at `addr`. Never throws for target data;
// every problem is a diagnostic with coordinates ("oldbucket 3, slot 5").
MapLayoutReport WalkLayout(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                           const Limits &limits);

namespace classic {
// Fills out->classic from a header read without error
// (core/classic/layout.cpp).
void WalkLayout(MemoryReader &mem, const MapLayout &layout, const Limits &limits,
                MapLayoutReport *out);
} // namespace classic
namespace swiss {
// Fills out->swiss (core/swiss/layout.cpp).
void WalkLayout(MemoryReader &mem, const MapLayout &layout, const Limits &limits,
                MapLayoutReport *out);
} // namespace swiss

// How much of the per-bucket/per-group detail to render.
struct LayoutView {
  uint64_t max_listed = 256; // buckets / groups in strips and lists
};

// {"address","type","impl","go_version","layout_source","fields",...}; see
// docs/json.md.
nlohmann::ordered_json LayoutJson(const MapLayoutReport &r, const MapLayout &layout,
                                  const Type *map_type, const LayoutView &view);
// Summary lines and one strip per bucket array / table with a legend.
std::string LayoutText(const MapLayoutReport &r, const MapLayout &layout, const Type *map_type,
                       const LayoutView &view);

// One character per bucket / group (see the legends in LayoutText).
char ClassicStripChar(const ClassicBucket &b, bool old);
char SwissStripChar(const SwissGroup &g);

} // namespace gomap

#endif
