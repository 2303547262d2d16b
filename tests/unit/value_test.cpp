// Unit tests of the value renderer: JSON encoding, Go-like text, show maps.
#include "core/value.h"
#include "core/value_stream.h"
#include "core/work_stop.h"
#include "reference_value.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace gomap {
namespace {

using json = nlohmann::json;

// Little-endian byte buffer builder for one mapped region.
class Bytes {
public:
  explicit Bytes(size_t n = 0) : b_(n, 0) {}
  Bytes &U8(size_t off, uint8_t v) { return Put(off, &v, 1); }
  Bytes &U16(size_t off, uint16_t v) { return Put(off, &v, 2); }
  Bytes &U32(size_t off, uint32_t v) { return Put(off, &v, 4); }
  Bytes &U64(size_t off, uint64_t v) { return Put(off, &v, 8); }
  Bytes &F32(size_t off, float v) { return Put(off, &v, 4); }
  Bytes &F64(size_t off, double v) { return Put(off, &v, 8); }
  Bytes &Str(size_t off, const std::string &s) { return Put(off, s.data(), s.size()); }
  std::vector<uint8_t> vec() const { return b_; }

private:
  Bytes &Put(size_t off, const void *p, size_t n) {
    if (b_.size() < off + n)
      b_.resize(off + n);
    std::memcpy(b_.data() + off, p, n);
    return *this;
  }
  std::vector<uint8_t> b_;
};

class FakeResolver : public TypeResolver {
public:
  const Type *ByRuntimeType(uint64_t descriptor) override {
    auto it = by_desc.find(descriptor);
    return it == by_desc.end() ? nullptr : it->second;
  }
  std::map<uint64_t, const Type *> by_desc;
};

class FakeMaps : public MapLayoutProvider {
public:
  const MapLayout *ForMapType(const Type *map_type) override {
    auto it = layouts.find(map_type);
    return it == layouts.end() ? nullptr : &it->second;
  }
  std::map<const Type *, MapLayout> layouts;
};

constexpr uint64_t kData = 0x10000;  // where test values live
constexpr uint64_t kHeap = 0x20000;  // pointed-at data (string bytes, elements)
constexpr uint64_t kTypes = 0x30000; // fake type descriptors / itabs
constexpr uint64_t kHole = 0x900000; // never mapped

class StringStream final : public OutputStream {
public:
  explicit StringStream(std::string &s) : s_(s) {}
  void Write(std::string_view b) override { s_.append(b); }

private:
  std::string &s_;
};

class ValueTest : public ::testing::Test {
protected:
  ValueTest() {
    int_ = Basic(Kind::Int, "int", 8);
    int8_ = Basic(Kind::Int8, "int8", 1);
    int16_ = Basic(Kind::Int16, "int16", 2);
    int32_ = Basic(Kind::Int32, "int32", 4);
    int64_ = Basic(Kind::Int64, "int64", 8);
    uint8_ = Basic(Kind::Uint8, "uint8", 1);
    uint16_ = Basic(Kind::Uint16, "uint16", 2);
    uint32_ = Basic(Kind::Uint32, "uint32", 4);
    uint64_ = Basic(Kind::Uint64, "uint64", 8);
    uintptr_ = Basic(Kind::Uintptr, "uintptr", 8);
    f32_ = Basic(Kind::Float32, "float32", 4);
    f64_ = Basic(Kind::Float64, "float64", 8);
    c64_ = tt_.New(Kind::Complex64, "complex64", 8, 4);
    c128_ = tt_.New(Kind::Complex128, "complex128", 16, 8);
    bool_ = Basic(Kind::Bool, "bool", 1);
    string_ = tt_.New(Kind::String, "string", 16, 8);
    eface_ = tt_.New(Kind::Interface, "interface {}", 16, 8);
    any_ = tt_.New(Kind::Interface, "main.Stringer", 16, 8);
    any_->nonempty_iface = true;
    // type P struct { X int; Y string }
    p_ = tt_.New(Kind::Struct, "main.P", 24, 8);
    p_->fields = {{"X", 0, int_}, {"Y", 8, string_}};
    pptr_ = tt_.New(Kind::Pointer, "*main.P", 8, 8);
    pptr_->elem = p_;
  }

  Type *Basic(Kind k, const char *name, uint64_t size) { return tt_.New(k, name, size, size); }
  Type *SliceOf(const Type *elem) {
    Type *t = tt_.New(Kind::Slice, "[]" + elem->name, 24, 8);
    t->elem = elem;
    return t;
  }
  Type *ArrayOf(const Type *elem, uint64_t n) {
    Type *t = tt_.New(Kind::Array, "[" + std::to_string(n) + "]" + elem->name, elem->size * n,
                      elem->align);
    t->elem = elem;
    t->len = n;
    return t;
  }

  ValueRenderer Renderer() { return ValueRenderer(mem_, &types_, &maps_, opts_); }

  json J(uint64_t addr, const Type *t) {
    ValueRenderer r = Renderer();
    json j = r.Json(addr, t);
    diags_ = r.diagnostics().items();
    EXPECT_NO_THROW((void)j.dump()) << "output must be valid UTF-8 JSON";
    CompareWithReference(addr, t);
    return j;
  }
  std::string T(uint64_t addr, const Type *t) {
    ValueRenderer r = Renderer();
    std::string s = r.Text(addr, t);
    diags_ = r.diagnostics().items();
    if (compare_reference_) {
      DiagnosticSink d;
      reference::Parts p{mem_, &types_, &maps_, opts_, d, nullptr};
      EXPECT_EQ(s, reference::ValueText(p, addr, t)) << "text differs from the old renderer";
    }
    return s;
  }
  // The streamed rendering against the tree-built renderer it replaced
  // (tests/unit/reference_value.cpp): the same bytes as nlohmann's dump(2), but
  // where a per-value limit cut the value (new: {"cut": X, "len": N}).
  void CompareWithReference(uint64_t addr, const Type *t) {
    if (!compare_reference_)
      return;
    DiagnosticSink d;
    reference::Parts p{mem_, &types_, &maps_, opts_, d, nullptr};
    nlohmann::ordered_json want = reference::ValueJson(p, addr, t);
    ValueRenderer r = Renderer();
    std::string streamed;
    JsonWriter w(streamed, 2);
    WriteValueJson(r, w, addr, t);
    nlohmann::ordered_json got = nlohmann::ordered_json::parse(streamed);
    bool cut = false;
    nlohmann::ordered_json norm = NormaliseCuts(got, &cut);
    EXPECT_EQ(norm, want) << "streamed JSON differs from the old renderer";
    if (!cut) {
      EXPECT_EQ(streamed, want.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
  // Drops "cut_values" and unwraps {"cut": X, "len": N} to X.
  static nlohmann::ordered_json NormaliseCuts(const nlohmann::ordered_json &j, bool *cut) {
    if (j.is_array()) {
      nlohmann::ordered_json a = nlohmann::ordered_json::array();
      for (const auto &e : j)
        a.push_back(NormaliseCuts(e, cut));
      return a;
    }
    if (!j.is_object())
      return j;
    if (j.size() == 2 && j.contains("cut") && j.contains("len")) {
      *cut = true;
      return NormaliseCuts(j["cut"], cut);
    }
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "cut_values") {
        *cut = *cut || it.value() != 0;
        continue;
      }
      o[it.key()] = NormaliseCuts(it.value(), cut);
    }
    return o;
  }
  bool compare_reference_ = true;
  // A Go string header at `at` pointing to bytes stored at `bytes_at`.
  void PutString(Bytes &b, size_t at, uint64_t bytes_at, const std::string &s) {
    b.U64(at, s.empty() ? 0 : bytes_at).U64(at + 8, s.size());
    if (!s.empty())
      mem_.Map(bytes_at, std::vector<uint8_t>(s.begin(), s.end()));
  }
  bool HasDiag(DiagCode code, uint64_t address) const {
    for (const auto &d : diags_)
      if (d.code == code && d.address == address)
        return true;
    return false;
  }
  bool HasDiag(DiagCode code) const {
    for (const auto &d : diags_)
      if (d.code == code)
        return true;
    return false;
  }
  static json Unreadable(uint64_t addr) { return json{{"error", "unreadable " + HexAddr(addr)}}; }

  TypeTable tt_;
  ImageReader mem_;
  FakeResolver types_;
  FakeMaps maps_;
  RenderOptions opts_;
  std::vector<Diagnostic> diags_;
  Type *int_, *int8_, *int16_, *int32_, *int64_, *uint8_, *uint16_, *uint32_, *uint64_, *uintptr_,
      *f32_, *f64_, *c64_, *c128_, *bool_, *string_, *eface_, *any_, *p_, *pptr_;
};

TEST(ValueHexAddr, LowerCaseNoLeadingZeros) {
  EXPECT_EQ(HexAddr(0), "0x0");
  EXPECT_EQ(HexAddr(0xc000012345), "0xc000012345");
  EXPECT_EQ(HexAddr(0xABCDEF), "0xabcdef");
  EXPECT_EQ(HexAddr(~uint64_t(0)), "0xffffffffffffffff");
}

TEST(ValueDiagnosticJson, Fields) {
  Diagnostic d{DiagCode::WritingFlagSet, Severity::Warning, "a write", 0x1234};
  EXPECT_EQ(DiagnosticJson(d), (nlohmann::ordered_json{{"code", "writing-flag-set"},
                                                       {"severity", "warning"},
                                                       {"message", "a write"},
                                                       {"address", "0x1234"}}));
  d.address = 0;
  EXPECT_TRUE(DiagnosticJson(d)["address"].is_null());
}

TEST_F(ValueTest, SignedIntsEverySize) {
  mem_.Map(kData, Bytes()
                      .U8(0, 0xFF)                      // int8 -1
                      .U16(8, uint16_t(-300))           // int16
                      .U32(16, uint32_t(INT32_MIN))     // int32
                      .U64(24, uint64_t(1) << 53)       // exactly 2^53
                      .U64(32, (uint64_t(1) << 53) + 1) // 2^53 + 1
                      .U64(40, uint64_t(-(int64_t(1) << 53)))
                      .U64(48, uint64_t(-(int64_t(1) << 53) - 1))
                      .U64(56, uint64_t(INT64_MIN))
                      .U64(64, 42)
                      .vec());
  EXPECT_EQ(J(kData, int8_), json(-1));
  EXPECT_EQ(J(kData + 8, int16_), json(-300));
  EXPECT_EQ(J(kData + 16, int32_), json(int64_t(INT32_MIN)));
  EXPECT_EQ(J(kData + 24, int64_), json(int64_t(1) << 53));
  EXPECT_EQ(J(kData + 32, int64_), json("9007199254740993"));
  EXPECT_EQ(J(kData + 40, int_), json(-(int64_t(1) << 53)));
  EXPECT_EQ(J(kData + 48, int_), json("-9007199254740993"));
  EXPECT_EQ(J(kData + 56, int64_), json("-9223372036854775808"));
  EXPECT_EQ(J(kData + 64, int_), json(42));
  EXPECT_TRUE(diags_.empty());
  EXPECT_EQ(T(kData, int8_), "-1");
  EXPECT_EQ(T(kData + 56, int64_), "-9223372036854775808");
  EXPECT_EQ(T(kData + 64, int_), "42");
}

TEST_F(ValueTest, UnsignedIntsEverySize) {
  mem_.Map(kData, Bytes()
                      .U8(0, 255)
                      .U16(8, 65535)
                      .U32(16, 0xFFFFFFFF)
                      .U64(24, ~uint64_t(0))
                      .U64(32, uint64_t(1) << 53)
                      .U64(40, 0xc000012345)
                      .vec());
  EXPECT_EQ(J(kData, uint8_), json(255));
  EXPECT_EQ(J(kData + 8, uint16_), json(65535));
  EXPECT_EQ(J(kData + 16, uint32_), json(4294967295u));
  EXPECT_EQ(J(kData + 24, uint64_), json("18446744073709551615"));
  EXPECT_EQ(J(kData + 32, uint64_), json(uint64_t(1) << 53));
  EXPECT_EQ(J(kData + 40, uintptr_), json(0xc000012345));
  EXPECT_EQ(T(kData + 24, uint64_), "18446744073709551615");
  EXPECT_EQ(T(kData, uint8_), "255");
}

TEST_F(ValueTest, FloatsIncludingSpecials) {
  mem_.Map(kData, Bytes()
                      .F64(0, 3.5)
                      .F64(8, std::nan(""))
                      .F64(16, INFINITY)
                      .F64(24, -INFINITY)
                      .F32(32, 3.1f)
                      .F32(36, -INFINITY)
                      .F64(40, 1e21)
                      .F64(48, 1e20)
                      .F64(56, 0.00001)
                      .F64(64, 0.0001)
                      .F64(72, -0.0)
                      .F64(80, 0.1)
                      .vec());
  EXPECT_EQ(J(kData, f64_), json(3.5));
  EXPECT_EQ(J(kData + 8, f64_), json("NaN"));
  EXPECT_EQ(J(kData + 16, f64_), json("+Inf"));
  EXPECT_EQ(J(kData + 24, f64_), json("-Inf"));
  // float32 is converted to double for JSON.
  EXPECT_EQ(J(kData + 32, f32_), json(double(3.1f)));
  EXPECT_EQ(J(kData + 36, f32_), json("-Inf"));
  // Text follows fmt's %v.
  EXPECT_EQ(T(kData, f64_), "3.5");
  EXPECT_EQ(T(kData + 8, f64_), "NaN");
  EXPECT_EQ(T(kData + 16, f64_), "+Inf");
  EXPECT_EQ(T(kData + 24, f64_), "-Inf");
  EXPECT_EQ(T(kData + 32, f32_), "3.1");
  EXPECT_EQ(T(kData + 40, f64_), "1e+21");
  EXPECT_EQ(T(kData + 48, f64_), "100000000000000000000");
  EXPECT_EQ(T(kData + 56, f64_), "1e-05");
  EXPECT_EQ(T(kData + 64, f64_), "0.0001");
  EXPECT_EQ(T(kData + 72, f64_), "-0");
  EXPECT_EQ(T(kData + 80, f64_), "0.1");
}

TEST_F(ValueTest, Complex) {
  mem_.Map(kData, Bytes().F64(0, 1).F64(8, -2).F32(16, 0.5f).F32(20, NAN).vec());
  EXPECT_EQ(J(kData, c128_), (json{{"real", 1.0}, {"imag", -2.0}}));
  EXPECT_EQ(J(kData + 16, c64_), (json{{"real", 0.5}, {"imag", "NaN"}}));
  EXPECT_EQ(T(kData, c128_), "(1-2i)");
  EXPECT_EQ(T(kData + 16, c64_), "(0.5+NaNi)");
}

TEST_F(ValueTest, Bool) {
  mem_.Map(kData, Bytes().U8(0, 1).U8(1, 0).vec());
  EXPECT_EQ(J(kData, bool_), json(true));
  EXPECT_EQ(J(kData + 1, bool_), json(false));
  EXPECT_EQ(T(kData, bool_), "true");
  EXPECT_EQ(T(kData + 1, bool_), "false");
}

TEST_F(ValueTest, StringsQuotesAndUnicode) {
  Bytes b;
  PutString(b, 0, kHeap, "a\"b\n");
  PutString(b, 16, kHeap + 0x100, "h\xc3\xa9llo, \xe4\xb8\x96\xe7\x95\x8c");
  PutString(b, 32, 0, "");
  PutString(b, 48, kHeap + 0x200, std::string("t\x01\x7f\\", 4));
  mem_.Map(kData, b.vec());
  EXPECT_EQ(J(kData, string_), json("a\"b\n"));
  EXPECT_EQ(T(kData, string_), "\"a\\\"b\\n\"");
  EXPECT_EQ(J(kData + 16, string_), json("h\xc3\xa9llo, \xe4\xb8\x96\xe7\x95\x8c"));
  EXPECT_EQ(T(kData + 16, string_), "\"h\xc3\xa9llo, \xe4\xb8\x96\xe7\x95\x8c\"");
  EXPECT_EQ(J(kData + 32, string_), json(""));
  EXPECT_EQ(T(kData + 32, string_), "\"\"");
  EXPECT_EQ(T(kData + 48, string_), "\"t\\x01\\x7f\\\\\"");
  EXPECT_TRUE(diags_.empty());
}

TEST_F(ValueTest, StringsInvalidUtf8ReplacedLikeEncodingJson) {
  const std::string fffd = "\xef\xbf\xbd";
  Bytes b;
  PutString(b, 0, kHeap,
            "a\xff"
            "b");
  PutString(b, 16, kHeap + 0x100, "\xe2\x82");     // truncated 3-byte seq
  PutString(b, 32, kHeap + 0x200, "\xed\xa0\x80"); // surrogate half
  PutString(b, 48, kHeap + 0x300, "\xc0\x80x");    // overlong NUL
  mem_.Map(kData, b.vec());
  EXPECT_EQ(J(kData, string_), json("a" + fffd + "b"));
  // Each byte of an invalid sequence is replaced on its own, as Go does.
  EXPECT_EQ(J(kData + 16, string_), json(fffd + fffd));
  EXPECT_EQ(J(kData + 32, string_), json(fffd + fffd + fffd));
  EXPECT_EQ(J(kData + 48, string_), json(fffd + fffd + "x"));
  EXPECT_EQ(T(kData, string_), "\"a\\xffb\"");
  EXPECT_EQ(T(kData + 16, string_), "\"\\xe2\\x82\"");
}

TEST_F(ValueTest, StringsCutAtMaxBytes) {
  opts_.max_string_bytes = 4;
  Bytes b;
  PutString(b, 0, kHeap, "abcdefgh");
  PutString(b, 16, kHeap + 0x100, "abc\xc3\xa9z"); // cut inside U+00E9
  mem_.Map(kData, b.vec());
  // A cut is marked where it happens: {"cut": prefix, "len": full length}.
  EXPECT_EQ(J(kData, string_), (json{{"cut", "abcd"}, {"len", 8}}));
  EXPECT_TRUE(HasDiag(DiagCode::Truncated, kData));
  EXPECT_EQ(T(kData, string_), "\"abcd\"...");
  // The partial rune at the cut is dropped, not shown as U+FFFD.
  EXPECT_EQ(J(kData + 16, string_), (json{{"cut", "abc"}, {"len", 6}}));
}

TEST_F(ValueTest, StringCutsMarkedEachSaidOnce) {
  opts_.max_string_bytes = 2;
  Type *arr = ArrayOf(string_, 3);
  Bytes b;
  PutString(b, 0, kHeap, "abcd");
  PutString(b, 16, kHeap + 0x100, "xy");
  PutString(b, 32, kHeap + 0x200, "efgh");
  mem_.Map(kData, b.vec());
  ValueRenderer r = Renderer();
  EXPECT_EQ(r.Text(kData, arr), "[3]string{\"ab\"..., \"xy\", \"ef\"...}");
  size_t cuts = 0;
  for (const auto &d : r.diagnostics().items())
    cuts += d.code == DiagCode::Truncated;
  EXPECT_EQ(cuts, 1u); // both cuts are marked where they are
}

TEST_F(ValueTest, StringsUnreadable) {
  Bytes b;
  b.U64(0, kHole).U64(8, 5);              // bytes unmapped
  b.U64(16, 0).U64(24, 3);                // nil data, non-zero length
  b.U64(32, kHeap).U64(40, uint64_t(-1)); // negative length
  mem_.Map(kData, b.vec());
  mem_.Map(kHeap, {'x'});
  EXPECT_EQ(J(kData, string_), Unreadable(kHole));
  EXPECT_TRUE(HasDiag(DiagCode::Unreadable, kHole));
  EXPECT_EQ(T(kData, string_), "<unreadable 0x900000>");
  EXPECT_EQ(J(kData + 16, string_), Unreadable(0));
  EXPECT_TRUE(J(kData + 32, string_).contains("error"));
  EXPECT_TRUE(HasDiag(DiagCode::Implausible, kData + 32));
  // The header itself.
  EXPECT_EQ(J(kHole, string_), Unreadable(kHole));
  // Header readable only in part (region ends mid-header).
  mem_.Map(0x50000, Bytes().U64(0, kHeap).vec());
  EXPECT_EQ(J(0x50000, string_), Unreadable(0x50000));
}

TEST_F(ValueTest, StructsKeepFieldOrderAndNest) {
  // type Inner struct { z int8; _ struct{}; a float64 }
  Type *empty = tt_.New(Kind::Struct, "struct {}", 0, 1);
  Type *inner = tt_.New(Kind::Struct, "main.Inner", 16, 8);
  inner->fields = {{"z", 0, int8_}, {"_", 1, empty}, {"a", 8, f64_}};
  // type Outer struct { Z int; In Inner; P P; b bool }
  Type *outer = tt_.New(Kind::Struct, "main.Outer", 72, 8);
  outer->fields = {{"Z", 0, int_}, {"In", 8, inner}, {"P", 24, p_}, {"b", 48, bool_}};
  Bytes b;
  b.U64(0, 7).U8(8, 0xFE).F64(16, 2.5).U64(24, 1);
  PutString(b, 32, kHeap, "a");
  b.U8(48, 1);
  mem_.Map(kData, b.vec());

  ValueRenderer r = Renderer();
  nlohmann::ordered_json oj = r.JsonOrdered(kData, outer);
  EXPECT_EQ(oj.dump(), R"({"Z":7,"In":{"z":-2,"a":2.5},"P":{"X":1,"Y":"a"},"b":true})");
  EXPECT_TRUE(r.diagnostics().items().empty());
  EXPECT_EQ(J(kData, outer), json::parse(oj.dump()));
  EXPECT_EQ(T(kData, outer), "main.Outer{Z: 7, In: main.Inner{z: -2, a: 2.5}, "
                             "P: main.P{X: 1, Y: \"a\"}, b: true}");
}

TEST_F(ValueTest, StructNonZeroBlankFieldsAllKept) {
  Type *pad = ArrayOf(uint8_, 2);
  Type *s = tt_.New(Kind::Struct, "main.S", 4, 1);
  s->fields = {{"_", 0, pad}, {"_", 2, pad}};
  mem_.Map(kData, {1, 2, 3, 4});
  ValueRenderer r = Renderer();
  EXPECT_EQ(r.JsonOrdered(kData, s).dump(), R"({"_":[1,2],"_#2":[3,4]})");
}

TEST_F(ValueTest, StructPartlyUnreadable) {
  // P at the very end of a region: X readable, Y's header not.
  mem_.Map(kData, Bytes().U64(0, 9).vec());
  EXPECT_EQ(J(kData, p_), (json{{"X", 9}, {"Y", Unreadable(kData + 8)}}));
  EXPECT_TRUE(HasDiag(DiagCode::Unreadable, kData + 8));
  EXPECT_EQ(T(kData, p_), "main.P{X: 9, Y: <unreadable 0x10008>}");
  // Entirely unreadable.
  EXPECT_EQ(J(kHole, p_), (json{{"X", Unreadable(kHole)}, {"Y", Unreadable(kHole + 8)}}));
}

TEST_F(ValueTest, Arrays) {
  Type *arr = ArrayOf(int16_, 3);
  mem_.Map(kData, Bytes().U16(0, 1).U16(2, uint16_t(-2)).U16(4, 3).vec());
  EXPECT_EQ(J(kData, arr), (json{1, -2, 3}));
  EXPECT_EQ(T(kData, arr), "[3]int16{1, -2, 3}");
  opts_.max_elems = 2;
  EXPECT_EQ(J(kData, arr), (json{{"cut", {1, -2}}, {"len", 3}}));
  EXPECT_TRUE(HasDiag(DiagCode::Truncated, kData));
  EXPECT_EQ(T(kData, arr), "[3]int16{1, -2, ...}");
}

TEST_F(ValueTest, ArrayPartlyUnreadableStopsAtHole) {
  Type *arr = ArrayOf(int_, 4);
  mem_.Map(kData, Bytes().U64(0, 1).U64(8, 2).vec());
  EXPECT_EQ(J(kData, arr), (json{1, 2, Unreadable(kData + 16)}));
  EXPECT_EQ(T(kData, arr), "[4]int{1, 2, <unreadable 0x10010>}");
}

TEST_F(ValueTest, Slices) {
  Type *ints = SliceOf(int_);
  Type *strs = SliceOf(string_);
  Bytes b;
  b.U64(0, 0).U64(8, 0).U64(16, 0);               // nil
  b.U64(24, kHeap).U64(32, 0).U64(40, 4);         // empty, non-nil
  b.U64(48, kHeap).U64(56, 3).U64(64, 4);         // [1 2 3]
  b.U64(72, kHeap + 0x100).U64(80, 2).U64(88, 2); // ["x" "yz"]
  mem_.Map(kData, b.vec());
  mem_.Map(kHeap, Bytes().U64(0, 1).U64(8, 2).U64(16, 3).U64(24, 4).vec());
  Bytes sb;
  PutString(sb, 0, kHeap + 0x200, "x");
  PutString(sb, 16, kHeap + 0x300, "yz");
  mem_.Map(kHeap + 0x100, sb.vec());

  EXPECT_TRUE(J(kData, ints).is_null());
  EXPECT_EQ(T(kData, ints), "nil");
  EXPECT_EQ(J(kData + 24, ints), json::array());
  EXPECT_EQ(T(kData + 24, ints), "[]int{}");
  EXPECT_EQ(J(kData + 48, ints), (json{1, 2, 3}));
  EXPECT_EQ(T(kData + 48, ints), "[]int{1, 2, 3}");
  EXPECT_EQ(J(kData + 72, strs), (json{"x", "yz"}));
  EXPECT_EQ(T(kData + 72, strs), "[]string{\"x\", \"yz\"}");
  EXPECT_TRUE(diags_.empty());

  opts_.max_elems = 2;
  EXPECT_EQ(J(kData + 48, ints), (json{{"cut", {1, 2}}, {"len", 3}}));
  EXPECT_TRUE(HasDiag(DiagCode::Truncated, kData + 48));
  EXPECT_EQ(T(kData + 48, ints), "[]int{1, 2, ...}");
}

TEST_F(ValueTest, SlicesUnreadableAndImplausible) {
  Type *ints = SliceOf(int_);
  Bytes b;
  b.U64(0, kHole).U64(8, 2).U64(16, 2);   // elements unmapped
  b.U64(24, kHeap).U64(32, 3).U64(40, 3); // third element unmapped
  b.U64(48, kHeap).U64(56, 5).U64(64, 1); // len > cap
  mem_.Map(kData, b.vec());
  mem_.Map(kHeap, Bytes().U64(0, 1).U64(8, 2).vec());
  EXPECT_EQ(J(kData, ints), (json{Unreadable(kHole)}));
  EXPECT_TRUE(HasDiag(DiagCode::Unreadable, kHole));
  EXPECT_EQ(J(kData + 24, ints), (json{1, 2, Unreadable(kHeap + 16)}));
  EXPECT_EQ(T(kData + 24, ints), "[]int{1, 2, <unreadable 0x20010>}");
  J(kData + 48, ints);
  EXPECT_TRUE(HasDiag(DiagCode::Implausible, kData + 48));
  EXPECT_EQ(J(kHole, ints), Unreadable(kHole));
  EXPECT_EQ(T(kHole, ints), "<unreadable 0x900000>");
}

TEST_F(ValueTest, HugeSliceLengthIsBounded) {
  Type *ints = SliceOf(int_);
  mem_.Map(kData, Bytes().U64(0, kHeap).U64(8, uint64_t(1) << 60).U64(16, uint64_t(1) << 60).vec());
  mem_.Map(kHeap, std::vector<uint8_t>(64, 0));
  opts_.max_elems = 100;
  json j = J(kData, ints)["cut"];
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), 9u); // 8 zeros, then the hole
  EXPECT_EQ(j.back(), Unreadable(kHeap + 64));
  EXPECT_EQ(J(kData, ints)["len"], json("1152921504606846976")); // past 2^53: a string
}

TEST_F(ValueTest, Pointers) {
  Type *ch = tt_.New(Kind::Chan, "chan int", 8, 8);
  Type *fn = tt_.New(Kind::Func, "func(int) string", 8, 8);
  Type *up = tt_.New(Kind::UnsafePointer, "unsafe.Pointer", 8, 8);
  mem_.Map(kData, Bytes().U64(0, 0).U64(8, 0xc000010000).vec());
  EXPECT_TRUE(J(kData, pptr_).is_null());
  EXPECT_EQ(T(kData, pptr_), "nil");
  EXPECT_EQ(J(kData + 8, pptr_), (json{{"ptr", "0xc000010000"}}));
  EXPECT_EQ(T(kData + 8, pptr_), "(*main.P)(0xc000010000)");
  EXPECT_EQ(J(kData + 8, ch), (json{{"ptr", "0xc000010000"}}));
  EXPECT_EQ(J(kData + 8, fn), (json{{"ptr", "0xc000010000"}}));
  EXPECT_EQ(J(kData + 8, up), (json{{"ptr", "0xc000010000"}}));
  EXPECT_TRUE(J(kData, ch).is_null());
  EXPECT_EQ(T(kData + 8, ch), "(chan int)(0xc000010000)");
  EXPECT_EQ(T(kData + 8, up), "unsafe.Pointer(0xc000010000)");
  // The pointee is never read for JSON, even when unmapped.
  EXPECT_TRUE(diags_.empty());
  EXPECT_EQ(J(kHole, pptr_), Unreadable(kHole));
  EXPECT_TRUE(HasDiag(DiagCode::Unreadable, kHole));
}

TEST_F(ValueTest, TextFollowsPointersWhenAsked) {
  Bytes b;
  b.U64(0, kData + 8).U64(8, 5);
  PutString(b, 16, kHeap, "q");
  mem_.Map(kData, b.vec());
  opts_.pointer_depth = 1;
  EXPECT_EQ(T(kData, pptr_), "&main.P{X: 5, Y: \"q\"}");
  EXPECT_EQ(J(kData, pptr_), (json{{"ptr", HexAddr(kData + 8)}, {"elem", {{"X", 5}, {"Y", "q"}}}}));
}

TEST_F(ValueTest, PointerDepthBoundsHopsAndStopsAtCycles) {
  // type N struct { V int; Next *N }: a -> b -> a (a cycle), and c -> c.
  Type *n = tt_.New(Kind::Struct, "main.N", 16, 8);
  Type *np = tt_.New(Kind::Pointer, "*main.N", 8, 8);
  np->elem = n;
  n->fields = {{"V", 0, int_}, {"Next", 8, np}};
  constexpr uint64_t a = kHeap, b = kHeap + 0x100, c = kHeap + 0x200;
  mem_.Map(kData, Bytes().U64(0, a).U64(8, c).vec());
  mem_.Map(a, Bytes().U64(0, 1).U64(8, b).vec());
  mem_.Map(b, Bytes().U64(0, 2).U64(8, a).vec());
  mem_.Map(c, Bytes().U64(0, 3).U64(8, c).vec());
  EXPECT_EQ(T(kData, np), "(*main.N)(" + HexAddr(a) + ")"); // depth 0: addresses
  EXPECT_EQ(J(kData, np), (json{{"ptr", HexAddr(a)}}));
  opts_.pointer_depth = 1;
  EXPECT_EQ(T(kData, np), "&main.N{V: 1, Next: (*main.N)(" + HexAddr(b) + ")}");
  opts_.pointer_depth = 2;
  EXPECT_EQ(T(kData, np),
            "&main.N{V: 1, Next: &main.N{V: 2, Next: (*main.N)(" + HexAddr(a) + ")}}");
  opts_.pointer_depth = 5;
  EXPECT_EQ(T(kData, np),
            "&main.N{V: 1, Next: &main.N{V: 2, Next: (*main.N)(" + HexAddr(a) + ") <cycle>}}");
  EXPECT_EQ(J(kData, np),
            (json{{"ptr", HexAddr(a)},
                  {"elem",
                   {{"V", 1},
                    {"Next",
                     {{"ptr", HexAddr(b)},
                      {"elem", {{"V", 2}, {"Next", {{"ptr", HexAddr(a)}, {"cycle", true}}}}}}}}}}));
  EXPECT_EQ(T(kData + 8, np), "&main.N{V: 3, Next: (*main.N)(" + HexAddr(c) + ") <cycle>}");
  // Siblings are not cycles: the same pointee twice side by side is rendered twice.
  Type *pair = tt_.New(Kind::Struct, "main.Pair", 16, 8);
  pair->fields = {{"L", 0, np}, {"R", 8, np}};
  mem_.Map(kData + 0x1000, Bytes().U64(0, c).U64(8, c).vec());
  opts_.pointer_depth = 1;
  EXPECT_EQ(T(kData + 0x1000, pair), "main.Pair{L: &main.N{V: 3, Next: (*main.N)(" + HexAddr(c) +
                                         ")}, R: &main.N{V: 3, "
                                         "Next: (*main.N)(" +
                                         HexAddr(c) + ")}}");
  // Channels and unsafe.Pointers are never followed; an unreadable pointee says so.
  Type *ch = tt_.New(Kind::Chan, "chan int", 8, 8);
  EXPECT_EQ(J(kData, ch), (json{{"ptr", HexAddr(a)}}));
  mem_.Map(kData + 0x2000, Bytes().U64(0, kHole).vec());
  EXPECT_EQ(J(kData + 0x2000, pptr_), (json{{"ptr", HexAddr(kHole)}, {"elem", Unreadable(kHole)}}));
  EXPECT_TRUE(HasDiag(DiagCode::Unreadable, kHole));
  EXPECT_EQ(T(kData + 0x2000, pptr_),
            "(*main.P)(" + HexAddr(kHole) + ") <unreadable " + HexAddr(kHole) + ">");
  // The depth limit of nesting still applies.
  opts_.pointer_depth = 100;
  opts_.max_depth = 3;
  EXPECT_EQ(T(kData, np), "&main.N{V: 1, Next: (*main.N)(" + HexAddr(b) + ")}");
}

TEST_F(ValueTest, EfaceDirectAndIndirect) {
  constexpr uint64_t kIntDesc = kTypes + 0x100, kPtrDesc = kTypes + 0x200, kPDesc = kTypes + 0x300,
                     kStrDesc = kTypes + 0x400;
  types_.by_desc = {{kIntDesc, int_}, {kPtrDesc, pptr_}, {kPDesc, p_}, {kStrDesc, string_}};
  Bytes b;
  b.U64(0, 0).U64(8, 0);                     // nil
  b.U64(16, kIntDesc).U64(24, kHeap);        // int, boxed
  b.U64(32, kPtrDesc).U64(40, 0xc000010000); // *main.P, direct
  b.U64(48, kPDesc).U64(56, kHeap + 0x10);   // main.P, boxed
  b.U64(64, kStrDesc).U64(72, kHeap + 0x40); // string, boxed
  mem_.Map(kData, b.vec());
  Bytes h;
  h.U64(0, 5).U64(0x10, 1);
  PutString(h, 0x18, kHeap + 0x100, "a");
  PutString(h, 0x40, kHeap + 0x200, "hi");
  mem_.Map(kHeap, h.vec());

  EXPECT_TRUE(J(kData, eface_).is_null());
  EXPECT_EQ(T(kData, eface_), "nil");
  EXPECT_EQ(J(kData + 16, eface_), (json{{"type", "int"}, {"value", 5}}));
  EXPECT_EQ(T(kData + 16, eface_), "int(5)");
  EXPECT_EQ(J(kData + 32, eface_),
            (json{{"type", "*main.P"}, {"value", {{"ptr", "0xc000010000"}}}}));
  EXPECT_EQ(T(kData + 32, eface_), "(*main.P)(0xc000010000)");
  EXPECT_EQ(J(kData + 48, eface_), (json{{"type", "main.P"}, {"value", {{"X", 1}, {"Y", "a"}}}}));
  EXPECT_EQ(T(kData + 48, eface_), "main.P{X: 1, Y: \"a\"}");
  EXPECT_EQ(T(kData + 64, eface_), "string(\"hi\")");
  EXPECT_TRUE(diags_.empty());
}

TEST_F(ValueTest, IfaceReadsTypeFromItab) {
  // type W struct { p *main.P } is pointer-shaped: stored in the data word.
  Type *w = tt_.New(Kind::Struct, "main.W", 8, 8);
  w->fields = {{"p", 0, pptr_}};
  constexpr uint64_t kWDesc = kTypes + 0x100, kStrDesc = kTypes + 0x200;
  constexpr uint64_t kItabW = kTypes + 0x1000, kItabS = kTypes + 0x1100;
  types_.by_desc = {{kWDesc, w}, {kStrDesc, string_}};
  Bytes tb(0x1200);
  tb.U64(0x1000, kTypes + 0x800).U64(0x1008, kWDesc); // itab{inter, _type}
  tb.U64(0x1100, kTypes + 0x800).U64(0x1108, kStrDesc);
  mem_.Map(kTypes, tb.vec());
  Bytes b;
  b.U64(0, kItabW).U64(8, 0xc000020000);
  b.U64(16, kItabS).U64(24, kHeap);
  mem_.Map(kData, b.vec());
  Bytes h;
  PutString(h, 0, kHeap + 0x100, "ok");
  mem_.Map(kHeap, h.vec());

  EXPECT_EQ(J(kData, any_),
            (json{{"type", "main.W"}, {"value", {{"p", {{"ptr", "0xc000020000"}}}}}}));
  EXPECT_EQ(T(kData, any_), "main.W{p: (*main.P)(0xc000020000)}");
  EXPECT_EQ(J(kData + 16, any_), (json{{"type", "string"}, {"value", "ok"}}));
  EXPECT_EQ(T(kData + 16, any_), "string(\"ok\")");
  EXPECT_TRUE(diags_.empty());
}

TEST_F(ValueTest, InterfaceUnknownDynamicType) {
  mem_.Map(kData, Bytes().U64(0, kTypes + 0x777).U64(8, kHeap).vec());
  EXPECT_EQ(J(kData, eface_), (json{{"type", "?"}, {"value", nullptr}}));
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_EQ(diags_[0].code, DiagCode::UnsupportedLayout);
  EXPECT_NE(diags_[0].message.find("0x30777"), std::string::npos);
  // Without any resolver at all.
  ValueRenderer r(mem_, nullptr, nullptr);
  EXPECT_EQ(r.Json(kData, eface_), (json{{"type", "?"}, {"value", nullptr}}));
  EXPECT_EQ(r.diagnostics().items().size(), 1u);
}

TEST_F(ValueTest, InterfaceUnreadableAtEachLevel) {
  constexpr uint64_t kPDesc = kTypes + 0x300;
  types_.by_desc = {{kPDesc, p_}};
  Bytes b;
  b.U64(0, kHole).U64(8, kHeap);    // iface: itab unmapped
  b.U64(16, kPDesc).U64(24, kHole); // eface: boxed value unmapped
  mem_.Map(kData, b.vec());
  EXPECT_EQ(J(kData, any_), Unreadable(kHole + 8));
  EXPECT_TRUE(HasDiag(DiagCode::Unreadable, kHole + 8));
  EXPECT_EQ(J(kData + 16, eface_),
            (json{{"type", "main.P"},
                  {"value", {{"X", Unreadable(kHole)}, {"Y", Unreadable(kHole + 8)}}}}));
  EXPECT_EQ(J(kHole, eface_), Unreadable(kHole));
  EXPECT_EQ(T(kHole, eface_), "<unreadable 0x900000>");
}

TEST_F(ValueTest, DepthBound) {
  // type L3 struct{ V int }; L2 struct{ In L3 }; L1 struct{ In L2 }
  Type *l3 = tt_.New(Kind::Struct, "main.L3", 8, 8);
  l3->fields = {{"V", 0, int_}};
  Type *l2 = tt_.New(Kind::Struct, "main.L2", 8, 8);
  l2->fields = {{"In", 0, l3}};
  Type *l1 = tt_.New(Kind::Struct, "main.L1", 8, 8);
  l1->fields = {{"In", 0, l2}};
  mem_.Map(kData, Bytes().U64(0, 4).vec());
  EXPECT_EQ(J(kData, l1), (json{{"In", {{"In", {{"V", 4}}}}}}));
  opts_.max_depth = 2;
  EXPECT_EQ(J(kData, l1), (json{{"In", {{"In", {{"truncated", "depth limit"}}}}}}));
  EXPECT_TRUE(HasDiag(DiagCode::Truncated, kData));
  EXPECT_EQ(T(kData, l1), "main.L1{In: main.L2{In: ...}}");
  opts_.max_depth = 0;
  EXPECT_EQ(J(kData, l1), (json{{"truncated", "depth limit"}}));
}

TEST_F(ValueTest, SelfReferentialInterfaceIsBounded) {
  // type Node struct { Next any; Pad int }, whose Next holds a *copy* of the
  // same node: a boxed Node pointing at itself.
  Type *node = tt_.New(Kind::Struct, "main.Node", 24, 8);
  node->fields = {{"Next", 0, eface_}, {"Pad", 16, int_}};
  constexpr uint64_t kNodeDesc = kTypes + 0x100;
  types_.by_desc = {{kNodeDesc, node}};
  mem_.Map(kData, Bytes().U64(0, kNodeDesc).U64(8, kData).U64(16, 1).vec());
  opts_.max_depth = 8;
  json j = J(kData, node);
  int levels = 0;
  const json *cur = &j;
  while (cur->is_object() && cur->contains("Next")) {
    cur = &(*cur)["Next"]["value"];
    ++levels;
  }
  EXPECT_EQ(levels, 4); // each level is a struct and an interface
  EXPECT_TRUE(HasDiag(DiagCode::Truncated));
  std::string text = T(kData, node);
  EXPECT_NE(text.find("..."), std::string::npos);
}

TEST_F(ValueTest, WorkBudgetBoundsTotalValues) {
  Type *ints = SliceOf(int_);
  mem_.Map(kData, Bytes().U64(0, kHeap).U64(8, 100).U64(16, 100).vec());
  mem_.Map(kHeap, std::vector<uint8_t>(800, 0));
  opts_.max_values = 10;
  json j = J(kData, ints);
  ASSERT_EQ(j.size(), 100u);
  EXPECT_EQ(j[8], json(0));
  EXPECT_EQ(j[9], (json{{"error", "render budget exhausted"}}));
  EXPECT_TRUE(HasDiag(DiagCode::Truncated));
}

TEST_F(ValueTest, MapWithoutLayoutIsReported) {
  Type *m = tt_.New(Kind::Map, "map[string]int", 8, 8);
  m->key = string_;
  m->elem = int_;
  mem_.Map(kData, Bytes().U64(0, 0).U64(8, 0xc000030000).vec());
  // A nil map is still a map object; without a layout it says so.
  EXPECT_EQ(J(kData, m)["address"], "0x0");
  EXPECT_EQ(T(kData, m), "nil");
  json j = J(kData + 8, m);
  EXPECT_EQ(j["address"], "0xc000030000");
  EXPECT_TRUE(j.contains("error"));
  EXPECT_TRUE(HasDiag(DiagCode::UnsupportedLayout, 0xc000030000));
  EXPECT_EQ(T(kData + 8, m), "(map[string]int)(0xc000030000)");
}

TEST_F(ValueTest, NullTypeAndInvalidKind) {
  mem_.Map(kData, Bytes().U64(0, 1).vec());
  EXPECT_TRUE(J(kData, nullptr).contains("error"));
  EXPECT_TRUE(HasDiag(DiagCode::UnsupportedLayout));
  Type *bad = tt_.New(Kind::Invalid, "?", 8, 8);
  EXPECT_TRUE(J(kData, bad).contains("error"));
  EXPECT_EQ(T(kData, bad), "<unknown type>");
}

// --- ShowMapJson / ShowMapText over a hand-built swiss small map
// --------------

constexpr uint64_t kMap = 0x40000;   // maps.Map header
constexpr uint64_t kGroup = 0x41000; // its single group (dirLen == 0)

class ShowMapTest : public ValueTest {
protected:
  // `gomap show` of the map at kMap with --all and `req`'s other settings,
  // streamed as ShowMapWrite writes it.
  std::string ShowAll(ShowRequest req, bool as_json) {
    ValueRenderer r = Renderer();
    req.limit = UINT64_MAX;
    std::string s;
    StringStream out(s);
    ShowOutput how;
    how.json = as_json;
    ShowMapWrite(mem_, layout_, map_type_, kMap, req, r, how, out);
    return s;
  }
  ShowMapTest() {
    map_type_ = tt_.New(Kind::Map, "map[int64]int64", 8, 8);
    map_type_->key = int64_;
    map_type_->elem = int64_;
    layout_.impl = MapImpl::Swiss;
    layout_.version = GoVersion::Parse("go1.24.0");
    layout_.key = int64_;
    layout_.elem = int64_;
    SwissLayout &s = layout_.swiss;
    s.map.size = 48;
    s.map.fields = {{"used", 0, 8},     {"seed", 8, 8},         {"dirPtr", 16, 8},
                    {"dirLen", 24, 8},  {"globalDepth", 32, 1}, {"globalShift", 33, 1},
                    {"writing", 34, 1}, {"clearSeq", 40, 8}};
    s.table.size = 32;
    s.table.fields = {
        {"used", 0, 2},  {"capacity", 2, 2},     {"growthLeft", 4, 2},        {"localDepth", 6, 1},
        {"index", 8, 8}, {"groups.data", 16, 8}, {"groups.lengthMask", 24, 8}};
    s.group_size = 136;
    s.ctrl_off = 0;
    s.keys_off = 8;
    s.key_stride = 16;
    s.elems_off = 16;
    s.elem_stride = 16;
    s.key_size = 8;
    s.elem_size = 8;
    maps_.layouts[map_type_] = layout_;
  }

  // A small map holding keys 1..n (n <= 8) with value key*10, in slots
  // 0, 1, ... with an empty slot left between some of them.
  void BuildSmallMap(unsigned n, uint8_t writing = 0) {
    Bytes g(136);
    uint64_t ctrl = 0;
    unsigned slot = 0;
    for (unsigned i = 0; i < 8; ++i)
      ctrl |= uint64_t(0x80) << (8 * i); // all empty
    for (unsigned k = 1; k <= n; ++k, ++slot) {
      if (k == 3 && n < 8)
        ++slot; // leave a hole
      ctrl &= ~(uint64_t(0xFF) << (8 * slot));
      ctrl |= uint64_t(0x11 + k) << (8 * slot); // h2, full
      g.U64(8 + 16 * slot, k).U64(16 + 16 * slot, k * 10);
    }
    g.U64(0, ctrl);
    mem_.Map(kGroup, g.vec());
    mem_.Map(kMap, Bytes(48)
                       .U64(0, n)
                       .U64(8, 0x1234)
                       .U64(16, kGroup)
                       .U64(24, 0)
                       .U8(32, 0)
                       .U8(33, 64)
                       .U8(34, writing)
                       .U64(40, 0)
                       .vec());
  }

  json Show(uint64_t offset, uint64_t limit, uint64_t addr = kMap) {
    ValueRenderer r = Renderer();
    ShowRequest req;
    req.offset = offset;
    req.limit = limit;
    json j = ShowMapJson(mem_, layout_, map_type_, addr, req, r);
    EXPECT_NO_THROW((void)j.dump());
    CompareShowWithReference(addr, req);
    return j;
  }
  static std::multiset<int64_t> Keys(const json &j) {
    std::multiset<int64_t> keys;
    for (const auto &e : j["entries"]) {
      EXPECT_EQ(e["value"].get<int64_t>(), e["key"].get<int64_t>() * 10);
      keys.insert(e["key"].get<int64_t>());
    }
    return keys;
  }

  // The streamed `show` (JSON document and text) against the old renderer.
  void CompareShowWithReference(uint64_t addr, const ShowRequest &req) {
    if (!compare_reference_)
      return;
    DiagnosticSink d;
    reference::Parts p{mem_, &types_, &maps_, opts_, d, nullptr};
    nlohmann::ordered_json want = {{"schema", "gomap/1"},
                                   {"map", reference::ShowJson(p, layout_, map_type_, addr, req)}};
    ValueRenderer r = Renderer();
    std::string streamed;
    StringStream out(streamed);
    ShowOutput how;
    how.json = true;
    ShowMapWrite(mem_, layout_, map_type_, addr, req, r, how, out);
    bool cut = false;
    EXPECT_EQ(NormaliseCuts(nlohmann::ordered_json::parse(streamed), &cut), want);
    if (!cut) {
      std::string text = want.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
      // The streamed document has cut_values; the rest is byte for byte.
      std::string stripped;
      for (size_t i = 0; i < streamed.size();) {
        size_t nl = streamed.find('\n', i);
        size_t end = nl == std::string::npos ? streamed.size() : nl + 1;
        std::string_view line(streamed.data() + i, end - i);
        if (line.find("\"cut_values\": 0,") == std::string_view::npos)
          stripped.append(line);
        i = end;
      }
      EXPECT_EQ(stripped, text + "\n");
    }
    DiagnosticSink d2;
    reference::Parts p2{mem_, &types_, &maps_, opts_, d2, nullptr};
    ValueRenderer r2 = Renderer();
    EXPECT_EQ(ShowMapText(mem_, layout_, map_type_, addr, req, r2),
              reference::ShowText(p2, layout_, map_type_, addr, req));
  }

  Type *map_type_;
  MapLayout layout_;
};

TEST_F(ShowMapTest, WholeMap) {
  BuildSmallMap(5);
  json j = Show(0, 64);
  EXPECT_EQ(j["address"], "0x40000");
  EXPECT_EQ(j["type"], "map[int64]int64");
  EXPECT_EQ(j["impl"], "swiss");
  EXPECT_EQ(j["len"], 5);
  EXPECT_EQ(Keys(j), (std::multiset<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["diagnostics"], json::array());
  // Schema key order in the ordered form.
  ValueRenderer r = Renderer();
  nlohmann::ordered_json oj = ShowMapJsonOrdered(mem_, layout_, map_type_, kMap, ShowRequest{}, r);
  std::vector<std::string> keys;
  for (auto it = oj.begin(); it != oj.end(); ++it)
    keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"address", "type", "impl", "len", "entries",
                                            "truncated", "cut_values", "diagnostics"}));
}

TEST_F(ShowMapTest, OffsetLimitTruncated) {
  BuildSmallMap(5);
  json all = Show(0, UINT64_MAX);
  ASSERT_EQ(all["entries"].size(), 5u);
  EXPECT_EQ(all["truncated"], false);

  json a = Show(0, 2);
  EXPECT_EQ(a["entries"].size(), 2u);
  EXPECT_EQ(a["truncated"], true);
  json b = Show(2, 2);
  EXPECT_EQ(b["entries"].size(), 2u);
  EXPECT_EQ(b["truncated"], true);
  json c = Show(4, 2);
  EXPECT_EQ(c["entries"].size(), 1u);
  EXPECT_EQ(c["truncated"], false);
  // The pages are the walk order cut in pieces: together, every entry once.
  EXPECT_EQ(a["entries"][0], all["entries"][0]);
  EXPECT_EQ(b["entries"][0], all["entries"][2]);
  EXPECT_EQ(c["entries"][0], all["entries"][4]);
  std::multiset<int64_t> keys = Keys(a);
  for (int64_t k : Keys(b))
    keys.insert(k);
  for (int64_t k : Keys(c))
    keys.insert(k);
  EXPECT_EQ(keys, (std::multiset<int64_t>{1, 2, 3, 4, 5}));

  // Exactly the number of entries: nothing remains.
  EXPECT_EQ(Show(0, 5)["truncated"], false);
  EXPECT_EQ(Show(1, 4)["truncated"], false);
  EXPECT_EQ(Show(0, 4)["truncated"], true);
  // Past the end, and limit 0.
  json d = Show(9, 3);
  EXPECT_EQ(d["entries"], json::array());
  EXPECT_EQ(d["truncated"], false);
  json e = Show(0, 0);
  EXPECT_EQ(e["entries"], json::array());
  EXPECT_EQ(e["truncated"], true);
  // Offset + limit overflow is saturated, not wrapped.
  EXPECT_EQ(Show(1, UINT64_MAX)["entries"].size(), 4u);
}

TEST_F(ShowMapTest, WorkLimitMarksTruncated) {
  BuildSmallMap(5);
  ValueRenderer r = Renderer();
  ShowRequest req;
  req.limits.max_entries = 3;
  json j = ShowMapJson(mem_, layout_, map_type_, kMap, req, r);
  EXPECT_EQ(j["entries"].size(), 3u);
  EXPECT_EQ(j["truncated"], true);
}

// The value budget is per top-level key and value: a map with more entries
// than the budget renders every one (issue 13: no silent cut with --all).
TEST_F(ShowMapTest, ValueBudgetIsPerEntryNotPerMap) {
  BuildSmallMap(8);
  opts_.max_values = 1;
  compare_reference_ = false; // the old budget was per map: it cut this one
  json j = Show(0, UINT64_MAX);
  ASSERT_EQ(j["entries"].size(), 8u);
  EXPECT_EQ(Keys(j), (std::multiset<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["diagnostics"], json::array());
  ValueRenderer r = Renderer();
  std::string text = ShowMapText(mem_, layout_, map_type_, kMap, ShowRequest{0, UINT64_MAX, {}}, r);
  EXPECT_EQ(text.find("..."), std::string::npos) << text;
  EXPECT_NE(text.find("  8: 80\n"), std::string::npos) << text;
}

TEST_F(ShowMapTest, NilMap) {
  json j = Show(0, 64, 0);
  EXPECT_EQ(j["address"], "0x0");
  EXPECT_EQ(j["len"], 0);
  EXPECT_EQ(j["entries"], json::array());
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["diagnostics"], json::array());
  ValueRenderer r = Renderer();
  EXPECT_EQ(ShowMapText(mem_, layout_, map_type_, 0, ShowRequest{}, r),
            "(map[int64]int64) 0x0 len=0 impl=swiss\n");
}

TEST_F(ShowMapTest, WritingFlagReportedOnce) {
  BuildSmallMap(2, /*writing=*/1);
  json j = Show(0, 64);
  EXPECT_EQ(j["entries"].size(), 2u);
  int writing = 0;
  for (const auto &d : j["diagnostics"]) {
    EXPECT_TRUE(d.contains("code") && d.contains("severity") && d.contains("message") &&
                d.contains("address"));
    if (d["code"] == "writing-flag-set") {
      ++writing;
      EXPECT_EQ(d["address"], "0x40000");
      EXPECT_EQ(d["severity"], "warning");
    }
  }
  EXPECT_EQ(writing, 1);
}

TEST_F(ShowMapTest, UnreadableHeader) {
  json j = Show(0, 64, kHole);
  EXPECT_EQ(j["address"], "0x900000");
  EXPECT_TRUE(j["len"].is_null());
  EXPECT_EQ(j["entries"], json::array());
  ASSERT_FALSE(j["diagnostics"].empty());
  EXPECT_EQ(j["diagnostics"][0]["code"], "unreadable");
  EXPECT_EQ(j["diagnostics"][0]["address"], "0x900000");
}

TEST_F(ShowMapTest, Text) {
  BuildSmallMap(3, /*writing=*/1);
  ValueRenderer r = Renderer();
  ShowRequest req;
  req.limit = 2;
  std::string text = ShowMapText(mem_, layout_, map_type_, kMap, req, r);
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    ASSERT_NE(nl, std::string::npos) << "every line ends with a newline";
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  ASSERT_GE(lines.size(), 5u) << text;
  EXPECT_EQ(lines[0], "(map[int64]int64) 0x40000 len=3 impl=swiss");
  EXPECT_EQ(lines[1], "  1: 10");
  EXPECT_EQ(lines[2], "  2: 20");
  EXPECT_EQ(lines[3], "  ... (more entries; use --offset/--limit or --all)");
  EXPECT_EQ(lines[4].rfind("  warning[writing-flag-set]: ", 0), 0u) << lines[4];
}

TEST_F(ShowMapTest, NestedMapsInValues) {
  BuildSmallMap(3);
  // type H struct { M map[int64]int64; N map[int64]int64 }
  Type *h = tt_.New(Kind::Struct, "main.H", 16, 8);
  h->fields = {{"M", 0, map_type_}, {"N", 8, map_type_}};
  mem_.Map(kData, Bytes().U64(0, kMap).U64(8, 0).vec());
  opts_.nested_map_entries = 2;
  json j = J(kData, h);
  // A nil nested map renders as the show map object of a nil map.
  EXPECT_EQ(j["N"]["address"], "0x0");
  EXPECT_EQ(j["N"]["len"], 0);
  EXPECT_TRUE(j["N"]["entries"].empty());
  const json &m = j["M"];
  EXPECT_EQ(m["address"], "0x40000");
  EXPECT_EQ(m["len"], 3);
  EXPECT_EQ(m["entries"].size(), 2u);
  EXPECT_EQ(m["truncated"], true);
  EXPECT_EQ(T(kData, h), "main.H{M: map[int64]int64{1: 10, 2: 20, ...}, N: nil}");
  opts_.nested_map_entries = 64;
  EXPECT_EQ(T(kData, h), "main.H{M: map[int64]int64{1: 10, 2: 20, 3: 30}, N: nil}");
  // Entries of a show map render nested values with the same renderer.
  opts_.max_depth = 1;
  EXPECT_EQ(J(kData, h)["M"], (json{{"truncated", "depth limit"}}));
}

TEST_F(ShowMapTest, RendererDiagnosticsJoinTheMapObject) {
  // map[int64]string whose values point nowhere.
  Type *ms = tt_.New(Kind::Map, "map[int64]string", 8, 8);
  ms->key = int64_;
  ms->elem = string_;
  MapLayout lay = layout_;
  lay.elem = string_;
  lay.swiss.elems_off = 16; // slot = {key int64; elem string}: 24 bytes
  lay.swiss.key_stride = lay.swiss.elem_stride = 24;
  lay.swiss.elem_size = 16;
  lay.swiss.group_size = 8 + 8 * 24;
  Bytes g(lay.swiss.group_size);
  uint64_t ctrl = 0x8080808080808000ull | 0x12; // slot 0 full
  g.U64(0, ctrl).U64(8, 7).U64(16, kHole).U64(24, 3);
  mem_.Map(kGroup, g.vec());
  mem_.Map(kMap, Bytes(48).U64(0, 1).U64(16, kGroup).U8(33, 64).vec());
  ValueRenderer r = Renderer();
  json j = ShowMapJson(mem_, lay, ms, kMap, ShowRequest{}, r);
  ASSERT_EQ(j["entries"].size(), 1u);
  EXPECT_EQ(j["entries"][0]["key"], 7);
  EXPECT_EQ(j["entries"][0]["value"], Unreadable(kHole));
  bool found = false;
  for (const auto &d : j["diagnostics"])
    found = found || (d["code"] == "unreadable" && d["address"] == "0x900000");
  EXPECT_TRUE(found) << j.dump();
}

// --- user formatters (ValueFormatter) ---------------------------------------

// Formatters by type name, as the Python registries are; counts calls.
class FakeFormatter : public ValueFormatter {
public:
  using Fn = std::function<FormatOutput(const FormatInput &)>;
  bool Handles(const Type &t) override { return fns.count(t.name) != 0; }
  FormatOutput Format(const FormatInput &in) override {
    ++calls;
    return fns.at(in.type.name)(in);
  }
  static FormatOutput Text(std::string text, nlohmann::ordered_json j) {
    FormatOutput out;
    out.status = FormatOutput::Status::Formatted;
    out.text = std::move(text);
    out.json = std::move(j);
    return out;
  }
  std::map<std::string, Fn> fns;
  int calls = 0;
};

// Renders as hex from the raw bytes, like `hex(v.int())`.
FormatOutput Hex(const FormatInput &in) {
  uint64_t v = 0;
  std::memcpy(&v, in.raw.data(), std::min<size_t>(8, in.raw.size()));
  std::string h = HexAddr(v);
  return FakeFormatter::Text(h, h);
}

class FormatterTest : public ValueTest {
protected:
  FormatterTest() {
    user_id_ = Basic(Kind::Uint64, "main.UserID", 8);
    // type Account struct { ID UserID; Name string }
    account_ = tt_.New(Kind::Struct, "main.Account", 24, 8);
    account_->fields = {{"ID", 0, user_id_}, {"Name", 8, string_}};
    Bytes b;
    b.U64(0, 42);
    PutString(b, 8, kHeap, "alice");
    b.U64(24, 7);
    mem_.Map(kData, b.vec());
  }
  json JF(uint64_t addr, const Type *t) {
    ValueRenderer r = Renderer();
    r.set_formatter(&fmt_);
    json j = r.Json(addr, t);
    diags_ = r.diagnostics().items();
    return j;
  }
  std::string TF(uint64_t addr, const Type *t) {
    ValueRenderer r = Renderer();
    r.set_formatter(&fmt_);
    std::string s = r.Text(addr, t);
    diags_ = r.diagnostics().items();
    return s;
  }
  FakeFormatter fmt_;
  Type *user_id_, *account_;
};

TEST(KindName, EnumeratorSpelling) {
  EXPECT_EQ(KindName(Kind::Invalid), "Invalid");
  EXPECT_EQ(KindName(Kind::Uint64), "Uint64");
  EXPECT_EQ(KindName(Kind::Struct), "Struct");
  EXPECT_EQ(KindName(Kind::UnsafePointer), "UnsafePointer");
  EXPECT_EQ(KindName(Kind(200)), "Invalid");
}

TEST_F(FormatterTest, NoFormatterRegisteredLeavesOutputUnchanged) {
  EXPECT_EQ(JF(kData, account_), J(kData, account_));
  EXPECT_EQ(TF(kData, account_), T(kData, account_));
  EXPECT_EQ(TF(kData, account_), "main.Account{ID: 42, Name: \"alice\"}");
  EXPECT_EQ(fmt_.calls, 0);
}

TEST_F(FormatterTest, FormattedTextReplacesAndJsonKeepsRaw) {
  fmt_.fns["main.UserID"] = Hex;
  EXPECT_EQ(TF(kData, user_id_), "0x2a");
  EXPECT_EQ(JF(kData, user_id_), (json{{"formatted", "0x2a"}, {"raw", 42}}));
  // Nested: a struct field of the formatted type.
  EXPECT_EQ(TF(kData, account_), "main.Account{ID: 0x2a, Name: \"alice\"}");
  EXPECT_EQ(JF(kData, account_)["ID"], (json{{"formatted", "0x2a"}, {"raw", 42}}));
  EXPECT_EQ(JF(kData, account_)["Name"], "alice");
  // Other types of the same kind are untouched.
  EXPECT_EQ(TF(kData, uint64_), "42");
  EXPECT_TRUE(diags_.empty());
}

TEST_F(FormatterTest, FormatterSeesRawBytesAndDefaultRendering) {
  std::string seen_text;
  nlohmann::ordered_json seen_json;
  fmt_.fns["main.Account"] = [&](const FormatInput &in) {
    EXPECT_EQ(in.address, kData);
    EXPECT_EQ(in.raw.size(), 24u);
    seen_text = in.default_text();
    seen_json = in.default_json();
    return FakeFormatter::Text("Account " + seen_json["Name"].get<std::string>(),
                               nlohmann::ordered_json{{"summary", seen_json["Name"]}});
  };
  fmt_.fns["main.UserID"] = Hex;
  EXPECT_EQ(TF(kData, account_), "Account alice");
  // The default rendering still formats nested values.
  EXPECT_EQ(seen_text, "main.Account{ID: 0x2a, Name: \"alice\"}");
  json j = JF(kData, account_);
  EXPECT_EQ(j["formatted"], (json{{"summary", "alice"}}));
  EXPECT_EQ(j["raw"]["ID"], (json{{"formatted", "0x2a"}, {"raw", 42}}));
}

TEST_F(FormatterTest, DeclinedMeansDefault) {
  fmt_.fns["main.UserID"] = [](const FormatInput &) { return FormatOutput{}; };
  EXPECT_EQ(TF(kData, user_id_), "42");
  EXPECT_EQ(JF(kData, user_id_), json(42));
  EXPECT_TRUE(diags_.empty());
  EXPECT_EQ(fmt_.calls, 2);
}

TEST_F(FormatterTest, FailureFallsBackWithOneDiagnosticPerType) {
  fmt_.fns["main.UserID"] = [](const FormatInput &) {
    FormatOutput out;
    out.status = FormatOutput::Status::Failed;
    out.error = "ZeroDivisionError: division by zero\nsecond line";
    return out;
  };
  // [2]UserID: both elements fail, one diagnostic.
  Type *arr = ArrayOf(user_id_, 2);
  mem_.Map(kData + 0x100, Bytes().U64(0, 1).U64(8, 2).vec());
  EXPECT_EQ(TF(kData + 0x100, arr), "[2]main.UserID{1, 2}");
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_EQ(diags_[0].code, DiagCode::FormatterError);
  EXPECT_EQ(diags_[0].severity, Severity::Warning);
  EXPECT_EQ(diags_[0].message, "formatter for main.UserID failed on the value at 0x10100: "
                               "ZeroDivisionError: division by zero; default rendering used");
  EXPECT_EQ(JF(kData + 0x100, arr), (json{1, 2}));
  EXPECT_EQ(diags_.size(), 1u);
  EXPECT_EQ(std::string(CodeName(DiagCode::FormatterError)), "formatter-error");
}

TEST_F(FormatterTest, ThrowingFormatterIsAFailure) {
  fmt_.fns["main.UserID"] = [](const FormatInput &) -> FormatOutput {
    throw std::runtime_error("boom");
  };
  EXPECT_EQ(TF(kData, user_id_), "42");
  EXPECT_TRUE(HasDiag(DiagCode::FormatterError, kData));
}

TEST_F(FormatterTest, UnreadableValueIsNotFormatted) {
  fmt_.fns["main.UserID"] = Hex;
  EXPECT_EQ(TF(kHole, user_id_), "<unreadable 0x900000>");
  EXPECT_EQ(fmt_.calls, 0);
  EXPECT_TRUE(HasDiag(DiagCode::Unreadable, kHole));
}

TEST_F(ShowMapTest, FormatterAppliesToKeysInShow) {
  BuildSmallMap(2);
  FakeFormatter fmt;
  fmt.fns["int64"] = [](const FormatInput &in) {
    std::string h = Hex(in).text;
    return FakeFormatter::Text("#" + h, h);
  };
  ValueRenderer r = Renderer();
  r.set_formatter(&fmt);
  std::string text = ShowMapText(mem_, layout_, map_type_, kMap, ShowRequest{}, r);
  EXPECT_EQ(text, "(map[int64]int64) 0x40000 len=2 impl=swiss\n  #0x1: #0xa\n"
                  "  #0x2: #0x14\n");
  ValueRenderer r2 = Renderer();
  r2.set_formatter(&fmt);
  json j = ShowMapJson(mem_, layout_, map_type_, kMap, ShowRequest{}, r2);
  ASSERT_EQ(j["entries"].size(), 2u);
  EXPECT_EQ(j["entries"][0]["key"], (json{{"formatted", "0x1"}, {"raw", 1}}));
  EXPECT_EQ(j["entries"][0]["value"], (json{{"formatted", "0xa"}, {"raw", 10}}));
}

TEST_F(FormatterTest, WorkBudgetBoundsFormatterCalls) {
  fmt_.fns["main.UserID"] = Hex;
  Type *arr = ArrayOf(user_id_, 100);
  mem_.Map(kData + 0x1000, std::vector<uint8_t>(800, 1));
  opts_.max_values = 10;
  (void)TF(kData + 0x1000, arr);
  EXPECT_LE(fmt_.calls, 10);
  EXPECT_TRUE(HasDiag(DiagCode::Truncated));
}

} // namespace
// --max-output: the entry that reaches the budget is the last one; said once.
TEST_F(ShowMapTest, OutputBudgetEndsTheWalk) {
  BuildSmallMap(8);
  auto write = [&](uint64_t budget, bool as_json) {
    ShowRequest req;
    req.max_output = budget;
    return ShowAll(req, as_json);
  };
  json cut = json::parse(write(1, true))["map"];
  EXPECT_EQ(cut["entries"].size(), 1u);
  EXPECT_EQ(cut["truncated"], true);
  ASSERT_EQ(cut["diagnostics"].size(), 1u);
  EXPECT_EQ(cut["diagnostics"][0]["code"], "truncated");
  EXPECT_NE(cut["diagnostics"][0]["message"].get<std::string>().find(
                "output budget of 1 bytes reached after 1 entries (of 8); --max-output"),
            std::string::npos);
  json all = json::parse(write(0, true))["map"];
  EXPECT_EQ(all["entries"].size(), 8u);
  EXPECT_EQ(all["truncated"], false);
  std::string text = write(1, false);
  EXPECT_NE(text.find("  ... (output budget reached; use --max-output"), std::string::npos);
  EXPECT_EQ(text.find("more entries"), std::string::npos);
  EXPECT_EQ(write(0, false).find("budget"), std::string::npos);
}

TEST_F(ShowMapTest, WorkStopEndsTheWalk) {
  BuildSmallMap(8);
  auto write = [&](WorkStop *stop, bool as_json) {
    ShowRequest req;
    req.stop = stop;
    return ShowAll(req, as_json);
  };
  WorkStop interrupted([] { return true; }, 0);
  json cut = json::parse(write(&interrupted, true))["map"];
  EXPECT_EQ(cut["entries"].size(), 0u);
  EXPECT_EQ(cut["truncated"], true);
  ASSERT_EQ(cut["diagnostics"].size(), 1u);
  EXPECT_EQ(cut["diagnostics"][0]["code"], "truncated");
  EXPECT_NE(cut["diagnostics"][0]["message"].get<std::string>().find(
                ": interrupted after 0 entries (of 8); --offset 0 goes on from there"),
            std::string::npos)
      << cut["diagnostics"][0]["message"];
  std::string text = write(&interrupted, false);
  EXPECT_NE(text.find("  ... (interrupted; use --offset to go on)"), std::string::npos) << text;
  EXPECT_EQ(text.find("more entries"), std::string::npos);
  // A limit already past: the first poll stops it, and says which limit.
  WorkStop timed(nullptr, 1e-6);
  std::string t = write(&timed, false);
  EXPECT_NE(t.find("time limit of 0.000001 s reached after 0 entries (of 8); --offset 0 goes on "
                   "from there; --time-limit raises it"),
            std::string::npos)
      << t;
  // In the --offset skip: it says how far the skip got.
  WorkStop skipping([] { return true; }, 0);
  ShowRequest skip;
  skip.stop = &skipping;
  skip.offset = 3;
  std::string s = ShowAll(skip, false);
  EXPECT_NE(s.find(": interrupted while skipping to --offset 3, after 0 entries (of 8)"),
            std::string::npos)
      << s;
  // Never tripped: the whole map.
  WorkStop never([] { return false; }, 0);
  json all = json::parse(write(&never, true))["map"];
  EXPECT_EQ(all["entries"].size(), 8u);
  EXPECT_EQ(all["truncated"], false);
}

TEST(WorkStopTest, AsksOncePerPollPeriodAndStaysTripped) {
  int asked = 0;
  bool now = false;
  WorkStop stop(
      [&] {
        ++asked;
        return now;
      },
      0);
  for (uint32_t i = 0; i < 2 * WorkStop::kPollEvery + 1; ++i)
    EXPECT_FALSE(stop.Stop());
  EXPECT_EQ(asked, 3); // calls 0, 64 and 128
  now = true;
  uint32_t calls = 0;
  while (!stop.Stop())
    ++calls;
  EXPECT_LT(calls, WorkStop::kPollEvery);
  now = false;
  EXPECT_TRUE(stop.Stop());
  EXPECT_TRUE(stop.interrupted());
  EXPECT_EQ(stop.Reason(), "interrupted");
  EXPECT_EQ(stop.Hint(), "");
  EXPECT_EQ(SecondsText(2), "2");
  EXPECT_EQ(SecondsText(0.25), "0.25");
  EXPECT_EQ(SecondsText(1e-6), "0.000001");
}

} // namespace gomap
