// Physical layout of a Go map type: header fields, buckets or groups, where it came from.
#ifndef GOMAP_CORE_MAP_LAYOUT_H
#define GOMAP_CORE_MAP_LAYOUT_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types.h"
#include "version.h"

namespace gomap {

enum class MapImpl { Classic, Swiss };
std::string_view ImplName(MapImpl impl); // "classic" / "swiss"

enum class LayoutSource { Dwarf, Builtin };
std::string_view SourceName(LayoutSource s); // "dwarf" / "builtin"

struct StructField {
  std::string name; // runtime name; nested struct members flattened "groups.data"
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct StructLayout {
  uint64_t size = 0;
  std::vector<StructField> fields; // declaration order
  const StructField *Find(std::string_view name) const {
    for (const auto &f : fields)
      if (f.name == name)
        return &f;
    return nullptr;
  }
};

// Classic hash maps: runtime/map.go (go1.18-1.23), runtime/map_noswiss.go (1.24-1.25).
struct ClassicLayout {
  // runtime.hmap: count, flags, B, noverflow, hash0, buckets, oldbuckets,
  // nevacuate, clearSeq (1.24+ noswiss only), extra.
  StructLayout hmap;
  uint64_t bucket_size = 0;  // maptype.bucketsize
  uint64_t keys_off = 8;     // offset of keys[8] in a bucket
  uint64_t key_size = 0;     // size of one key slot (8 when indirect)
  uint64_t elems_off = 0;    // offset of elems[8]
  uint64_t elem_size = 0;    // size of one elem slot (8 when indirect)
  uint64_t overflow_off = 0; // offset of the overflow pointer
  bool indirect_key = false;
  bool indirect_elem = false;
};

// Swiss tables: internal/runtime/maps (go1.24-1.27).
struct SwissLayout {
  // maps.Map: used, seed, dirPtr, dirLen, globalDepth, globalShift, writing,
  // tombstonePossible (1.25+), clearSeq.
  StructLayout map;
  // maps.table: used, capacity, growthLeft, localDepth, index, groups.data,
  // groups.lengthMask.
  StructLayout table;
  uint64_t group_size = 0;
  uint64_t ctrl_off = 0;
  // Slot i's key is at keys_off + i*key_stride, its elem at elems_off + i*elem_stride.
  // Interleaved groups: keys_off = 8, key_stride = elem_stride = slot size,
  // elems_off = 8 + elem offset in the slot. mapsplitgroup (1.27): KKKKVVVV.
  uint64_t keys_off = 8;
  uint64_t key_stride = 0;
  uint64_t elems_off = 0;
  uint64_t elem_stride = 0;
  uint64_t key_size = 0;  // stored size (8 when indirect)
  uint64_t elem_size = 0; // stored size (8 when indirect)
  bool indirect_key = false;
  bool indirect_elem = false;
  bool split_group = false;
};

struct MapLayout {
  MapImpl impl = MapImpl::Classic;
  LayoutSource source = LayoutSource::Builtin;
  GoVersion version;
  const Type *key = nullptr;  // logical key type K
  const Type *elem = nullptr; // logical value type V
  ClassicLayout classic;
  SwissLayout swiss;
};

// Which implementation a Go version uses by default, honouring experiments
// (noswissmap in 1.24/1.25). nullopt with *why set for unsupported versions.
std::optional<MapImpl> DefaultImpl(const GoVersion &v, std::string *why);

// Built-in layout tables, the labelled fallback when the binary's DWARF lacks
// the synthesized map types (stripped binaries). Geometry is computed from the
// key and elem types' size and alignment the way cmd/compile does it.
std::optional<MapLayout> BuiltinLayout(const GoVersion &v, const Type *key, const Type *elem,
                                       std::string *why);

// Layout from the debug-info types of a map (DWARF in LLDB, gdb.Type in GDB):
// `map_type` is a Kind::Map type whose map_header is the linker-synthesized
// hash<K,V> (classic) or map<K,V> (swiss) struct, reached through buckets /
// dirPtr to bucket<K,V> or table<K,V> and the group struct. The implementation
// is chosen from the fields present, never from the version (as Delve does).
std::optional<MapLayout> LayoutFromTypes(const Type *map_type, const GoVersion &v,
                                         std::string *why);

// Layouts by map type, with one policy for every frontend: the binary's
// debug-info types first, the built-in tables as the labelled fallback (or
// alone, with `builtin`). Memoized; returned pointers stay valid.
// Gives the layout of a map type met inside a value (nested maps, map values
// reached by a walk); the debugger-side type source implements it.
class MapLayoutProvider {
public:
  virtual ~MapLayoutProvider() = default;
  // nullptr when the layout is unknown; the caller then reports it.
  virtual const MapLayout *ForMapType(const Type *map_type) = 0;
};

class LayoutCache {
public:
  const MapLayout *Get(const Type *map_type, const GoVersion &v, bool builtin, std::string *why);

private:
  struct Cached {
    std::optional<MapLayout> layout;
    std::string error;
  };
  std::map<std::pair<const Type *, bool>, Cached> cache_;
};

} // namespace gomap

#endif
