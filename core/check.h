// `gomap check`: integrity checks on one map. Runs the structure walk
// (core/layout.h) and a walk over every entry (core/map.h OpenEntries) within
// the same Limits, and gathers their diagnostics once each, with what was
// walked.
#ifndef GOMAP_CORE_CHECK_H
#define GOMAP_CORE_CHECK_H

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
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

struct CheckReport {
  MapHeader header;
  bool header_ok = false; // the header could be read
  CheckWalked walked;
  bool truncated = false; // a work limit stopped a walk
  DiagnosticSink diags;
  explicit CheckReport(size_t max_diags = 100) : diags(max_diags) {}
};

// Checks the map at `addr`: header invariants, the physical structure
// (overflow chains, evacuation markers vs the grow state, directory and
// tables, ctrl bytes) and the count against the entries walked. Never throws
// for target data; a nil map is clean.
CheckReport CheckMap(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                     const Limits &limits);

// Adds the diagnostics of `from` to `into`, skipping any already there (the
// same code, severity, message and address): the walks share header checks
// and report a broken chain in the same words.
void MergeDiagnostics(DiagnosticSink &into, const DiagnosticSink &from);

// {"address","type","impl","go_version","layout_source","len","walked":{…},
//  "truncated","ok","diagnostics":[…]}; see docs/json.md.
nlohmann::ordered_json CheckJson(const CheckReport &r, const MapLayout &layout,
                                 const Type *map_type);
// "map[K]V at 0x… (swiss, 12 entries walked): OK" or "…: 2 errors, 1 warning",
// then one line per diagnostic: "error inconsistent: …".
std::string CheckText(const CheckReport &r, const MapLayout &layout,
                      const Type *map_type);

} // namespace gomap

#endif
