// Tests of the crash triage (core/triage.h) and of the map call-site scan
// (core/map_calls.h) on synthetic images and code: argument recovery across
// tiers, CALL/LEAQ decoding, loops, the stack-word scan, which goroutines are
// named racers and which are not, and the fatal text of the print backlog.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "core/map_args.h"
#include "core/map_calls.h"
#include "core/runtime_g.h"
#include "core/triage.h"
#include "core/work_stop.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

constexpr uint64_t kDesc = 0x4b0000; // the map type descriptor

// amd64 code under construction, at a fixed base address.
struct Code {
  uint64_t base;
  std::vector<uint8_t> bytes;
  uint64_t at() const { return base + bytes.size(); }
  void Pad(size_t n) { bytes.insert(bytes.end(), n, 0x90); } // NOPs
  void LeaAx(uint64_t target) { Rip({0x48, 0x8d, 0x05}, target); }
  void LeaCx(uint64_t target) { Rip({0x48, 0x8d, 0x0d}, target); }
  void Call(uint64_t target) { Rel32({0xe8}, target); }
  void Jmp(uint64_t target) { Rel32({0xe9}, target); }
  void Ret() { bytes.push_back(0xc3); }

private:
  void Rip(std::vector<uint8_t> op, uint64_t target) {
    int32_t d = int32_t(int64_t(target) - int64_t(at() + op.size() + 4));
    Emit(op, d);
  }
  void Rel32(std::vector<uint8_t> op, uint64_t target) {
    int32_t d = int32_t(int64_t(target) - int64_t(at() + op.size() + 4));
    Emit(op, d);
  }
  void Emit(const std::vector<uint8_t> &op, int32_t d) {
    bytes.insert(bytes.end(), op.begin(), op.end());
    uint8_t b[4];
    std::memcpy(b, &d, 4);
    bytes.insert(bytes.end(), b, b + 4);
  }
};

// Functions by entry; each one's code and a line per call (pc -> line).
struct FakeCode : CodeReader {
  std::map<uint64_t, Function> funcs;
  std::map<uint64_t, std::vector<uint8_t>> code;
  void Add(const std::string &name, const Code &c) {
    funcs[c.base] = Function{c.base, c.base + std::max<size_t>(c.bytes.size(), 1), name};
    code[c.base] = c.bytes;
  }
  void Stub(const std::string &name, uint64_t entry) {
    Code c{entry, {}};
    c.Ret();
    Add(name, c);
  }
  std::optional<Function> FunctionAt(uint64_t pc) override {
    auto it = funcs.upper_bound(pc);
    if (it == funcs.begin())
      return std::nullopt;
    --it;
    if (pc >= it->second.end)
      return std::nullopt;
    return it->second;
  }
  size_t ReadCode(uint64_t addr, void *dst, size_t n) override {
    auto f = FunctionAt(addr);
    if (!f)
      return 0;
    const auto &b = code[f->entry];
    size_t off = addr - f->entry, m = std::min(n, b.size() - off);
    std::memcpy(dst, b.data() + off, m);
    return m;
  }
  std::vector<SourceFrame> Symbolize(uint64_t pc) override {
    auto f = FunctionAt(pc);
    if (!f)
      return {};
    return {SourceFrame{f->name, "/src/main.go", uint32_t(100 + (pc - f->entry))}};
  }
};

bool AnyUser(const std::string &name) { return name.rfind("main.", 0) == 0; }

TEST(MapCalls, DecodesCallsAndTheTypeLoadedIntoAx) {
  Code c{0x401000, {}};
  c.LeaAx(kDesc);
  c.Pad(10);
  c.Call(0x402000);  // takes kDesc
  c.LeaCx(0x4c0000); // not AX: not the type argument
  c.Call(0x402100);
  c.LeaAx(kDesc);
  c.Pad(100); // too far from the call
  c.Call(0x402200);
  auto calls = DecodeCalls(c.bytes.data(), c.bytes.size(), c.base);
  std::vector<RawCall> real;
  for (const RawCall &r : calls)
    if (r.target == 0x402000 || r.target == 0x402100 || r.target == 0x402200)
      real.push_back(r);
  ASSERT_EQ(real.size(), 3u);
  EXPECT_EQ(real[0].type_word, kDesc);
  EXPECT_EQ(real[1].type_word, kDesc); // the last LEAQ to AX is still within reach
  EXPECT_EQ(real[2].type_word, 0u);
}

TEST(MapCalls, RipOperandsNamePackageVariables) {
  Code c{0x401000, {}};
  // MOVQ main.totals(SB), AX = 48 8b 05 disp32; LEAQ main.srv(SB), CX.
  int32_t d = int32_t(0x5a0000 - (0x401000 + 7));
  c.bytes = {0x48, 0x8b, 0x05};
  for (int i = 0; i < 4; ++i)
    c.bytes.push_back(uint8_t(uint32_t(d) >> (8 * i)));
  c.LeaCx(0x5a0100);
  auto ops = DecodeRipOperands(c.bytes.data(), c.bytes.size(), c.base);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].second, 0x5a0000u);
  EXPECT_EQ(ops[1].second, 0x5a0100u);
}

TEST(MapCalls, BackwardJumps) {
  Code c{0x401000, {}};
  c.Pad(8);
  c.Jmp(0x401002);
  c.bytes.push_back(0xeb); // JMP rel8 -2: to itself
  c.bytes.push_back(0xfe);
  auto jumps = DecodeBackwardJumps(c.bytes.data(), c.bytes.size(), c.base);
  bool far = false, self = false;
  for (const auto &[from, to] : jumps) {
    far |= from == 0x401008 && to == 0x401002;
    self |= from == 0x40100d && to == 0x40100d;
  }
  EXPECT_TRUE(far);
  EXPECT_TRUE(self);
}

TEST(MapCalls, CallsAheadOfThePcInLoopsAndCallees) {
  FakeCode fc;
  fc.Stub("runtime.mapassign_fast64", 0x402000);
  fc.Stub("runtime.mapaccess1_fast64", 0x402100);
  fc.Stub("strconv.Itoa", 0x402200);
  Code put{0x403000, {}};
  put.LeaAx(kDesc);
  put.Call(0x402000);
  put.Ret();
  fc.Add("main.put", put);

  // main.f: a read before pc, a call to a std function at pc, a write through
  // main.put after it.
  Code f{0x401000, {}};
  f.LeaAx(kDesc);
  f.Call(0x402100);
  f.Pad(4);
  uint64_t pc = f.at();
  f.Call(0x402200);
  f.Call(0x403000);
  f.Ret();
  fc.Add("main.f", f);
  auto calls = FindMapCalls(fc, pc, &AnyUser);
  ASSERT_EQ(calls.size(), 2u);
  std::map<std::string, const MapCallSite *> by;
  for (const auto &c : calls)
    by[c.callee] = &c;
  ASSERT_TRUE(by.count("runtime.mapaccess1_fast64") && by.count("runtime.mapassign_fast64"));
  EXPECT_FALSE(by["runtime.mapaccess1_fast64"]->ahead); // done before pc, no loop
  EXPECT_TRUE(by["runtime.mapassign_fast64"]->ahead);   // in a callee called ahead
  EXPECT_EQ(by["runtime.mapassign_fast64"]->via, std::vector<std::string>{"main.put"});
  EXPECT_EQ(by["runtime.mapassign_fast64"]->role, "write");
  EXPECT_EQ(by["runtime.mapassign_fast64"]->type_word, kDesc);
  EXPECT_EQ(by["runtime.mapaccess1_fast64"]->where.function, "main.f");

  // The same code in a loop (its head past the stack check): the read before pc
  // runs again.
  Code g{0x404000, {}};
  g.Pad(4);
  uint64_t head = g.at();
  g.LeaAx(kDesc);
  g.Call(0x402100);
  uint64_t gpc = g.at();
  g.Call(0x402200);
  g.Jmp(head);
  fc.Add("main.g", g);
  calls = FindMapCalls(fc, gpc, &AnyUser);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].ahead);
  EXPECT_EQ(calls[0].role, "read");

  // No loop, but the stack-growth epilogue (call runtime.morestack_noctxt, jmp to
  // the entry): the read before pc does not run again.
  fc.Stub("runtime.morestack_noctxt", 0x402300);
  Code h{0x405000, {}};
  h.Pad(4);
  h.LeaAx(kDesc);
  h.Call(0x402100);
  uint64_t hpc = h.at();
  h.Call(0x402200);
  h.Ret();
  h.Call(0x402300);
  h.Jmp(0x405000);
  fc.Add("main.h", h);
  calls = FindMapCalls(fc, hpc, &AnyUser);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_FALSE(calls[0].ahead);
}

TEST(Triage, FatalFromTheBacklogRing) {
  std::vector<uint8_t> ring(64, 0);
  std::string msg = "x\nfatal error: concurrent map writes\n\ngorout";
  // Written so that it wraps around the end of the ring.
  size_t start = 40;
  for (size_t i = 0; i < msg.size(); ++i)
    ring[(start + i) % ring.size()] = uint8_t(msg[i]);
  uint64_t index = (start + msg.size()) % ring.size();
  EXPECT_EQ(FatalFromBacklog(ring, index), "concurrent map writes");
  EXPECT_EQ(FatalFromBacklog(std::vector<uint8_t>(64, 'a'), 3), "");
  EXPECT_EQ(FatalForRole("read"), "concurrent map read and map write");
  EXPECT_EQ(FatalForRole("iterate"), "concurrent map iteration and map write");
  EXPECT_EQ(FatalForRole("delete"), "concurrent map writes");
}

class TriageTest : public ::testing::Test, public TriageHost {
protected:
  TriageTest() {
    Type *m = tt.table.New(Kind::Map, "map[int64]int64", 8, 8);
    m->key = tt.int64_;
    m->elem = tt.int64_;
    map_ii = m;
    layouts.layouts[map_ii] = MustLayout("go1.22.5", tt.int64_, tt.int64_);
    resolver.by_desc[kDesc] = map_ii;
    code.Stub("runtime.fatal", 0x402f00);
    code.Stub("runtime.mapassign_fast64", 0x402000);
    code.Stub("runtime.mapaccess1_fast64", 0x402100);
    code.Stub("runtime.chanrecv1", 0x402300);
  }

  uint64_t NewMap() {
    ClassicBuilder cb(img, layouts.layouts[map_ii]);
    uint64_t b = cb.Buckets(0);
    cb.SetInt(cb.Bucket(b, 0), 0, 1, 2);
    return cb.Hmap(1, 0, 0, b);
  }
  // A user function at `entry` that reads or writes the map in a loop (or
  // makes no map call at all); returns the pc of its call to runtime.chanrecv1.
  // A loop whose head follows a stack check (4 bytes here), as in Go code.
  uint64_t UserLoop(const std::string &name, uint64_t entry, uint64_t map_fn) {
    Code c{entry, {}};
    c.Pad(4);
    const uint64_t head = c.at();
    if (map_fn) {
      c.LeaAx(kDesc);
      c.Call(map_fn);
    }
    uint64_t pc = c.at();
    c.Call(0x402300);
    c.Jmp(head);
    code.Add(name, c);
    return pc;
  }
  // A goroutine stack of `words` words whose frame 0 is at its bottom.
  uint64_t Stack(size_t words) { return img.Alloc(words * 8, 8); }

  Goroutine G(int64_t id, uint32_t status, const std::string &wait, uint64_t stack, size_t words) {
    Goroutine g;
    g.id = id;
    g.status = status;
    g.status_name = status == kGwaiting ? "waiting" : "running";
    g.wait_reason = wait;
    g.stack_lo = stack;
    g.stack_hi = stack + words * 8;
    return g;
  }
  GoFrame F(const std::string &fn, uint64_t pc, uint64_t sp, uint64_t cfa) {
    GoFrame f;
    f.pc = pc;
    f.sp = sp;
    f.cfa = cfa;
    f.source = SourceFrame{fn, "/src/main.go", uint32_t(pc & 0xff)};
    return f;
  }

  // TriageHost
  MemoryReader &memory() override { return *reader; }
  TypeResolver &types() override { return resolver; }
  MapLayoutProvider &maps() override { return layouts; }
  std::optional<SyncMapLayout> SyncLayout(const Type *) override { return std::nullopt; }
  const IterLayout *IterLayoutFor(MapImpl) override { return nullptr; }
  std::vector<FrameValue> FrameValues(const Goroutine &, size_t, OverlayReader &) override {
    return {};
  }
  std::vector<uint64_t> Registers(const Goroutine &g) override {
    auto it = regs.find(g.id);
    return it == regs.end() ? std::vector<uint64_t>{} : it->second;
  }
  std::vector<GlobalValue> Globals() override { return {}; }
  std::vector<std::pair<std::string, IterReport>> Iterators(uint64_t) override { return {}; }
  std::string GoVersion() override { return "go1.22.5"; }
  std::optional<Function> FunctionAt(uint64_t pc) override { return code.FunctionAt(pc); }
  size_t ReadCode(uint64_t a, void *d, size_t n) override { return code.ReadCode(a, d, n); }
  std::vector<SourceFrame> Symbolize(uint64_t pc) override { return code.Symbolize(pc); }

  TestTypes tt;
  Image img;
  FakeTypes resolver;
  FakeLayouts layouts;
  FakeCode code;
  const Type *map_ii = nullptr;
  std::map<int64_t, std::vector<uint64_t>> regs;
  std::optional<ImageReader> reader;
};

TEST_F(TriageTest, RacersNeedEvidenceAndCodeThatOperatesOnTheMap) {
  uint64_t h = NewMap();
  uint64_t writer_pc = UserLoop("main.writer", 0x405000, 0x402000);
  uint64_t reader_pc = UserLoop("main.reader", 0x406000, 0x402100);
  uint64_t idle_pc = UserLoop("main.idle", 0x407000, 0);

  std::vector<Goroutine> gs;
  // 1: died in mapassign; the spill slots at mapassign's CFA hold (t, h).
  uint64_t s1 = Stack(64);
  Goroutine g1 = G(1, kGrunning, "", s1, 64);
  g1.frames = {F("runtime.fatal", 0x402f00, s1, s1 + 0x20),
               F("runtime.mapassign_fast64", 0x402000, s1 + 0x20, s1 + 0x60),
               F("main.writer", writer_pc + 5, s1 + 0x70, s1 + 0x100)};
  img.Put64(s1 + 0x60, kDesc);
  img.Put64(s1 + 0x68, h);
  // 2: running in main.reader (outside map code), the map's address in a
  // register: a racer.
  uint64_t s2 = Stack(64);
  Goroutine g2 = G(2, kGrunnable, "", s2, 64);
  g2.frames = {F("main.reader", reader_pc, s2, s2 + 0x80)};
  regs[2] = {0, h};
  // 3: the map's address on its stack, but parked on a channel: no racer.
  uint64_t s3 = Stack(64);
  Goroutine g3 = G(3, kGwaiting, "chan receive", s3, 64);
  g3.frames = {F("main.reader", reader_pc, s3, s3 + 0x80)};
  img.Put64(s3 + 0x10, h);
  // 4: running with the map's address on its stack, but its code makes no map
  // call: no racer.
  uint64_t s4 = Stack(64);
  Goroutine g4 = G(4, kGrunning, "", s4, 64);
  g4.frames = {F("main.idle", idle_pc, s4, s4 + 0x80)};
  img.Put64(s4 + 0x18, h);
  // 5: preempted in main.writer with the address on its stack: a racer.
  uint64_t s5 = Stack(64);
  Goroutine g5 = G(5, kGwaiting, "preempted", s5, 64);
  g5.frames = {F("main.writer", writer_pc, s5, s5 + 0x80)};
  img.Put64(s5 + 0x30, h);
  // 6: runnable in main.writer; a word on its stack points at an object whose
  // second word is the map (a spilled receiver c with c.m): a racer, one hop.
  uint64_t s6 = Stack(64);
  uint64_t obj = img.Alloc(32, 8);
  img.Put64(obj + 8, h);
  Goroutine g6 = G(6, kGrunnable, "", s6, 64);
  g6.frames = {F("main.writer", writer_pc, s6, s6 + 0x80)};
  img.Put64(s6 + 0x8, obj);
  gs = {g1, g2, g3, g4, g5, g6};
  reader.emplace(img.Reader());

  TriageReport r = Triage(*this, gs, &gs[0]);
  ASSERT_GE(r.crash, 0);
  const TriageGoroutine &c = r.touching[size_t(r.crash)];
  EXPECT_EQ(c.g->id, 1);
  EXPECT_EQ(c.arg.header, h);
  EXPECT_EQ(c.arg.source, "spill slot CFA+0x8 of runtime.mapassign_fast64");
  EXPECT_EQ(r.race, "write/write");
  EXPECT_EQ(r.fatal, "concurrent map writes");
  std::map<int64_t, const TriageGoroutine *> racers;
  for (const auto &mg : r.touching)
    if (!mg.evidence.empty())
      racers[mg.g->id] = &mg;
  ASSERT_EQ(racers.size(), 4u) << TriageText(r);
  ASSERT_TRUE(racers.count(1) && racers.count(2) && racers.count(5) && racers.count(6))
      << TriageText(r);
  EXPECT_NE(racers[6]->evidence.front().text.find("holds the map's address at +0x8"),
            std::string::npos)
      << racers[6]->evidence.front().text;
  EXPECT_EQ(racers[2]->role, "read");
  EXPECT_EQ(racers[2]->evidence.front().kind, "register");
  EXPECT_EQ(racers[5]->role, "write");
  EXPECT_EQ(racers[5]->evidence.front().kind, "stack-word");
  EXPECT_NE(racers[5]->evidence.front().text.find(HexAddr(s5 + 0x30)), std::string::npos);
  // The verdict names the map and the racers in one diagnostic.
  ASSERT_EQ(r.findings.items().size(), 1u) << TriageText(r);
  const Diagnostic &d = r.findings.items()[0];
  EXPECT_EQ(d.code, DiagCode::ConcurrentWriter);
  EXPECT_EQ(d.address, h);
  EXPECT_NE(d.message.find("goroutine 2 read"), std::string::npos) << d.message;
  EXPECT_EQ(d.message.find("goroutine 3"), std::string::npos) << d.message;
  EXPECT_EQ(d.message.find("goroutine 4"), std::string::npos) << d.message;
  nlohmann::ordered_json j = TriageJson(r);
  EXPECT_EQ(j["verdict"]["racers"].size(), 4u);
  EXPECT_EQ(j["verdict"]["racers"][0]["goroutine"], 1);
  EXPECT_EQ(r.checked, r.maps.size());
  EXPECT_TRUE(j["stopped"].is_null());

  // Interrupted (Ctrl-C) before the first map check: the crash and racers are
  // still named; the maps not checked are counted in a truncated finding.
  WorkStop stop([] { return true; }, 0);
  TriageOptions opts;
  opts.stop = &stop;
  TriageReport s = Triage(*this, gs, &gs[0], opts);
  ASSERT_GE(s.crash, 0);
  EXPECT_EQ(s.touching[size_t(s.crash)].g->id, 1);
  EXPECT_EQ(s.stopped, "interrupted");
  EXPECT_EQ(s.checked, 0u);
  ASSERT_FALSE(s.maps.empty());
  bool said = false;
  for (const Diagnostic &f : s.findings.items())
    said = said || (f.code == DiagCode::Truncated &&
                    f.message == "scan stopped (interrupted): " + std::to_string(s.maps.size()) +
                                     " of " + std::to_string(s.maps.size()) + " maps not checked");
  EXPECT_TRUE(said) << TriageText(s);
  EXPECT_NE(TriageText(s).find("0 maps checked of " + std::to_string(s.maps.size())),
            std::string::npos)
      << TriageText(s);
  EXPECT_EQ(TriageJson(s)["stopped"], "interrupted");
}

TEST_F(TriageTest, ATypeFoundLaterChecksEarlierHeaders) {
  uint64_t h = NewMap();
  // A word that looks like a header only by accident is not a map of the
  // type; the spill slot holding h is checked again once the type is known.
  ImageReader r = img.Reader();
  ArgTier spill, deref;
  spill.headers = {{0, "CFA+0"}, {h, "CFA+8"}};
  deref.types = {{kDesc, "it.t"}};
  deref.headers = {{h + 0x1000, "it.h"}};
  RecoveredMap got;
  std::string why;
  ASSERT_TRUE(RecoverMapArgument(r, resolver, layouts, {spill, deref}, &got, &why)) << why;
  EXPECT_EQ(got.header, h);
  EXPECT_EQ(got.source, "CFA+8");
  EXPECT_EQ(got.type_source, "it.t");
  EXPECT_EQ(got.type_word, kDesc);
}

TEST_F(TriageTest, ACorruptHeaderInTheDwarfParametersIsStillTheMap) {
  uint64_t h = NewMap();
  img.Put<uint8_t>(h + 9, 60); // B = 60: 2^60 buckets claimed
  ImageReader r = img.Reader();
  ArgTier dwarf, spill;
  dwarf.types = {{kDesc, "DWARF t"}};
  dwarf.headers = {{h, "DWARF h"}};
  spill.headers = {{h + 0x1000, "CFA+8"}}; // unreadable
  RecoveredMap got;
  std::string why;
  ASSERT_TRUE(RecoverMapArgument(r, resolver, layouts, {dwarf, spill}, &got, &why)) << why;
  EXPECT_EQ(got.header, h);
  EXPECT_NE(got.implausible.find("B = 60"), std::string::npos) << got.implausible;
  // From a spill slot (not the DWARF parameters) a failing header is no map.
  ArgTier none, spilled;
  spilled.types = {{kDesc, "CFA+0"}};
  spilled.headers = {{h, "CFA+8"}};
  EXPECT_FALSE(RecoverMapArgument(r, resolver, layouts, {none, spilled}, &got, &why));
}

} // namespace
} // namespace gomap
