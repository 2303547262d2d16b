// Tests of the header's load factor and state (DescribeMap) on synthetic
// images.
#include <gtest/gtest.h>

#include "core/classic/hmap.h"
#include "core/header_report.h"
#include "core/map_state.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

TEST(MapStateTest, ClassicIdleAndGrowing) {
  TestTypes types;
  MapLayout layout = MustLayout("go1.22.5", types.int64_, types.int64_);
  Image img;
  ClassicBuilder cb{img, layout};
  uint64_t idle = cb.Hmap(20, 0, 2, cb.Buckets(2));
  uint64_t grow = cb.Hmap(60, classic::kFlagIterator, 3, cb.Buckets(3), cb.Buckets(2), 1);
  uint64_t same = cb.Hmap(30, classic::kFlagSameSizeGrow | classic::kFlagHashWriting, 2,
                          cb.Buckets(2), cb.Buckets(2), 2);
  ImageReader r = img.Reader();
  auto describe = [&](uint64_t addr) {
    DiagnosticSink sink;
    MapHeader h;
    EXPECT_TRUE(ReadHeader(r, layout, addr, &h, sink));
    return DescribeMap(r, layout, h, Limits{}, sink);
  };
  HeaderExtras a = describe(idle);
  EXPECT_EQ(a.state.kind, "idle");
  EXPECT_DOUBLE_EQ(a.load.value, 5.0);
  EXPECT_EQ(a.load.capacity, 4u);
  EXPECT_EQ(a.load.basis, "count/2^B");
  EXPECT_EQ(StateJson(a.state).dump(), R"({"kind":"idle"})");

  HeaderExtras g = describe(grow);
  EXPECT_EQ(StateJson(g.state).dump(),
            R"({"kind":"growing","grow":"doubling","evacuated":1,"old_buckets":4})");
  EXPECT_EQ(StateText(g.state), "growing (doubling): 1/4 old buckets evacuated (nevacuate)");

  HeaderExtras s = describe(same);
  EXPECT_EQ(s.state.kind, "writing");
  EXPECT_EQ(StateJson(s.state)["grow"], "same-size");
  EXPECT_EQ(StateJson(s.state)["old_buckets"], 4);
  EXPECT_EQ(StateText(s.state).rfind("write in progress; growing (same-size)", 0), 0u);
}

TEST(MapStateTest, SwissCapacitySumsTablesOnce) {
  TestTypes types;
  MapLayout layout = MustLayout("go1.26.1", types.int64_, types.int64_);
  Image img;
  SwissBuilder sb{img, layout};
  uint64_t t0 = sb.Table(2, 1, 0); // 16 slots, fills dir 0-1
  uint64_t t1 = sb.Table(4, 2, 2); // 32 slots
  uint64_t t2 = sb.Table(1, 2, 3); // 8 slots
  for (int i = 0; i < 5; ++i)
    sb.SetInt(t0, 0, i, i, i);
  sb.SetInt(t1, 1, 0, 9, 9);
  uint64_t m = sb.Map(6, sb.Dir({t0, t0, t1, t2}), 4, 2);
  uint64_t small = sb.Map(3, sb.Group(), 0, 0);
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader h;
  ASSERT_TRUE(ReadHeader(r, layout, m, &h, sink));
  HeaderExtras x = DescribeMap(r, layout, h, Limits{}, sink);
  EXPECT_TRUE(sink.items().empty()) << DiagText(sink.items());
  EXPECT_EQ(x.load.capacity, 56u);
  EXPECT_DOUBLE_EQ(x.load.value, 6.0 / 56);
  EXPECT_DOUBLE_EQ(x.load.max, 0.875);
  EXPECT_EQ(x.state.kind, "idle");
  auto j = HeaderJson(h, layout, nullptr, sink, &x);
  EXPECT_EQ(j["load_factor"]["basis"], "used/capacity");
  EXPECT_EQ(j["state"]["kind"], "idle");
  EXPECT_TRUE(j.contains("fields")); // existing keys kept

  ASSERT_TRUE(ReadHeader(r, layout, small, &h, sink));
  x = DescribeMap(r, layout, h, Limits{}, sink);
  EXPECT_EQ(x.load.capacity, 8u);
}

TEST(MapStateTest, SwissStaleTableMakesCapacityUnknown) {
  TestTypes types;
  MapLayout layout = MustLayout("go1.26.1", types.int64_, types.int64_);
  Image img;
  SwissBuilder sb{img, layout};
  uint64_t t0 = sb.Table(2, 0, -1);
  uint64_t m = sb.Map(0, sb.Dir({t0}), 1, 0);
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader h;
  ASSERT_TRUE(ReadHeader(r, layout, m, &h, sink));
  HeaderExtras x = DescribeMap(r, layout, h, Limits{}, sink);
  EXPECT_FALSE(x.load.known);
  EXPECT_NE(FindDiag(sink.items(), DiagCode::StaleBucketPointer, "dir 0"), nullptr)
      << DiagText(sink.items());
  EXPECT_TRUE(LoadFactorJson(x.load)["value"].is_null());
}

} // namespace
} // namespace gomap
