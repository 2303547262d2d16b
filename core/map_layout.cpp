// Built-in map layout tables: which implementation a Go version uses and the
// header/bucket/group geometry cmd/compile would give a map[K]V (linux/amd64).
#include "map_layout.h"

#include <algorithm>

namespace gomap {

std::string_view ImplName(MapImpl impl) {
  switch (impl) {
  case MapImpl::Classic:
    return "classic";
  case MapImpl::Swiss:
    return "swiss";
  }
  return "unknown";
}

std::string_view SourceName(LayoutSource s) {
  switch (s) {
  case LayoutSource::Dwarf:
    return "dwarf";
  case LayoutSource::Builtin:
    return "builtin";
  }
  return "unknown";
}

std::optional<MapImpl> DefaultImpl(const GoVersion &v, std::string *why) {
  if (!v.Known()) {
    if (why)
      *why = "unknown Go version '" + v.raw + "': cannot choose a map layout";
    return std::nullopt;
  }
  std::string unsupported = CheckSupported(v);
  if (!unsupported.empty()) {
    if (why)
      *why = unsupported;
    return std::nullopt;
  }
  // BACKCOMPAT(go1.23): classic maps are the only implementation before 1.24.
  if (!v.AtLeast(1, 24))
    return MapImpl::Classic;
  // BACKCOMPAT(go1.25): GOEXPERIMENT=noswissmap; the experiment is gone
  // in 1.26.
  if (!v.AtLeast(1, 26) && v.HasExperiment("noswissmap"))
    return MapImpl::Classic;
  return MapImpl::Swiss;
}

namespace {

constexpr uint64_t kPtrSize = 8;
constexpr uint64_t kSlots = 8;   // abi.MapBucketCount / abi.MapGroupSlots
constexpr uint64_t kMaxKV = 128; // abi.MapMaxKeyBytes / MapMaxElemBytes

uint64_t RoundUp(uint64_t v, uint64_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

struct Shape {
  uint64_t size = 0;
  uint64_t align = 1;
};

// The stored form of a key or elem: a pointer when larger than 128 bytes.
Shape Stored(const Type *t, bool *indirect) {
  *indirect = t->size > kMaxKV;
  if (*indirect)
    return {kPtrSize, kPtrSize};
  return {t->size, std::max<uint64_t>(1, t->align)};
}

Shape ArrayOf(Shape s, uint64_t n) { return {s.size * n, s.align}; }

// Go struct layout (cmd/compile/internal/types/size.go CalcStructSize): fields
// at their alignment; a non-zero-sized struct ending in a zero-sized field gets
// one byte of padding (issue 9401); the size rounds up to the struct's
// alignment.
Shape StructOf(const std::vector<Shape> &fields, std::vector<uint64_t> *offsets) {
  uint64_t off = 0, align = 1;
  offsets->clear();
  for (const auto &f : fields) {
    off = RoundUp(off, f.align);
    offsets->push_back(off);
    off += f.size;
    align = std::max(align, f.align);
  }
  if (off > 0 && !fields.empty() && fields.back().size == 0)
    ++off;
  return {RoundUp(off, align), align};
}

StructLayout Fields(std::initializer_list<StructField> fields, uint64_t size) {
  StructLayout s;
  s.size = size;
  s.fields.assign(fields.begin(), fields.end());
  return s;
}

// runtime.hmap: runtime/map.go (go1.18-1.23), runtime/map_noswiss.go
// (1.24-1.25).
StructLayout HmapLayout(const GoVersion &v) {
  if (v.AtLeast(1, 24)) // map_noswiss.go added clearSeq
    return Fields({{"count", 0x00, 8},
                   {"flags", 0x08, 1},
                   {"B", 0x09, 1},
                   {"noverflow", 0x0a, 2},
                   {"hash0", 0x0c, 4},
                   {"buckets", 0x10, 8},
                   {"oldbuckets", 0x18, 8},
                   {"nevacuate", 0x20, 8},
                   {"clearSeq", 0x28, 8},
                   {"extra", 0x30, 8}},
                  56);
  // BACKCOMPAT(go1.23)
  return Fields({{"count", 0x00, 8},
                 {"flags", 0x08, 1},
                 {"B", 0x09, 1},
                 {"noverflow", 0x0a, 2},
                 {"hash0", 0x0c, 4},
                 {"buckets", 0x10, 8},
                 {"oldbuckets", 0x18, 8},
                 {"nevacuate", 0x20, 8},
                 {"extra", 0x28, 8}},
                48);
}

// maps.Map: internal/runtime/maps/map.go (go1.24-1.27).
StructLayout SwissMapLayout(const GoVersion &v) {
  StructLayout s = Fields({{"used", 0x00, 8},
                           {"seed", 0x08, 8},
                           {"dirPtr", 0x10, 8},
                           {"dirLen", 0x18, 8},
                           {"globalDepth", 0x20, 1},
                           {"globalShift", 0x21, 1},
                           {"writing", 0x22, 1}},
                          48);
  if (v.AtLeast(1, 25))
    s.fields.push_back({"tombstonePossible", 0x23, 1});
  s.fields.push_back({"clearSeq", 0x28, 8});
  return s;
}

// maps.table: internal/runtime/maps/table.go (go1.24-1.27).
StructLayout SwissTableLayout() {
  return Fields({{"used", 0x00, 2},
                 {"capacity", 0x02, 2},
                 {"growthLeft", 0x04, 2},
                 {"localDepth", 0x06, 1},
                 {"index", 0x08, 8},
                 {"groups.data", 0x10, 8},
                 {"groups.lengthMask", 0x18, 8}},
                32);
}

// Mirrors MapBucketType in cmd/compile/internal/reflectdata/reflect.go
// (go1.18-1.25): struct { topbits [8]uint8; keys [8]K; elems [8]V; overflow ptr
// }.
ClassicLayout ClassicGeometry(const GoVersion &v, const Type *key, const Type *elem) {
  ClassicLayout c;
  c.hmap = HmapLayout(v);
  Shape k = Stored(key, &c.indirect_key);
  Shape e = Stored(elem, &c.indirect_elem);
  std::vector<uint64_t> off;
  Shape bucket = StructOf(
      {ArrayOf({1, 1}, kSlots), ArrayOf(k, kSlots), ArrayOf(e, kSlots), {kPtrSize, kPtrSize}},
      &off);
  c.bucket_size = bucket.size;
  c.keys_off = off[1];
  c.key_size = k.size;
  c.elems_off = off[2];
  c.elem_size = e.size;
  c.overflow_off = off[3];
  return c;
}

// Mirrors MapGroupType in cmd/compile/internal/reflectdata/map_swiss.go
// (go1.24-1.25) and map.go (go1.26-1.27, incl. GOEXPERIMENT=mapsplitgroup).
SwissLayout SwissGeometry(const GoVersion &v, const Type *key, const Type *elem) {
  SwissLayout s;
  s.map = SwissMapLayout(v);
  s.table = SwissTableLayout();
  Shape k = Stored(key, &s.indirect_key);
  Shape e = Stored(elem, &s.indirect_elem);
  s.key_size = k.size;
  s.elem_size = e.size;
  s.ctrl_off = 0;
  std::vector<uint64_t> off;
  s.split_group = v.AtLeast(1, 27) && v.HasExperiment("mapsplitgroup");
  if (s.split_group) {
    // group { ctrl uint64; keys [8]K; elems [8]V }
    Shape group = StructOf({{8, 8}, ArrayOf(k, kSlots), ArrayOf(e, kSlots)}, &off);
    s.group_size = group.size;
    s.keys_off = off[1];
    s.key_stride = k.size;
    s.elems_off = off[2];
    s.elem_stride = e.size;
    return s;
  }
  // group { ctrl uint64; slots [8]struct{ key K; elem V } }
  std::vector<uint64_t> slot_off;
  Shape slot = StructOf({k, e}, &slot_off);
  Shape group = StructOf({{8, 8}, ArrayOf(slot, kSlots)}, &off);
  s.group_size = group.size;
  s.keys_off = off[1];
  s.key_stride = slot.size;
  s.elems_off = off[1] + slot_off[1];
  s.elem_stride = slot.size;
  return s;
}

} // namespace

std::optional<MapLayout> BuiltinLayout(const GoVersion &v, const Type *key, const Type *elem,
                                       std::string *why) {
  std::optional<MapImpl> impl = DefaultImpl(v, why);
  if (!impl)
    return std::nullopt;
  if (key == nullptr || elem == nullptr) {
    if (why)
      *why = "map key or elem type unknown";
    return std::nullopt;
  }
  MapLayout layout;
  layout.impl = *impl;
  layout.source = LayoutSource::Builtin;
  layout.version = v;
  layout.key = key;
  layout.elem = elem;
  if (*impl == MapImpl::Classic)
    layout.classic = ClassicGeometry(v, key, elem);
  else
    layout.swiss = SwissGeometry(v, key, elem);
  return layout;
}

} // namespace gomap
