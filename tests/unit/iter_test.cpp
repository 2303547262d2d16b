// Unit tests of the iterator decoders (core/classic/hiter.cpp,
// core/swiss/iter.cpp) on synthetic images: known positions give the right
// returned count; corrupt iterators give diagnostics.
#include <gtest/gtest.h>

#include "core/iter.h"
#include "image_builder.h"

namespace gomap::testing {
namespace {

class IterImage {
public:
  IterImage(Image &img, const IterLayout &il) : img_(img), il_(il) {}
  uint64_t Alloc() { return img_.Alloc(il_.it.size, 8); }
  void Set(uint64_t it, const char *name, uint64_t v) {
    const StructField *f = il_.it.Find(name);
    ASSERT_NE(f, nullptr) << name;
    img_.Write(it + f->offset, &v, f->size);
  }

private:
  Image &img_;
  const IterLayout &il_;
};

// A classic map[int64]int64 with B = 1: bucket 0 holds 3 entries (slots 0,
// 2, 5), bucket 1 holds 2 (slots 1, 7) plus an overflow bucket with 1.
struct ClassicFixture {
  TestTypes tt;
  Image img;
  MapLayout layout = MustLayout("go1.22.0", tt.int64_, tt.int64_);
  IterLayout il = BuiltinIterLayout(MapImpl::Classic, layout.version);
  ClassicBuilder cb{img, layout};
  uint64_t buckets = 0, ovf = 0, h = 0;
  ClassicFixture() {
    layout.version = GoVersion::Parse("go1.22.0");
    il = BuiltinIterLayout(MapImpl::Classic, layout.version);
    buckets = cb.Buckets(1);
    uint64_t b0 = cb.Bucket(buckets, 0), b1 = cb.Bucket(buckets, 1);
    cb.SetInt(b0, 0, 1, 10);
    cb.SetInt(b0, 2, 2, 20);
    cb.SetInt(b0, 5, 3, 30);
    cb.SetInt(b1, 1, 4, 40);
    cb.SetInt(b1, 7, 5, 50);
    ovf = cb.Overflow(b1);
    cb.SetInt(ovf, 0, 6, 60);
    h = cb.Hmap(6, kIterFlags, 1, buckets);
  }
  static constexpr uint8_t kIterFlags = 3; // iterator|oldIterator
  uint64_t Hiter(uint64_t start, uint64_t offset, uint64_t bptr, uint64_t i, uint64_t bucket,
                 bool wrapped) {
    IterImage ii(img, il);
    uint64_t it = ii.Alloc();
    // it.key: slot (i-1 + offset) & 7 of bptr's keys, as mapiternext leaves it.
    ii.Set(it, "key",
           bptr ? bptr + layout.classic.keys_off + ((i + 7 + offset) & 7) * layout.classic.key_size
                : 0);
    ii.Set(it, "elem",
           bptr
               ? bptr + layout.classic.elems_off + ((i + 7 + offset) & 7) * layout.classic.elem_size
               : 0);
    ii.Set(it, "t", 0x4a0000);
    ii.Set(it, "h", h);
    ii.Set(it, "buckets", buckets);
    ii.Set(it, "bptr", bptr);
    ii.Set(it, "startBucket", start);
    ii.Set(it, "offset", offset);
    ii.Set(it, "wrapped", wrapped);
    ii.Set(it, "B", 1);
    ii.Set(it, "i", i);
    ii.Set(it, "bucket", bucket);
    ii.Set(it, "checkBucket", ~uint64_t(0));
    return it;
  }
  IterReport Decode(uint64_t it) {
    ImageReader r = img.Reader();
    return DecodeIter(r, layout, il, it, Limits{});
  }
};

TEST(ClassicIter, ReturnedInFirstBucket) {
  ClassicFixture f;
  // Start at bucket 0, offset 0; returned slot 2 (i = 3): slots 0 and 2.
  IterReport r = f.Decode(f.Hiter(0, 0, f.cb.Bucket(f.buckets, 0), 3, 1, false));
  EXPECT_TRUE(r.returned_known) << DiagText(r.diags.items());
  EXPECT_EQ(r.returned, 2u);
  EXPECT_TRUE(r.exact) << r.approximate;
  EXPECT_EQ(r.relation, "current");
  EXPECT_EQ(r.header.len, 6u);
}

TEST(ClassicIter, ReturnedWithOffsetAndWrapIntoOverflow) {
  ClassicFixture f;
  // Start at bucket 1 with offset 6: bucket 1 gives slot 7 (j=1) and slot 1
  // (j=3), its overflow slot 0 (j=2); then wrap to bucket 0: offset 6 visits
  // slots 6,7,0,1,2 (j=0..4): slot 0 at j=2, slot 2 at j=4; stop at i=3.
  IterReport r = f.Decode(f.Hiter(1, 6, f.cb.Bucket(f.buckets, 0), 3, 1, true));
  ASSERT_TRUE(r.returned_known) << DiagText(r.diags.items());
  EXPECT_EQ(r.returned, 3u + 1u);
  EXPECT_TRUE(r.exact);
  // In the overflow bucket of the first bucket visited.
  IterReport r2 = f.Decode(f.Hiter(1, 6, f.ovf, 3, 0, true));
  ASSERT_TRUE(r2.returned_known) << DiagText(r2.diags.items());
  EXPECT_EQ(r2.returned, 3u);
}

TEST(ClassicIter, Finished) {
  ClassicFixture f;
  IterReport r = f.Decode(f.Hiter(1, 0, 0, 8, 1, true));
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.returned, 6u);
}

// Matrix cases (tests/integration/test_bad_input_matrix.py): it.key = nil
// alone is not a finished loop, it.elem must sit beside it.key, wrapped is a
// bool. Each was accepted silently before.
TEST(ClassicIter, FinishedElemAndWrappedAreValidated) {
  ClassicFixture f;
  uint64_t b0 = f.cb.Bucket(f.buckets, 0);
  uint64_t it = f.Hiter(0, 0, b0, 3, 1, false);
  IterImage ii(f.img, f.il);
  IterReport ok = f.Decode(it);
  EXPECT_TRUE(ok.returned_known) << DiagText(ok.diags.items());
  EXPECT_FALSE(ok.diags.HasErrors()) << DiagText(ok.diags.items());
  ii.Set(it, "elem", 0x10000);
  IterReport e = f.Decode(it);
  EXPECT_NE(FindDiag(e.diags.items(), DiagCode::Inconsistent, "elem = 0x10000 is not slot 2"),
            nullptr)
      << DiagText(e.diags.items());
  ii.Set(it, "key", 0);
  IterReport k = f.Decode(it);
  EXPECT_NE(FindDiag(k.diags.items(), DiagCode::Inconsistent, "key is nil but elem"), nullptr)
      << DiagText(k.diags.items());
  EXPECT_FALSE(k.returned_known);
  uint64_t w = f.Hiter(1, 0, 0, 8, 1, true);
  ii.Set(w, "wrapped", 2);
  IterReport w2 = f.Decode(w);
  EXPECT_NE(FindDiag(w2.diags.items(), DiagCode::Implausible, "wrapped = 2 is not a bool"), nullptr)
      << DiagText(w2.diags.items());
}

TEST(ClassicIter, CorruptBucketIndexIsDiagnosed) {
  ClassicFixture f;
  IterReport r = f.Decode(f.Hiter(7, 9, f.cb.Bucket(f.buckets, 0), 12, 5, false));
  EXPECT_FALSE(r.returned_known);
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::Implausible, "startBucket = 7"), nullptr)
      << DiagText(r.diags.items());
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::Implausible, "i = 12 > 8"), nullptr);
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::Implausible, "offset = 9"), nullptr);
}

TEST(ClassicIter, BptrOutsideTheChain) {
  ClassicFixture f;
  IterReport r = f.Decode(f.Hiter(0, 0, 0x7000, 3, 1, false));
  EXPECT_FALSE(r.returned_known);
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::Inconsistent, "not in the chain"), nullptr)
      << DiagText(r.diags.items());
}

TEST(ClassicIter, MapPointerElsewhere) {
  ClassicFixture f;
  uint64_t it = f.Hiter(0, 0, f.cb.Bucket(f.buckets, 0), 3, 1, false);
  IterImage(f.img, f.il).Set(it, "h", 0xdead0000);
  IterReport r = f.Decode(it);
  EXPECT_FALSE(r.returned_known);
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::DanglingIterator, "unreadable"), nullptr)
      << DiagText(r.diags.items());
}

TEST(ClassicIter, GrewSinceStartIsStale) {
  ClassicFixture f;
  uint64_t it = f.Hiter(0, 0, f.cb.Bucket(f.buckets, 0), 3, 1, false);
  // The map moved on to a new array (B 2) and finished growing.
  uint64_t nb = f.cb.Buckets(2);
  uint64_t h2 = f.cb.Hmap(6, 3, 2, nb);
  IterImage(f.img, f.il).Set(it, "h", h2);
  IterReport r = f.Decode(it);
  EXPECT_EQ(r.relation, "stale");
  EXPECT_TRUE(r.returned_known);
  EXPECT_FALSE(r.exact);
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::MapChanged, "grew"), nullptr)
      << DiagText(r.diags.items());
  EXPECT_EQ(FindDiag(r.diags.items(), DiagCode::DanglingIterator, ""), nullptr)
      << "a grow during range is legal";
  // Growing, with the iterator's array now h.oldbuckets.
  uint64_t h3 = f.cb.Hmap(6, 3, 2, nb, f.buckets);
  IterImage(f.img, f.il).Set(it, "h", h3);
  IterReport r3 = f.Decode(it);
  EXPECT_EQ(r3.relation, "grow-in-progress");
  EXPECT_EQ(r3.returned, 2u);
}

TEST(ClassicIter, ClearedMapIsStale) {
  TestTypes tt;
  Image img;
  MapLayout layout = MustLayout("go1.24.0 X:noswissmap", tt.int64_, tt.int64_);
  IterLayout il = BuiltinIterLayout(MapImpl::Classic, layout.version);
  ASSERT_NE(il.it.Find("clearSeq"), nullptr);
  ClassicBuilder cb(img, layout);
  uint64_t buckets = cb.Buckets(0);
  cb.SetInt(buckets, 0, 1, 1);
  uint64_t h = cb.Hmap(1, 3, 0, buckets);
  img.Put64(h + layout.classic.hmap.Find("clearSeq")->offset, 2);
  IterImage ii(img, il);
  uint64_t it = ii.Alloc();
  ii.Set(it, "key", 0xc000001000);
  ii.Set(it, "h", h);
  ii.Set(it, "buckets", buckets);
  ii.Set(it, "bptr", buckets);
  ii.Set(it, "i", 1);
  ii.Set(it, "wrapped", 1);
  ii.Set(it, "clearSeq", 1);
  ImageReader r = img.Reader();
  IterReport rep = DecodeIter(r, layout, il, it, Limits{});
  EXPECT_EQ(rep.relation, "stale");
  EXPECT_NE(rep.reason.find("cleared"), std::string::npos);
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::MapChanged, "cleared"), nullptr);
}

struct SwissFixture {
  TestTypes tt;
  Image img;
  MapLayout layout = MustLayout("go1.26.0", tt.int64_, tt.int64_);
  IterLayout il = BuiltinIterLayout(MapImpl::Swiss, layout.version);
  SwissBuilder sb{img, layout};
  IterReport Decode(uint64_t it) {
    ImageReader r = img.Reader();
    return DecodeIter(r, layout, il, it, Limits{});
  }
};

TEST(SwissIter, SmallMap) {
  SwissFixture f;
  uint64_t g = f.sb.Group();
  for (int s : {0, 3, 4, 6})
    f.sb.SetIntInGroup(g, s, s, s);
  uint64_t m = f.sb.Map(4, g, 0, 0);
  IterImage ii(f.img, f.il);
  uint64_t it = ii.Alloc();
  ii.Set(it, "key", 0xc000001000);
  ii.Set(it, "m", m);
  ii.Set(it, "entryOffset", 3); // visits slots 3,4,5,6,7,0,...
  ii.Set(it, "dirIdx", uint64_t(-1));
  ii.Set(it, "group.data", g);
  ii.Set(it, "entryIdx", 4); // returned slots 3, 4, 6
  ii.Set(it, "key", f.sb.KeyAddr(g, 6));
  ii.Set(it, "elem", f.sb.ElemAddr(g, 6));
  IterReport r = f.Decode(it);
  ASSERT_TRUE(r.returned_known) << DiagText(r.diags.items());
  EXPECT_EQ(r.returned, 3u);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.relation, "current");
  EXPECT_FALSE(r.diags.HasErrors()) << DiagText(r.diags.items());
  // it.key on another slot than entryIdx/entryOffset say; it.elem of another slot.
  ii.Set(it, "key", f.sb.KeyAddr(g, 4));
  IterReport k = f.Decode(it);
  EXPECT_NE(FindDiag(k.diags.items(), DiagCode::Inconsistent, "it.key is slot 4 of it.group"),
            nullptr)
      << DiagText(k.diags.items());
  ii.Set(it, "key", f.sb.KeyAddr(g, 6));
  ii.Set(it, "elem", f.sb.ElemAddr(g, 3));
  IterReport e = f.Decode(it);
  EXPECT_NE(FindDiag(e.diags.items(), DiagCode::Inconsistent, "holds its elem at"), nullptr)
      << DiagText(e.diags.items());
  // A key pointer into no slot of the group.
  ii.Set(it, "key", 0xc000001000);
  IterReport n = f.Decode(it);
  EXPECT_NE(FindDiag(n.diags.items(), DiagCode::Inconsistent, "is not a key slot of it.group"),
            nullptr)
      << DiagText(n.diags.items());
  ii.Set(it, "elem", f.sb.ElemAddr(g, 6));
  // entryIdx past the group is corrupt.
  ii.Set(it, "entryIdx", 40);
  IterReport bad = f.Decode(it);
  EXPECT_FALSE(bad.returned_known);
  EXPECT_NE(FindDiag(bad.diags.items(), DiagCode::Implausible, "entryIdx = 40"), nullptr);
}

TEST(SwissIter, TablesAndStaleTable) {
  SwissFixture f;
  // Two tables (globalDepth 1), 2 groups each.
  uint64_t t0 = f.sb.Table(2, 1, 0), t1 = f.sb.Table(2, 1, 1);
  f.sb.SetInt(t0, 0, 1, 1, 1);
  f.sb.SetInt(t0, 1, 2, 2, 2);
  f.sb.SetInt(t1, 0, 0, 3, 3);
  f.sb.SetInt(t1, 0, 5, 4, 4);
  f.sb.SetInt(t1, 1, 7, 5, 5);
  uint64_t dir = f.sb.Dir({t0, t1});
  uint64_t m = f.sb.Map(5, dir, 2, 1);
  IterImage ii(f.img, f.il);
  uint64_t it = ii.Alloc();
  ii.Set(it, "key", 0xc000001000);
  ii.Set(it, "m", m);
  ii.Set(it, "entryOffset", 2);
  ii.Set(it, "dirOffset", 1); // starts at t1, then t0
  ii.Set(it, "globalDepth", 1);
  ii.Set(it, "dirIdx", 1);
  ii.Set(it, "tab", t0);
  // In t0: logical e -> phys (e+2)&15; phys 10 (group 1 slot 2) is e = 8,
  // returned, so entryIdx is past it.
  ii.Set(it, "entryIdx", 9);
  IterReport r = f.Decode(it);
  ASSERT_TRUE(r.returned_known) << DiagText(r.diags.items());
  EXPECT_EQ(r.returned, 3u + 1u); // all of t1, then phys 10 of t0
  EXPECT_TRUE(r.exact) << r.approximate;
  EXPECT_EQ(r.relation, "current");
  // Matrix cases: entryIdx past the table's capacity (16) and dirIdx past the
  // 2 entries of globalDepth 1 were replayed as if in range.
  ii.Set(it, "entryIdx", uint64_t(1) << 40);
  IterReport e = f.Decode(it);
  EXPECT_FALSE(e.returned_known);
  EXPECT_NE(
      FindDiag(e.diags.items(), DiagCode::Implausible, "entryIdx = 1099511627776 > capacity 16"),
      nullptr)
      << DiagText(e.diags.items());
  ii.Set(it, "entryIdx", 9);
  ii.Set(it, "dirIdx", uint64_t(1) << 40);
  IterReport d = f.Decode(it);
  EXPECT_FALSE(d.returned_known);
  EXPECT_NE(FindDiag(d.diags.items(), DiagCode::Implausible, "dirIdx = 1099511627776 past the 2"),
            nullptr)
      << DiagText(d.diags.items());
  ii.Set(it, "dirIdx", 1);
  // t0 replaced by a grow: stale, approximate.
  f.sb.Field(t0, "index", uint64_t(-1));
  IterReport s = f.Decode(it);
  EXPECT_EQ(s.relation, "stale");
  EXPECT_FALSE(s.exact);
  EXPECT_NE(FindDiag(s.diags.items(), DiagCode::MapChanged, "index -1"), nullptr)
      << DiagText(s.diags.items());
  // A tab pointer into nowhere.
  ii.Set(it, "tab", 0xdead000);
  IterReport dd = f.Decode(it);
  EXPECT_FALSE(dd.returned_known);
  EXPECT_NE(FindDiag(dd.diags.items(), DiagCode::DanglingIterator, "unreadable"), nullptr);
}

TEST(ClassicIter, KeyCheckBucketAndOverflowAreValidated) {
  ClassicFixture f;
  uint64_t b0 = f.cb.Bucket(f.buckets, 0);
  uint64_t it = f.Hiter(0, 0, b0, 3, 1, false);
  IterReport ok = f.Decode(it);
  EXPECT_EQ(FindDiag(ok.diags.items(), DiagCode::Inconsistent, "key ="), nullptr)
      << DiagText(ok.diags.items());
  IterImage ii(f.img, f.il);
  ii.Set(it, "key", b0 + 8 + 5 * 8); // slot 5, but i = 3 returned slot 2
  IterReport r = f.Decode(it);
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::Inconsistent, "is not slot 2 of bptr"), nullptr)
      << DiagText(r.diags.items());
  ii.Set(it, "checkBucket", 9);
  ii.Set(it, "overflow", f.h + 8);
  IterReport c = f.Decode(it);
  EXPECT_NE(FindDiag(c.diags.items(), DiagCode::Implausible, "checkBucket = 9"), nullptr)
      << DiagText(c.diags.items());
  EXPECT_NE(FindDiag(c.diags.items(), DiagCode::Implausible, "points into the hmap"), nullptr);
  EXPECT_FALSE(c.returned_known);
}

TEST(SwissIter, GroupOutsideItsTableIsInconsistent) {
  SwissFixture f;
  uint64_t t0 = f.sb.Table(2, 0, 0);
  f.sb.SetInt(t0, 0, 1, 1, 1);
  uint64_t dir = f.sb.Dir({t0});
  uint64_t m = f.sb.Map(1, dir, 1, 0);
  IterImage ii(f.img, f.il);
  uint64_t it = ii.Alloc();
  ii.Set(it, "key", 0xc000001000);
  ii.Set(it, "m", m);
  ii.Set(it, "dirIdx", 0);
  ii.Set(it, "tab", t0);
  ii.Set(it, "group.data", f.sb.GroupAddr(t0, 1));
  ii.Set(it, "entryIdx", 2);
  ii.Set(it, "key", f.sb.KeyAddr(f.sb.GroupAddr(t0, 1), 1));
  ii.Set(it, "elem", f.sb.ElemAddr(f.sb.GroupAddr(t0, 1), 1));
  IterReport ok = f.Decode(it);
  EXPECT_FALSE(ok.diags.HasErrors()) << DiagText(ok.diags.items());
  // In a table any slot of it.group will do (Next may skip ahead), but only a slot of it.
  ii.Set(it, "key", f.sb.KeyAddr(f.sb.GroupAddr(t0, 0), 1));
  IterReport other = f.Decode(it);
  EXPECT_NE(FindDiag(other.diags.items(), DiagCode::Inconsistent, "is not a key slot"), nullptr)
      << DiagText(other.diags.items());
  // Over a table replaced by a grow Next looks the key up elsewhere: not checked.
  f.sb.Field(t0, "index", uint64_t(-1));
  IterReport grown = f.Decode(it);
  EXPECT_EQ(FindDiag(grown.diags.items(), DiagCode::Inconsistent, "is not a key slot"), nullptr)
      << DiagText(grown.diags.items());
  f.sb.Field(t0, "index", 0);
  ii.Set(it, "key", f.sb.KeyAddr(f.sb.GroupAddr(t0, 1), 1));
  ii.Set(it, "group.data", m); // the map header, not a group
  IterReport r = f.Decode(it);
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::Inconsistent, "is not one of the 2 groups"),
            nullptr)
      << DiagText(r.diags.items());
}

TEST(Iter, PlausibleRejectsGarbage) {
  std::vector<HeaderValue> f = {{"B", 0, 1, 70}, {"buckets", 0, 8, 0x1000}};
  MapHeader h;
  h.fields = {{"B", 0, 1, 3}};
  EXPECT_FALSE(PlausibleIter(f, MapImpl::Classic, h));
}

} // namespace
} // namespace gomap::testing
