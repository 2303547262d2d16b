// Swiss-table Go maps: header decoding, tables, groups and the entry walk.
// Mirrors internal/runtime/maps map.go, table.go and group.go (go1.24-1.27).
#ifndef GOMAP_CORE_SWISS_MAP_H
#define GOMAP_CORE_SWISS_MAP_H

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/map.h"

namespace gomap::swiss {

// group.go
constexpr uint64_t kGroupSlots = 8;    // abi.MapGroupSlots
constexpr uint8_t kCtrlEmpty = 0x80;   // ctrlEmpty
constexpr uint8_t kCtrlDeleted = 0xFE; // ctrlDeleted (tombstone)
// map.go
constexpr uint64_t kMaxTableCapacity = 1024;
constexpr uint64_t kMaxAvgGroupLoad = 7;

// Control byte of slot i (little-endian: byte i of the ctrl word is slot i).
inline uint8_t CtrlByte(uint64_t ctrl, unsigned i) { return uint8_t(ctrl >> (8 * i)); }
// A slot is full iff bit 7 of its control byte is clear.
inline bool CtrlFull(uint8_t c) { return (c & 0x80) == 0; }

// The runtime's names for the set header flags: "writing", "tombstonePossible".
std::vector<std::string> FlagNames(uint64_t writing, uint64_t tombstone_possible);

// A decoded maps.table header (table.go).
struct TableHeader {
  uint64_t address = 0;
  uint64_t used = 0;
  uint64_t capacity = 0;
  uint64_t growth_left = 0;
  uint64_t local_depth = 0;
  int64_t index = 0; // -1 = stale
  uint64_t groups_data = 0;
  uint64_t length_mask = 0;
};

// Reads a table header; false when unreadable or the layout lacks a field.
bool ReadTable(MemoryReader &mem, const SwissLayout &layout, uint64_t addr, TableHeader *out);

// table.go maxGrowthLeft (go1.25+; resetGrowthLeft in 1.24, same values).
uint64_t MaxGrowthLeft(uint64_t capacity);

// Validates a table against the invariants of table.go and returns how many
// groups are safe to walk (0: none). Findings go to `sink`, prefixed `where`.
uint64_t CheckTable(const TableHeader &t, uint64_t global_depth, const std::string &where,
                    DiagnosticSink &sink);

// Appends the full slots of one group (bytes `g` read from `group_addr`).
// Returns the number appended; bad ctrl bytes and nil indirect pointers are
// reported with `where` (e.g. "table 1 (dir 2), group 5") and skipped.
uint64_t ScanGroup(const uint8_t *g, uint64_t group_addr, const SwissLayout &layout,
                   const std::string &where, DiagnosticSink &sink, std::deque<MapEntry> *out);

// One table as the directory references it.
struct DirTable {
  TableHeader table;
  bool readable = false;
  uint64_t first_dir = 0; // first directory index that points at it
  uint64_t refs = 0;      // directory entries that point at it
  // index == -1 (replaced by a grow or split), or the directory slot its
  // index names holds another table.
  bool stale = false;
};

// The directory of a map with tables (dirLen > 0): every entry and each
// distinct table once, in directory order. Bounded by limits.max_dir_len.
struct Directory {
  std::vector<uint64_t> entries; // table pointers (0 where unreadable)
  std::vector<uint8_t> readable;
  std::vector<DirTable> tables;
  bool truncated = false;
};

// Reads the directory `dir_ptr`[n] (n = min(dirLen, 1<<globalDepth)) and the
// header of every table it references. Findings (unreadable entries and
// tables, stale tables, index/localDepth inconsistencies) go to `sink` with
// their directory coordinates. Mirrors the directory invariants of
// internal/runtime/maps/map.go (go1.24-1.27).
// The directory entries a walk may read: `present` of the `claimed` ones (see
// MapHeader::buckets_present); the missing tail is reported as unreadable.
uint64_t UnreadableDirTail(uint64_t claimed, uint64_t present, uint64_t dir_ptr,
                           DiagnosticSink &sink);

Directory ReadDirectory(MemoryReader &mem, const SwissLayout &layout, const MapHeader &h,
                        const Limits &limits, DiagnosticSink &sink);

bool ReadHeader(MemoryReader &mem, const MapLayout &layout, uint64_t addr, MapHeader *out,
                DiagnosticSink &sink);

std::unique_ptr<EntryCursor> OpenEntries(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                                         const Limits &limits);

} // namespace gomap::swiss

#endif
