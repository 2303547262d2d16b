// Synthetic target images for unit tests: a bump allocator over ImageReader
// regions, and builders for classic (hmap/buckets) and swiss (Map/dir/tables/
// groups) maps laid out by the core's MapLayout.
#ifndef GOMAP_TESTS_UNIT_IMAGE_BUILDER_H
#define GOMAP_TESTS_UNIT_IMAGE_BUILDER_H

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/map.h"
#include "core/target.h"
#include "core/types.h"
#include "core/value.h"

namespace gomap::testing {

// Target memory under construction. Allocations are separated by unmapped
// gaps, so any read past an object is a short read, as in a real process.
class Image {
public:
  uint64_t Alloc(uint64_t n, uint64_t align = 16) {
    next_ = (next_ + align - 1) / align * align;
    uint64_t addr = next_;
    segs_[addr] = std::vector<uint8_t>(n);
    next_ += n + 256;
    return addr;
  }
  void Write(uint64_t addr, const void *src, size_t n) {
    auto it = segs_.upper_bound(addr);
    if (it == segs_.begin()) {
      ADD_FAILURE() << "write to unmapped 0x" << std::hex << addr;
      return;
    }
    --it;
    if (addr + n > it->first + it->second.size()) {
      ADD_FAILURE() << "write past segment at 0x" << std::hex << addr;
      return;
    }
    std::memcpy(it->second.data() + (addr - it->first), src, n);
  }
  template <typename T> void Put(uint64_t addr, T v) { Write(addr, &v, sizeof v); }
  void Put64(uint64_t addr, uint64_t v) { Put<uint64_t>(addr, v); }
  uint8_t Get8(uint64_t addr) const {
    auto it = --segs_.upper_bound(addr);
    return it->second[addr - it->first];
  }
  // Makes [addr, addr+n) unreadable (splits the segment that holds it).
  void Punch(uint64_t addr, uint64_t n) {
    auto it = --segs_.upper_bound(addr);
    uint64_t start = it->first;
    std::vector<uint8_t> bytes = std::move(it->second);
    segs_.erase(it);
    uint64_t lo = addr - start, hi = lo + n;
    if (lo > 0)
      segs_[start] = std::vector<uint8_t>(bytes.begin(), bytes.begin() + lo);
    if (hi < bytes.size())
      segs_[addr + n] = std::vector<uint8_t>(bytes.begin() + hi, bytes.end());
  }
  void Unmap(uint64_t addr) { segs_.erase(addr); }
  uint64_t String(const std::string &s) {
    uint64_t p = Alloc(s.size() + 1);
    Write(p, s.data(), s.size());
    return p;
  }
  ImageReader Reader() const {
    ImageReader r;
    for (const auto &[a, b] : segs_)
      r.Map(a, b);
    return r;
  }

private:
  std::map<uint64_t, std::vector<uint8_t>> segs_;
  uint64_t next_ = 0x100000;
};

// Counts Read calls, to check that decoders read in bulk.
class CountingReader final : public MemoryReader {
public:
  explicit CountingReader(MemoryReader &inner) : inner_(inner) {}
  size_t Read(uint64_t addr, void *dst, size_t n) override {
    ++reads;
    return inner_.Read(addr, dst, n);
  }
  size_t reads = 0;

private:
  MemoryReader &inner_;
};

// Runtime type descriptors and map layouts by hand, for decoders that look
// them up (interfaces, map arguments, nested maps).
struct FakeTypes final : TypeResolver {
  std::map<uint64_t, const Type *> by_desc;
  const Type *ByRuntimeType(uint64_t d) override {
    auto it = by_desc.find(d);
    return it == by_desc.end() ? nullptr : it->second;
  }
};

struct FakeLayouts final : MapLayoutProvider {
  std::map<const Type *, MapLayout> layouts;
  const MapLayout *ForMapType(const Type *t) override {
    auto it = layouts.find(t);
    return it == layouts.end() ? nullptr : &it->second;
  }
};

// Go types used by the tests (linux/amd64 sizes).
struct TestTypes {
  TypeTable table;
  const Type *int64_, *int_, *int8_, *uint8_, *int32_, *string_, *empty_, *any_, *big_;
  TestTypes() {
    int64_ = table.New(Kind::Int64, "int64", 8, 8);
    int_ = table.New(Kind::Int, "int", 8, 8);
    int8_ = table.New(Kind::Int8, "int8", 1, 1);
    uint8_ = table.New(Kind::Uint8, "uint8", 1, 1);
    int32_ = table.New(Kind::Int32, "int32", 4, 4);
    string_ = table.New(Kind::String, "string", 16, 8);
    empty_ = table.New(Kind::Struct, "struct {}", 0, 1);
    any_ = table.New(Kind::Interface, "interface {}", 16, 8);
    big_ = table.New(Kind::Struct, "main.Big", 200, 8); // > 128: stored indirectly
  }
};

inline MapLayout MustLayout(const char *version, const Type *k, const Type *v) {
  std::string why;
  auto l = BuiltinLayout(GoVersion::Parse(version), k, v, &why);
  if (!l) {
    ADD_FAILURE() << "no layout for " << version << ": " << why;
    return MapLayout{};
  }
  return *l;
}

// Builds classic buckets. Keys/elems are given as the logical value's bytes;
// indirect slots get a separate allocation holding them.
class ClassicBuilder {
public:
  ClassicBuilder(Image &img, const MapLayout &l) : img_(img), c_(l.classic), l_(l) {}

  uint64_t Buckets(unsigned b) { return img_.Alloc((uint64_t(1) << b) * c_.bucket_size, 8); }
  uint64_t Bucket(uint64_t array, uint64_t i) const { return array + i * c_.bucket_size; }
  // Appends a fresh overflow bucket after `bucket` (whose empty slots stop
  // being emptyRest, as in the runtime).
  uint64_t Overflow(uint64_t bucket) {
    MarkEmptyOne(bucket, 8);
    uint64_t o = img_.Alloc(c_.bucket_size, 8);
    img_.Put64(bucket + c_.overflow_off, o);
    return o;
  }
  void Top(uint64_t bucket, int slot, uint8_t tophash) {
    img_.Put<uint8_t>(bucket + slot, tophash);
  }
  void Set(uint64_t bucket, int slot, const void *key, const void *elem, uint8_t tophash = 0x80) {
    MarkEmptyOne(bucket, slot);
    Top(bucket, slot, tophash);
    Slot(bucket + c_.keys_off + slot * c_.key_size, key, l_.key->size, c_.indirect_key);
    Slot(bucket + c_.elems_off + slot * c_.elem_size, elem, l_.elem->size, c_.indirect_elem);
  }
  void SetInt(uint64_t bucket, int slot, int64_t k, int64_t v, uint8_t tophash = 0x80) {
    Set(bucket, slot, &k, &v, tophash);
  }
  uint64_t Hmap(uint64_t count, uint8_t flags, uint8_t b, uint64_t buckets, uint64_t oldbuckets = 0,
                uint64_t nevacuate = 0) {
    uint64_t h = img_.Alloc(c_.hmap.size, 8);
    auto put = [&](const char *name, uint64_t v) {
      const StructField *f = c_.hmap.Find(name);
      ASSERT_NE(f, nullptr) << name;
      img_.Write(h + f->offset, &v, f->size);
    };
    put("count", count);
    put("flags", flags);
    put("B", b);
    put("hash0", 0x1234);
    put("buckets", buckets);
    put("oldbuckets", oldbuckets);
    put("nevacuate", nevacuate);
    return h;
  }

private:
  void MarkEmptyOne(uint64_t bucket, int upto) {
    for (int j = 0; j < upto; ++j)
      if (img_.Get8(bucket + j) == 0)
        Top(bucket, j, 1);
  }
  void Slot(uint64_t at, const void *bytes, uint64_t size, bool indirect) {
    if (indirect) {
      uint64_t p = img_.Alloc(size, 8);
      img_.Write(p, bytes, size);
      img_.Put64(at, p);
    } else {
      img_.Write(at, bytes, size);
    }
  }
  Image &img_;
  ClassicLayout c_;
  MapLayout l_;
};

// Builds swiss groups, tables, directories and Map headers.
class SwissBuilder {
public:
  SwissBuilder(Image &img, const MapLayout &l) : img_(img), s_(l.swiss), l_(l) {}

  uint64_t Group() {
    uint64_t g = img_.Alloc(s_.group_size, 8);
    img_.Put64(g + s_.ctrl_off, 0x8080808080808080ull);
    return g;
  }
  // A table with `ngroups` empty groups; used/growthLeft follow Set/Tombstone.
  uint64_t Table(uint64_t ngroups, uint8_t local_depth, int64_t index) {
    uint64_t t = img_.Alloc(s_.table.size, 8);
    uint64_t data = img_.Alloc(ngroups * s_.group_size, 8);
    for (uint64_t g = 0; g < ngroups; ++g)
      img_.Put64(data + g * s_.group_size + s_.ctrl_off, 0x8080808080808080ull);
    uint64_t cap = ngroups * 8;
    uint64_t growth = cap <= 8 ? cap - 1 : cap * 7 / 8;
    Field(t, "used", 0);
    Field(t, "capacity", cap);
    Field(t, "growthLeft", growth);
    Field(t, "localDepth", local_depth);
    Field(t, "index", uint64_t(index));
    Field(t, "groups.data", data);
    Field(t, "groups.lengthMask", ngroups - 1);
    tables_[t] = data;
    return t;
  }
  uint64_t GroupAddr(uint64_t table, uint64_t g) const {
    return tables_.at(table) + g * s_.group_size;
  }
  void Field(uint64_t table, const char *name, uint64_t v) {
    const StructField *f = s_.table.Find(name);
    ASSERT_NE(f, nullptr) << name;
    img_.Write(table + f->offset, &v, f->size);
  }
  // Where slot `slot` of a group stores its key and its elem (the pointers, if indirect).
  uint64_t KeyAddr(uint64_t group, int slot) const {
    return group + s_.keys_off + slot * s_.key_stride;
  }
  uint64_t ElemAddr(uint64_t group, int slot) const {
    return group + s_.elems_off + slot * s_.elem_stride;
  }
  uint64_t TableField(const char *name) const { return s_.table.Find(name)->offset; }

  void SetInGroup(uint64_t group, int slot, const void *key, const void *elem, uint8_t h2 = 0x11) {
    img_.Put<uint8_t>(group + s_.ctrl_off + slot, h2);
    Slot(group + s_.keys_off + slot * s_.key_stride, key, l_.key->size, s_.indirect_key);
    Slot(group + s_.elems_off + slot * s_.elem_stride, elem, l_.elem->size, s_.indirect_elem);
  }
  void SetIntInGroup(uint64_t group, int slot, int64_t k, int64_t v) {
    SetInGroup(group, slot, &k, &v);
  }
  // Sets a slot of a table and keeps table.used / growthLeft in step.
  void SetInt(uint64_t table, uint64_t g, int slot, int64_t k, int64_t v) {
    SetIntInGroup(GroupAddr(table, g), slot, k, v);
    Bump(table, +1, -1);
  }
  // A tombstone: ctrlDeleted over stale key bytes.
  void Tombstone(uint64_t table, uint64_t g, int slot, int64_t stale_key) {
    uint64_t grp = GroupAddr(table, g);
    int64_t v = -1;
    SetIntInGroup(grp, slot, stale_key, v);
    img_.Put<uint8_t>(grp + s_.ctrl_off + slot, 0xFE);
    Bump(table, 0, -1); // consumed growthLeft, not used
  }
  uint64_t Dir(const std::vector<uint64_t> &tables) {
    uint64_t d = img_.Alloc(tables.size() * 8, 8);
    for (size_t i = 0; i < tables.size(); ++i)
      img_.Put64(d + i * 8, tables[i]);
    return d;
  }
  uint64_t Map(uint64_t used, uint64_t dir_ptr, uint64_t dir_len, uint8_t depth,
               uint8_t writing = 0) {
    uint64_t m = img_.Alloc(s_.map.size, 8);
    auto put = [&](const char *name, uint64_t v) {
      const StructField *f = s_.map.Find(name);
      ASSERT_NE(f, nullptr) << name;
      img_.Write(m + f->offset, &v, f->size);
    };
    put("used", used);
    put("seed", 0x5eed);
    put("dirPtr", dir_ptr);
    put("dirLen", dir_len);
    put("globalDepth", depth);
    put("globalShift", 64 - depth);
    put("writing", writing);
    return m;
  }
  uint64_t MapField(const char *name) const { return s_.map.Find(name)->offset; }

private:
  void Bump(uint64_t table, int du, int dg) {
    uint16_t used, growth;
    ImageReader r = img_.Reader();
    r.ReadScalar(table + TableField("used"), &used);
    r.ReadScalar(table + TableField("growthLeft"), &growth);
    Field(table, "used", uint16_t(used + du));
    Field(table, "growthLeft", uint16_t(growth + dg));
  }
  void Slot(uint64_t at, const void *bytes, uint64_t size, bool indirect) {
    if (indirect) {
      uint64_t p = img_.Alloc(size, 8);
      img_.Write(p, bytes, size);
      img_.Put64(at, p);
    } else {
      img_.Write(at, bytes, size);
    }
  }
  Image &img_;
  SwissLayout s_;
  MapLayout l_;
  std::map<uint64_t, uint64_t> tables_;
};

// Walks a map[int64]int64-like map (8-byte keys and elems read as int64).
struct Walk {
  std::multiset<std::pair<int64_t, int64_t>> entries;
  std::vector<Diagnostic> diags;
  bool truncated = false;
  uint64_t yielded = 0;
};

inline Walk WalkInts(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                     const Limits &limits = {}, uint64_t key_bytes = 8, uint64_t elem_bytes = 8) {
  Walk w;
  auto cur = OpenEntries(mem, layout, addr, limits);
  MapEntry e;
  uint64_t guard = 0;
  while (cur->Next(&e)) {
    int64_t k = 0, v = 0;
    EXPECT_TRUE(mem.ReadExact(e.key_addr, &k, key_bytes));
    EXPECT_TRUE(mem.ReadExact(e.elem_addr, &v, elem_bytes));
    w.entries.insert({k, v});
    if (++guard > 1000000) {
      ADD_FAILURE() << "cursor does not end";
      break;
    }
  }
  EXPECT_FALSE(cur->Next(&e)) << "cursor yields after its end";
  w.diags = cur->diagnostics().items();
  w.truncated = cur->truncated();
  w.yielded = cur->yielded();
  return w;
}

inline std::string DiagText(const std::vector<Diagnostic> &diags) {
  std::string s;
  for (const auto &d : diags)
    s += std::string(CodeName(d.code)) + ": " + d.message + "\n";
  return s;
}

// The first diagnostic with `code` whose message contains `needle`, or null.
inline const Diagnostic *FindDiag(const std::vector<Diagnostic> &diags, DiagCode code,
                                  const std::string &needle = "") {
  for (const auto &d : diags)
    if (d.code == code && d.message.find(needle) != std::string::npos)
      return &d;
  return nullptr;
}

inline std::multiset<std::pair<int64_t, int64_t>>
Pairs(std::initializer_list<std::pair<int64_t, int64_t>> l) {
  return {l.begin(), l.end()};
}

} // namespace gomap::testing

#endif
