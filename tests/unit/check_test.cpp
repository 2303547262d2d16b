// Tests of `gomap check` (core/check.cpp) on synthetic images: clean maps,
// count mismatches, broken chains, and the merged, de-duplicated report.
#include <gtest/gtest.h>

#include "core/check.h"
#include "core/classic/hmap.h"
#include "core/value.h"
#include "core/work_stop.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

size_t CountCode(const DiagnosticSink &s, DiagCode code) {
  size_t n = 0;
  for (const auto &d : s.items())
    n += d.code == code;
  return n;
}

class ClassicCheckTest : public ::testing::Test {
protected:
  TestTypes types;
  MapLayout layout = MustLayout("go1.22.5", types.int64_, types.int64_);
  Image img;
  ClassicBuilder cb{img, layout};
};

TEST_F(ClassicCheckTest, CleanGrowingMapIsOk) {
  // Doubling grow 2 -> 4 buckets: old 0 evacuated (entries now in new 0, 2),
  // old 1 not yet (its entries still there, one in an overflow bucket).
  uint64_t old = cb.Buckets(1), neu = cb.Buckets(2);
  uint64_t ob0 = cb.Bucket(old, 0), ob1 = cb.Bucket(old, 1);
  cb.Top(ob0, 0, classic::kEvacuatedX);
  cb.Top(ob0, 1, classic::kEvacuatedY);
  for (int j = 2; j < 8; ++j)
    cb.Top(ob0, j, classic::kEvacuatedEmpty);
  cb.SetInt(ob1, 0, 10, 1);
  cb.SetInt(cb.Overflow(ob1), 0, 11, 2);
  cb.SetInt(cb.Bucket(neu, 0), 0, 1, 1);
  cb.SetInt(cb.Bucket(neu, 2), 0, 3, 3);
  uint64_t h = cb.Hmap(4, 0, 2, neu, old, 1);
  ImageReader r = img.Reader();
  CheckReport rep = CheckMap(r, layout, h, Limits{});
  EXPECT_TRUE(rep.diags.items().empty()) << DiagText(rep.diags.items());
  EXPECT_EQ(rep.walked.entries, 4u);
  EXPECT_EQ(rep.walked.buckets, 4u);
  EXPECT_EQ(rep.walked.oldbuckets, 2u);
  EXPECT_EQ(rep.walked.old_overflow_buckets, 1u);
  auto j = CheckJson(rep, layout, nullptr);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["walked"]["entries"], 4);
  EXPECT_EQ(j["walked"]["oldbuckets"], 2);
  EXPECT_EQ(j["len"], 4);
  std::string text = CheckText(rep, layout, nullptr);
  EXPECT_EQ(text, "map at " + HexAddr(h) + " (classic, 4 entries walked): OK\n");
}

TEST_F(ClassicCheckTest, CountMismatchIsOneErrorWithTheAddress) {
  uint64_t arr = cb.Buckets(1);
  cb.SetInt(cb.Bucket(arr, 0), 0, 1, 1);
  cb.SetInt(cb.Bucket(arr, 1), 0, 2, 2);
  uint64_t h = cb.Hmap(5, 0, 1, arr);
  ImageReader r = img.Reader();
  CheckReport rep = CheckMap(r, layout, h, Limits{});
  const Diagnostic *d =
      FindDiag(rep.diags.items(), DiagCode::Inconsistent, "found 2 entries but count = 5");
  ASSERT_NE(d, nullptr) << DiagText(rep.diags.items());
  EXPECT_EQ(d->severity, Severity::Error);
  EXPECT_EQ(d->address, h);
  EXPECT_EQ(CountCode(rep.diags, DiagCode::Inconsistent), 1u);
  std::string text = CheckText(rep, layout, types.table.New(Kind::Map, "map[int64]int64", 8, 8));
  EXPECT_NE(
      text.find("map[int64]int64 at " + HexAddr(h) + " (classic, 2 entries walked): 1 error\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("  error inconsistent: hmap at " + HexAddr(h)), std::string::npos) << text;
  EXPECT_EQ(CheckJson(rep, layout, nullptr)["ok"], false);
}

TEST_F(ClassicCheckTest, CycleAndUnreadableReportedOnceAndWritingFlag) {
  uint64_t arr = cb.Buckets(1);
  uint64_t b0 = cb.Bucket(arr, 0);
  cb.SetInt(b0, 0, 1, 1);
  uint64_t o1 = cb.Overflow(b0);
  cb.SetInt(o1, 0, 2, 2);
  img.Put64(o1 + layout.classic.overflow_off, b0 + 0); // back to the head
  img.Put64(o1 + layout.classic.overflow_off, o1);     // loop on itself
  uint64_t b1 = cb.Bucket(arr, 1);
  cb.SetInt(b1, 0, 3, 3);
  img.Put64(b1 + layout.classic.overflow_off, 0x7e0000000000); // unmapped
  uint64_t h = cb.Hmap(3, classic::kFlagHashWriting, 1, arr);
  ImageReader r = img.Reader();
  CheckReport rep = CheckMap(r, layout, h, Limits{});
  // Both walks see the loop and the unreadable bucket; each is reported once.
  EXPECT_EQ(CountCode(rep.diags, DiagCode::Cycle), 1u) << DiagText(rep.diags.items());
  EXPECT_EQ(CountCode(rep.diags, DiagCode::Unreadable), 1u) << DiagText(rep.diags.items());
  EXPECT_EQ(CountCode(rep.diags, DiagCode::WritingFlagSet), 1u);
  EXPECT_NE(
      FindDiag(rep.diags.items(), DiagCode::Unreadable, "bucket 1 overflow 1 at 0x7e0000000000"),
      nullptr)
      << DiagText(rep.diags.items());
  EXPECT_TRUE(rep.diags.HasErrors());
}

TEST_F(ClassicCheckTest, NilAndUnreadableHeaders) {
  ImageReader r = img.Reader();
  CheckReport nil = CheckMap(r, layout, 0, Limits{});
  EXPECT_TRUE(nil.header_ok);
  EXPECT_TRUE(nil.diags.items().empty());
  EXPECT_EQ(nil.walked.entries, 0u);
  CheckReport bad = CheckMap(r, layout, 0x7e0000001000, Limits{});
  EXPECT_FALSE(bad.header_ok);
  EXPECT_NE(FindDiag(bad.diags.items(), DiagCode::Unreadable, ""), nullptr);
  EXPECT_NE(CheckText(bad, layout, nullptr).find("1 error"), std::string::npos);
}

TEST_F(ClassicCheckTest, HugeBOverNothingIsBounded) {
  uint64_t h = cb.Hmap(100, 0, 40, 0x7f0000000000);
  ImageReader r = img.Reader();
  Limits lim;
  lim.max_buckets = 1000;
  CheckReport rep = CheckMap(r, layout, h, lim);
  // None of the 2^40 buckets exists: an error, and (almost) nothing walked.
  EXPECT_LE(rep.walked.buckets, 1u);
  EXPECT_GE(CountCode(rep.diags, DiagCode::Implausible), 1u);
  EXPECT_NE(CheckText(rep, layout, nullptr).find("claims 1099511627776 buckets"),
            std::string::npos);
}

// Ctrl-C / --time-limit (Limits::stop): the structure walk stops at a bucket
// and says where; the entry walk does not start, and no count is judged.
TEST_F(ClassicCheckTest, WorkStopEndsTheWalksWithoutFalseFindings) {
  uint64_t neu = cb.Buckets(7); // 128 buckets: the second poll (call 64) trips
  for (uint64_t i = 0; i < 128; ++i)
    cb.SetInt(cb.Bucket(neu, i), 0, int64_t(i), 1);
  uint64_t h = cb.Hmap(128, 0, 7, neu);
  ImageReader r = img.Reader();
  int polls = 0;
  WorkStop stop([&] { return ++polls > 1; }, 0);
  Limits lim;
  lim.stop = &stop;
  CheckReport rep = CheckMap(r, layout, h, lim);
  EXPECT_TRUE(rep.truncated);
  EXPECT_EQ(rep.walked.entries, 0u);
  EXPECT_EQ(rep.walked.buckets, 64u);
  ASSERT_EQ(rep.diags.items().size(), 1u) << DiagText(rep.diags.items());
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::Truncated, ": interrupted at bucket 64 of 128"),
            nullptr)
      << DiagText(rep.diags.items());
  EXPECT_FALSE(rep.diags.HasErrors());
  EXPECT_NE(CheckText(rep, layout, nullptr).find("truncated"), std::string::npos);
  // The entry cursor alone stops the same way, with the entries before the stop.
  int polls2 = 0;
  WorkStop stop2([&] { return ++polls2 > 1; }, 0);
  lim.stop = &stop2;
  auto cur = OpenEntries(r, layout, h, lim);
  MapEntry e;
  uint64_t n = 0;
  while (cur->Next(&e))
    ++n;
  EXPECT_EQ(n, 64u);
  EXPECT_TRUE(cur->truncated());
  EXPECT_NE(FindDiag(cur->diagnostics().items(), DiagCode::Truncated,
                     "hmap at " + HexAddr(h) + ": interrupted at bucket 64 of 128"),
            nullptr)
      << DiagText(cur->diagnostics().items());
}

class SwissCheckTest : public ::testing::Test {
protected:
  TestTypes types;
  MapLayout layout = MustLayout("go1.26.1", types.int64_, types.int64_);
  Image img;
  SwissBuilder sb{img, layout};
};

TEST_F(SwissCheckTest, CleanDirectoryIsOk) {
  uint64_t t0 = sb.Table(2, 1, 0);
  uint64_t t1 = sb.Table(2, 1, 1);
  sb.SetInt(t0, 0, 0, 1, 1);
  sb.SetInt(t0, 1, 3, 2, 2);
  sb.SetInt(t1, 0, 0, 3, 3);
  uint64_t m = sb.Map(3, sb.Dir({t0, t1}), 2, 1);
  ImageReader r = img.Reader();
  CheckReport rep = CheckMap(r, layout, m, Limits{});
  EXPECT_TRUE(rep.diags.items().empty()) << DiagText(rep.diags.items());
  EXPECT_EQ(rep.walked.entries, 3u);
  EXPECT_EQ(rep.walked.tables, 2u);
  EXPECT_EQ(rep.walked.groups, 4u);
  EXPECT_EQ(rep.walked.dir_entries, 2u);
  auto j = CheckJson(rep, layout, nullptr);
  EXPECT_EQ(j["impl"], "swiss");
  EXPECT_EQ(j["walked"]["tables"], 2);
  EXPECT_FALSE(j["walked"].contains("buckets"));
}

TEST_F(SwissCheckTest, UsedMismatchAndTableUsedMismatch) {
  uint64_t t0 = sb.Table(2, 0, 0);
  sb.SetInt(t0, 0, 0, 1, 1);
  sb.SetInt(t0, 1, 2, 2, 2);
  uint64_t m = sb.Map(7, sb.Dir({t0}), 1, 0); // Map.used wrong
  uint64_t t1 = sb.Table(2, 0, 0);
  sb.SetInt(t1, 0, 0, 1, 1);
  sb.Field(t1, "used", 2); // table.used wrong (and Map.used matches it)
  uint64_t m2 = sb.Map(2, sb.Dir({t1}), 1, 0);
  ImageReader r = img.Reader();
  CheckReport rep = CheckMap(r, layout, m, Limits{});
  const Diagnostic *d =
      FindDiag(rep.diags.items(), DiagCode::Inconsistent, "found 2 entries but used = 7");
  ASSERT_NE(d, nullptr) << DiagText(rep.diags.items());
  EXPECT_EQ(d->address, m);
  EXPECT_NE(
      FindDiag(rep.diags.items(), DiagCode::Inconsistent, "tables' used sum to 2 but Map.used = 7"),
      nullptr);
  CheckReport rep2 = CheckMap(r, layout, m2, Limits{});
  EXPECT_NE(
      FindDiag(rep2.diags.items(), DiagCode::Inconsistent, "1 full ctrl bytes but table.used = 2"),
      nullptr)
      << DiagText(rep2.diags.items());
  EXPECT_TRUE(rep2.diags.HasErrors());
}

TEST_F(SwissCheckTest, WorkStopEndsTheWalksWithoutFalseFindings) {
  uint64_t t0 = sb.Table(128, 0, 0); // the second poll (call 64) trips
  for (uint64_t g = 0; g < 128; ++g)
    sb.SetInt(t0, g, 0, int64_t(g), 1);
  uint64_t m = sb.Map(128, sb.Dir({t0}), 1, 0);
  ImageReader r = img.Reader();
  WorkStop timed(nullptr, 1e-6); // already past at the first poll
  Limits lim;
  lim.stop = &timed;
  CheckReport rep = CheckMap(r, layout, m, lim);
  EXPECT_TRUE(rep.truncated);
  EXPECT_EQ(rep.walked.entries, 0u);
  EXPECT_FALSE(rep.diags.HasErrors()) << DiagText(rep.diags.items());
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::Truncated,
                     "time limit of 0.000001 s reached at table 0 (dir 0), group 0 of 128; "
                     "--time-limit raises it"),
            nullptr)
      << DiagText(rep.diags.items());
  int polls = 0;
  WorkStop stop([&] { return ++polls > 1; }, 0);
  lim.stop = &stop;
  auto cur = OpenEntries(r, layout, m, lim);
  MapEntry e;
  uint64_t n = 0;
  while (cur->Next(&e))
    ++n;
  EXPECT_TRUE(cur->truncated());
  EXPECT_LT(n, 128u);
  EXPECT_NE(
      FindDiag(cur->diagnostics().items(), DiagCode::Truncated, ": interrupted at dir 0, group"),
      nullptr)
      << DiagText(cur->diagnostics().items());
}

TEST_F(SwissCheckTest, UnreadableTableIsAnErrorNotACrash) {
  uint64_t t0 = sb.Table(1, 1, 0);
  uint64_t m = sb.Map(0, sb.Dir({t0, 0x7e0000000000}), 2, 1);
  ImageReader r = img.Reader();
  CheckReport rep = CheckMap(r, layout, m, Limits{});
  EXPECT_TRUE(rep.diags.HasErrors());
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::Unreadable, ""), nullptr)
      << DiagText(rep.diags.items());
  EXPECT_EQ(CountCode(rep.diags, DiagCode::Unreadable), 1u) << DiagText(rep.diags.items());
}

TEST(MergeDiagnosticsTest, SkipsExactDuplicatesOnly) {
  DiagnosticSink a, b;
  a.Add(DiagCode::Cycle, Severity::Error, "x", 1);
  b.Add(DiagCode::Cycle, Severity::Error, "x", 1);
  b.Add(DiagCode::Cycle, Severity::Error, "x", 2);
  b.Add(DiagCode::Cycle, Severity::Warning, "x", 1);
  MergeDiagnostics(a, b);
  EXPECT_EQ(a.items().size(), 3u);
}

} // namespace
} // namespace gomap
