// Unit tests of key look-ups on synthetic classic and swiss maps: found,
// missing, NaN and ±0 float keys, struct and interface keys, wrong key types,
// unreadable keys and work limits, and the look-up's text and JSON.
#include "core/map_lookup.h"

#include <cmath>
#include <map>
#include <string>

#include "image_builder.h"

namespace gomap::testing {
namespace {

using json = nlohmann::json;

class FakeResolver : public TypeResolver {
public:
  const Type *ByRuntimeType(uint64_t descriptor) override {
    auto it = by_desc.find(descriptor);
    return it == by_desc.end() ? nullptr : it->second;
  }
  std::map<uint64_t, const Type *> by_desc;
};

class LookupTest : public ::testing::Test {
protected:
  LookupTest() {
    f64_ = types_.table.New(Kind::Float64, "float64", 8, 8);
    p_ = types_.table.New(Kind::Struct, "main.P", 8, 4);
    p_->fields = {{"X", 0, types_.int32_}, {"Y", 4, types_.int32_}};
  }

  Type *MapType(const Type *k, const Type *v) {
    Type *m = types_.table.New(Kind::Map, "map[" + k->name + "]" + v->name, 8, 8);
    m->key = k;
    m->elem = v;
    return m;
  }
  // A Go string header (16 bytes) for s, its bytes in the image.
  std::array<uint64_t, 2> Str(const std::string &s) {
    return {s.empty() ? 0 : img_.String(s), s.size()};
  }
  GoLiteral Key(const std::string &text, const Type *map_type, const MapLayout &layout) {
    ParsedLiteral out;
    std::string error;
    EXPECT_TRUE(ParseMapKey(text, map_type, layout, nullptr, &out, &error)) << error;
    keep_.push_back(out.types);
    return out.value;
  }
  LookupResult Find(const std::string &text, const Type *map_type, const MapLayout &layout,
                    uint64_t addr, const Limits &limits = {}) {
    GoLiteral key = Key(text, map_type, layout);
    mem_ = img_.Reader();
    return LookupKey(mem_, layout, map_type, addr, key, &resolver_, limits);
  }
  int64_t ElemInt(const LookupResult &r) {
    int64_t v = 0;
    EXPECT_TRUE(mem_.ReadScalar(r.entry.elem_addr, &v));
    return v;
  }

  // map[string]int64, classic (B = 1): "a" -> 1, "sess-0" -> 7, "bb" -> 2.
  uint64_t ClassicStrings(const MapLayout &l) {
    ClassicBuilder cb(img_, l);
    uint64_t b = cb.Buckets(1);
    auto put = [&](uint64_t bucket, int slot, const std::string &k, int64_t v) {
      auto hdr = Str(k);
      cb.Set(cb.Bucket(b, bucket), slot, hdr.data(), &v);
    };
    put(0, 0, "a", 1);
    put(0, 3, "sess-0", 7);
    put(1, 1, "bb", 2);
    return cb.Hmap(3, 0, 1, b);
  }

  Image img_;
  TestTypes types_;
  Type *f64_, *p_;
  ImageReader mem_;
  FakeResolver resolver_;
  std::vector<std::shared_ptr<TypeTable>> keep_;
};

TEST_F(LookupTest, ClassicStringKeyFoundAndMissing) {
  MapLayout l = MustLayout("go1.22.5", types_.string_, types_.int64_);
  Type *mt = MapType(types_.string_, types_.int64_);
  uint64_t h = ClassicStrings(l);

  LookupResult r = Find(R"("sess-0")", mt, l, h);
  ASSERT_TRUE(r.found) << DiagText(r.diags.items());
  EXPECT_EQ(ElemInt(r), 7);
  EXPECT_EQ(r.len, 3u);
  EXPECT_EQ(r.impl, MapImpl::Classic);
  EXPECT_FALSE(r.truncated);

  LookupResult miss = Find(R"("nope")", mt, l, h);
  EXPECT_FALSE(miss.found);
  EXPECT_EQ(miss.walked, 3u);
  EXPECT_FALSE(miss.truncated);
  EXPECT_TRUE(miss.diags.items().empty()) << DiagText(miss.diags.items());
  // Same length, other content; a prefix; the empty string.
  EXPECT_FALSE(Find(R"("sess-1")", mt, l, h).found);
  EXPECT_FALSE(Find(R"("sess")", mt, l, h).found);
  EXPECT_FALSE(Find(R"("")", mt, l, h).found);
  EXPECT_TRUE(Find("`bb`", mt, l, h).found);
}

TEST_F(LookupTest, WrongKeyTypeAndBadSyntaxAreOneLine) {
  MapLayout l = MustLayout("go1.22.5", types_.string_, types_.int_);
  Type *mt = MapType(types_.string_, types_.int_);
  ParsedLiteral out;
  std::string error;
  EXPECT_FALSE(ParseMapKey("42", mt, l, nullptr, &out, &error));
  EXPECT_EQ(error, "key 42 is not a string (map[string]int has string keys)");
  EXPECT_FALSE(ParseMapKey(R"("unterminated)", mt, l, nullptr, &out, &error));
  EXPECT_EQ(error, "key \"unterminated does not parse: string literal not terminated");

  MapLayout pl = MustLayout("go1.22.5", p_, types_.int_);
  Type *pm = MapType(p_, types_.int_);
  EXPECT_FALSE(ParseMapKey(R"({X: "a"})", pm, pl, nullptr, &out, &error));
  EXPECT_EQ(error, "key {X: \"a\"}: field X: \"a\" is not an integer (map[main.P]int has "
                   "main.P keys)");
  MapLayout il = MustLayout("go1.22.5", types_.int8_, types_.int_);
  EXPECT_FALSE(ParseMapKey("300", MapType(types_.int8_, types_.int_), il, nullptr, &out, &error));
  EXPECT_EQ(error, "key 300 overflows int8 (map[int8]int has int8 keys)");
  EXPECT_FALSE(ParseMapKey("{Z: 1}", pm, pl, nullptr, &out, &error));
  EXPECT_EQ(error, "key {Z: 1}: unknown field Z in main.P (map[main.P]int has main.P keys)");
}

TEST_F(LookupTest, SwissSmallAndDirectoryMaps) {
  MapLayout l = MustLayout("go1.26.0", types_.int64_, types_.int64_);
  Type *mt = MapType(types_.int64_, types_.int64_);
  SwissBuilder sb(img_, l);
  uint64_t g = sb.Group();
  for (int i = 0; i < 5; ++i)
    sb.SetIntInGroup(g, i + 2, i - 2, 100 + i); // keys -2..2
  uint64_t small = sb.Map(5, g, 0, 0);
  LookupResult r = Find("-1", mt, l, small);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(ElemInt(r), 101);
  EXPECT_EQ(r.impl, MapImpl::Swiss);
  EXPECT_FALSE(Find("3", mt, l, small).found);
  EXPECT_TRUE(Find("0x2", mt, l, small).found);

  uint64_t a = sb.Table(2, 1, 0), b = sb.Table(2, 1, 1);
  for (int i = 0; i < 8; ++i) {
    sb.SetInt(a, i % 2, i / 2, i, i * 10);
    sb.SetInt(b, i % 2, i / 2, 100 + i, i * 100);
  }
  uint64_t big = sb.Map(16, sb.Dir({a, b}), 2, 1);
  LookupResult in_b = Find("107", mt, l, big);
  ASSERT_TRUE(in_b.found) << DiagText(in_b.diags.items());
  EXPECT_EQ(ElemInt(in_b), 700);
  LookupResult miss = Find("8", mt, l, big);
  EXPECT_FALSE(miss.found);
  EXPECT_EQ(miss.walked, 16u);
}

TEST_F(LookupTest, FloatKeysNaNNeverMatchesAndZeroMatchesNegativeZero) {
  for (const char *version : {"go1.20.1", "go1.25.0"}) {
    SCOPED_TRACE(version);
    MapLayout l = MustLayout(version, f64_, types_.int64_);
    Type *mt = MapType(f64_, types_.int64_);
    std::vector<std::pair<double, int64_t>> entries = {
        {std::nan(""), 1}, {std::nan(""), 2}, {-0.0, 3}, {1.5, 4}, {HUGE_VAL, 5}};
    uint64_t h;
    if (l.impl == MapImpl::Classic) {
      ClassicBuilder cb(img_, l);
      uint64_t b = cb.Buckets(0);
      for (size_t i = 0; i < entries.size(); ++i)
        cb.Set(b, int(i), &entries[i].first, &entries[i].second);
      h = cb.Hmap(entries.size(), 0, 0, b);
    } else {
      SwissBuilder sb(img_, l);
      uint64_t g = sb.Group();
      for (size_t i = 0; i < entries.size(); ++i)
        sb.SetInGroup(g, int(i), &entries[i].first, &entries[i].second);
      h = sb.Map(entries.size(), g, 0, 0);
    }
    LookupResult zero = Find("0", mt, l, h);
    ASSERT_TRUE(zero.found);
    EXPECT_EQ(ElemInt(zero), 3);
    EXPECT_TRUE(Find("-0.0", mt, l, h).found);
    EXPECT_EQ(ElemInt(Find("1.5", mt, l, h)), 4);
    EXPECT_EQ(ElemInt(Find("+Inf", mt, l, h)), 5);
    EXPECT_FALSE(Find("-Inf", mt, l, h).found);
    LookupResult nan = Find("NaN", mt, l, h);
    EXPECT_TRUE(nan.nan);
    EXPECT_FALSE(nan.found);
    EXPECT_EQ(nan.walked, 0u);
    EXPECT_EQ(nan.len, 5u);
    EXPECT_FALSE(Find("math.NaN()", mt, l, h).found);
  }
}

TEST_F(LookupTest, StructKeysFieldByField) {
  MapLayout l = MustLayout("go1.21.0", p_, types_.int64_);
  Type *mt = MapType(p_, types_.int64_);
  ClassicBuilder cb(img_, l);
  uint64_t b = cb.Buckets(0);
  int32_t k1[2] = {1, 2}, k2[2] = {0, 2}, k3[2] = {2, 1};
  int64_t v1 = 10, v2 = 20, v3 = 30;
  cb.Set(b, 0, k1, &v1);
  cb.Set(b, 1, k2, &v2);
  cb.Set(b, 2, k3, &v3);
  uint64_t h = cb.Hmap(3, 0, 0, b);
  EXPECT_EQ(ElemInt(Find("main.P{X: 1, Y: 2}", mt, l, h)), 10);
  EXPECT_EQ(ElemInt(Find("{1, 2}", mt, l, h)), 10);
  EXPECT_EQ(ElemInt(Find("{Y: 2}", mt, l, h)), 20); // X omitted: zero
  EXPECT_EQ(ElemInt(Find("P{2, 1}", mt, l, h)), 30);
  EXPECT_FALSE(Find("{X: 1}", mt, l, h).found);
}

TEST_F(LookupTest, InterfaceKeysMatchDynamicTypeThenValue) {
  MapLayout l = MustLayout("go1.26.0", types_.any_, types_.int64_);
  Type *mt = MapType(types_.any_, types_.int64_);
  constexpr uint64_t kStrDesc = 0x7000, kIntDesc = 0x7100, kI64Desc = 0x7200, kUnknownDesc = 0x7300;
  Type *i64 = types_.table.New(Kind::Int64, "int64", 8, 8);
  resolver_.by_desc[kStrDesc] = types_.string_;
  resolver_.by_desc[kIntDesc] = types_.int_;
  resolver_.by_desc[kI64Desc] = i64;
  SwissBuilder sb(img_, l);
  uint64_t g = sb.Group();
  auto boxed = [&](const void *bytes, size_t n) {
    uint64_t p = img_.Alloc(n, 8);
    img_.Write(p, bytes, n);
    return p;
  };
  auto hdr = Str("sess-0");
  int64_t i42 = 42, i7 = 7;
  uint64_t keys[4][2] = {{kStrDesc, boxed(hdr.data(), 16)},
                         {kIntDesc, boxed(&i42, 8)},
                         {kI64Desc, boxed(&i7, 8)},
                         {kUnknownDesc, boxed(&i42, 8)}};
  for (int i = 0; i < 4; ++i) {
    int64_t v = 100 + i;
    sb.SetInGroup(g, i, keys[i], &v);
  }
  int64_t vnil = 200;
  uint64_t nil_key[2] = {0, 0};
  sb.SetInGroup(g, 5, nil_key, &vnil);
  uint64_t h = sb.Map(5, g, 0, 0);

  EXPECT_EQ(ElemInt(Find(R"("sess-0")", mt, l, h)), 100);
  EXPECT_EQ(ElemInt(Find("42", mt, l, h)), 101);
  EXPECT_EQ(ElemInt(Find("int64(7)", mt, l, h)), 102);
  EXPECT_EQ(ElemInt(Find("nil", mt, l, h)), 200);
  EXPECT_FALSE(Find("7", mt, l, h).found);       // an int, not an int64
  EXPECT_FALSE(Find(R"("42")", mt, l, h).found); // a string, not an int
  LookupResult miss = Find("int8(1)", mt, l, h);
  EXPECT_FALSE(miss.found);
  EXPECT_EQ(miss.unreadable, 1u); // the key of unknown dynamic type
  const Diagnostic *d = FindDiag(miss.diags.items(), DiagCode::UnsupportedLayout,
                                 "dynamic type is not in the debug info");
  ASSERT_NE(d, nullptr) << DiagText(miss.diags.items());
  EXPECT_EQ(d->severity, Severity::Warning);
}

TEST_F(LookupTest, UnreadableKeysAreCountedAndWorkLimitsReported) {
  MapLayout l = MustLayout("go1.22.5", types_.string_, types_.int64_);
  Type *mt = MapType(types_.string_, types_.int64_);
  ClassicBuilder cb(img_, l);
  uint64_t b = cb.Buckets(0);
  uint64_t gone[2] = {0xdead0000, 4}; // four bytes nowhere
  auto ok = Str("okay");
  int64_t v = 1;
  cb.Set(b, 0, gone, &v);
  cb.Set(b, 1, ok.data(), &v);
  uint64_t h = cb.Hmap(2, 0, 0, b);
  LookupResult r = Find(R"("abcd")", mt, l, h);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.unreadable, 1u);
  EXPECT_NE(FindDiag(r.diags.items(), DiagCode::Unreadable, "could not be read"), nullptr)
      << DiagText(r.diags.items());
  EXPECT_TRUE(Find(R"("okay")", mt, l, h).found);

  Limits one;
  one.max_entries = 1;
  LookupResult cut = Find(R"("nope")", mt, l, h, one);
  EXPECT_FALSE(cut.found);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.walked, 1u);
}

TEST_F(LookupTest, TextAndJson) {
  MapLayout l = MustLayout("go1.22.5", types_.string_, types_.int64_);
  Type *mt = MapType(types_.string_, types_.int64_);
  uint64_t h = ClassicStrings(l);
  ValueRenderer renderer(mem_, &resolver_, nullptr);

  LookupResult r = Find(R"("sess-0")", mt, l, h);
  EXPECT_EQ(LookupText(r, R"(m["sess-0"])", renderer), "m[\"sess-0\"] = 7\n");
  nlohmann::ordered_json j = LookupJson(r, Key(R"("sess-0")", mt, l), renderer);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it)
    keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"map", "key", "found", "value", "walked", "truncated",
                                            "note", "diagnostics"}));
  EXPECT_EQ(
      json(j["map"]),
      (json{
          {"address", HexAddr(h)}, {"type", "map[string]int64"}, {"impl", "classic"}, {"len", 3}}));
  EXPECT_EQ(j["key"], "sess-0");
  EXPECT_EQ(j["found"], true);
  EXPECT_EQ(j["value"], 7);
  EXPECT_TRUE(j["note"].is_null());
  EXPECT_EQ(j["diagnostics"], nlohmann::ordered_json::array());

  LookupResult miss = Find(R"("nope")", mt, l, h);
  EXPECT_EQ(LookupText(miss, R"(m["nope"])", renderer),
            "m[\"nope\"]: no such key (map has 3 entries)\n");
  nlohmann::ordered_json jm = LookupJson(miss, Key(R"("nope")", mt, l), renderer);
  EXPECT_EQ(jm["key"], "nope");
  EXPECT_EQ(jm["found"], false);
  EXPECT_TRUE(jm["value"].is_null());
  EXPECT_EQ(jm["walked"], 3);

  LookupResult nil = Find(R"("x")", mt, l, 0);
  EXPECT_EQ(LookupText(nil, R"(m["x"])", renderer), "m[\"x\"]: no such key (the map is nil)\n");

  Limits one;
  one.max_entries = 1;
  LookupResult cut = Find(R"("nope")", mt, l, h, one);
  EXPECT_EQ(LookupText(cut, "m[\"nope\"]", renderer),
            "m[\"nope\"]: not found in the 1 entry walked; a work limit stopped the walk "
            "(the map has 3 entries)\n");
}

TEST_F(LookupTest, NaNTextAndJsonSaySo) {
  MapLayout l = MustLayout("go1.25.0", f64_, types_.int64_);
  Type *mt = MapType(f64_, types_.int64_);
  SwissBuilder sb(img_, l);
  uint64_t g = sb.Group();
  double k = std::nan("");
  int64_t v = 1;
  sb.SetInGroup(g, 0, &k, &v);
  uint64_t h = sb.Map(1, g, 0, 0);
  LookupResult r = Find("NaN", mt, l, h);
  ValueRenderer renderer(mem_, &resolver_, nullptr);
  EXPECT_EQ(LookupText(r, "m[NaN]", renderer),
            "m[NaN]: no such key (NaN keys never match, as in Go; use show to list them)\n");
  nlohmann::ordered_json j = LookupJson(r, Key("NaN", mt, l), renderer);
  EXPECT_EQ(j["key"], "NaN");
  EXPECT_EQ(j["found"], false);
  EXPECT_EQ(j["note"], "NaN keys never match, as in Go; use show to list them");
}

TEST_F(LookupTest, ValuesRenderAtTheRendererDepthKeysNever) {
  // map[*main.P]*main.P: one entry whose key and value point at P{3, 4}.
  Type *pp = types_.table.New(Kind::Pointer, "*main.P", 8, 8);
  pp->elem = p_;
  MapLayout l = MustLayout("go1.22.5", pp, pp);
  Type *mt = MapType(pp, pp);
  uint64_t target = img_.Alloc(8, 8);
  img_.Put<int32_t>(target, 3);
  img_.Put<int32_t>(target + 4, 4);
  ClassicBuilder cb(img_, l);
  uint64_t b = cb.Buckets(0);
  cb.Set(b, 0, &target, &target);
  uint64_t h = cb.Hmap(1, 0, 0, b);
  LookupResult r = Find(HexAddr(target), mt, l, h);
  ASSERT_TRUE(r.found);
  RenderOptions deep;
  deep.pointer_depth = 1;
  ValueRenderer renderer(mem_, &resolver_, nullptr, deep);
  EXPECT_EQ(LookupText(r, "m[p]", renderer), "m[p] = &main.P{X: 3, Y: 4}\n");
  nlohmann::ordered_json j = LookupJson(r, Key(HexAddr(target), mt, l), renderer);
  EXPECT_EQ(json(j["key"]), (json{{"ptr", HexAddr(target)}}));
  EXPECT_EQ(json(j["value"]), (json{{"ptr", HexAddr(target)}, {"elem", {{"X", 3}, {"Y", 4}}}}));
  ValueRenderer flat(mem_, &resolver_, nullptr);
  EXPECT_EQ(LookupText(r, "m[p]", flat), "m[p] = (*main.P)(" + HexAddr(target) + ")\n");
  // show: keys stay addresses at any depth, values follow it.
  std::string shown = ShowMapText(mem_, l, mt, h, ShowRequest{}, renderer);
  EXPECT_NE(shown.find("  (*main.P)(" + HexAddr(target) + "): &main.P{X: 3, Y: 4}\n"),
            std::string::npos)
      << shown;
  nlohmann::ordered_json sj = ShowMapJsonOrdered(mem_, l, mt, h, ShowRequest{}, renderer);
  EXPECT_EQ(json(sj["entries"][0]["key"]), (json{{"ptr", HexAddr(target)}}));
  EXPECT_EQ(json(sj["entries"][0]["value"]["elem"]), (json{{"X", 3}, {"Y", 4}}));
}

} // namespace
} // namespace gomap::testing
