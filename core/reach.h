// Reachability and naming: the shortest typed path from a root (a package
// variable, a goroutine's frame variable) to a map header, by a bounded
// breadth-first walk of the heap through struct fields, pointers, slices and
// arrays, interfaces (dynamic type from the runtime type descriptor), map
// values and sync.Map entries. Roots are handed in by a frontend; every byte
// is read through the MemoryReader.
#ifndef GOMAP_CORE_REACH_H
#define GOMAP_CORE_REACH_H

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "map_layout.h"
#include "syncmap.h"
#include "target.h"
#include "types.h"

namespace gomap {

// Where a walk starts: a value of `type` at `address`.
struct ReachRoot {
  std::string name;  // "main.srv", "t", "m"
  std::string where; // "" for package variables; "goroutine 7, frame 2, main.(*table).churn"
  const Type *type = nullptr;
  uint64_t address = 0;
  // Roots of tier 0 are walked to exhaustion (or a cap) before tier 1's are
  // added, so that user roots name a map before the standard library's do.
  int tier = 0;
};

// Caps on one walk; hitting one is reported, never silent.
class WorkStop;

struct ReachLimits {
  uint64_t max_objects = 200000;    // values expanded
  uint64_t max_bytes = 64ull << 20; // bytes read from the target
  uint32_t max_depth = 12;          // pointer / element / entry hops from a root
  uint64_t max_elements = 4096;     // slice/array elements per value
  uint64_t max_map_entries = 4096;  // map or sync.Map entries per map
  // Record every map reached (its first, shortest path), not only the
  // targets, and walk until the queue or a cap ends the walk.
  bool all = false;
  // The debugger's interrupt and the command's time limit (null: none),
  // polled per value: a cut named "interrupted" or "time limit".
  WorkStop *stop = nullptr;
};

// A found map: the path from root `root` (index into the roots).
struct ReachPath {
  uint64_t map = 0;           // the map header address
  const Type *type = nullptr; // its map type, as reached
  size_t root = 0;
  std::string path;  // "main.srv.sessions", "main.sessions.Load(\"alice\")", "t.byID"
  std::string where; // the root's where
  uint32_t depth = 0;
};

struct ReachResult {
  std::vector<ReachPath> found; // at most one per target, in the order found
  uint64_t objects = 0, bytes = 0;
  bool truncated = false; // a cap stopped or pruned the walk
  std::string cut;        // which caps were hit: "objects", "bytes", "depth", ...
  const ReachPath *Find(uint64_t map) const {
    for (const auto &p : found)
      if (p.map == map)
        return &p;
    return nullptr;
  }
};

// What the walk needs from the target besides memory.
struct ReachEnv {
  MemoryReader &mem;
  TypeResolver &types;     // interface dynamic types
  MapLayoutProvider &maps; // map values
  // The layout of a sync.Map type (named "sync.Map"); nullopt when unknown.
  std::function<std::optional<SyncMapLayout>(const Type *)> sync_layout;
};

// The shortest path (fewest hops; ties to the earlier root) to each of
// `targets` (map header addresses). Stops as soon as all are named. Cycles are
// cut by a visited set keyed by (address, type).
ReachResult NameMaps(ReachEnv &env, const std::vector<ReachRoot> &roots,
                     const std::set<uint64_t> &targets, const ReachLimits &limits = {});

// A map key as Go source, for paths: "\"alice\"", "42", "true"; keys of other
// kinds (and interface keys holding them) as "…".
std::string FormatKey(MemoryReader &mem, TypeResolver &types, const Type *t, uint64_t addr);

} // namespace gomap

#endif
