// sync.Map decoding: the read/dirty maps of sync/map.go (go1.19-1.23, and
// 1.24/1.25 with GOEXPERIMENT=nosynchashtriemap) and the HashTrieMap of
// internal/sync/hashtriemap.go (go1.24+), into logical entries and internal
// state for `gomap show` and `gomap header`.
#ifndef GOMAP_CORE_SYNCMAP_H
#define GOMAP_CORE_SYNCMAP_H

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
#include "map.h"
#include "map_layout.h"
#include "target.h"
#include "types.h"
#include "value.h"

namespace gomap {

enum class SyncMapKind { ReadDirty, HashTrie };
std::string_view SyncMapKindName(SyncMapKind k); // "read-dirty" / "hash-trie"

// Offsets of sync.Map and the structures it points at. From the binary's
// DWARF when present (source Dwarf), else from the reference tables.
struct SyncMapLayout {
  SyncMapKind kind = SyncMapKind::ReadDirty;
  LayoutSource source = LayoutSource::Dwarf;
  const Type *any = nullptr; // interface {}: keys and values
  // read/dirty (sync/map.go).
  uint64_t read_off = 8;
  bool read_is_value = false; // atomic.Value (go1.19): an `any` holding *readOnly
  uint64_t dirty_off = 0x10;
  uint64_t misses_off = 0x18;
  uint64_t ro_m_off = 0, ro_amended_off = 8; // sync.readOnly
  uint64_t entry_p_off = 0;                  // sync.entry.p
  const Type *dirty_type = nullptr;          // map[interface {}]*sync.entry
  const MapLayout *dirty_layout = nullptr;   // its layout (read.m has the same)
  uint64_t expunged = 0; // the sentinel *any (value of sync.expunged); 0 unknown
  // HashTrieMap (internal/sync/hashtriemap.go).
  uint64_t htm_off = 0; // sync.Map.m
  uint64_t inited_off = 0, root_off = 0x10, seed_off = 0x28;
  uint64_t ind_parent_off = 0x10, ind_children_off = 0x18;
  uint64_t ent_overflow_off = 8, ent_key_off = 0x10, ent_value_off = 0x20;
};

// Builds the layout of `sync_map` (the DWARF type "sync.Map"). `by_name`
// finds other types by Go name; `maps` gives the dirty map's layout.
// nullopt with *why when the type is not a sync.Map we understand.
std::optional<SyncMapLayout>
SyncMapLayoutFromTypes(const Type *sync_map,
                       const std::function<const Type *(std::string_view)> &by_name,
                       MapLayoutProvider *maps, std::string *why);

struct SyncMapEntry {
  uint64_t key_addr = 0;   // an `any` (eface) in target memory
  uint64_t value_addr = 0; // an `any`
};

struct SyncMapReport {
  uint64_t address = 0;
  SyncMapKind kind = SyncMapKind::ReadDirty;
  std::vector<SyncMapEntry> entries; // logical entries
  bool truncated = false;
  // read/dirty
  uint64_t read_only = 0, read_m = 0, dirty = 0, misses = 0;
  bool amended = false;
  uint64_t read_len = 0, dirty_len = 0;
  uint64_t read_live = 0, read_deleted = 0, read_expunged = 0;
  uint64_t dirty_live = 0, dirty_deleted = 0, dirty_only = 0;
  // HashTrieMap
  uint64_t inited = 0, root = 0, seed = 0;
  uint64_t indirects = 0, entry_nodes = 0, overflow_entries = 0, max_depth = 0;
  DiagnosticSink diags;
  explicit SyncMapReport(size_t max_diags = 100) : diags(max_diags) {}
};

// Decodes the sync.Map at `addr` without changing it (no promotion of the
// dirty map, unlike Range). Bounded by `limits`; cycles in the trie are
// diagnostics with coordinates.
SyncMapReport DecodeSyncMap(MemoryReader &mem, const SyncMapLayout &layout, uint64_t addr,
                            const Limits &limits);

// `gomap show`: the map object of docs/json.md with "type":"sync.Map" and
// "impl":"sync.Map/read-dirty" or "sync.Map/hash-trie"; entries rendered as
// `any` values ({"type","value"}).
nlohmann::ordered_json SyncMapShowJson(const SyncMapReport &r, const SyncMapLayout &layout,
                                       const ShowRequest &req, ValueRenderer &renderer);
std::string SyncMapShowText(const SyncMapReport &r, const SyncMapLayout &layout,
                            const ShowRequest &req, ValueRenderer &renderer);
// `gomap header`: the internal state.
nlohmann::ordered_json SyncMapHeaderJson(const SyncMapReport &r, const SyncMapLayout &layout,
                                         const GoVersion &version);
std::string SyncMapHeaderText(const SyncMapReport &r, const SyncMapLayout &layout,
                              const GoVersion &version);

} // namespace gomap

#endif
