// The pclntab reader and symbol-less goroutine discovery on synthetic
// binaries: a two-function pclntab with an inlined call, in the go1.19 and
// go1.20+ formats, and corrupt variants that must fail in one line.
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/pclntab.h"
#include "core/runtime_g.h"
#include "core/target.h"

namespace gomap {
namespace {

constexpr uint64_t kText = 0x401000, kPcln = 0x500000, kRodata = 0x480000, kNoptrdata = 0x600000,
                   kBss = 0x610000, kNoptrbss = 0x620000;

void Put32(std::vector<uint8_t> &b, size_t at, uint32_t v) {
  if (b.size() < at + 4)
    b.resize(at + 4);
  std::memcpy(b.data() + at, &v, 4);
}
void Put64(std::vector<uint8_t> &b, size_t at, uint64_t v) {
  if (b.size() < at + 8)
    b.resize(at + 8);
  std::memcpy(b.data() + at, &v, 8);
}
void Append32(std::vector<uint8_t> &b, uint32_t v) { Put32(b, b.size(), v); }

void Varint(std::vector<uint8_t> &b, uint32_t v) {
  while (v >= 0x80) {
    b.push_back(uint8_t(v | 0x80));
    v >>= 7;
  }
  b.push_back(uint8_t(v));
}

// A pcvalue table: (value, end pc offset) runs, as cmd/link writes them.
std::vector<uint8_t> PcTable(const std::vector<std::pair<int32_t, uint32_t>> &runs) {
  std::vector<uint8_t> out;
  int32_t prev = -1;
  uint32_t pc = 0;
  for (auto [v, end] : runs) {
    int32_t d = v - prev;
    Varint(out, (uint32_t(d) << 1) ^ uint32_t(d >> 31));
    Varint(out, end - pc);
    prev = v;
    pc = end;
  }
  out.push_back(0);
  return out;
}

// main.outer [0,0x100) with main.inl inlined at [0x10,0x20) (call site: the
// instruction at 0x30, line 12); main.leaf [0x100,0x180).
struct Binary {
  bool go120 = true;
  std::vector<uint8_t> pcln, rodata, noptrdata;
  BinaryImage image;
  GoVersion version;

  explicit Binary(bool go120_format, int32_t parent_pc = 0x30) : go120(go120_format) {
    version = GoVersion::Parse(go120 ? "go1.22.1" : "go1.19.8");
    std::string names = std::string("main.outer\0main.leaf\0main.inl\0", 30);
    std::string files = std::string("/src/main.go\0", 13);
    std::vector<uint8_t> pctab(1, 0); // offset 0 means "no table"
    auto add_table = [&](const std::vector<uint8_t> &t) {
      uint32_t off = uint32_t(pctab.size());
      pctab.insert(pctab.end(), t.begin(), t.end());
      return off;
    };
    uint32_t sp_outer = add_table(PcTable({{0, 4}, {0x18, 0x100}}));
    uint32_t sp_leaf = add_table(PcTable({{0, 0x80}}));
    uint32_t file0 = add_table(PcTable({{0, 0x100}}));
    uint32_t file_leaf = add_table(PcTable({{0, 0x80}}));
    uint32_t ln_outer = add_table(PcTable({{10, 0x10}, {20, 0x20}, {12, 0x100}}));
    uint32_t ln_leaf = add_table(PcTable({{40, 0x80}}));
    uint32_t inl_outer = add_table(PcTable({{-1, 0x10}, {0, 0x20}, {-1, 0x100}}));

    const uint32_t hdr = 72;
    uint32_t funcname = hdr, cu = funcname + uint32_t(names.size());
    uint32_t filetab = cu + 4, pct = filetab + uint32_t(files.size());
    uint32_t pclnoff = pct + uint32_t(pctab.size());
    pclnoff = (pclnoff + 7) & ~7u;
    pcln.assign(hdr, 0);
    Put32(pcln, 0, go120 ? 0xfffffff1 : 0xfffffff0);
    pcln[6] = 1;
    pcln[7] = 8;
    Put64(pcln, 8, 2);  // nfunc
    Put64(pcln, 16, 1); // nfiles
    Put64(pcln, 24, kText);
    Put64(pcln, 32, funcname);
    Put64(pcln, 40, cu);
    Put64(pcln, 48, filetab);
    Put64(pcln, 56, pct);
    Put64(pcln, 64, pclnoff);
    pcln.resize(pclnoff);
    std::memcpy(pcln.data() + funcname, names.data(), names.size());
    Put32(pcln, cu, 0); // cutab[0]: "/src/main.go" at filetab+0
    std::memcpy(pcln.data() + filetab, files.data(), files.size());
    std::memcpy(pcln.data() + pct, pctab.data(), pctab.size());
    // ftab: 3 entries, then the _funcs.
    const uint32_t fsize = go120 ? 44 : 40;
    uint32_t f0 = 3 * 8, f1 = f0 + fsize + 3 * 4 + 4 * 4;
    std::vector<uint8_t> tab;
    Append32(tab, 0);
    Append32(tab, f0);
    Append32(tab, 0x100);
    Append32(tab, f1);
    Append32(tab, 0x180);
    Append32(tab, 0);
    auto func = [&](uint32_t entry, uint32_t name, uint32_t sp, uint32_t file, uint32_t ln,
                    uint32_t inl, bool with_inline) {
      size_t at = tab.size();
      Put32(tab, at + 0, entry);
      Put32(tab, at + 4, name);
      Put32(tab, at + 16, sp);
      Put32(tab, at + 20, file);
      Put32(tab, at + 24, ln);
      Put32(tab, at + 28, 3); // npcdata
      Put32(tab, at + 32, 0); // cuOffset
      tab.resize(at + fsize);
      tab[at + fsize - 1] = 4; // nfuncdata
      Append32(tab, 0);
      Append32(tab, 0);
      Append32(tab, with_inline ? inl : 0);
      for (int i = 0; i < 4; ++i)
        Append32(tab, i == 3 && with_inline ? 0x40 : ~0u);
    };
    func(0, 0, sp_outer, file0, ln_outer, inl_outer, true);
    func(0x100, 11, sp_leaf, file_leaf, ln_leaf, 0, false);
    pcln.insert(pcln.end(), tab.begin(), tab.end());

    // The inline tree at gofunc+0x40 in .rodata: one call of main.inl (name 21).
    rodata.assign(0x100, 0);
    if (go120) {
      Put32(rodata, 0x40 + 4, 21);
      Put32(rodata, 0x40 + 8, uint32_t(parent_pc));
    } else {
      Put32(rodata, 0x40 + 12, 21);
      Put32(rodata, 0x40 + 16, uint32_t(parent_pc));
    }
    // runtime.firstmoduledata at the start of .noptrdata.
    int rodata_word = go120 ? 39 : 37, gofunc_word = go120 ? 40 : 38;
    Put64(noptrdata, 0, kPcln);
    Put64(noptrdata, 8, kPcln + funcname);
    Put64(noptrdata, 22 * 8, kText);
    Put64(noptrdata, 23 * 8, kText + 0x180);
    Put64(noptrdata, 28 * 8, kBss);
    Put64(noptrdata, 29 * 8, kBss + 0x1000);
    Put64(noptrdata, 30 * 8, kNoptrbss);
    Put64(noptrdata, 31 * 8, kNoptrbss + 0x1000);
    Put64(noptrdata, rodata_word * 8, kRodata);
    Put64(noptrdata, gofunc_word * 8, kRodata);
    noptrdata.resize(0x200);
  }

  std::unique_ptr<Pclntab> Open(std::string *error) {
    image = BinaryImage();
    image.Add({".rodata", kRodata, rodata.size(), rodata.data(), false});
    image.Add({".gopclntab", kPcln, pcln.size(), pcln.data(), false});
    image.Add({".noptrdata", kNoptrdata, noptrdata.size(), noptrdata.data(), true});
    image.Add({".bss", kBss, 0x1000, nullptr, true});
    image.Add({".noptrbss", kNoptrbss, 0x1000, nullptr, true});
    return Pclntab::Open(image, version, error);
  }
};

class PclntabFormats : public ::testing::TestWithParam<bool> {};

TEST_P(PclntabFormats, FunctionsFrameSizesAndInlinedCalls) {
  Binary b(GetParam());
  std::string error;
  auto t = b.Open(&error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->NumFuncs(), 2u);
  EXPECT_EQ(t->moduledata().address, kNoptrdata);
  EXPECT_EQ(t->moduledata().bss, kBss);

  auto leaf = t->FuncAt(kText + 0x150);
  ASSERT_TRUE(leaf);
  EXPECT_EQ(leaf->entry, kText + 0x100);
  EXPECT_EQ(t->FuncName(*leaf), "main.leaf");
  EXPECT_FALSE(t->FuncAt(kText + 0x180)); // past the last function
  EXPECT_FALSE(t->FuncAt(kText - 1));

  EXPECT_EQ(t->CfaOffset(kText + 2), 8);           // before the frame is set up
  EXPECT_EQ(t->CfaOffset(kText + 0x50), 0x18 + 8); // SUBQ $0x18, SP done
  EXPECT_EQ(t->CfaOffset(kText + 0x17f), 8);

  std::vector<SourceFrame> in = t->Symbolize(kText + 0x15);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].function, "main.inl");
  EXPECT_EQ(in[0].file, "/src/main.go");
  EXPECT_EQ(in[0].line, 20u);
  EXPECT_EQ(in[1].function, "main.outer");
  EXPECT_EQ(in[1].line, 12u); // the call site: the line at parentPc

  std::vector<SourceFrame> plain = t->Symbolize(kText + 0x8);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].function, "main.outer");
  EXPECT_EQ(plain[0].line, 10u);
  EXPECT_TRUE(t->Symbolize(kText + 0x1000).empty());
}

INSTANTIATE_TEST_SUITE_P(Go119AndGo120, PclntabFormats, ::testing::Bool(),
                         [](const auto &info) { return info.param ? "go120" : "go119"; });

TEST(Pclntab, ParentPcInsideTheInlinedRangeStaysBounded) {
  Binary b(true, /*parent_pc=*/0x15); // call site inside the inlined body: a cycle
  std::string error;
  auto t = b.Open(&error);
  ASSERT_TRUE(t) << error;
  std::vector<SourceFrame> f = t->Symbolize(kText + 0x15);
  EXPECT_LE(f.size(), 65u);
  EXPECT_EQ(f.back().function, "main.outer");
}

TEST(Pclntab, CorruptInputsFailInOneLine) {
  std::string error;
  {
    Binary b(true);
    Put32(b.pcln, 0, 0xfffffffb); // go1.2 magic
    EXPECT_FALSE(b.Open(&error));
    EXPECT_NE(error.find("magic 0xfffffffb"), std::string::npos) << error;
  }
  {
    Binary b(true);
    Put64(b.noptrdata, 0, 0); // no moduledata points at the pcHeader
    EXPECT_FALSE(b.Open(&error));
    EXPECT_NE(error.find("firstmoduledata not found"), std::string::npos) << error;
  }
  {
    Binary b(true);
    b.version = GoVersion::Parse("go1.19.8"); // wrong layout for these words
    EXPECT_FALSE(b.Open(&error));
    EXPECT_NE(error.find("does not have the go1.19 layout"), std::string::npos) << error;
  }
  {
    Binary b(true);
    Put64(b.pcln, 64, b.pcln.size() + 100); // pclnOffset past the end
    EXPECT_FALSE(b.Open(&error));
    EXPECT_NE(error.find("out of range"), std::string::npos) << error;
  }
  {
    Binary b(true);
    b.pcln.resize(40);
    EXPECT_FALSE(b.Open(&error));
    EXPECT_NE(error.find("too short"), std::string::npos) << error;
  }
}

TEST(Pclntab, TruncatedPcTableGivesNoValue) {
  Binary b(true);
  std::string error;
  auto t = b.Open(&error);
  ASSERT_TRUE(t) << error;
  // Point main.leaf's pcsp at the last byte of the section (a lone 0: the end).
  uint32_t f1 = 0;
  uint64_t pclnoff = 0;
  std::memcpy(&pclnoff, b.pcln.data() + 64, 8);
  std::memcpy(&f1, b.pcln.data() + pclnoff + 12, 4);
  uint64_t pctab = 0;
  std::memcpy(&pctab, b.pcln.data() + 56, 8);
  Put32(b.pcln, pclnoff + f1 + 16, uint32_t(b.pcln.size() - 1 - pctab));
  b.pcln.back() = 0x80; // a varint that never ends
  auto t2 = b.Open(&error);
  ASSERT_TRUE(t2) << error;
  EXPECT_FALSE(t2->CfaOffset(kText + 0x110));
}

// bench/fuzz found a pcsp table whose deltas overflow int32 (UBSan: signed
// integer overflow in PcValue). Go's int32 arithmetic wraps: so does ours.
TEST(Pclntab, PcValueDeltasWrapAsInGo) {
  Binary b(true);
  uint32_t f1 = 0;
  uint64_t pclnoff = 0, pctab = 0;
  std::memcpy(&pclnoff, b.pcln.data() + 64, 8);
  std::memcpy(&f1, b.pcln.data() + pclnoff + 12, 4);
  std::memcpy(&pctab, b.pcln.data() + 56, 8);
  // main.leaf's pcsp: -1 + INT32_MIN over its first 0x40 bytes, then -2^30 more.
  Put32(b.pcln, pclnoff + f1 + 16, uint32_t(b.pcln.size() - pctab));
  Varint(b.pcln, 0xffffffffu); // zigzag: INT32_MIN
  Varint(b.pcln, 0x40);
  Varint(b.pcln, 0x7fffffffu); // zigzag: -2^30
  Varint(b.pcln, 0x40);
  b.pcln.push_back(0);
  std::string error;
  auto t = b.Open(&error);
  ASSERT_TRUE(t) << error;
  auto f = t->FuncAt(kText + 0x110);
  ASSERT_TRUE(f);
  EXPECT_EQ(t->SpDelta(*f, kText + 0x110), std::optional<int32_t>(INT32_MAX));
  EXPECT_EQ(t->SpDelta(*f, kText + 0x150), std::optional<int32_t>(INT32_MAX - (1 << 30)));
}

TEST(Pclntab, FuncAtTheEndOfTheSectionStaysInBounds) {
  Binary b(true);
  uint64_t pclnoff = 0;
  std::memcpy(&pclnoff, b.pcln.data() + 64, 8);
  // main.leaf's _func moved to the last 4 bytes: only its entryOff fits.
  Put32(b.pcln, b.pcln.size(), 0x100);
  Put32(b.pcln, pclnoff + 12, uint32_t(b.pcln.size() - 4 - pclnoff));
  std::string error;
  auto t = b.Open(&error);
  ASSERT_TRUE(t) << error;
  ASSERT_TRUE(t->FuncAt(kText + 0x150));
  std::vector<SourceFrame> f = t->Symbolize(kText + 0x150); // ASan: no read past the end
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].line, 0u);
  EXPECT_FALSE(t->CfaOffset(kText + 0x150));
}

// runtime.allgs found by scanning .bss: decoys are skipped, the slice that
// runtime.allgptr repeats and whose elements look like g's wins.
TEST(RuntimeG, FindAllgsByScanningBss) {
  GoVersion v = GoVersion::Parse("go1.26.1");
  std::string error;
  auto l = BuiltinGLayout(v, &error);
  ASSERT_TRUE(l) << error;
  ImageReader mem;
  const uint64_t heap = 0xc000000000;
  auto make_g = [&](uint64_t addr, uint64_t goid, uint32_t status) {
    std::vector<uint8_t> g(l->read_size);
    Put64(g, l->stack_lo.offset, heap + 0x100000 * goid);
    Put64(g, l->stack_hi.offset, heap + 0x100000 * goid + 0x2000);
    Put32(g, l->status.offset, status);
    Put64(g, l->goid.offset, goid);
    mem.Map(addr, g);
  };
  make_g(heap + 0x1000, 1, kGwaiting);
  make_g(heap + 0x2000, 2, kGrunnable);
  make_g(heap + 0x3000, 3, kGdead);
  std::vector<uint8_t> arr;
  for (uint64_t a : {heap + 0x1000, heap + 0x2000, heap + 0x3000})
    Put64(arr, arr.size(), a);
  mem.Map(heap + 0x8000, arr);
  std::vector<uint8_t> junk(64, 0xff); // elements that are not g's
  mem.Map(heap + 0x9000, junk);
  std::vector<uint8_t> bss(0x400);
  // A decoy slice repeated elsewhere, whose elements are not g's.
  Put64(bss, 0x10, heap + 0x9000);
  Put64(bss, 0x18, 2);
  Put64(bss, 0x20, 2);
  Put64(bss, 0x28, heap + 0x9000);
  // allgs {array, 3, 4} and allgptr.
  Put64(bss, 0x100, heap + 0x8000);
  Put64(bss, 0x108, 3);
  Put64(bss, 0x110, 4);
  Put64(bss, 0x200, heap + 0x8000);
  mem.Map(kBss, bss);
  auto at = FindAllgs(mem, kBss, kBss + bss.size(), *l, 1 << 20, &error);
  ASSERT_TRUE(at) << error;
  EXPECT_EQ(*at, kBss + 0x100);

  // Without runtime.allgptr's copy the slice is not trusted.
  Put64(bss, 0x200, 0);
  mem.Map(kBss, bss);
  EXPECT_FALSE(FindAllgs(mem, kBss, kBss + bss.size(), *l, 1 << 20, &error));
  EXPECT_NE(error.find("runtime.allgs not found"), std::string::npos) << error;
  EXPECT_FALSE(FindAllgs(mem, kBss, kBss + (1ull << 40), *l, 1 << 20, &error));
}

TEST(RuntimeG, FindWaitReasonsFromStringHeaders) {
  std::string ro = std::string("xxIO waitGC assist markingchan receive", 38);
  const uint64_t io = kRodata + 2, gc = kRodata + 9, ch = kRodata + 26;
  std::vector<uint8_t> data(16); // padding before the array
  for (auto [p, n] :
       std::vector<std::pair<uint64_t, uint64_t>>{{0, 0}, {gc, 17}, {io, 7}, {ch, 12}, {0, 0}}) {
    Put64(data, data.size(), p);
    Put64(data, data.size(), n);
  }
  BinaryImage image;
  image.Add({".rodata", kRodata, ro.size(), reinterpret_cast<const uint8_t *>(ro.data()), false});
  image.Add({".data", kNoptrdata, data.size(), data.data(), true});
  std::vector<std::string> r = FindWaitReasons(image);
  EXPECT_EQ(r, (std::vector<std::string>{"", "GC assist marking", "IO wait", "chan receive"}));
  BinaryImage empty;
  EXPECT_TRUE(FindWaitReasons(empty).empty());
}

TEST(RuntimeG, BuiltinLayoutsFollowTheReleases) {
  std::string error;
  auto g119 = BuiltinGLayout(GoVersion::Parse("go1.19.8"), &error);
  auto g123 = BuiltinGLayout(GoVersion::Parse("go1.23.12"), &error);
  auto g125 = BuiltinGLayout(GoVersion::Parse("go1.25.14"), &error);
  ASSERT_TRUE(g119 && g123 && g125) << error;
  // Offsets as the go1.19/go1.23/go1.25 fixtures' DWARF gives them.
  EXPECT_EQ(g119->goid.offset, 152u);
  EXPECT_EQ(g119->syscallpc.offset, 120u);
  EXPECT_EQ(g123->status.offset, 152u);
  EXPECT_EQ(g123->waitreason.offset, 184u);
  EXPECT_EQ(g125->syscallsp.offset, 104u);
  EXPECT_EQ(g125->m_procid.offset, 64u);
  EXPECT_FALSE(BuiltinGLayout(GoVersion::Parse("go1.18.10"), &error));
  EXPECT_NE(error.find("no built-in runtime.g layout"), std::string::npos);
}

} // namespace
} // namespace gomap
