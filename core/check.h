// `gomap check`: integrity checks on one map. Runs the structure walk
// (core/layout.h) and a walk over every entry (core/map.h OpenEntries) within
// the same Limits, and gathers their diagnostics once each, with what was
// walked.
#ifndef GOMAP_CORE_CHECK_H
#define GOMAP_CORE_CHECK_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
#include "heap/mheap.h"
#include "iter.h"
#include "layout.h"
#include "map.h"
#include "map_layout.h"
#include "target.h"
#include "types.h"

namespace gomap {

// What the walks covered.
struct CheckWalked {
  uint64_t entries = 0; // live entries the entry walk found
  // classic
  uint64_t buckets = 0, overflow_buckets = 0;
  uint64_t oldbuckets = 0, old_overflow_buckets = 0;
  // swiss
  uint64_t dir_entries = 0, tables = 0, groups = 0;
};

// What the heap model said about the pointers the map holds.
struct PointerCheck {
  bool ran = false;        // a heap model was given
  std::string unavailable; // why the heap could not be read ("" = it could)
  uint64_t classified = 0; // pointers classified
  // verdict -> count: "current", "old", "stack", "stale-alive", "freed",
  // "reused", "unswept", "unmapped", "not-heap", "unknown".
  std::map<std::string, uint64_t> verdicts;
  struct Finding {
    std::string role, where, verdict, evidence;
    uint64_t address = 0;
    heap::PointerInfo info;
  };
  std::vector<Finding> findings; // every pointer that is not current/old/stack
};

struct CheckReport {
  MapHeader header;
  bool header_ok = false; // the header could be read
  CheckWalked walked;
  PointerCheck pointers;
  bool truncated = false; // a work limit stopped a walk
  DiagnosticSink diags;
  explicit CheckReport(size_t max_diags = 100) : diags(max_diags) {}
};

// Checks the map at `addr`: header invariants, the physical structure
// (overflow chains, evacuation markers vs the grow state, directory and
// tables, ctrl bytes) and the count against the entries walked. Never throws
// for target data; a nil map is clean.
// With `heap` (may be null), every storage pointer the walk met is classified
// (current storage, old storage of the grow in progress, stale-but-alive,
// freed, reused, unmapped) and a bad one is a stale-bucket-pointer with the
// heap's evidence (span, elem size, state, allocated or not).
CheckReport CheckMap(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                     const Limits &limits, heap::Mheap *heap = nullptr);

// Classifies the pointers an iterator over the checked map holds (classic
// it.buckets, it.bptr, it.overflow, it.oldoverflow; swiss it.tab,
// it.group.data) against the map's current header: the storage it shares
// with the map, stale but kept alive by the iterator (legal: the runtime
// finishes such a range correctly), or freed / reused / unmapped memory — a
// dangling-iterator error with the heap's evidence. `where` prefixes each
// message. Adds to r->pointers and r->diags.
void CheckIterPointers(heap::Mheap &heap, const MapLayout &layout, const IterReport &it,
                       const std::string &where, CheckReport *r);

// Adds the diagnostics of `from` to `into`, skipping any already there (the
// same code, severity, message and address): the walks share header checks
// and report a broken chain in the same words.
void MergeDiagnostics(DiagnosticSink &into, const DiagnosticSink &from);

// The storage pointers of a layout walk classified against the heap, without
// diagnostics: the marks of `gomap layout`.
PointerCheck ClassifyLayoutPointers(heap::Mheap &heap, const MapLayoutReport &lr);
// {"available","reason","classified","verdicts","findings","dropped_findings"}.
nlohmann::ordered_json PointerCheckJson(const PointerCheck &pc);
// "  pointers: N classified, 3 current, 1 freed" (or why the heap was not read).
std::string PointerCheckText(const PointerCheck &pc);

// {"address","type","impl","go_version","layout_source","len","walked":{…},
//  "truncated","ok","diagnostics":[…]}; see docs/json.md.
nlohmann::ordered_json CheckJson(const CheckReport &r, const MapLayout &layout,
                                 const Type *map_type);
// "map[K]V at 0x… (swiss, 12 entries walked): OK" or "…: 2 errors, 1 warning",
// then one line per diagnostic: "error inconsistent: …".
std::string CheckText(const CheckReport &r, const MapLayout &layout, const Type *map_type);

} // namespace gomap

#endif
