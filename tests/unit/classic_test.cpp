// Tests of the classic (hmap/bmap) decoder on synthetic images, sound and
// corrupt.
#include "core/bulk.h"
#include <gtest/gtest.h>

#include "core/classic/hmap.h"
#include "core/map.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

class ClassicTest : public ::testing::Test {
protected:
  TestTypes types;
  MapLayout layout = MustLayout("go1.22.5", types.int64_, types.int64_);
  Image img;
  ClassicBuilder cb{img, layout};
};

TEST_F(ClassicTest, NilMap) {
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader h;
  EXPECT_TRUE(ReadHeader(r, layout, 0, &h, sink));
  EXPECT_EQ(h.address, 0u);
  EXPECT_EQ(h.len, 0u);
  Walk w = WalkInts(r, layout, 0);
  EXPECT_TRUE(w.entries.empty());
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
  EXPECT_FALSE(w.truncated);
}

TEST_F(ClassicTest, EmptyMapWithoutBuckets) {
  uint64_t h = cb.Hmap(0, 0, 0, 0);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_TRUE(w.entries.empty());
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

TEST_F(ClassicTest, HeaderFieldsAndFlags) {
  uint64_t buckets = cb.Buckets(1);
  uint64_t h = cb.Hmap(0, classic::kFlagIterator | classic::kFlagOldIterator, 1, buckets);
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader hdr;
  ASSERT_TRUE(ReadHeader(r, layout, h, &hdr, sink));
  EXPECT_EQ(hdr.impl, MapImpl::Classic);
  EXPECT_EQ(hdr.Get("B"), 1u);
  EXPECT_EQ(hdr.Get("buckets"), buckets);
  EXPECT_EQ(hdr.Get("hash0"), 0x1234u);
  EXPECT_FALSE(hdr.Has("clearSeq"));
  EXPECT_EQ(hdr.fields.size(), layout.classic.hmap.fields.size());
  EXPECT_EQ(hdr.flag_names, (std::vector<std::string>{"iterator", "oldIterator"}));
  EXPECT_FALSE(hdr.writing);
  EXPECT_TRUE(sink.items().empty()) << DiagText(sink.items());
  EXPECT_EQ(classic::FlagNames(0xf),
            (std::vector<std::string>{"iterator", "oldIterator", "hashWriting", "sameSizeGrow"}));
}

TEST_F(ClassicTest, UnreadableHeader) {
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader hdr;
  EXPECT_FALSE(ReadHeader(r, layout, 0xdead000, &hdr, sink));
  ASSERT_NE(FindDiag(sink.items(), DiagCode::Unreadable, "0xdead000"), nullptr);
  Walk w = WalkInts(r, layout, 0xdead000);
  EXPECT_TRUE(w.entries.empty());
  EXPECT_NE(FindDiag(w.diags, DiagCode::Unreadable, "hmap at 0xdead000"), nullptr);
}

TEST_F(ClassicTest, BucketsAndEmptySlots) {
  uint64_t arr = cb.Buckets(2);
  std::multiset<std::pair<int64_t, int64_t>> want;
  for (int64_t k = 0; k < 12; ++k) {
    cb.SetInt(cb.Bucket(arr, k % 4), int(k / 4) * 2, k, k * 10);
    want.insert({k, k * 10});
  }
  // emptyOne in the middle and a deleted-looking slot with stale bytes
  cb.Top(cb.Bucket(arr, 1), 1, classic::kEmptyOne);
  uint64_t h = cb.Hmap(12, 0, 2, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, want);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
  EXPECT_FALSE(w.truncated);
}

TEST_F(ClassicTest, EmptyRestEndsTheChain) {
  uint64_t arr = cb.Buckets(0);
  uint64_t b = cb.Bucket(arr, 0);
  cb.SetInt(b, 0, 1, 1);
  cb.SetInt(b, 1, 2, 2);
  uint64_t o = cb.Overflow(b);
  cb.SetInt(o, 0, 3, 3);
  // emptyRest in the first bucket would hide the overflow bucket: the runtime
  // never writes it while later slots are full, so it is trusted as-is.
  cb.Top(b, 2, classic::kEmptyRest);
  uint64_t h = cb.Hmap(2, 0, 0, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, Pairs({{1, 1}, {2, 2}}));
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

TEST_F(ClassicTest, OverflowChains) {
  uint64_t arr = cb.Buckets(1);
  std::multiset<std::pair<int64_t, int64_t>> want;
  uint64_t b = cb.Bucket(arr, 1);
  int64_t k = 100;
  for (int depth = 0; depth < 3; ++depth) {
    for (int j = 0; j < (depth < 2 ? 8 : 3); ++j, ++k) {
      cb.SetInt(b, j, k, -k);
      want.insert({k, -k});
    }
    if (depth < 2)
      b = cb.Overflow(b);
  }
  cb.SetInt(cb.Bucket(arr, 0), 0, 7, 70);
  want.insert({7, 70});
  uint64_t h = cb.Hmap(want.size(), 0, 1, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, want);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

// A doubling grow half done: old bucket 0 evacuated to X (new 0) and Y (new 2),
// old bucket 1 (with an overflow bucket) not yet; new 1 and 3 still empty.
TEST_F(ClassicTest, DoublingGrowMidway) {
  uint64_t old = cb.Buckets(1);
  uint64_t nw = cb.Buckets(2);
  std::multiset<std::pair<int64_t, int64_t>> want;
  // evacuated old bucket 0: keys stay in memory (an old iterator keeps them)
  uint64_t ob0 = cb.Bucket(old, 0);
  int64_t even[] = {2, 4, 6, 8};
  for (int j = 0; j < 4; ++j) {
    int64_t k = even[j];
    bool y = (k % 4) == 2;
    cb.SetInt(ob0, j, k, 999, y ? classic::kEvacuatedY : classic::kEvacuatedX);
    cb.SetInt(cb.Bucket(nw, k % 4), j / 2, k, k);
    want.insert({k, k});
  }
  for (int j = 4; j < 8; ++j)
    cb.Top(ob0, j, classic::kEvacuatedEmpty);
  // unevacuated old bucket 1 with an overflow bucket
  uint64_t ob1 = cb.Bucket(old, 1);
  int64_t k = 1;
  for (int j = 0; j < 8; ++j, k += 2) {
    cb.SetInt(ob1, j, k, k);
    want.insert({k, k});
  }
  uint64_t ov = cb.Overflow(ob1);
  for (int j = 0; j < 2; ++j, k += 2) {
    cb.SetInt(ov, j, k, k);
    want.insert({k, k});
  }
  uint64_t h = cb.Hmap(want.size(), 0, 2, nw, old, 1);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, want);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

// A same-size grow: oldmask = 2^B-1, so every new bucket has its own old one.
TEST_F(ClassicTest, SameSizeGrowMidway) {
  uint64_t old = cb.Buckets(1);
  uint64_t nw = cb.Buckets(1);
  // old 0 evacuated to new 0
  cb.SetInt(cb.Bucket(old, 0), 0, 10, 0, classic::kEvacuatedX);
  cb.Top(cb.Bucket(old, 0), 1, classic::kEvacuatedEmpty);
  cb.SetInt(cb.Bucket(nw, 0), 0, 10, 10);
  // old 1 not evacuated: new 1 empty
  cb.SetInt(cb.Bucket(old, 1), 0, 11, 11);
  cb.SetInt(cb.Bucket(old, 1), 1, 13, 13);
  uint64_t h = cb.Hmap(3, classic::kFlagSameSizeGrow, 1, nw, old, 1);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, Pairs({{10, 10}, {11, 11}, {13, 13}}));
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
  DiagnosticSink sink;
  MapHeader hdr;
  ASSERT_TRUE(ReadHeader(r, layout, h, &hdr, sink));
  EXPECT_EQ(hdr.flag_names, (std::vector<std::string>{"sameSizeGrow"}));
}

TEST_F(ClassicTest, IndirectKeysAndElems) {
  MapLayout big = MustLayout("go1.20.1", types.big_, types.big_);
  ClassicBuilder bb(img, big);
  uint64_t arr = bb.Buckets(0);
  for (int j = 0; j < 3; ++j) {
    uint8_t key[200] = {}, elem[200] = {};
    int64_t kv = 1000 + j, ev = 2000 + j;
    std::memcpy(key, &kv, 8);
    std::memcpy(elem, &ev, 8);
    key[199] = 0x5a;
    bb.Set(bb.Bucket(arr, 0), j, key, elem);
  }
  uint64_t h = bb.Hmap(3, 0, 0, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, big, h);
  EXPECT_EQ(w.entries, Pairs({{1000, 2000}, {1001, 2001}, {1002, 2002}}));
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
  // the entry points at the separately allocated key, not into the bucket
  auto cur = OpenEntries(r, big, h, Limits{});
  MapEntry e;
  ASSERT_TRUE(cur->Next(&e));
  EXPECT_FALSE(e.key_addr >= arr && e.key_addr < arr + big.classic.bucket_size);
  uint8_t last = 0;
  ASSERT_TRUE(r.ReadScalar(e.key_addr + 199, &last));
  EXPECT_EQ(last, 0x5a);
}

TEST_F(ClassicTest, NilIndirectPointerIsReported) {
  MapLayout big = MustLayout("go1.20.1", types.big_, types.int64_);
  ClassicBuilder bb(img, big);
  uint64_t arr = bb.Buckets(0);
  uint8_t key[200] = {};
  int64_t v = 5;
  bb.Set(bb.Bucket(arr, 0), 0, key, &v);
  bb.Set(bb.Bucket(arr, 0), 1, key, &v);
  img.Put64(arr + big.classic.keys_off + 8, 0); // slot 1's key pointer
  uint64_t h = bb.Hmap(2, 0, 0, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, big, h);
  EXPECT_EQ(w.entries.size(), 1u);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "bucket 0, slot 1: nil indirect key"), nullptr)
      << DiagText(w.diags);
}

TEST_F(ClassicTest, StringKeys) {
  MapLayout sl = MustLayout("go1.19.8", types.string_, types.int_);
  ClassicBuilder sb(img, sl);
  uint64_t arr = sb.Buckets(0);
  const char *names[] = {"alpha", "beta", "gamma"};
  for (int j = 0; j < 3; ++j) {
    uint64_t hdr[2] = {img.String(names[j]), std::strlen(names[j])};
    int64_t v = j + 1;
    sb.Set(sb.Bucket(arr, 0), j, hdr, &v);
  }
  uint64_t h = sb.Hmap(3, 0, 0, arr);
  ImageReader r = img.Reader();
  auto cur = OpenEntries(r, sl, h, Limits{});
  std::map<std::string, int64_t> got;
  MapEntry e;
  while (cur->Next(&e)) {
    uint64_t hdr[2];
    ASSERT_TRUE(r.ReadExact(e.key_addr, hdr, 16));
    std::string s(hdr[1], '\0');
    ASSERT_TRUE(r.ReadExact(hdr[0], s.data(), s.size()));
    int64_t v;
    ASSERT_TRUE(r.ReadScalar(e.elem_addr, &v));
    got[s] = v;
  }
  EXPECT_EQ(got, (std::map<std::string, int64_t>{{"alpha", 1}, {"beta", 2}, {"gamma", 3}}));
  EXPECT_TRUE(cur->diagnostics().items().empty());
}

TEST_F(ClassicTest, NoSwissHeaderWithClearSeq) {
  MapLayout ns = MustLayout("go1.24.13 X:noswissmap", types.int64_, types.int64_);
  ClassicBuilder nb(img, ns);
  uint64_t arr = nb.Buckets(0);
  nb.SetInt(nb.Bucket(arr, 0), 0, 4, 40);
  uint64_t h = nb.Hmap(1, 0, 0, arr);
  img.Put64(h + ns.classic.hmap.Find("clearSeq")->offset, 3);
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader hdr;
  ASSERT_TRUE(ReadHeader(r, ns, h, &hdr, sink));
  EXPECT_EQ(hdr.Get("clearSeq"), 3u);
  Walk w = WalkInts(r, ns, h);
  EXPECT_EQ(w.entries, Pairs({{4, 40}}));
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
}

TEST_F(ClassicTest, HashWritingFlag) {
  uint64_t arr = cb.Buckets(0);
  cb.SetInt(cb.Bucket(arr, 0), 0, 1, 2);
  uint64_t h = cb.Hmap(1, classic::kFlagHashWriting, 0, arr);
  ImageReader r = img.Reader();
  DiagnosticSink sink;
  MapHeader hdr;
  ASSERT_TRUE(ReadHeader(r, layout, h, &hdr, sink));
  EXPECT_TRUE(hdr.writing);
  EXPECT_EQ(hdr.flag_names, (std::vector<std::string>{"hashWriting"}));
  const Diagnostic *d = FindDiag(sink.items(), DiagCode::WritingFlagSet, "hashWriting");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->severity, Severity::Warning);
  EXPECT_EQ(d->address, h);
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, Pairs({{1, 2}}));
  EXPECT_NE(FindDiag(w.diags, DiagCode::WritingFlagSet), nullptr);
}

TEST_F(ClassicTest, UnreadableBucketInArray) {
  uint64_t arr = cb.Buckets(2);
  for (int i = 0; i < 4; ++i)
    cb.SetInt(cb.Bucket(arr, i), 0, i, i);
  uint64_t h = cb.Hmap(4, 0, 2, arr);
  img.Punch(cb.Bucket(arr, 2), layout.classic.bucket_size);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, Pairs({{0, 0}, {1, 1}, {3, 3}}));
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Unreadable, "bucket 2 at");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_EQ(d->address, cb.Bucket(arr, 2));
  EXPECT_NE(FindDiag(w.diags, DiagCode::Inconsistent, "found 3 entries but count = 4"), nullptr);
}

// The storage a header claims, by evidence: the readable prefix of an array
// whose tail is unmapped (bisection at page granularity), all of a readable one.
TEST(ElementsPresentTest, ReadablePrefixOnly) {
  ImageReader r;
  r.Map(0x10000, std::vector<uint8_t>(3 * 4096, 0xab));
  EXPECT_EQ(detail::ElementsPresent(r, 0x10000, 3, 4096), 3u);
  EXPECT_EQ(detail::ElementsPresent(r, 0x10000, 10, 4096), 3u);
  EXPECT_EQ(detail::ElementsPresent(r, 0x10000, uint64_t(1) << 60, 272), 3u * 4096 / 272);
  EXPECT_EQ(detail::ElementsPresent(r, 0x20000, 8, 272), 0u);
  EXPECT_EQ(detail::ElementsPresent(r, ~uint64_t(0) - 16, 8, 272), 0u); // wraps
}

TEST_F(ClassicTest, UnreadableBucketArray) {
  uint64_t arr = cb.Buckets(3);
  uint64_t h = cb.Hmap(5, 0, 3, arr);
  img.Unmap(arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_TRUE(w.entries.empty());
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Unreadable, "buckets 0-7 at");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_EQ(d->address, arr);
}

TEST_F(ClassicTest, UnreadableOverflowBucket) {
  uint64_t arr = cb.Buckets(0);
  uint64_t b = cb.Bucket(arr, 0);
  for (int j = 0; j < 8; ++j)
    cb.SetInt(b, j, j, j);
  uint64_t o = cb.Overflow(b);
  cb.SetInt(o, 0, 8, 8);
  img.Unmap(o);
  uint64_t h = cb.Hmap(9, 0, 0, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries.size(), 8u);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Unreadable, "bucket 0 overflow 1"), nullptr)
      << DiagText(w.diags);
}

TEST_F(ClassicTest, OverflowCycle) {
  uint64_t arr = cb.Buckets(1);
  uint64_t b = cb.Bucket(arr, 1);
  for (int j = 0; j < 8; ++j)
    cb.SetInt(b, j, j, j);
  uint64_t o1 = cb.Overflow(b);
  for (int j = 0; j < 8; ++j)
    cb.SetInt(o1, j, 10 + j, j);
  uint64_t o2 = cb.Overflow(o1);
  cb.SetInt(o2, 0, 20, 0);
  for (int j = 1; j < 8; ++j)
    cb.Top(o2, j, classic::kEmptyOne);
  img.Put64(o2 + layout.classic.overflow_off, o1); // o2 -> o1: a loop
  uint64_t h = cb.Hmap(17, 0, 1, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries.size(), 17u); // each bucket once
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Cycle, "bucket 1 overflow 3");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_EQ(d->address, o1);
}

TEST_F(ClassicTest, OverflowIntoBucketArray) {
  uint64_t arr = cb.Buckets(1);
  uint64_t b = cb.Bucket(arr, 1);
  cb.SetInt(b, 0, 1, 1);
  for (int j = 1; j < 8; ++j)
    cb.Top(b, j, classic::kEmptyOne); // not emptyRest, so the chain is followed
  img.Put64(b + layout.classic.overflow_off,
            arr); // the prealloc sentinel value
  uint64_t h = cb.Hmap(1, 0, 1, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries, Pairs({{1, 1}}));
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "bucket 1 overflow 1: overflow pointer"),
            nullptr)
      << DiagText(w.diags);
}

TEST_F(ClassicTest, HugeB) {
  uint64_t arr = cb.Buckets(0);
  uint64_t h = cb.Hmap(3, 0, 200, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_TRUE(w.entries.empty());
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "B = 200 > 63"), nullptr) << DiagText(w.diags);
}

// A corrupt B over unmapped memory: the buckets it claims are not there, so
// nothing is walked (bounded by evidence, not by max_buckets): a few probes.
TEST_F(ClassicTest, LargeBOverUnreadableMemoryIsBounded) {
  uint64_t h = cb.Hmap(5, 0, 60, 0x7f0000000000);
  ImageReader img_reader = img.Reader();
  CountingReader r(img_reader);
  Walk w = WalkInts(r, layout, h);
  EXPECT_TRUE(w.entries.empty());
  EXPECT_NE(FindDiag(w.diags, DiagCode::Implausible, "B = 60 claims 1152921504606846976 buckets"),
            nullptr)
      << DiagText(w.diags);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Unreadable, "buckets 0-1152921504606846975 at"), nullptr)
      << DiagText(w.diags);
  EXPECT_LT(r.reads, 20u);
}

TEST_F(ClassicTest, BadPointersAndCounts) {
  uint64_t arr = cb.Buckets(0);
  uint64_t h1 = cb.Hmap(3, 0, 0, arr + 4);
  uint64_t h2 = cb.Hmap(3, 0, 0, 0);
  uint64_t h3 = cb.Hmap(uint64_t(-5), 0, 0, arr);
  uint64_t h4 = cb.Hmap(1000, 0, 2, arr);
  ImageReader r = img.Reader();
  Walk w1 = WalkInts(r, layout, h1);
  EXPECT_NE(FindDiag(w1.diags, DiagCode::Implausible, "not 8-byte aligned"), nullptr);
  Walk w2 = WalkInts(r, layout, h2);
  EXPECT_NE(FindDiag(w2.diags, DiagCode::Implausible, "buckets is nil"), nullptr);
  Walk w3 = WalkInts(r, layout, h3);
  EXPECT_NE(FindDiag(w3.diags, DiagCode::Implausible, "count = -5"), nullptr);
  DiagnosticSink sink;
  MapHeader hdr;
  ASSERT_TRUE(ReadHeader(r, layout, h4, &hdr, sink));
  EXPECT_NE(FindDiag(sink.items(), DiagCode::Implausible, "count = 1000"), nullptr);
}

TEST_F(ClassicTest, CountMismatch) {
  uint64_t arr = cb.Buckets(0);
  for (int j = 0; j < 8; ++j)
    cb.SetInt(cb.Bucket(arr, 0), j, j, j);
  uint64_t h = cb.Hmap(10, 0, 0, arr);
  ImageReader r = img.Reader();
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries.size(), 8u);
  const Diagnostic *d = FindDiag(w.diags, DiagCode::Inconsistent, "found 8 entries but count = 10");
  ASSERT_NE(d, nullptr) << DiagText(w.diags);
  EXPECT_EQ(d->severity, Severity::Error);
}

TEST_F(ClassicTest, MaxEntries) {
  uint64_t arr = cb.Buckets(1);
  for (int j = 0; j < 8; ++j)
    cb.SetInt(cb.Bucket(arr, j % 2), j / 2, j, j);
  uint64_t h = cb.Hmap(8, 0, 1, arr);
  ImageReader r = img.Reader();
  Limits lim;
  lim.max_entries = 3;
  Walk w = WalkInts(r, layout, h, lim);
  EXPECT_EQ(w.entries.size(), 3u);
  EXPECT_EQ(w.yielded, 3u);
  EXPECT_TRUE(w.truncated);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
  lim.max_entries = 8;
  Walk all = WalkInts(r, layout, h, lim);
  EXPECT_EQ(all.entries.size(), 8u);
  EXPECT_FALSE(all.truncated);
  EXPECT_TRUE(all.diags.empty()) << DiagText(all.diags);
}

TEST_F(ClassicTest, MaxBuckets) {
  uint64_t arr = cb.Buckets(4);
  for (int i = 0; i < 16; ++i)
    cb.SetInt(cb.Bucket(arr, i), 0, i, i);
  uint64_t h = cb.Hmap(16, 0, 4, arr);
  ImageReader r = img.Reader();
  Limits lim;
  lim.max_buckets = 4;
  Walk w = WalkInts(r, layout, h, lim);
  EXPECT_EQ(w.entries.size(), 4u);
  EXPECT_TRUE(w.truncated);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Truncated, "4 buckets (limit)"), nullptr)
      << DiagText(w.diags);
  EXPECT_EQ(FindDiag(w.diags, DiagCode::Inconsistent), nullptr);
}

TEST_F(ClassicTest, MaxChain) {
  uint64_t arr = cb.Buckets(0);
  uint64_t b = cb.Bucket(arr, 0);
  int64_t k = 0;
  for (int depth = 0; depth < 6; ++depth) {
    for (int j = 0; j < 8; ++j, ++k)
      cb.SetInt(b, j, k, k);
    if (depth < 5)
      b = cb.Overflow(b);
  }
  uint64_t h = cb.Hmap(k, 0, 0, arr);
  ImageReader r = img.Reader();
  Limits lim;
  lim.max_chain = 2;
  Walk w = WalkInts(r, layout, h, lim);
  EXPECT_EQ(w.entries.size(), 24u);
  EXPECT_TRUE(w.truncated);
  EXPECT_NE(FindDiag(w.diags, DiagCode::Truncated, "bucket 0: overflow chain longer"), nullptr)
      << DiagText(w.diags);
}

TEST_F(ClassicTest, ReadsBucketArrayInBulk) {
  uint64_t arr = cb.Buckets(6);
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 5; ++j)
      cb.SetInt(cb.Bucket(arr, i), j, i * 8 + j, i);
  uint64_t h = cb.Hmap(64 * 5, 0, 6, arr);
  ImageReader img_reader = img.Reader();
  CountingReader r(img_reader);
  Walk w = WalkInts(r, layout, h);
  EXPECT_EQ(w.entries.size(), 320u);
  EXPECT_TRUE(w.diags.empty()) << DiagText(w.diags);
  // header + a one-byte probe of the array's last byte (the buckets B claims
  // must exist) + one read for the whole array + 2 reads per yielded entry by
  // WalkInts
  EXPECT_EQ(r.reads, 3u + 2 * 320);
}

} // namespace
} // namespace gomap
