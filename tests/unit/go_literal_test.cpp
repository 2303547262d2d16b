// Unit tests of Go key literals: parsing and conversion per key kind, the
// errors, their JSON encoding, and splitting EXPR[KEY].
#include "core/go_literal.h"

#include <cmath>
#include <map>
#include <string>

#include <gtest/gtest.h>

namespace gomap {
namespace {

using json = nlohmann::json;

class FakeLookup : public TypeLookup {
public:
  const Type *ByName(const std::string &name) override {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  }
  std::map<std::string, const Type *> by_name;
};

class LiteralTest : public ::testing::Test {
protected:
  LiteralTest() {
    for (auto [k, name, size] : std::initializer_list<std::tuple<Kind, const char *, uint64_t>>{
             {Kind::Int, "int", 8},
             {Kind::Int8, "int8", 1},
             {Kind::Int16, "int16", 2},
             {Kind::Int32, "int32", 4},
             {Kind::Int64, "int64", 8},
             {Kind::Uint8, "uint8", 1},
             {Kind::Uint32, "uint32", 4},
             {Kind::Uint64, "uint64", 8},
             {Kind::Uintptr, "uintptr", 8},
             {Kind::Float32, "float32", 4},
             {Kind::Float64, "float64", 8},
             {Kind::Complex128, "complex128", 16},
             {Kind::Complex64, "complex64", 8},
             {Kind::Bool, "bool", 1},
             {Kind::String, "string", 16}})
      t_[name] = tt_.New(k, name, size, size > 8 ? 8 : size);
    user_id_ = tt_.New(Kind::Uint64, "main.UserID", 8, 8);
    // type P struct { X int; Y string; _ int32 }
    p_ = tt_.New(Kind::Struct, "main.P", 32, 8);
    p_->fields = {{"X", 0, t_["int"]}, {"Y", 8, t_["string"]}, {"_", 24, t_["int32"]}};
    pptr_ = tt_.New(Kind::Pointer, "*main.P", 8, 8);
    pptr_->elem = p_;
    arr_ = tt_.New(Kind::Array, "[3]int8", 3, 1);
    arr_->elem = t_["int8"];
    arr_->len = 3;
    any_ = tt_.New(Kind::Interface, "interface {}", 16, 8);
    ch_ = tt_.New(Kind::Chan, "chan int", 8, 8);
    up_ = tt_.New(Kind::UnsafePointer, "unsafe.Pointer", 8, 8);
    deep_ = tt_.New(Kind::Struct, "example.com/pkg.Outer", 40, 8);
    deep_->fields = {{"In", 0, p_}, {"Z", 32, t_["float64"]}};
    lookup_.by_name["main.P"] = p_;
  }

  GoLiteral Ok(const std::string &text, const Type *t) {
    ParsedLiteral out;
    LiteralError e;
    EXPECT_TRUE(ParseGoLiteral(text, t, &lookup_, &out, &e))
        << text << " as " << t->name << ": " << e.message;
    keep_.push_back(out.types);
    return out.value;
  }
  LiteralError Err(const std::string &text, const Type *t, TypeLookup *lookup = nullptr) {
    ParsedLiteral out;
    LiteralError e;
    EXPECT_FALSE(ParseGoLiteral(text, t, lookup ? lookup : &lookup_, &out, &e))
        << text << " as " << t->name << " parsed";
    return e;
  }

  TypeTable tt_;
  std::map<std::string, Type *> t_;
  Type *user_id_, *p_, *pptr_, *arr_, *any_, *ch_, *up_, *deep_;
  FakeLookup lookup_;
  std::vector<std::shared_ptr<TypeTable>> keep_;
};

TEST_F(LiteralTest, StringsInterpretedAndRaw) {
  EXPECT_EQ(Ok(R"("sess-0")", t_["string"]).s, "sess-0");
  EXPECT_EQ(Ok(R"("")", t_["string"]).s, "");
  EXPECT_EQ(Ok(R"("a\"b\\c\n\t")", t_["string"]).s, "a\"b\\c\n\t");
  EXPECT_EQ(Ok(R"("\x41\101\u00e9\U0001F642")", t_["string"]).s, "AA\xc3\xa9\xf0\x9f\x99\x82");
  EXPECT_EQ(Ok(R"("\xff")", t_["string"]).s, "\xff");    // a byte, not U+00FF
  EXPECT_EQ(Ok("`raw\\n\r`", t_["string"]).s, "raw\\n"); // \r dropped, no escapes
  EXPECT_EQ(Ok(R"(string("x"))", t_["string"]).s, "x");
  EXPECT_EQ(Ok(R"(  "padded"  )", t_["string"]).s, "padded");
  GoLiteral l = Ok(R"("k")", t_["string"]);
  EXPECT_EQ(l.kind, GoLiteral::Kind::String);
  EXPECT_EQ(l.type, t_["string"]);
}

TEST_F(LiteralTest, StringSyntaxErrors) {
  LiteralError e = Err(R"("unterminated)", t_["string"]);
  EXPECT_TRUE(e.syntax);
  EXPECT_EQ(e.message, "string literal not terminated");
  EXPECT_EQ(Err(R"("bad \q")", t_["string"]).message, "unknown escape sequence \\q");
  EXPECT_EQ(Err(R"("\ud800")", t_["string"]).message,
            "escape sequence is an invalid Unicode code point");
  EXPECT_EQ(Err("`open", t_["string"]).message, "raw string literal not terminated");
  EXPECT_EQ(Err(R"("a" "b")", t_["string"]).message, "unexpected '\"' after \"a\"");
  EXPECT_EQ(Err("", t_["string"]).message, "a literal is missing");
}

TEST_F(LiteralTest, WrongKindSaysWhatTheKeyIs) {
  LiteralError e = Err("42", t_["string"]);
  EXPECT_FALSE(e.syntax);
  EXPECT_EQ(e.message, "42 is not a string");
  EXPECT_EQ(e.path, "");
  EXPECT_EQ(Err(R"("42")", t_["int"]).message, "\"42\" is not an integer");
  EXPECT_EQ(Err("1", t_["bool"]).message, "1 is not a bool");
  EXPECT_EQ(Err("sess-0", t_["string"]).message, "sess-0 is not a string");
  EXPECT_EQ(Err(R"("x")", pptr_).message, "\"x\" is not an address (0x… or nil)");
}

TEST_F(LiteralTest, IntegersEveryBaseAndRange) {
  const Type *i = t_["int"];
  EXPECT_EQ(Ok("42", i).i, 42);
  EXPECT_EQ(Ok("-1", i).i, -1);
  EXPECT_EQ(Ok("+7", i).i, 7);
  EXPECT_EQ(Ok("0x2A", i).i, 42);
  EXPECT_EQ(Ok("0o52", i).i, 42);
  EXPECT_EQ(Ok("052", i).i, 42); // legacy octal
  EXPECT_EQ(Ok("0b101010", i).i, 42);
  EXPECT_EQ(Ok("1_000_000", i).i, 1000000);
  EXPECT_EQ(Ok("'a'", i).i, 97);
  EXPECT_EQ(Ok("'\\n'", i).i, 10);
  EXPECT_EQ(Ok("'é'", i).i, 0xE9);
  EXPECT_EQ(Ok("1e3", i).i, 1000); // an integer value, as Go accepts
  EXPECT_EQ(Ok("2.0", i).i, 2);
  EXPECT_EQ(Ok("(3)", i).i, 3);
  EXPECT_EQ(Ok("int(5)", i).i, 5);
  EXPECT_EQ(Ok("1+2", i).i, 3);
  EXPECT_EQ(Ok("-9223372036854775808", t_["int64"]).i, INT64_MIN);
  EXPECT_EQ(Ok("9223372036854775807", t_["int64"]).i, INT64_MAX);
  EXPECT_EQ(Ok("-128", t_["int8"]).i, -128);
  EXPECT_EQ(Ok("18446744073709551615", t_["uint64"]).u, UINT64_MAX);
  EXPECT_EQ(Ok("0xdeadbeef", user_id_).u, 0xdeadbeefu);
  EXPECT_EQ(Ok("main.UserID(42)", user_id_).u, 42u);
  EXPECT_EQ(Ok("UserID(42)", user_id_).u, 42u);
  EXPECT_EQ(Ok("byte(7)", t_["uint8"]).u, 7u);
  EXPECT_EQ(Ok("42", t_["uint8"]).kind, GoLiteral::Kind::Uint);

  EXPECT_EQ(Err("300", t_["uint8"]).message, "300 overflows uint8");
  EXPECT_EQ(Err("-1", t_["uint64"]).message, "-1 overflows uint64");
  EXPECT_EQ(Err("128", t_["int8"]).message, "128 overflows int8");
  EXPECT_EQ(Err("9223372036854775808", t_["int64"]).message, "9223372036854775808 overflows int64");
  EXPECT_EQ(Err("18446744073709551616", t_["uint64"]).message,
            "18446744073709551616 overflows uint64");
  EXPECT_EQ(Err("1.5", i).message, "1.5 is not an integer");
  EXPECT_EQ(Err("uint8(5)", i).message, "uint8(5) has type uint8, not int");
  EXPECT_EQ(Err("uint64(1)", user_id_).message, "uint64(1) has type uint64, not main.UserID");
  EXPECT_TRUE(Err("08", i).syntax);
  EXPECT_EQ(Err("08", i).message, "invalid digit '8' in 08");
  EXPECT_TRUE(Err("1__0", i).syntax);
  EXPECT_TRUE(Err("0x", i).syntax);
  EXPECT_TRUE(Err("''", i).syntax);
  EXPECT_TRUE(Err("'ab'", i).syntax);
}

TEST_F(LiteralTest, FloatsIncludingSpecials) {
  const Type *f = t_["float64"];
  EXPECT_EQ(Ok("1.5", f).re, 1.5);
  EXPECT_EQ(Ok("-2.25", f).re, -2.25);
  EXPECT_EQ(Ok("1e300", f).re, 1e300);
  EXPECT_EQ(Ok(".5", f).re, 0.5);
  EXPECT_EQ(Ok("1.", f).re, 1.0);
  EXPECT_EQ(Ok("0x1p-2", f).re, 0.25);
  EXPECT_EQ(Ok("1", f).re, 1.0);
  EXPECT_EQ(Ok("'a'", f).re, 97.0);
  EXPECT_EQ(Ok("4.9406564584124654e-324", f).re, 4.9406564584124654e-324);
  EXPECT_EQ(Ok("1e-400", f).re, 0.0); // rounds to zero, as go/constant does
  EXPECT_TRUE(std::signbit(Ok("-0.0", f).re));
  EXPECT_EQ(Ok("+Inf", f).re, HUGE_VAL);
  EXPECT_EQ(Ok("Inf", f).re, HUGE_VAL);
  EXPECT_EQ(Ok("-Inf", f).re, -HUGE_VAL);
  EXPECT_EQ(Ok("math.Inf(1)", f).re, HUGE_VAL);
  EXPECT_EQ(Ok("math.Inf(-1)", f).re, -HUGE_VAL);
  EXPECT_EQ(Ok("float64(2)", f).re, 2.0);
  GoLiteral nan = Ok("NaN", f);
  EXPECT_TRUE(std::isnan(nan.re));
  EXPECT_TRUE(nan.HasNaN());
  EXPECT_TRUE(Ok("math.NaN()", f).HasNaN());
  EXPECT_FALSE(Ok("1.5", f).HasNaN());
  // float32 keys compare after rounding to float32, as Go converts the constant.
  EXPECT_EQ(Ok("0.1", t_["float32"]).re, double(0.1f));
  EXPECT_EQ(Err("1e39", t_["float32"]).message, "1e39 overflows float32");
  EXPECT_EQ(Err("1e400", f).message, "1e400 overflows float64");
  EXPECT_EQ(Err("1+2i", f).message, "1+2i has an imaginary part; it is not a float");
  EXPECT_EQ(Err("true", f).message, "true is not a float");
  EXPECT_TRUE(Err("0x1.8", f).syntax); // a hex mantissa needs an exponent
  EXPECT_TRUE(Err("1e", f).syntax);
}

TEST_F(LiteralTest, Complex) {
  const Type *c = t_["complex128"];
  GoLiteral a = Ok("1+2i", c);
  EXPECT_EQ(a.kind, GoLiteral::Kind::Complex);
  EXPECT_EQ(a.re, 1.0);
  EXPECT_EQ(a.im, 2.0);
  GoLiteral b = Ok("(1.5-0.5i)", c); // as fmt prints it
  EXPECT_EQ(b.re, 1.5);
  EXPECT_EQ(b.im, -0.5);
  GoLiteral d = Ok("complex(3, -4)", c);
  EXPECT_EQ(d.re, 3.0);
  EXPECT_EQ(d.im, -4.0);
  EXPECT_EQ(Ok("2i", c).im, 2.0);
  EXPECT_EQ(Ok("7", c).re, 7.0);
  EXPECT_EQ(Ok("0.1+0.1i", t_["complex64"]).im, double(0.1f));
  EXPECT_TRUE(Ok("complex(NaN, 0)", c).HasNaN());
}

TEST_F(LiteralTest, Bools) {
  EXPECT_TRUE(Ok("true", t_["bool"]).b);
  EXPECT_FALSE(Ok("false", t_["bool"]).b);
  EXPECT_TRUE(Ok("bool(true)", t_["bool"]).b);
  EXPECT_EQ(Err("yes", t_["bool"]).message, "yes is not a bool");
}

TEST_F(LiteralTest, PointersChansUnsafePointers) {
  GoLiteral p = Ok("0xc000012345", pptr_);
  EXPECT_EQ(p.kind, GoLiteral::Kind::Pointer);
  EXPECT_EQ(p.u, 0xc000012345u);
  EXPECT_EQ(Ok("nil", pptr_).u, 0u);
  EXPECT_EQ(Ok("(*main.P)(0xc0)", pptr_).u, 0xc0u); // as show prints pointers
  EXPECT_EQ(Ok("(*P)(0xc0)", pptr_).u, 0xc0u);
  EXPECT_EQ(Ok("(chan int)(0x10)", ch_).u, 0x10u);
  EXPECT_EQ(Ok("unsafe.Pointer(0x20)", up_).u, 0x20u);
  EXPECT_EQ(Err("(*main.Q)(0xc0)", pptr_).message, "(*main.Q)(0xc0) has type *main.Q, not *main.P");
  EXPECT_EQ(Err("-1", pptr_).message, "-1 is not a 64-bit address");
  EXPECT_EQ(Err("1.5", pptr_).message, "1.5 is not an address (0x… or nil)");
}

TEST_F(LiteralTest, StructsKeyedPositionalAndElided) {
  GoLiteral a = Ok(R"(main.P{X: 1, Y: "a"})", p_);
  ASSERT_EQ(a.kind, GoLiteral::Kind::Struct);
  ASSERT_EQ(a.elems.size(), 3u);
  EXPECT_EQ(a.elems[0].i, 1);
  EXPECT_EQ(a.elems[1].s, "a");
  EXPECT_EQ(a.elems[2].kind, GoLiteral::Kind::Zero); // the blank field
  GoLiteral b = Ok(R"({1, "a"})", p_);               // positional: blank fields are not listed
  EXPECT_EQ(b.elems[0].i, 1);
  EXPECT_EQ(b.elems[1].s, "a");
  GoLiteral c = Ok("P{Y: `b`}", p_);
  EXPECT_EQ(c.elems[0].kind, GoLiteral::Kind::Zero);
  EXPECT_EQ(c.elems[1].s, "b");
  EXPECT_EQ(Ok("main.P{}", p_).elems[0].kind, GoLiteral::Kind::Zero);
  EXPECT_EQ(Ok(R"({X: 1, Y: "a",})", p_).elems[0].i, 1); // trailing comma
  GoLiteral d = Ok(R"(pkg.Outer{In: {X: 2}, Z: 0.5})", deep_);
  EXPECT_EQ(d.elems[0].elems[0].i, 2);
  EXPECT_EQ(d.elems[1].re, 0.5);
  EXPECT_EQ(Ok(R"(example.com/pkg.Outer{Z: 1})", deep_).elems[1].re, 1.0);

  EXPECT_EQ(Err("{Z: 1}", p_).message, "unknown field Z in main.P");
  EXPECT_EQ(Err("{X: 1, X: 2}", p_).message, "duplicate field X in {X: 1, X: 2}");
  EXPECT_EQ(Err("{1}", p_).message,
            "{1} has 1 values; main.P has 2 fields (or name them: {Field: value})");
  EXPECT_EQ(Err(R"({X: 1, "a"})", p_).message,
            "{X: 1, \"a\"} mixes field:value and value elements");
  EXPECT_EQ(Err("main.Q{1, 2}", p_).message, "main.Q{1, 2} has type main.Q, not main.P");
  EXPECT_EQ(Err("42", p_).message, "42 is not a main.P literal ({…})");
  LiteralError nested = Err(R"({X: "a"})", p_);
  EXPECT_EQ(nested.path, "field X");
  EXPECT_EQ(nested.message, "\"a\" is not an integer");
  LiteralError deeper = Err(R"({In: {X: 1, Y: 2}})", deep_);
  EXPECT_EQ(deeper.path, "field In, field Y");
  EXPECT_TRUE(Err("{1, 2", p_).syntax);
}

TEST_F(LiteralTest, Arrays) {
  GoLiteral a = Ok("{1, 2, 3}", arr_);
  ASSERT_EQ(a.kind, GoLiteral::Kind::Array);
  ASSERT_EQ(a.elems.size(), 3u);
  EXPECT_EQ(a.elems[2].i, 3);
  EXPECT_EQ(Ok("[3]int8{-1}", arr_).elems.size(), 1u); // the rest are zero
  EXPECT_EQ(Err("{1, 2, 3, 4}", arr_).message, "{1, 2, 3, 4} has 4 elements; [3]int8 has 3");
  EXPECT_EQ(Err("[2]int8{1}", arr_).message, "[2]int8{1} has type [2]int8, not [3]int8");
  EXPECT_EQ(Err("{1, 300}", arr_).path, "element 1");
  EXPECT_TRUE(Err("{0: 1}", arr_).syntax);
}

TEST_F(LiteralTest, InterfaceKeysTakeTheirDefaultOrNamedType) {
  auto dyn = [&](const std::string &text) {
    GoLiteral l = Ok(text, any_);
    EXPECT_EQ(l.kind, GoLiteral::Kind::Interface) << text;
    return l.elems.empty() ? std::string("nil") : l.elems[0].type->name;
  };
  EXPECT_EQ(dyn(R"("sess-0")"), "string");
  EXPECT_EQ(dyn("42"), "int");
  EXPECT_EQ(dyn("-1"), "int");
  EXPECT_EQ(dyn("2.5"), "float64");
  EXPECT_EQ(dyn("1e3"), "float64");
  EXPECT_EQ(dyn("'x'"), "int32");
  EXPECT_EQ(dyn("true"), "bool");
  EXPECT_EQ(dyn("1+2i"), "complex128");
  EXPECT_EQ(dyn("nil"), "nil");
  EXPECT_EQ(dyn("int64(5)"), "int64");
  EXPECT_EQ(dyn("byte(5)"), "uint8");
  EXPECT_EQ(dyn("main.P{X: 1}"), "main.P");
  EXPECT_EQ(dyn("P{X: 1}"), "main.P"); // main. is implied, as for variables
  EXPECT_EQ(Ok("int8(-3)", any_).elems[0].i, -3);
  EXPECT_EQ(Ok(R"("k")", any_).elems[0].s, "k");
  EXPECT_EQ(Err("int8(300)", any_).message, "300 overflows int8");
  EXPECT_EQ(Err("{1, 2}", any_).message,
            "{1, 2}: an interface key needs the type, e.g. main.P{1, 2}");
  EXPECT_EQ(Err("main.Nope{}", any_).message,
            "main.Nope{}: no type named main.Nope in the binary's debug info");
  FakeLookup empty;
  EXPECT_EQ(Err("main.P{}", any_, &empty).message,
            "main.P{}: no type named main.P in the binary's debug info");
  ParsedLiteral out;
  LiteralError e;
  EXPECT_FALSE(ParseGoLiteral("main.P{}", any_, nullptr, &out, &e));
  EXPECT_EQ(e.message,
            "main.P{}: no type named main.P (only predeclared types without debug info)");
}

TEST_F(LiteralTest, SyntaxErrorsAreOneLine) {
  EXPECT_EQ(Err("1 2", t_["int"]).message, "unexpected '2' after 1");
  EXPECT_EQ(Err("(1", t_["int"]).message, "missing ')' closing a parenthesis");
  EXPECT_EQ(Err("@", t_["int"]).message, "unexpected '@'");
  EXPECT_EQ(Err("main.P{X: 1", p_).message, "missing '}' closing a composite literal");
  std::string deep(200, '(');
  EXPECT_EQ(Err(deep, t_["int"]).message, "literal nested too deeply");
}

TEST_F(LiteralTest, JsonEncodingMatchesShow) {
  auto J = [&](const std::string &text, const Type *t) { return json(GoLiteralJson(Ok(text, t))); };
  EXPECT_EQ(J("42", t_["int"]), json(42));
  EXPECT_EQ(J("-9007199254740993", t_["int64"]), json("-9007199254740993"));
  EXPECT_EQ(J("18446744073709551615", t_["uint64"]), json("18446744073709551615"));
  EXPECT_EQ(J("1.5", t_["float64"]), json(1.5));
  EXPECT_EQ(J("NaN", t_["float64"]), json("NaN"));
  EXPECT_EQ(J("-Inf", t_["float64"]), json("-Inf"));
  EXPECT_EQ(J("1+2i", t_["complex128"]), (json{{"real", 1.0}, {"imag", 2.0}}));
  EXPECT_EQ(J(R"("a")", t_["string"]), json("a"));
  EXPECT_EQ(J("true", t_["bool"]), json(true));
  EXPECT_EQ(J("nil", pptr_), json(nullptr));
  EXPECT_EQ(J("0xC0", pptr_), (json{{"ptr", "0xc0"}}));
  EXPECT_EQ(J("{Y: `b`}", p_), (json{{"X", 0}, {"Y", "b"}, {"_", 0}}));
  EXPECT_EQ(J("{1}", arr_), (json{1, 0, 0}));
  EXPECT_EQ(J(R"("s")", any_), (json{{"type", "string"}, {"value", "s"}}));
  EXPECT_EQ(J("nil", any_), json(nullptr));
  // Field order is Go's, not sorted.
  nlohmann::ordered_json o = GoLiteralJson(Ok(R"({Y: "b", X: 1})", p_));
  EXPECT_EQ(o.begin().key(), "X");
}

TEST(SplitIndexSuffix, FindsTheTrailingKey) {
  auto split = [](const std::string &e) {
    IndexSuffix s = SplitIndexSuffix(e);
    const char *st = s.status == IndexSuffix::Status::None ? "none"
                     : s.status == IndexSuffix::Status::Ok ? "ok"
                                                           : "unterminated";
    return std::string(st) + "|" + s.prefix + "|" + s.key;
  };
  EXPECT_EQ(split(R"(m["sess-0"])"), R"(ok|m|"sess-0")");
  EXPECT_EQ(split("c.byID[42]"), "ok|c.byID|42");
  EXPECT_EQ(split(R"(shards[3].m["a]b"])"), R"(ok|shards[3].m|"a]b")");
  EXPECT_EQ(split("shards[3]"), "ok|shards|3");
  EXPECT_EQ(split("m[main.P{X: 1, Y: 2}]"), "ok|m|main.P{X: 1, Y: 2}");
  EXPECT_EQ(split("m[[2]int{1, 2}]"), "ok|m|[2]int{1, 2}");
  EXPECT_EQ(split(R"(m['['])"), "ok|m|'['");
  EXPECT_EQ(split(R"(m["a\"]"])"), R"(ok|m|"a\"]")");
  EXPECT_EQ(split("m[`x]`]"), "ok|m|`x]`");
  EXPECT_EQ(split(R"(m["unterminated)"), R"(unterminated|m|"unterminated)");
  EXPECT_EQ(split("m[1"), "unterminated|m|1");
  EXPECT_EQ(split("m"), "none||");
  EXPECT_EQ(split("main.cache"), "none||");
  EXPECT_EQ(split("m[1].x"), "none||");
  EXPECT_EQ(split("[1]"), "none||");
  EXPECT_EQ(split("0xc000012000"), "none||");
}

} // namespace
} // namespace gomap
