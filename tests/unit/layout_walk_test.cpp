// Tests of the `gomap layout` walkers (core/classic/layout.cpp,
// core/swiss/layout.cpp) on synthetic images, sound and corrupt.
#include <gtest/gtest.h>

#include "core/classic/hmap.h"
#include "core/layout.h"
#include "core/value.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

class ClassicLayoutTest : public ::testing::Test {
protected:
  TestTypes types;
  MapLayout layout = MustLayout("go1.22.5", types.int64_, types.int64_);
  Image img;
  ClassicBuilder cb{img, layout};
};

TEST_F(ClassicLayoutTest, GrowingMapEvacuationAndStrips) {
  // A doubling grow from 2 to 4 buckets: old bucket 0 evacuated (two entries
  // to X, one to Y), old bucket 1 not yet.
  uint64_t old = cb.Buckets(1), neu = cb.Buckets(2);
  uint64_t ob0 = cb.Bucket(old, 0), ob1 = cb.Bucket(old, 1);
  cb.Top(ob0, 0, classic::kEvacuatedX);
  cb.Top(ob0, 1, classic::kEvacuatedY);
  cb.Top(ob0, 2, classic::kEvacuatedX);
  for (int j = 3; j < 8; ++j)
    cb.Top(ob0, j, classic::kEvacuatedEmpty);
  cb.SetInt(ob1, 0, 10, 1);
  cb.SetInt(cb.Overflow(ob1), 0, 11, 2);
  cb.SetInt(cb.Bucket(neu, 0), 0, 1, 1);
  cb.SetInt(cb.Bucket(neu, 0), 1, 2, 2);
  cb.SetInt(cb.Bucket(neu, 2), 0, 3, 3);
  uint64_t h = cb.Hmap(5, 0, 2, neu, old, 1);
  ImageReader r = img.Reader();
  MapLayoutReport rep = WalkLayout(r, layout, h, Limits{});
  ASSERT_TRUE(rep.header_ok);
  EXPECT_TRUE(rep.diags.items().empty()) << DiagText(rep.diags.items());
  const ClassicLayoutReport &c = rep.classic;
  EXPECT_TRUE(c.growing);
  EXPECT_FALSE(c.same_size);
  EXPECT_EQ(c.old_count, 2u);
  ASSERT_EQ(c.old.size(), 2u);
  EXPECT_TRUE(c.old[0].evacuated);
  EXPECT_FALSE(c.old[1].evacuated);
  EXPECT_EQ(c.old[0].tophash.evacuated_x, 2u);
  EXPECT_EQ(c.old[0].tophash.evacuated_y, 1u);
  EXPECT_EQ(c.old[1].overflow, 1u);
  EXPECT_EQ(c.old_evacuated, 1u);
  EXPECT_EQ(c.totals.full, 3u);
  EXPECT_EQ(ClassicStripChar(c.old[0], true), 'E');
  EXPECT_EQ(ClassicStripChar(c.old[1], true), '+');
  EXPECT_EQ(ClassicStripChar(c.buckets[0], false), '2');
  EXPECT_EQ(ClassicStripChar(c.buckets[1], false), '.');
  auto j = LayoutJson(rep, layout, nullptr, LayoutView{});
  EXPECT_EQ(j["classic"]["buckets"]["strip"], "2.1.");
  EXPECT_EQ(j["classic"]["grow"]["oldbuckets"]["strip"], "E+");
  EXPECT_EQ(j["classic"]["grow"]["oldbuckets"]["list"][0]["y_bucket"], 2);
  EXPECT_EQ(j["classic"]["grow"]["to_x"], 2);
  std::string text = LayoutText(rep, layout, nullptr, LayoutView{});
  EXPECT_NE(text.find("grow: doubling, 1/2 old buckets evacuated (nevacuate = 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("2 to X (same index), 1 to Y (index + 2)"), std::string::npos) << text;
}

TEST_F(ClassicLayoutTest, EvacuationMarkersInANonGrowingMap) {
  uint64_t arr = cb.Buckets(2);
  cb.SetInt(cb.Bucket(arr, 0), 0, 1, 1);
  cb.Top(cb.Bucket(arr, 3), 0, classic::kEvacuatedY);
  cb.Top(cb.Bucket(arr, 3), 1, classic::kEvacuatedX);
  uint64_t h = cb.Hmap(1, 0, 2, arr);
  ImageReader r = img.Reader();
  MapLayoutReport rep = WalkLayout(r, layout, h, Limits{});
  const Diagnostic *d =
      FindDiag(rep.diags.items(), DiagCode::Inconsistent,
               "bucket 3, slot 0: tophash 3 (evacuatedY) but no grow is in progress");
  ASSERT_NE(d, nullptr) << DiagText(rep.diags.items());
  EXPECT_EQ(d->address, cb.Bucket(arr, 3));
  EXPECT_EQ(rep.diags.items().size(), 1u) << "one finding per bucket";
  EXPECT_EQ(ClassicStripChar(rep.classic.buckets[3], false), '!');
}

TEST_F(ClassicLayoutTest, OldBucketBelowNevacuateNotEvacuatedAndHalfEvacuated) {
  uint64_t old = cb.Buckets(1), neu = cb.Buckets(2);
  cb.SetInt(cb.Bucket(old, 0), 0, 1, 1); // not evacuated, below nevacuate = 2
  cb.Top(cb.Bucket(old, 1), 0, classic::kEvacuatedX);
  cb.SetInt(cb.Bucket(old, 1), 1, 2, 2); // live slot in an evacuated bucket
  uint64_t h = cb.Hmap(2, 0, 2, neu, old, 2);
  ImageReader r = img.Reader();
  MapLayoutReport rep = WalkLayout(r, layout, h, Limits{});
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::Inconsistent,
                     "oldbucket 0: not evacuated but below nevacuate = 2"),
            nullptr)
      << DiagText(rep.diags.items());
  EXPECT_NE(
      FindDiag(rep.diags.items(), DiagCode::Inconsistent, "oldbucket 1, slot 1: live tophash"),
      nullptr)
      << DiagText(rep.diags.items());
}

TEST_F(ClassicLayoutTest, OverflowCycleAndUnreadableArrayAreBounded) {
  uint64_t arr = cb.Buckets(1);
  uint64_t b0 = cb.Bucket(arr, 0);
  uint64_t o1 = cb.Overflow(b0);
  uint64_t o2 = cb.Overflow(o1);
  img.Put64(o2 + layout.classic.overflow_off, o1); // loop
  uint64_t h = cb.Hmap(0, 0, 40, 0x7f0000000000);  // huge B over nothing
  uint64_t h2 = cb.Hmap(0, 0, 1, arr);
  ImageReader r = img.Reader();
  Limits lim;
  lim.max_buckets = 1000;
  MapLayoutReport big = WalkLayout(r, layout, h, lim);
  // B = 40 claims 2^40 buckets over unmapped memory: the header check finds
  // none of them, and the walk tries only the first instead of 1000.
  EXPECT_NE(
      FindDiag(big.diags.items(), DiagCode::Implausible, "B = 40 claims 1099511627776 buckets"),
      nullptr)
      << DiagText(big.diags.items());
  EXPECT_NE(FindDiag(big.diags.items(), DiagCode::Unreadable, "bucket 0"), nullptr)
      << DiagText(big.diags.items());
  MapLayoutReport cyc = WalkLayout(r, layout, h2, lim);
  EXPECT_NE(FindDiag(cyc.diags.items(), DiagCode::Cycle, "bucket 0 overflow 3"), nullptr)
      << DiagText(cyc.diags.items());
  EXPECT_EQ(cyc.classic.buckets[0].overflow, 2u);
}

class SwissLayoutTest : public ::testing::Test {
protected:
  TestTypes types;
  MapLayout layout = MustLayout("go1.26.1", types.int64_, types.int64_);
  Image img;
  SwissBuilder sb{img, layout};
};

TEST_F(SwissLayoutTest, TablesOnceWithCtrlCountsAndTombstones) {
  uint64_t t0 = sb.Table(2, 1, 0);
  uint64_t t1 = sb.Table(2, 2, 2);
  uint64_t t2 = sb.Table(1, 2, 3);
  sb.SetInt(t0, 0, 0, 1, 1);
  sb.SetInt(t0, 1, 3, 2, 2);
  sb.Tombstone(t0, 1, 4, 99);
  sb.SetInt(t1, 0, 0, 3, 3);
  uint64_t m = sb.Map(3, sb.Dir({t0, t0, t1, t2}), 4, 2);
  ImageReader r = img.Reader();
  MapLayoutReport rep = WalkLayout(r, layout, m, Limits{});
  EXPECT_TRUE(rep.diags.items().empty()) << DiagText(rep.diags.items());
  const SwissLayoutReport &s = rep.swiss;
  ASSERT_EQ(s.tables.size(), 3u);
  EXPECT_EQ(s.tables[0].dir.refs, 2u);
  EXPECT_EQ(s.tables[0].ctrl.full, 2u);
  EXPECT_EQ(s.tables[0].ctrl.deleted, 1u);
  EXPECT_EQ(SwissStripChar(s.tables[0].groups[0]), '1');
  EXPECT_EQ(SwissStripChar(s.tables[0].groups[1]), 'x');
  EXPECT_EQ(SwissStripChar(s.tables[2].groups[0]), '.');
  EXPECT_EQ(s.totals.deleted, 1u);
  auto j = LayoutJson(rep, layout, nullptr, LayoutView{});
  const auto &tj = j["swiss"]["tables"][1];
  EXPECT_EQ(tj["address"], HexAddr(t1));
  EXPECT_EQ(tj["index"], 2);
  EXPECT_EQ(tj["localDepth"], 2);
  EXPECT_EQ(tj["capacity"], 16);
  EXPECT_EQ(tj["growthLeft"], 13);
  EXPECT_EQ(tj["stale"], false);
  EXPECT_EQ(j["swiss"]["totals"]["tombstones"], 1);
  std::string text = LayoutText(rep, layout, nullptr, LayoutView{});
  EXPECT_NE(text.find("dir 0-1"), std::string::npos) << text;
  EXPECT_NE(text.find("tombstones 1"), std::string::npos) << text;
}

TEST_F(SwissLayoutTest, TableIndexPointingElsewhereIsStale) {
  uint64_t t0 = sb.Table(1, 1, 0);
  uint64_t t1 = sb.Table(1, 1, 0); // claims dir 0, but sits at dir 1
  uint64_t m = sb.Map(0, sb.Dir({t0, t1}), 2, 1);
  uint64_t t2 = sb.Table(1, 0, -1);
  uint64_t m2 = sb.Map(0, sb.Dir({t2}), 1, 0);
  ImageReader r = img.Reader();
  MapLayoutReport rep = WalkLayout(r, layout, m, Limits{});
  const Diagnostic *d = FindDiag(rep.diags.items(), DiagCode::Inconsistent,
                                 "dir 1: table at " + HexAddr(t1) +
                                     " has index 0 where the directory holds " + HexAddr(t0));
  ASSERT_NE(d, nullptr) << DiagText(rep.diags.items());
  ASSERT_EQ(rep.swiss.tables.size(), 2u);
  EXPECT_FALSE(rep.swiss.tables[0].dir.stale);
  EXPECT_TRUE(rep.swiss.tables[1].dir.stale);
  MapLayoutReport rep2 = WalkLayout(r, layout, m2, Limits{});
  EXPECT_NE(FindDiag(rep2.diags.items(), DiagCode::StaleBucketPointer, "dir 0"), nullptr);
  EXPECT_NE(LayoutText(rep2, layout, nullptr, LayoutView{}).find("[stale]"), std::string::npos);
}

TEST_F(SwissLayoutTest, SmallMapHasNoTablesAndTombstoneBudgetIsChecked) {
  uint64_t g = sb.Group();
  sb.SetIntInGroup(g, 0, 1, 1);
  uint64_t m = sb.Map(1, g, 0, 0);
  uint64_t t = sb.Table(2, 0, 0);
  sb.SetInt(t, 0, 0, 1, 1);
  sb.Field(t, "growthLeft", 3); // 1 + 3 + 0 tombstones != 14
  uint64_t m2 = sb.Map(1, sb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  MapLayoutReport rep = WalkLayout(r, layout, m, Limits{});
  EXPECT_TRUE(rep.swiss.small);
  EXPECT_TRUE(rep.swiss.tables.empty());
  EXPECT_EQ(rep.swiss.small_group.ctrl.full, 1u);
  EXPECT_TRUE(LayoutJson(rep, layout, nullptr, LayoutView{})["swiss"]["tables"].empty());
  MapLayoutReport rep2 = WalkLayout(r, layout, m2, Limits{});
  EXPECT_NE(FindDiag(rep2.diags.items(), DiagCode::Inconsistent,
                     "table 0 (dir 0) at " + HexAddr(t) + ": used 1 + growthLeft 3"),
            nullptr)
      << DiagText(rep2.diags.items());
}

TEST_F(SwissLayoutTest, ViewCapsStrips) {
  uint64_t t = sb.Table(8, 0, 0);
  uint64_t m = sb.Map(0, sb.Dir({t}), 1, 0);
  ImageReader r = img.Reader();
  MapLayoutReport rep = WalkLayout(r, layout, m, Limits{});
  LayoutView v;
  v.max_listed = 3;
  auto j = LayoutJson(rep, layout, nullptr, v);
  EXPECT_EQ(j["swiss"]["tables"][0]["strip"], "...");
  EXPECT_EQ(j["swiss"]["tables"][0]["group_ctrl"].size(), 3u);
  EXPECT_NE(LayoutText(rep, layout, nullptr, v).find("5 more"), std::string::npos);
}

} // namespace
} // namespace gomap
