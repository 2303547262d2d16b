// Map iterator snapshots: classic runtime.hiter and swiss maps.Iter decoded
// against their map, with how many entries they returned and their relation
// to the map (current, started before the grow in progress, stale).
#ifndef GOMAP_CORE_ITER_H
#define GOMAP_CORE_ITER_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
#include "map.h"
#include "map_layout.h"
#include "target.h"
#include "types.h"

namespace gomap {

// Field layout of runtime.hiter (classic) or internal/runtime/maps.Iter
// (swiss), runtime field names; nested groupReference flattened "group.data".
struct IterLayout {
  MapImpl impl = MapImpl::Classic;
  LayoutSource source = LayoutSource::Builtin;
  StructLayout it;
};

// The built-in table (go-map-internals.md 1.7 and 2.7): classic hiter of
// go1.18-1.23 (96 bytes) or of 1.24/1.25 noswiss (104 bytes, + clearSeq);
// swiss maps.Iter of 1.24-1.27 (96 bytes).
IterLayout BuiltinIterLayout(MapImpl impl, const GoVersion &v);

// From the debug-info struct type runtime.hiter / internal/runtime/maps.Iter.
// nullopt with *why when fields the decoder needs are missing.
std::optional<IterLayout> IterLayoutFromType(const Type *t, MapImpl impl, std::string *why);

// What the replay established about one iterator.
struct IterReport {
  uint64_t address = 0;
  MapImpl impl = MapImpl::Classic;
  bool readable = false;
  std::vector<HeaderValue> fields; // every iterator field, layout order
  uint64_t map = 0;                // it.h / it.m
  uint64_t type = 0;               // it.t / it.typ (runtime type descriptor)
  bool started = false;            // it.h / it.m non-nil (map was non-empty)
  bool finished = false;           // started and key == nil: iteration ended
  MapHeader header;
  bool header_ok = false;
  // Entries returned so far, replayed from the start position over the
  // map's current memory; when !exact, `approximate` says why and the true
  // count lies in [returned, returned_max].
  bool returned_known = false;
  uint64_t returned = 0;
  uint64_t returned_max = 0;
  bool exact = false;
  std::string approximate;
  // "current", "grow-in-progress" (classic: started before the grow now in
  // progress), "stale"; "" when unknown (map unreadable, not started).
  std::string relation;
  std::string reason; // why not "current"
  nlohmann::ordered_json position = nlohmann::ordered_json::object();
  DiagnosticSink diags;
  explicit IterReport(size_t max_diags = 100) : diags(max_diags) {}
};

// Decodes the iterator at `addr` against the map it points at. `layout` is
// the map type's layout. Never throws for target data: corrupt fields are
// diagnostics with coordinates and the partial result is kept.
IterReport DecodeIter(MemoryReader &mem, const MapLayout &layout, const IterLayout &il,
                      uint64_t addr, const Limits &limits);

// Reads only the fields of the iterator at `addr` (no map access); false
// when unreadable.
bool ReadIterFields(MemoryReader &mem, const IterLayout &il, uint64_t addr,
                    std::vector<HeaderValue> *out);

// Cheap plausibility test for stack scanning: the fields of a real, started
// iterator over the map `h` (ranges of offsets, indexes and depths).
bool PlausibleIter(const std::vector<HeaderValue> &fields, MapImpl impl, const MapHeader &h);

namespace classic {
void DecodeIter(MemoryReader &mem, const MapLayout &layout, const Limits &limits, IterReport *r);
} // namespace classic
namespace swiss {
void DecodeIter(MemoryReader &mem, const MapLayout &layout, const Limits &limits, IterReport *r);
} // namespace swiss

// {"address","map","type","impl","started","finished","returned",
// "returned_max","exact","approximate","total","position","relation",
// "reason","fields","diagnostics"}; the caller adds goroutine/frame.
nlohmann::ordered_json IterJson(const IterReport &r, const Type *map_type);
// One line: "<map type> <map addr>: returned/len, relation".
std::string IterLine(const IterReport &r, const Type *map_type);
// Several lines: the line, position, snapshot vs map, diagnostics.
std::string IterText(const IterReport &r, const Type *map_type);

} // namespace gomap

#endif
