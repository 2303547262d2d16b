// Tests of the built-in map layout tables against the reference's computed
// examples.
#include <gtest/gtest.h>

#include "core/map_layout.h"
#include "image_builder.h"

namespace gomap {
namespace {

using testing::MustLayout;
using testing::TestTypes;

std::optional<MapImpl> Impl(const char *v) {
  std::string why;
  return DefaultImpl(GoVersion::Parse(v), &why);
}

TEST(LayoutTest, Names) {
  EXPECT_EQ(ImplName(MapImpl::Classic), "classic");
  EXPECT_EQ(ImplName(MapImpl::Swiss), "swiss");
  EXPECT_EQ(SourceName(LayoutSource::Dwarf), "dwarf");
  EXPECT_EQ(SourceName(LayoutSource::Builtin), "builtin");
}

TEST(LayoutTest, DefaultImplByVersion) {
  EXPECT_EQ(Impl("go1.19.8"), MapImpl::Classic);
  EXPECT_EQ(Impl("go1.23.12"), MapImpl::Classic);
  EXPECT_EQ(Impl("go1.24.0"), MapImpl::Swiss);
  EXPECT_EQ(Impl("go1.24.13 X:noswissmap"), MapImpl::Classic);
  EXPECT_EQ(Impl("go1.25.1 X:noswissmap,nosynchashtriemap"), MapImpl::Classic);
  EXPECT_EQ(Impl("go1.25.1"), MapImpl::Swiss);
  EXPECT_EQ(Impl("go1.26.0"), MapImpl::Swiss);
  EXPECT_EQ(Impl("go1.26.0 X:noswissmap"), MapImpl::Swiss); // experiment gone
  EXPECT_EQ(Impl("go1.27rc2 X:mapsplitgroup"), MapImpl::Swiss);
}

TEST(LayoutTest, RefusesOutsideWindow) {
  TestTypes t;
  for (const char *v : {"go1.18.10", "go1.28.0", "devel", ""}) {
    std::string why;
    EXPECT_FALSE(DefaultImpl(GoVersion::Parse(v), &why)) << v;
    EXPECT_FALSE(why.empty()) << v;
    why.clear();
    EXPECT_FALSE(BuiltinLayout(GoVersion::Parse(v), t.int64_, t.int64_, &why)) << v;
    EXPECT_FALSE(why.empty()) << v;
  }
  std::string why;
  EXPECT_FALSE(BuiltinLayout(GoVersion::Parse("go1.22.0"), nullptr, t.int64_, &why));
}

TEST(LayoutTest, BuiltinIsLabelled) {
  TestTypes t;
  MapLayout l = MustLayout("go1.22.0", t.int64_, t.int64_);
  EXPECT_EQ(l.source, LayoutSource::Builtin);
  EXPECT_EQ(l.key, t.int64_);
  EXPECT_EQ(l.elem, t.int64_);
  EXPECT_EQ(l.version.minor, 22);
}

struct ClassicCase {
  const Type *k, *v;
  uint64_t bucket, keys, elems, ovf;
};

TEST(LayoutTest, ClassicBuckets) {
  TestTypes t;
  // reference §1.3 computed examples
  ClassicCase cases[] = {
      {t.int64_, t.int64_, 144, 8, 72, 136}, {t.string_, t.int_, 208, 8, 136, 200},
      {t.int64_, t.int8_, 88, 8, 72, 80},    {t.uint8_, t.uint8_, 32, 8, 16, 24},
      {t.any_, t.any_, 272, 8, 136, 264},    {t.string_, t.empty_, 144, 8, 136, 136},
  };
  for (const auto &c : cases) {
    MapLayout l = MustLayout("go1.19.8", c.k, c.v);
    SCOPED_TRACE(c.k->name + "/" + c.v->name);
    EXPECT_EQ(l.impl, MapImpl::Classic);
    EXPECT_EQ(l.classic.bucket_size, c.bucket);
    EXPECT_EQ(l.classic.keys_off, c.keys);
    EXPECT_EQ(l.classic.elems_off, c.elems);
    EXPECT_EQ(l.classic.overflow_off, c.ovf);
    EXPECT_FALSE(l.classic.indirect_key);
    EXPECT_FALSE(l.classic.indirect_elem);
  }
}

TEST(LayoutTest, ClassicIndirect) {
  TestTypes t;
  MapLayout l = MustLayout("go1.21.0", t.big_, t.big_);
  EXPECT_TRUE(l.classic.indirect_key);
  EXPECT_TRUE(l.classic.indirect_elem);
  EXPECT_EQ(l.classic.key_size, 8u);
  EXPECT_EQ(l.classic.elem_size, 8u);
  EXPECT_EQ(l.classic.bucket_size, 144u);
  // exactly 128 bytes stays inline
  TypeTable tt;
  const Type *b128 = tt.New(Kind::Array, "[128]uint8", 128, 1);
  MapLayout l2 = MustLayout("go1.21.0", b128, t.int8_);
  EXPECT_FALSE(l2.classic.indirect_key);
  EXPECT_EQ(l2.classic.bucket_size, 8u + 1024 + 8 + 8);
}

TEST(LayoutTest, ClassicHmapByVersion) {
  TestTypes t;
  MapLayout old = MustLayout("go1.23.0", t.int64_, t.int64_);
  EXPECT_EQ(old.classic.hmap.size, 48u);
  EXPECT_EQ(old.classic.hmap.Find("clearSeq"), nullptr);
  EXPECT_EQ(old.classic.hmap.Find("extra")->offset, 0x28u);
  EXPECT_EQ(old.classic.hmap.Find("B")->offset, 9u);
  EXPECT_EQ(old.classic.hmap.Find("nevacuate")->offset, 0x20u);

  MapLayout ns = MustLayout("go1.24.2 X:noswissmap", t.int64_, t.int64_);
  ASSERT_EQ(ns.impl, MapImpl::Classic);
  EXPECT_EQ(ns.classic.hmap.size, 56u);
  ASSERT_NE(ns.classic.hmap.Find("clearSeq"), nullptr);
  EXPECT_EQ(ns.classic.hmap.Find("clearSeq")->offset, 0x28u);
  EXPECT_EQ(ns.classic.hmap.Find("extra")->offset, 0x30u);
}

TEST(LayoutTest, SwissHeaderByVersion) {
  TestTypes t;
  MapLayout l24 = MustLayout("go1.24.0", t.int64_, t.int64_);
  EXPECT_EQ(l24.swiss.map.size, 48u);
  EXPECT_EQ(l24.swiss.map.Find("tombstonePossible"), nullptr);
  EXPECT_EQ(l24.swiss.map.Find("clearSeq")->offset, 0x28u);
  EXPECT_EQ(l24.swiss.map.Find("writing")->offset, 0x22u);

  for (const char *v : {"go1.25.0", "go1.26.1", "go1.27.0"}) {
    MapLayout l = MustLayout(v, t.int64_, t.int64_);
    ASSERT_NE(l.swiss.map.Find("tombstonePossible"), nullptr) << v;
    EXPECT_EQ(l.swiss.map.Find("tombstonePossible")->offset, 0x23u);
    EXPECT_EQ(l.swiss.table.size, 32u);
    const std::pair<const char *, uint64_t> fields[] = {
        {"used", 0},  {"capacity", 2},     {"growthLeft", 4},        {"localDepth", 6},
        {"index", 8}, {"groups.data", 16}, {"groups.lengthMask", 24}};
    for (const auto &[name, off] : fields) {
      ASSERT_NE(l.swiss.table.Find(name), nullptr) << name;
      EXPECT_EQ(l.swiss.table.Find(name)->offset, off) << name;
    }
  }
}

struct SwissCase {
  const Type *k, *v;
  uint64_t slot, elem_off, group;                // interleaved
  uint64_t split_group, split_keys, split_elems; // 1.27 mapsplitgroup
};

TEST(LayoutTest, SwissGroups) {
  TestTypes t;
  // reference §2.4 table
  SwissCase cases[] = {
      {t.int64_, t.int64_, 16, 8, 136, 136, 8, 72},  {t.string_, t.int_, 24, 16, 200, 200, 8, 136},
      {t.int64_, t.int8_, 16, 8, 136, 80, 8, 72},    {t.uint8_, t.uint8_, 2, 1, 24, 24, 8, 16},
      {t.int32_, t.string_, 24, 8, 200, 168, 8, 40}, {t.any_, t.any_, 32, 16, 264, 264, 8, 136},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.k->name + "/" + c.v->name);
    for (const char *v : {"go1.24.0", "go1.26.0", "go1.27.0"}) {
      MapLayout l = MustLayout(v, c.k, c.v);
      EXPECT_FALSE(l.swiss.split_group);
      EXPECT_EQ(l.swiss.group_size, c.group) << v;
      EXPECT_EQ(l.swiss.ctrl_off, 0u);
      EXPECT_EQ(l.swiss.keys_off, 8u);
      EXPECT_EQ(l.swiss.key_stride, c.slot);
      EXPECT_EQ(l.swiss.elem_stride, c.slot);
      EXPECT_EQ(l.swiss.elems_off, 8 + c.elem_off);
    }
    MapLayout s = MustLayout("go1.27.1 X:mapsplitgroup", c.k, c.v);
    EXPECT_TRUE(s.swiss.split_group);
    EXPECT_EQ(s.swiss.group_size, c.split_group);
    EXPECT_EQ(s.swiss.keys_off, c.split_keys);
    EXPECT_EQ(s.swiss.elems_off, c.split_elems);
    EXPECT_EQ(s.swiss.key_stride, c.k->size);
    EXPECT_EQ(s.swiss.elem_stride, c.v->size);
  }
}

TEST(LayoutTest, SwissSplitGroupOnlyFrom127) {
  TestTypes t;
  MapLayout l = MustLayout("go1.26.0 X:mapsplitgroup", t.int64_, t.int8_);
  EXPECT_FALSE(l.swiss.split_group);
  EXPECT_EQ(l.swiss.group_size, 136u);
}

TEST(LayoutTest, SwissZeroSizedFieldsPadding) {
  TestTypes t;
  // slot struct{key int64; elem struct{}} ends in a zero-sized field: 8+1 -> 16
  MapLayout set = MustLayout("go1.26.0", t.int64_, t.empty_);
  EXPECT_EQ(set.swiss.key_stride, 16u);
  EXPECT_EQ(set.swiss.elems_off, 16u);
  EXPECT_EQ(set.swiss.group_size, 136u);
  // both zero-sized: slots are empty, the group ends in a zero-sized array ->
  // 16
  MapLayout zz = MustLayout("go1.26.0", t.empty_, t.empty_);
  EXPECT_EQ(zz.swiss.key_stride, 0u);
  EXPECT_EQ(zz.swiss.group_size, 16u);
  // split group: elems [8]struct{} last -> padded
  MapLayout sp = MustLayout("go1.27.0 X:mapsplitgroup", t.int64_, t.empty_);
  EXPECT_EQ(sp.swiss.group_size, 80u);
  EXPECT_EQ(sp.swiss.elems_off, 72u);
}

TEST(LayoutTest, SwissIndirect) {
  TestTypes t;
  MapLayout l = MustLayout("go1.26.0", t.big_, t.int8_);
  EXPECT_TRUE(l.swiss.indirect_key);
  EXPECT_FALSE(l.swiss.indirect_elem);
  EXPECT_EQ(l.swiss.key_size, 8u);
  EXPECT_EQ(l.swiss.key_stride, 16u);
  EXPECT_EQ(l.swiss.group_size, 136u);
}

} // namespace
} // namespace gomap
