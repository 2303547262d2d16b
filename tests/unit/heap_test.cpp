// Tests of the Go heap model (core/heap/mheap.cpp) and of `gomap check`'s
// pointer classification on synthetic heaps: arenas, spans, allocBits,
// freeindex and sweepgen states, corrupt records, and stale pointers.
#include <gtest/gtest.h>

#include "core/check.h"
#include "core/heap/mheap.h"
#include "core/iter.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

constexpr uint32_t kSweepgen = 10; // mheap_.sweepgen

// A heap of the go1.22 built-in layout over an Image: mheap_, an L2 arena
// table placed so that its entry for the test addresses is readable, one
// heapArena and the spans added.
class FakeHeap {
public:
  explicit FakeHeap(Image &img) : img_(img) {
    std::string why;
    layout_ = *heap::BuiltinHeapLayout(GoVersion::Parse("go1.22.5"), &why);
    mheap_ = img_.Alloc(layout_.mheap_arenas.offset + 8, 8);
    img_.Put<uint32_t>(mheap_ + layout_.mheap_sweepgen.offset, kSweepgen);
    arena_ = img_.Alloc(8192 * 8, 8);
  }
  // Makes the arena of `addr` the one heapArena (all test addresses share
  // one 64 MiB arena).
  void MapArena(uint64_t addr) {
    const uint64_t ri = (addr - layout_.arena_base_offset) / layout_.ArenaBytes();
    const uint64_t slot = img_.Alloc(8, 8);
    img_.Put64(slot, arena_);
    img_.Put64(mheap_ + layout_.mheap_arenas.offset, slot - (ri % layout_.arena_l2) * 8);
  }
  uint64_t AddSpan(uint64_t base, uint64_t npages, uint64_t elemsize, uint64_t nelems,
                   uint8_t state, uint32_t sweepgen, uint64_t freeindex, std::vector<uint8_t> alloc,
                   std::vector<uint8_t> marks = {}) {
    const uint64_t s = img_.Alloc(layout_.span_read_size, 8);
    auto put = [&](const FieldLoc &f, uint64_t v) { img_.Write(s + f.offset, &v, f.size); };
    put(layout_.start_addr, base);
    put(layout_.npages, npages);
    put(layout_.elemsize, elemsize);
    put(layout_.nelems, nelems);
    put(layout_.state, state);
    put(layout_.sweepgen, sweepgen);
    put(layout_.freeindex, freeindex);
    const uint64_t ab = img_.Alloc(std::max<size_t>(alloc.size(), 1), 8);
    for (size_t i = 0; i < alloc.size(); ++i)
      img_.Put<uint8_t>(ab + i, alloc[i]);
    put(layout_.alloc_bits, ab);
    if (marks.empty())
      marks = alloc;
    const uint64_t mb = img_.Alloc(marks.size(), 8);
    for (size_t i = 0; i < marks.size(); ++i)
      img_.Put<uint8_t>(mb + i, marks[i]);
    put(layout_.gcmark_bits, mb);
    for (uint64_t p = 0; p < npages; ++p)
      SetPage(base + p * 8192, s);
    return s;
  }
  void SetPage(uint64_t addr, uint64_t span) {
    img_.Put64(arena_ + ((addr / 8192) % 8192) * 8, span);
  }
  heap::Mheap Model(ImageReader &r, std::vector<heap::Region> regions = {}) {
    heap::Mheap m(r, layout_, mheap_, std::move(regions));
    EXPECT_TRUE(m.Load()) << m.error();
    return m;
  }
  heap::HeapLayout layout_;
  uint64_t mheap_ = 0, arena_ = 0;

private:
  Image &img_;
};

TEST(HeapModel, ObjectsOfASweptSpan) {
  Image img;
  uint64_t base = img.Alloc(8192, 8192);
  FakeHeap fh(img);
  fh.MapArena(base);
  // 64 objects of 128 bytes; freeindex 2; allocBits: slots 0, 5 allocated.
  std::vector<uint8_t> bits(8, 0);
  bits[0] = 0x21;
  fh.AddSpan(base, 1, 128, 64, heap::kSpanInUse, kSweepgen, 2, bits);
  ImageReader r = img.Reader();
  heap::Mheap m = fh.Model(r);
  heap::PointerInfo p = m.ClassifyPointer(base + 128 + 8); // slot 1 < freeindex
  EXPECT_EQ(p.cls, heap::PtrClass::Object);
  EXPECT_EQ(p.object, base + 128);
  EXPECT_EQ(p.index, 1u);
  EXPECT_EQ(p.alloc, "allocated") << heap::Evidence(p);
  EXPECT_EQ(p.sweep, "swept");
  EXPECT_EQ(m.ClassifyPointer(base + 5 * 128).alloc, "allocated");
  heap::PointerInfo f = m.ClassifyPointer(base + 3 * 128);
  EXPECT_EQ(f.alloc, "free");
  EXPECT_TRUE(f.Freed());
  std::string why;
  EXPECT_EQ(heap::Verdict(f, heap::Expect{128, true, 0}, &why), "freed");
  EXPECT_NE(why.find("elemsize 128"), std::string::npos) << why;
  // Allocated but too small for a 4 KiB bucket array: reused.
  EXPECT_EQ(heap::Verdict(p, heap::Expect{4096, true, 0}, &why), "reused");
  // Allocated, fitting, but not the object's start.
  EXPECT_EQ(heap::Verdict(p, heap::Expect{64, true, 0}, &why), "reused");
  EXPECT_EQ(heap::Verdict(m.ClassifyPointer(base + 128), heap::Expect{120, true, 0}, &why), "fits");
}

TEST(HeapModel, MallocHeaderOfScanObjectsAbove512Bytes) {
  Image img;
  uint64_t base = img.Alloc(8192, 8192);
  FakeHeap fh(img);
  fh.MapArena(base);
  ASSERT_TRUE(fh.layout_.malloc_header); // go1.22+
  uint64_t s = fh.AddSpan(base, 1, 1024, 8, heap::kSpanInUse, kSweepgen, 8, {0xff});
  img.Put<uint8_t>(s + fh.layout_.spanclass.offset, 30 << 1); // size class 30, scan
  ImageReader r = img.Reader();
  heap::Mheap m = fh.Model(r);
  std::string why;
  heap::PointerInfo p = m.ClassifyPointer(base + 1024 + 8);
  EXPECT_EQ(p.header, 8u);
  EXPECT_EQ(heap::Verdict(p, heap::Expect{1000, true, 0}, &why), "fits") << why;
  EXPECT_EQ(heap::Verdict(m.ClassifyPointer(base + 1024), heap::Expect{1000, true, 0}, &why),
            "reused")
      << "a pointer at the malloc header is no Go pointer";
  // noscan: no header.
  img.Put<uint8_t>(s + fh.layout_.spanclass.offset, (30 << 1) | 1);
  ImageReader r2 = img.Reader();
  heap::Mheap m2 = fh.Model(r2);
  EXPECT_EQ(heap::Verdict(m2.ClassifyPointer(base + 1024), heap::Expect{1000, true, 0}, &why),
            "fits");
}

TEST(HeapModel, UnsweptSpanAsksTheMarkBits) {
  Image img;
  uint64_t base = img.Alloc(8192, 8192);
  FakeHeap fh(img);
  fh.MapArena(base);
  // allocBits say both allocated (the cycle before), the last mark only slot 0.
  fh.AddSpan(base, 1, 4096, 2, heap::kSpanInUse, kSweepgen - 2, 0, {0x03}, {0x01});
  ImageReader r = img.Reader();
  heap::Mheap m = fh.Model(r);
  heap::PointerInfo live = m.ClassifyPointer(base);
  heap::PointerInfo dead = m.ClassifyPointer(base + 4096);
  EXPECT_EQ(live.sweep, "unswept");
  EXPECT_EQ(live.alloc, "unswept-marked");
  EXPECT_EQ(dead.alloc, "unswept-unmarked");
  EXPECT_FALSE(dead.Freed()) << "an unswept slot is not claimed freed";
  std::string why;
  EXPECT_EQ(heap::Verdict(dead, heap::Expect{4096, true, 0}, &why), "unswept");
}

// The Green Tea GC (go1.26): an unswept span of small objects keeps the last
// cycle's marks in its inline mark bits at the end of its page, not in
// gcmarkBits (mgcmark_greenteagc.go spanInlineMarkBitsFromBase).
TEST(HeapModel, UnsweptSmallObjectSpanAsksTheInlineMarks) {
  Image img;
  uint64_t base = img.Alloc(8192, 8192);
  FakeHeap fh(img);
  fh.MapArena(base);
  fh.layout_.inline_marks = true; // go1.22 tables, Green Tea marks
  // 248 objects of 32 bytes; gcmarkBits empty; inline marks: slots 0 and 167.
  fh.AddSpan(base, 1, 32, 248, heap::kSpanInUse, kSweepgen - 2, 0, std::vector<uint8_t>(32, 0xff),
             std::vector<uint8_t>(32, 0));
  const uint64_t marks = base + 8192 - fh.layout_.inline_marks_from_end;
  img.Put<uint8_t>(marks, 0x01);
  img.Put<uint8_t>(marks + 167 / 8, uint8_t(1 << (167 % 8)));
  ImageReader r = img.Reader();
  heap::Mheap m = fh.Model(r);
  EXPECT_EQ(m.ClassifyPointer(base).alloc, "unswept-marked");
  EXPECT_EQ(m.ClassifyPointer(base + 167 * 32).alloc, "unswept-marked");
  EXPECT_EQ(m.ClassifyPointer(base + 168 * 32).alloc, "unswept-unmarked");
  // Without the Green Tea GC the same span's gcmarkBits say dead.
  fh.layout_.inline_marks = false;
  ImageReader r2 = img.Reader();
  heap::Mheap m2 = fh.Model(r2);
  EXPECT_EQ(m2.ClassifyPointer(base + 167 * 32).alloc, "unswept-unmarked");
  // Which releases collect with it.
  EXPECT_TRUE(heap::GreenTeaGC(GoVersion::Parse("go1.26.8")));
  EXPECT_FALSE(heap::GreenTeaGC(GoVersion::Parse("go1.26.8 X:nogreenteagc")));
  EXPECT_TRUE(heap::GreenTeaGC(GoVersion::Parse("go1.25.3 X:greenteagc")));
  EXPECT_FALSE(heap::GreenTeaGC(GoVersion::Parse("go1.25.14")));
}

TEST(HeapModel, FreePagesStacksRegionsAndUnmapped) {
  Image img;
  uint64_t dead = img.Alloc(8192, 8192);
  uint64_t stack = img.Alloc(8192, 8192);
  uint64_t never = img.Alloc(8192, 8192);
  uint64_t code = img.Alloc(64, 8);
  FakeHeap fh(img);
  fh.MapArena(dead);
  fh.AddSpan(dead, 1, 8192, 1, heap::kSpanDead, kSweepgen, 0, {0x01});
  fh.AddSpan(stack, 1, 8192, 1, heap::kSpanManual, kSweepgen, 0, {0x00});
  ImageReader r = img.Reader();
  heap::Mheap m = fh.Model(r, {heap::Region{code, code + 64, "code", "section .text"}});
  heap::PointerInfo d = m.ClassifyPointer(dead + 16);
  EXPECT_EQ(d.cls, heap::PtrClass::FreePages) << heap::Evidence(d);
  EXPECT_NE(d.detail.find("dead"), std::string::npos) << d.detail;
  EXPECT_TRUE(d.Freed());
  heap::PointerInfo s = m.ClassifyPointer(stack + 100);
  EXPECT_EQ(s.cls, heap::PtrClass::NotHeap);
  EXPECT_EQ(s.region, "stack");
  EXPECT_EQ(m.ClassifyPointer(never).cls, heap::PtrClass::FreePages); // spans[] nil
  heap::PointerInfo c = m.ClassifyPointer(code + 8);
  EXPECT_EQ(c.cls, heap::PtrClass::NotHeap);
  EXPECT_EQ(c.region, "code");
  EXPECT_EQ(m.ClassifyPointer(0x7f0000000000).cls, heap::PtrClass::Unmapped);
  EXPECT_EQ(m.ClassifyPointer(0).cls, heap::PtrClass::Nil);
}

TEST(HeapModel, CorruptRecordsAreUnreadableWithCoordinates) {
  Image img;
  uint64_t base = img.Alloc(8192, 8192);
  uint64_t other = img.Alloc(8192, 8192);
  FakeHeap fh(img);
  fh.MapArena(base);
  fh.AddSpan(base, 1, 0, 64, heap::kSpanInUse, kSweepgen, 0, {0}); // elemsize 0
  fh.SetPage(other, 0xdead0000);                                   // wild mspan
  ImageReader r = img.Reader();
  heap::Mheap m = fh.Model(r);
  heap::PointerInfo p = m.ClassifyPointer(base);
  EXPECT_EQ(p.cls, heap::PtrClass::Unreadable);
  EXPECT_NE(p.detail.find("implausible"), std::string::npos) << p.detail;
  heap::PointerInfo q = m.ClassifyPointer(other);
  EXPECT_EQ(q.cls, heap::PtrClass::Unreadable);
  EXPECT_NE(q.detail.find("spans["), std::string::npos) << q.detail;
  EXPECT_NE(q.detail.find("0xdead0000"), std::string::npos) << q.detail;
  // An unreadable mheap_: Load fails with where.
  heap::Mheap bad(r, fh.layout_, 0x6000000000, {});
  EXPECT_FALSE(bad.Load());
  EXPECT_NE(bad.error().find("sweepgen"), std::string::npos) << bad.error();
  EXPECT_EQ(bad.ClassifyPointer(base).cls, heap::PtrClass::Unreadable);
}

TEST(HeapModel, BuiltinTableCoversTheWindow) {
  std::string why;
  EXPECT_FALSE(heap::BuiltinHeapLayout(GoVersion::Parse("go1.18.10"), &why));
  EXPECT_FALSE(heap::BuiltinHeapLayout(GoVersion::Parse("go1.28.0"), &why));
  for (int minor = 19; minor <= 27; ++minor) {
    auto l = heap::BuiltinHeapLayout(GoVersion::Parse("go1." + std::to_string(minor) + ".1"), &why);
    ASSERT_TRUE(l) << minor << ": " << why;
    EXPECT_EQ(l->freeindex.size, minor >= 22 ? 2u : 8u) << minor;
  }
}

// `gomap check` with a heap: oldbuckets overwritten with the address of a
// freed bucket array / a live object of another size.
class HeapCheckTest : public ::testing::Test {
protected:
  void SetUp() override {
    victim = img.Alloc(8192, 8192);
    fh = std::make_unique<FakeHeap>(img);
    fh->MapArena(victim);
  }
  CheckReport Check(uint64_t oldbuckets) {
    lo = img.Alloc(16, 8);
    uint64_t neu = cb.Buckets(2);
    cb.SetInt(cb.Bucket(neu, 0), 0, 1, 1);
    uint64_t h = cb.Hmap(1, 0, 2, neu, oldbuckets);
    hi = img.Alloc(16, 8);
    reader = img.Reader();
    // The map itself lives on a "stack": legal, no heap records needed.
    model = std::make_unique<heap::Mheap>(
        reader, fh->layout_, fh->mheap_,
        std::vector<heap::Region>{{lo, hi, "stack", "goroutine 1 stack"}});
    EXPECT_TRUE(model->Load());
    return CheckMap(reader, layout, h, Limits{}, model.get());
  }
  TestTypes types;
  MapLayout layout = MustLayout("go1.22.5", types.int64_, types.int64_);
  Image img;
  ClassicBuilder cb{img, layout};
  std::unique_ptr<FakeHeap> fh;
  uint64_t victim = 0, lo = 0, hi = 0;
  ImageReader reader;
  std::unique_ptr<heap::Mheap> model;
};

const Diagnostic *Stale(const CheckReport &r) {
  for (const auto &d : r.diags.items())
    if (d.code == DiagCode::StaleBucketPointer)
      return &d;
  return nullptr;
}

TEST_F(HeapCheckTest, FreedOldbucketsAreStaleWithEvidence) {
  fh->AddSpan(victim, 1, 8192, 1, heap::kSpanInUse, kSweepgen, 0, {0x00});
  CheckReport r = Check(victim);
  const Diagnostic *d = Stale(r);
  ASSERT_NE(d, nullptr) << CheckText(r, layout, nullptr);
  EXPECT_EQ(d->severity, Severity::Error);
  EXPECT_NE(d->message.find("hmap.oldbuckets"), std::string::npos) << d->message;
  EXPECT_NE(d->message.find("freed"), std::string::npos) << d->message;
  EXPECT_NE(d->message.find("elemsize 8192"), std::string::npos) << d->message;
  EXPECT_EQ(r.pointers.verdicts["freed"], 1u);
  EXPECT_EQ(r.pointers.verdicts["stack"], 1u); // hmap.buckets
  EXPECT_FALSE(r.diags.items().empty());
}

TEST_F(HeapCheckTest, SpanNotInUseIsFreed) {
  fh->AddSpan(victim, 1, 8192, 1, heap::kSpanDead, kSweepgen, 0, {0x01});
  CheckReport r = Check(victim);
  ASSERT_NE(Stale(r), nullptr);
  EXPECT_NE(Stale(r)->message.find("dead"), std::string::npos) << Stale(r)->message;
}

TEST_F(HeapCheckTest, LiveObjectOfAnotherSizeIsReused) {
  // 16-byte objects, all allocated: oldbuckets (2 buckets) cannot be one.
  fh->AddSpan(victim, 1, 16, 512, heap::kSpanInUse, kSweepgen, 512, std::vector<uint8_t>(64, 0xff));
  CheckReport r = Check(victim);
  ASSERT_NE(Stale(r), nullptr) << CheckText(r, layout, nullptr);
  EXPECT_NE(Stale(r)->message.find("live object"), std::string::npos) << Stale(r)->message;
  EXPECT_EQ(r.pointers.verdicts["reused"], 1u);
}

TEST_F(HeapCheckTest, AllocatedFittingOldbucketsAreOld) {
  fh->AddSpan(victim, 1, 8192, 1, heap::kSpanInUse, kSweepgen, 1, {0x01});
  CheckReport r = Check(victim);
  EXPECT_EQ(Stale(r), nullptr) << CheckText(r, layout, nullptr);
  EXPECT_EQ(r.pointers.verdicts["old"], 1u);
}

// An iterator whose it.buckets / it.bptr name a bucket array the map no
// longer holds: kept alive (legal, info) or freed (dangling-iterator).
class HeapIterTest : public HeapCheckTest {
protected:
  CheckReport CheckIter() {
    IterLayout il = BuiltinIterLayout(MapImpl::Classic, layout.version);
    lo = img.Alloc(16, 8);
    uint64_t neu = cb.Buckets(2);
    cb.SetInt(cb.Bucket(neu, 0), 0, 1, 1);
    uint64_t h = cb.Hmap(1, 3, 2, neu);
    uint64_t it = img.Alloc(il.it.size, 8);
    auto set = [&](const char *n, uint64_t v) {
      const StructField *f = il.it.Find(n);
      ASSERT_NE(f, nullptr) << n;
      img.Write(it + f->offset, &v, f->size);
    };
    set("key", victim + 8);
    set("h", h);
    set("buckets", victim); // B 1: two buckets, the map's array before two grows
    set("bptr", victim);
    set("B", 1);
    set("i", 1);
    set("bucket", 1);
    hi = img.Alloc(16, 8);
    reader = img.Reader();
    model = std::make_unique<heap::Mheap>(
        reader, fh->layout_, fh->mheap_,
        std::vector<heap::Region>{{lo, hi, "stack", "goroutine 1 stack"}});
    EXPECT_TRUE(model->Load());
    CheckReport r = CheckMap(reader, layout, h, Limits{}, model.get());
    IterReport ir = DecodeIter(reader, layout, il, it, Limits{});
    CheckIterPointers(*model, layout, ir, "iterator at 0x1", &r);
    return r;
  }
};

size_t Count(const CheckReport &r, DiagCode code, Severity sev) {
  size_t n = 0;
  for (const auto &d : r.diags.items())
    n += d.code == code && d.severity == sev;
  return n;
}

TEST_F(HeapIterTest, FreedIteratorStorageIsDangling) {
  fh->AddSpan(victim, 1, 8192, 1, heap::kSpanInUse, kSweepgen, 0, {0x00});
  CheckReport r = CheckIter();
  EXPECT_GE(Count(r, DiagCode::DanglingIterator, Severity::Error), 1u)
      << CheckText(r, layout, nullptr);
  EXPECT_GE(r.pointers.verdicts["freed"], 1u);
}

TEST_F(HeapIterTest, StorageKeptAliveByTheIteratorIsLegal) {
  fh->AddSpan(victim, 1, 8192, 1, heap::kSpanInUse, kSweepgen, 1, {0x01});
  CheckReport r = CheckIter();
  EXPECT_EQ(Count(r, DiagCode::DanglingIterator, Severity::Error), 0u)
      << CheckText(r, layout, nullptr);
  EXPECT_GE(Count(r, DiagCode::MapChanged, Severity::Info), 1u) << CheckText(r, layout, nullptr);
  EXPECT_GE(r.pointers.verdicts["stale-alive"], 1u);
}

} // namespace
} // namespace gomap
