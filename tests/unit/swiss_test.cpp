// Tests of the swiss-table decoder on synthetic images, sound and corrupt.
#include <gtest/gtest.h>

#include "core/bulk.h"
#include "core/map.h"
#include "core/swiss/map.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

class SwissTest : public ::testing::Test {
protected:
  TestTypes types;
  MapLayout layout = MustLayout("go1.26.0", types.int64_, types.int64_);
  Image img;
  SwissBuilder sb{img, layout};

  // A table of `ngroups` groups holding keys first..first+n-1 (value = -key).
  uint64_t FilledTable(uint64_t ngroups, uint8_t ld, int64_t index, int64_t first, int n,
                       std::multiset<std::pair<int64_t, int64_t>> *want) {
    uint64_t t = sb.Table(ngroups, ld, index);
    for (int i = 0; i < n; ++i) {
      // spread over groups, leaving holes
      uint64_t g = uint64_t(i) % ngroups;
      int slot = int(i / ngroups);
      sb.SetInt(t, g, slot, first + i, -(first + i));
      if (want)
        want->insert({first + i, -(first + i)});
    }
    return t;
  }
};

TEST_F(SwissTest, NilAndEmpty) {
  uint64_t m = sb.Map(0, 0, 0, 0);
  ImageReader r = img.Reader();
  for (uint64_t addr : {uint64_t(0), m}) {
    Walk w = WalkInts(r, layout, addr);
    EXPECT_TRUE(w.entries.empty());
    EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
  }
  DiagnosticSink sink;
  MapHeader h;
  ASSERT_TRUE(ReadHeader(r, layout, m, &h, sink));
  EXPECT_EQ(h.impl, MapImpl::Swiss);
  EXPECT_EQ(h.Get("seed"), 0x5eedu);
  EXPECT_EQ(h.Get("globalShift"), 64u);
  EXPECT_TRUE(h.flag_names.empty());
}

TEST_F(SwissTest, SmallMap) {
  uint64_t g = sb.Group();
  for (int i = 0; i < 5; ++i)
    sb.SetIntInGroup(g, i + 2, 100 + i, i); // slots 2..6
  uint64_t m = sb.Map(5, g, 0, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, Pairs({{100, 0}, {101, 1}, {102, 2}, {103, 3}, {104, 4}}));
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

// A small map (no directory) has globalDepth 0; 64 or 200 is a corrupt header.
TEST_F(SwissTest, SmallMapWithDepthIsImplausible) {
  for (uint8_t depth : {uint8_t(64), uint8_t(200)}) {
    uint64_t g = sb.Group();
    sb.SetIntInGroup(g, 0, 1, 1);
    uint64_t m = sb.Map(1, g, 0, depth);
    ImageReader r = img.Reader();
    DiagnosticSink sink;
    MapHeader h;
    ASSERT_TRUE(ReadHeader(r, layout, m, &h, sink));
    EXPECT_NE(FindDiag(sink.items(), DiagCode::Implausible,
                       "small map (dirLen 0) with globalDepth = " + std::to_string(depth)),
              nullptr)
        << DiagText(sink.items());
  }
}

TEST_F(SwissTest, SmallMapWithoutGroup) {
  uint64_t m = sb.Map(3, 0, 0, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_TRUE(w.entries.empty());
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "dirPtr nil"), nullptr) << DiagText(w.diags);
}

TEST_F(SwissTest, SingleTable) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t t = FilledTable(2, 0, 0, 1, 10, &want);
  uint64_t m = sb.Map(10, sb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

// globalDepth 2: table A (localDepth 1) fills dir 0 and 1; B and C one each.
TEST_F(SwissTest, DirectoryWithAliases) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t a = FilledTable(4, 1, 0, 100, 20, &want);
  uint64_t b = FilledTable(2, 2, 2, 200, 9, &want);
  uint64_t c = FilledTable(8, 2, 3, 300, 40, &want);
  uint64_t m = sb.Map(want.size(), sb.Dir({a, a, b, c}), 4, 2);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want); // a multiset: a duplicate would show
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

TEST_F(SwissTest, TombstonesSkipped) {
  uint64_t t = sb.Table(2, 0, 0);
  for (int i = 0; i < 8; ++i)
    sb.SetInt(t, 0, i, i, i);
  sb.Tombstone(t, 1, 0, 777);
  sb.SetInt(t, 1, 1, 8, 8);
  sb.Tombstone(t, 1, 2, 778);
  uint64_t m = sb.Map(9, sb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries.size(), 9u);
  EXPECT_EQ(w.entries.count({777, -1}), 0u);
  EXPECT_EQ(w.entries.count({778, -1}), 0u);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

TEST_F(SwissTest, WritingAndTombstoneFlags) {
  uint64_t g = sb.Group();
  sb.SetIntInGroup(g, 0, 1, 1);
  uint64_t m = sb.Map(1, g, 0, 0, 1);
  img.Put<uint8_t>(m + sb.MapField("tombstonePossible"), 1);
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader h;
  ASSERT_TRUE(ReadHeader(r, layout, m, &h, sink));
  EXPECT_TRUE(h.writing);
  EXPECT_EQ(h.flag_names, (std::vector<std::string>{"writing", "tombstonePossible"}));
  const Diagnostic *d = FindDiag(sink.items(), DiagCode::WritingFlagSet, "writing = 1");
  ASSERT_NE(d, nullptr) << DiagText(sink.items());
  EXPECT_EQ(d->severity, Severity::Warning);
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, Pairs({{1, 1}}));
  EXPECT_NE(FindDiag(w.diags, DiagCode::WritingFlagSet), nullptr);
}

TEST_F(SwissTest, IndirectElems) {
  MapLayout big = MustLayout("go1.25.0", types.int64_, types.big_);
  SwissBuilder bb(img, big);
  uint64_t g = bb.Group();
  for (int i = 0; i < 3; ++i) {
    int64_t k = i;
    uint8_t elem[200] = {};
    int64_t ev = 50 + i;
    std::memcpy(elem, &ev, 8);
    bb.SetInGroup(g, i, &k, elem);
  }
  uint64_t m = bb.Map(3, g, 0, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, big, m);
  EXPECT_EQ(w.entries, Pairs({{0, 50}, {1, 51}, {2, 52}}));
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

TEST_F(SwissTest, SplitGroupLayout) {
  MapLayout split = MustLayout("go1.27.0 X:mapsplitgroup", types.int64_, types.int8_);
  ASSERT_TRUE(split.swiss.split_group);
  SwissBuilder bb(img, split);
  uint64_t t = bb.Table(2, 0, 0);
  for (int i = 0; i < 10; ++i) {
    int64_t k = 1000 + i;
    int8_t v = int8_t(i);
    bb.SetInGroup(bb.GroupAddr(t, i % 2), i / 2, &k, &v);
  }
  bb.Field(t, "used", 10);
  bb.Field(t, "growthLeft", 4);
  uint64_t m = bb.Map(10, bb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, split, m, Limits{}, 8, 1);
  std::multiset<std::pair<int64_t, int64_t>> want;
  for (int i = 0; i < 10; ++i)
    want.insert({1000 + i, i});
  EXPECT_EQ(w.entries, want);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

TEST_F(SwissTest, DirLenDoesNotMatchGlobalDepth) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t a = FilledTable(2, 2, 0, 10, 3, &want);
  uint64_t b = FilledTable(2, 2, 1, 20, 3, &want);
  uint64_t c = FilledTable(2, 2, 2, 30, 3, &want);
  uint64_t m = sb.Map(9, sb.Dir({a, b, c}), 3, 2);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want); // partial results: the 3 entries that exist
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "dirLen = 3 does not match globalDepth = 2"),
            nullptr)
      << DiagText(w.diags);
}

TEST_F(SwissTest, GlobalShiftMismatch) {
  uint64_t t = FilledTable(2, 0, 0, 1, 2, nullptr);
  uint64_t m = sb.Map(2, sb.Dir({t}), 1, 0);
  img.Put<uint8_t>(m + sb.MapField("globalShift"), 63);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries.size(), 2u);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "globalShift = 63"), nullptr)
      << DiagText(w.diags);
}

TEST_F(SwissTest, HugeDirLenIsCut) {
  uint64_t t = FilledTable(2, 0, 0, 1, 2, nullptr);
  uint64_t m = sb.Map(2, sb.Dir({t}), uint64_t(1) << 40, 40);
  ImageReader r = img.Reader();
  Limits lim;
  lim.max_dir_len = 1 << 10;
  Walk w = WalkInts(r, layout, m, lim);
  EXPECT_EQ(w.entries.size(), 2u);
  EXPECT_FALSE(w.truncated); // not a work limit: what memory holds was walked
  // Cut by evidence first (the directory is one table pointer, probed to the
  // page); the dir-length limit then has nothing left to cut.
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible,
                     "dirLen = 1099511627776 claims 1099511627776 directory entries"),
            nullptr)
      << DiagText(w.diags);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Unreadable, "dirs 1-"), nullptr) << DiagText(w.diags);
}

TEST_F(SwissTest, UsedGreaterThanCapacity) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t t = FilledTable(2, 0, 0, 1, 12, &want);
  sb.Field(t, "used", 20);
  uint64_t m = sb.Map(20, sb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want);
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Implausible, "table 0 (dir 0) at");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_NE(d->message.find("used = 20 > capacity = 16"), std::string::npos);
  EXPECT_EQ(d->address, t);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Inconsistent,
                     "table 0 (dir 0) at " + detail::Hex(t) + ": found 12"),
            nullptr)
      << DiagText(w.diags);
}

TEST_F(SwissTest, TableIndexPointsElsewhere) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t a = FilledTable(2, 1, 0, 10, 4, &want);
  uint64_t b = FilledTable(2, 1, 0, 20, 4, &want); // claims dir 0, sits at dir 1
  uint64_t m = sb.Map(8, sb.Dir({a, b}), 2, 1);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want); // still visited once, for partial results
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Inconsistent, "dir 1: table at");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_NE(d->message.find("has index 0"), std::string::npos);
  EXPECT_EQ(d->address, b);
}

TEST_F(SwissTest, AliasOutsideItsSpan) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t a = FilledTable(2, 2, 0, 10, 4, &want); // localDepth 2: covers dir 0 only
  uint64_t m = sb.Map(4, sb.Dir({a, a}), 2, 1);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "localDepth = 2 > globalDepth = 1"), nullptr)
      << DiagText(w.diags);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Inconsistent, "dir 1: table at"), nullptr)
      << DiagText(w.diags);
}

TEST_F(SwissTest, StaleTableInDirectory) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t a = FilledTable(2, 1, 0, 10, 4, &want);
  uint64_t b = FilledTable(2, 1, -1, 20, 4, &want);
  uint64_t m = sb.Map(8, sb.Dir({a, b}), 2, 1);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want);
  const Diagnostic *d = FindDiag(w.diags, DiagCode::StaleBucketPointer, "dir 1");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_EQ(d->address, b);
}

TEST_F(SwissTest, NilTableInDirectory) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t a = FilledTable(2, 1, 0, 10, 4, &want);
  uint64_t m = sb.Map(8, sb.Dir({a, 0}), 2, 1);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "dir 1: table pointer 0x0"), nullptr)
      << DiagText(w.diags);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Inconsistent, "tables' used sum to 4"), nullptr);
}

TEST_F(SwissTest, UnreadableGroup) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t t = sb.Table(4, 0, 0);
  for (int g = 0; g < 4; ++g)
    for (int i = 0; i < 3; ++i) {
      sb.SetInt(t, g, i, g * 10 + i, 0);
      if (g != 2)
        want.insert({g * 10 + i, 0});
    }
  img.Punch(sb.GroupAddr(t, 2), layout.swiss.group_size);
  uint64_t m = sb.Map(12, sb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, want);
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Unreadable, "table 0 (dir 0), group 2 at");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_EQ(d->address, sb.GroupAddr(t, 2));
}

TEST_F(SwissTest, UnreadableTableAndDirectory) {
  uint64_t t = FilledTable(2, 0, 0, 1, 3, nullptr);
  uint64_t m = sb.Map(3, sb.Dir({t}), 1, 0);
  img.Unmap(t);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_TRUE(w.entries.empty());
  EXPECT_NE(FindDiag(w.diags, DiagCode::Unreadable, "dir 0: table at"), nullptr)
      << DiagText(w.diags);

  uint64_t d = sb.Dir({t, t});
  uint64_t m2 = sb.Map(3, d, 2, 1);
  img.Unmap(d);
  ImageReader r2 = img.Reader();
  Walk w2 = WalkInts(r2, layout, m2);
  EXPECT_NE(FindDiag(w2.diags, DiagCode::Implausible,
                     "claims 2 directory entries at " + detail::Hex(d) +
                         ", but only 0 are in readable memory"),
            nullptr)
      << DiagText(w2.diags);
}

TEST_F(SwissTest, LengthMaskNotPowerOfTwo) {
  uint64_t t = FilledTable(4, 0, 0, 1, 6, nullptr);
  sb.Field(t, "groups.lengthMask", 2);
  uint64_t m = sb.Map(6, sb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  // capacity (32) is believable: the walk uses its 4 groups
  EXPECT_EQ(w.entries.size(), 6u);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "lengthMask+1 is not a power of two"), nullptr)
      << DiagText(w.diags);
}

TEST_F(SwissTest, InvalidCtrlByte) {
  uint64_t g = sb.Group();
  sb.SetIntInGroup(g, 0, 1, 1);
  img.Put<uint8_t>(g + 3, 0x81);
  uint64_t m = sb.Map(1, g, 0, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, Pairs({{1, 1}}));
  EXPECT_NE(
      FindDiag(w.diags, DiagCode::Inconsistent, "small group, slot 3: invalid ctrl byte 0x81"),
      nullptr)
      << DiagText(w.diags);
}

TEST_F(SwissTest, UsedMismatch) {
  uint64_t g = sb.Group();
  for (int i = 0; i < 4; ++i)
    sb.SetIntInGroup(g, i, i, i);
  uint64_t m = sb.Map(6, g, 0, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries.size(), 4u);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Inconsistent, "found 4 entries but used = 6"), nullptr)
      << DiagText(w.diags);
}

TEST_F(SwissTest, MaxEntriesAndGroups) {
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t t = FilledTable(8, 0, 0, 1, 40, &want);
  uint64_t m = sb.Map(40, sb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  Limits lim;
  lim.max_entries = 7;
  Walk w = WalkInts(r, layout, m, lim);
  EXPECT_EQ(w.yielded, 7u);
  EXPECT_TRUE(w.truncated);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);

  lim.max_entries = 40;
  Walk all = WalkInts(r, layout, m, lim);
  EXPECT_EQ(all.entries, want);
  EXPECT_FALSE(all.truncated);

  Limits glim;
  glim.max_buckets = 3;
  Walk g = WalkInts(r, layout, m, glim);
  EXPECT_EQ(g.entries.size(), 15u); // 5 per group
  EXPECT_TRUE(g.truncated);
  EXPECT_NE(FindDiag(g.diags, DiagCode::Truncated, "3 groups (limit) at table 0 (dir 0)"), nullptr)
      << DiagText(g.diags);
  EXPECT_EQ(FindDiag(g.diags, DiagCode::Inconsistent), nullptr);
}

TEST_F(SwissTest, ReadsGroupsInBulk) {
  uint64_t t = FilledTable(128, 0, 0, 1, 800, nullptr);
  uint64_t m = sb.Map(800, sb.Dir({t}), 1, 0);
  ImageReader img_reader = img.Reader();
  CountingReader r(img_reader);
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries.size(), 800u);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
  // Map + the directory's evidence probe + directory + table + all 128
  // groups, plus 2 reads per entry by WalkInts
  EXPECT_EQ(r.reads, 5u + 2 * 800);
}

TEST_F(SwissTest, Go124HeaderHasNoTombstoneFlag) {
  MapLayout l24 = MustLayout("go1.24.0", types.int64_, types.int64_);
  SwissBuilder b24(img, l24);
  uint64_t g = b24.Group();
  b24.SetIntInGroup(g, 0, 9, 9);
  uint64_t m = b24.Map(1, g, 0, 0);
  img.Put<uint8_t>(m + 0x23, 1); // padding in 1.24
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader h;
  ASSERT_TRUE(ReadHeader(r, l24, m, &h, sink));
  EXPECT_FALSE(h.Has("tombstonePossible"));
  EXPECT_TRUE(h.flag_names.empty());
  Walk w = WalkInts(r, l24, m);
  EXPECT_EQ(w.entries, Pairs({{9, 9}}));
}

} // namespace
} // namespace gomap
