// Silent wrong answers made loud (issue 14): corrupt counts over populated
// maps, pointers aimed at the map's own header, entries hidden after
// emptyRest, nested maps aimed at their enclosing map, oversized location
// pieces. Each gives a named diagnostic with coordinates.
#include <gtest/gtest.h>

#include "core/check.h"
#include "core/classic/hmap.h"
#include "core/location.h"
#include "core/value.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

class ClassicEvidence : public ::testing::Test {
protected:
  TestTypes types;
  MapLayout layout = MustLayout("go1.22.5", types.int64_, types.int64_);
  Image img;
  ClassicBuilder cb{img, layout};
};

TEST_F(ClassicEvidence, CountZeroOverPopulatedBuckets) {
  uint64_t arr = cb.Buckets(1);
  cb.SetInt(cb.Bucket(arr, 0), 0, 1, 10);
  cb.SetInt(cb.Bucket(arr, 1), 3, 2, 20);
  uint64_t h = cb.Hmap(0, 0, 1, arr); // count = 0
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, Pairs({{1, 10}, {2, 20}})); // shown, not hidden
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Inconsistent, "found 2 entries but count = 0");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_EQ(d->severity, Severity::Error);
  EXPECT_EQ(d->address, h);
  CheckReport rep = CheckMap(r, layout, h, Limits{});
  EXPECT_TRUE(rep.diags.HasErrors());
  EXPECT_EQ(rep.walked.entries, 2u);
  // A truly empty map with a bucket array stays quiet.
  uint64_t arr2 = cb.Buckets(1);
  uint64_t h2 = cb.Hmap(0, 0, 1, arr2);
  ImageReader r2 = img.Reader();
  EXPECT_TRUE(WalkInts(r2, layout, h2).diags.empty());
}

TEST_F(ClassicEvidence, OverflowPointerIntoTheHmap) {
  uint64_t arr = cb.Buckets(0);
  uint64_t b = cb.Bucket(arr, 0);
  cb.SetInt(b, 0, 1, 1);
  for (int j = 1; j < 8; ++j)
    cb.Top(b, j, classic::kEmptyOne);
  uint64_t h = cb.Hmap(1, 0, 0, arr);
  for (uint64_t at : {h, h + 16}) { // the header itself, and inside it
    img.Put64(b + layout.classic.overflow_off, at);
    ImageReader r = img.Reader();
    Walk w = WalkInts(r, layout, h);
    EXPECT_EQ(w.entries, Pairs({{1, 1}}));
    EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible,
                       "bucket 0 overflow 1: overflow pointer " + HexAddr(at) +
                           " points into the hmap at " + HexAddr(h)),
              nullptr)
        << DiagText(w.diags);
    MapLayoutReport lr = WalkLayout(r, layout, h, Limits{});
    EXPECT_NE(FindDiag(lr.diags.items(), DiagCode::Implausible, "points into the hmap"), nullptr)
        << DiagText(lr.diags.items());
    EXPECT_EQ(lr.classic.overflow_buckets, 0u);
  }
}

TEST_F(ClassicEvidence, FullSlotAfterEmptyRest) {
  uint64_t arr = cb.Buckets(0);
  uint64_t b = cb.Bucket(arr, 0);
  cb.SetInt(b, 0, 1, 1);
  cb.SetInt(b, 5, 2, 2); // slots 1..4 are emptyOne (builder)
  cb.Top(b, 2, classic::kEmptyRest);
  uint64_t h = cb.Hmap(1, 0, 0, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, Pairs({{1, 1}})); // as the runtime sees it
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Inconsistent,
                                 "bucket 0, slot 5: full tophash 0x80 after emptyRest at slot 2");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_EQ(d->address, b + 5);
  MapLayoutReport lr = WalkLayout(r, layout, h, Limits{});
  EXPECT_EQ(lr.classic.totals.full, 2u); // layout counts it ...
  EXPECT_NE(FindDiag(lr.diags.items(), DiagCode::Inconsistent, "after emptyRest"),
            nullptr); // ... and says why show does not
  CheckReport rep = CheckMap(r, layout, h, Limits{});
  size_t n = 0;
  for (const auto &x : rep.diags.items())
    n += x.message.find("after emptyRest") != std::string::npos;
  EXPECT_EQ(n, 1u) << DiagText(rep.diags.items()); // merged, not repeated
}

TEST(SwissEvidence, UsedZeroOverFullGroup) {
  TestTypes types;
  MapLayout layout = MustLayout("go1.26.0", types.int64_, types.int64_);
  Image img;
  SwissBuilder sb{img, layout};
  uint64_t g = sb.Group();
  sb.SetIntInGroup(g, 0, 7, 70);
  sb.SetIntInGroup(g, 4, 8, 80);
  uint64_t m = sb.Map(0, g, 0, 0); // used = 0
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, m);
  EXPECT_EQ(w.entries, Pairs({{7, 70}, {8, 80}}));
  EXPECT_NE(FindDiag(w.diags, DiagCode::Inconsistent, "found 2 entries but used = 0"), nullptr)
      << DiagText(w.diags);
  CheckReport rep = CheckMap(r, layout, m, Limits{});
  EXPECT_TRUE(rep.diags.HasErrors());
}

TEST(SwissEvidence, DirectoryClaimIsBoundedByEvidence) {
  // dirLen/globalDepth claim 2^20 tables; the directory holds 2 (found by the
  // fuzzer: a million unreadable entries per walk took over a second).
  TestTypes types;
  MapLayout layout = MustLayout("go1.26.0", types.int64_, types.int64_);
  Image img;
  SwissBuilder sb{img, layout};
  uint64_t t = sb.Table(1, 0, 0);
  sb.SetInt(t, 0, 0, 5, 50);
  uint64_t dir = sb.Dir({t, t});
  uint64_t m = sb.Map(1, dir, uint64_t(1) << 20, 20);
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader h;
  ASSERT_TRUE(ReadHeader(r, layout, m, &h, sink));
  // Probed to the page (4 KiB): at most 512 entries past the readable ones.
  EXPECT_GE(h.buckets_present, 2u);
  EXPECT_LE(h.buckets_present, 512u);
  EXPECT_NE(FindDiag(sink.items(), DiagCode::Implausible,
                     "dirLen = 1048576 claims 1048576 directory entries at " + HexAddr(dir) +
                         ", but only " + std::to_string(h.buckets_present) +
                         " are in readable memory"),
            nullptr)
      << DiagText(sink.items());
  CountingReader counting(r);
  Walk w = WalkInts(counting, layout, m);
  EXPECT_EQ(w.entries, Pairs({{5, 50}}));
  EXPECT_LT(counting.reads, 2000u); // not one per claimed entry
  MapLayoutReport lr = WalkLayout(r, layout, m, Limits{});
  EXPECT_LE(lr.swiss.dir_entries, 512u);
}

class Layouts final : public MapLayoutProvider {
public:
  const MapLayout *ForMapType(const Type *t) override {
    auto it = m.find(t);
    return it == m.end() ? nullptr : &it->second;
  }
  std::map<const Type *, MapLayout> m;
};

TEST(ValueEvidence, NestedMapPointerAtTheEnclosingHeader) {
  TestTypes types;
  Type *inner = types.table.New(Kind::Map, "map[int64]int64", 8, 8);
  inner->key = types.int64_;
  inner->elem = types.int64_;
  Type *outer = types.table.New(Kind::Map, "map[int64]map[int64]int64", 8, 8);
  outer->key = types.int64_;
  outer->elem = inner;
  MapLayout ol = MustLayout("go1.26.0", types.int64_, inner);
  Layouts layouts;
  layouts.m[inner] = MustLayout("go1.26.0", types.int64_, types.int64_);
  layouts.m[outer] = ol;
  Image img;
  SwissBuilder sb{img, ol};
  uint64_t g = sb.Group();
  uint64_t m = sb.Map(1, g, 0, 0);
  int64_t k = 1;
  sb.SetInGroup(g, 0, &k, &m); // m[1] = m: the outer header, wrongly typed
  ImageReader r = img.Reader();
  ValueRenderer vr(r, nullptr, &layouts);
  ShowRequest req;
  nlohmann::ordered_json j = ShowMapJsonOrdered(r, ol, outer, m, req, vr);
  std::string all = j.dump();
  EXPECT_NE(all.find("points into the header of the enclosing map at " + HexAddr(m)),
            std::string::npos)
      << all;
  ValueRenderer vt(r, nullptr, &layouts);
  std::string text = ShowMapText(r, ol, outer, m, req, vt);
  EXPECT_NE(text.find("enclosing map"), std::string::npos) << text;
}

TEST(ValueEvidence, RunOfUnreadableEntriesStopsTheWalk) {
  // What `show ADDR --type 'map[string]string'` over a map of integers sees:
  // every string header points at low, unmapped addresses.
  TestTypes types;
  Type *mt = types.table.New(Kind::Map, "map[string]string", 8, 8);
  mt->key = types.string_;
  mt->elem = types.string_;
  MapLayout l = MustLayout("go1.22.5", types.string_, types.string_);
  Image img;
  ClassicBuilder cb{img, l};
  uint64_t arr = cb.Buckets(3);
  for (uint64_t i = 0; i < 64; ++i) {
    uint64_t kv[2] = {i + 1, 8};
    cb.Set(cb.Bucket(arr, i / 8), int(i % 8), kv, kv);
  }
  uint64_t h = cb.Hmap(64, 0, 3, arr);
  ImageReader r = img.Reader();
  ValueRenderer vr(r, nullptr, nullptr);
  ShowRequest req;
  req.limit = UINT64_MAX; // --all
  nlohmann::ordered_json j = ShowMapJsonOrdered(r, l, mt, h, req, vr);
  EXPECT_EQ(j["entries"].size(), 32u);
  EXPECT_TRUE(j["truncated"].get<bool>());
  std::string all = j["diagnostics"].dump();
  EXPECT_NE(all.find("entries 0-31 (32 in a row) have unreadable keys or values: they do not "
                     "hold map[string]string (wrong type?); stopped after 32 of 64 entries"),
            std::string::npos)
      << all;
  // Readable strings interrupt the run: the whole map is shown.
  uint64_t text = img.String("abcdefgh");
  for (uint64_t i = 0; i < 64; i += 16) {
    uint64_t kv[2] = {text, 8};
    cb.Set(cb.Bucket(arr, i / 8), int(i % 8), kv, kv);
  }
  ImageReader r2 = img.Reader();
  ValueRenderer vr2(r2, nullptr, nullptr);
  nlohmann::ordered_json j2 = ShowMapJsonOrdered(r2, l, mt, h, req, vr2);
  EXPECT_EQ(j2["entries"].size(), 64u);
  EXPECT_FALSE(j2["truncated"].get<bool>());
}

TEST(LocationEvidence, OversizedPiecesAndValuesSayWhy) {
  ImageReader mem;
  FrameContext frame;
  frame.cfa = 0x7000;
  frame.reg = [](uint32_t, uint64_t *v) {
    *v = 1;
    return true;
  };
  // DW_OP_reg0; DW_OP_piece 0x10000
  VarValue v = EvaluateLocation({0x50, 0x93, 0x80, 0x80, 0x04}, 8, frame, mem);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.error.find("more than 4096"), std::string::npos) << v.error;
  // A truncated ULEB after DW_OP_piece.
  v = EvaluateLocation({0x50, 0x93, 0xf7}, 8, frame, mem);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.error, "truncated location expression");
  // A 1 GiB value in a register: refused, not allocated.
  v = EvaluateLocation({0x50}, uint64_t(1) << 30, frame, mem);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.error.find("outside memory"), std::string::npos) << v.error;
}

} // namespace
} // namespace gomap
