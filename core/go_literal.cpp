// Go key literals: a scanner after go/scanner, constant evaluation after
// go/constant (untyped int/rune/float/complex, + and -), and the conversion of
// constants and composite literals to a key's Go type (go/types' rules for
// representability and composite literals), go1.13+ literal syntax.
#include "go_literal.h"

#include "go_format.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace gomap {

namespace {

using ojson = nlohmann::ordered_json;

// --- syntax tree ---------------------------------------------------------------------

struct Node {
  enum class K {
    Int,       // integer literal: val (exact while !overflow), approx
    Float,     // float literal: approx
    Imag,      // imaginary literal: approx is the imaginary part
    Rune,      // rune literal: val
    String,    // str: the bytes
    Ident,     // str: true, false, nil, NaN, Inf, or a (qualified) name
    Unary,     // op '-' / '+', kids[0]
    Binary,    // op '+' / '-', kids[0], kids[1]
    Call,      // str: the function or type name; kids: the arguments
    Conv,      // str: a parenthesised type, "(*main.P)(x)": kids[0]
    Composite, // str: the type ("" when elided); kids: elements; keys: "" or a field name
  };
  K k = K::Int;
  std::string_view src; // the source text of this node
  std::string str;
  char op = 0;
  unsigned __int128 val = 0;
  bool overflow = false; // an integer literal >= 2^64
  double approx = 0;
  std::vector<Node> kids;
  std::vector<std::string> keys;
};

struct SyntaxError {
  std::string message;
};

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int DigitValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return 99;
}

// Decodes one UTF-8 sequence (for rune literals); false when invalid.
bool DecodeUtf8(std::string_view s, size_t *len, uint32_t *rune) {
  auto b = [&](size_t i) { return uint8_t(s[i]); };
  if (s.empty())
    return false;
  uint8_t b0 = b(0);
  if (b0 < 0x80) {
    *len = 1;
    *rune = b0;
    return true;
  }
  size_t n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (n == 0 || s.size() < n)
    return false;
  uint32_t r = b0 & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80)
      return false;
    r = (r << 6) | (b(i) & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (r < kMin[n] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
    return false;
  *len = n;
  *rune = r;
  return true;
}

class Parser {
public:
  explicit Parser(std::string_view text) : s_(text) {}

  Node ParseAll() {
    Node n = ParseExpr();
    Space();
    if (i_ < s_.size())
      Fail("unexpected '" + std::string(s_.substr(i_, 1)) + "' after " + Quote(n.src));
    return n;
  }

private:
  [[noreturn]] void Fail(const std::string &m) { throw SyntaxError{m}; }
  static std::string Quote(std::string_view v) { return std::string(v); }

  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool Eat(char c) {
    Space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void Expect(char c, const char *what) {
    if (!Eat(c))
      Fail(std::string("missing '") + c + "' " + what);
  }
  char Peek() {
    Space();
    return i_ < s_.size() ? s_[i_] : '\0';
  }

  // Expr = Unary { ("+" | "-") Unary }: constant sums such as 1+2i.
  Node ParseExpr() {
    if (++depth_ > 64)
      Fail("literal nested too deeply");
    size_t start = (Space(), i_);
    Node left = ParseUnary();
    while (true) {
      char c = Peek();
      if (c != '+' && c != '-')
        break;
      ++i_;
      Node right = ParseUnary();
      Node b;
      b.k = Node::K::Binary;
      b.op = c;
      b.kids.push_back(std::move(left));
      b.kids.push_back(std::move(right));
      b.src = s_.substr(start, i_ - start);
      left = std::move(b);
    }
    --depth_;
    return left;
  }

  Node ParseUnary() {
    size_t start = (Space(), i_);
    char c = Peek();
    if (c == '-' || c == '+') {
      ++i_;
      Node u;
      u.k = Node::K::Unary;
      u.op = c;
      u.kids.push_back(ParseUnary());
      u.src = s_.substr(start, i_ - start);
      return u;
    }
    return ParsePrimary();
  }

  Node ParsePrimary() {
    size_t start = (Space(), i_);
    if (i_ >= s_.size())
      Fail("a literal is missing");
    char c = s_[i_];
    Node n;
    if (IsDigit(c) || (c == '.' && i_ + 1 < s_.size() && IsDigit(s_[i_ + 1]))) {
      n = ParseNumber();
    } else if (c == '"' || c == '`') {
      n.k = Node::K::String;
      n.str = c == '"' ? ParseInterpreted() : ParseRaw();
    } else if (c == '\'') {
      n = ParseRune();
    } else if (c == '(') {
      ++i_;
      Space();
      if (StartsType()) {
        // (*main.P)(0x...), (chan int)(0x...): as `show` prints pointers.
        n.k = Node::K::Conv;
        n.str = Balanced(')');
        Expect(')', "after a parenthesised type");
        Expect('(', ("after (" + n.str + ")").c_str());
        n.kids.push_back(ParseExpr());
        Expect(')', "closing the conversion");
      } else {
        n = ParseExpr();
        Expect(')', "closing a parenthesis");
      }
    } else if (c == '{') {
      n = ParseComposite("");
    } else if (c == '[') {
      // An array type, [2]int{1, 2}.
      std::string type = Balanced('{');
      if (Peek() != '{')
        Fail("missing '{' after the array type " + type);
      n = ParseComposite(type);
    } else if (IsIdentStart(c)) {
      std::string name = ParseName();
      char next = Peek();
      if (next == '(') {
        ++i_;
        n.k = Node::K::Call;
        n.str = name;
        if (!Eat(')')) {
          do
            n.kids.push_back(ParseExpr());
          while (Eat(','));
          Expect(')', ("closing " + name + "(").c_str());
        }
      } else if (next == '{') {
        n = ParseComposite(name);
      } else {
        n.k = Node::K::Ident;
        n.str = name;
      }
    } else {
      Fail("unexpected '" + std::string(1, c) + "'");
    }
    n.src = s_.substr(start, i_ - start);
    return n;
  }

  // A parenthesised type starts with *, [, chan, func, map or interface.
  bool StartsType() {
    if (i_ >= s_.size())
      return false;
    if (s_[i_] == '*' || s_[i_] == '[')
      return true;
    for (const char *kw : {"chan", "func", "map", "interface", "unsafe.Pointer"}) {
      size_t n = std::strlen(kw);
      if (s_.compare(i_, n, kw) == 0 && (i_ + n >= s_.size() || !IsIdentChar(s_[i_ + n])))
        return true;
    }
    return false;
  }

  // Text up to (not including) `close` at bracket depth 0, trimmed.
  std::string Balanced(char close) {
    size_t start = i_;
    int depth = 0;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (depth == 0 && c == close)
        break;
      if (c == '(' || c == '[' || c == '{')
        ++depth;
      else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0)
          Fail("unbalanced '" + std::string(1, c) + "'");
        --depth;
      }
      ++i_;
    }
    if (i_ >= s_.size())
      Fail(std::string("missing '") + close + "'");
    std::string_view t = s_.substr(start, i_ - start);
    while (!t.empty() && t.back() == ' ')
      t.remove_suffix(1);
    return std::string(t);
  }

  // An identifier, possibly qualified: main.P, example.com/pkg.T, math.NaN.
  std::string ParseName() {
    size_t start = i_;
    while (i_ < s_.size() &&
           (IsIdentChar(s_[i_]) ||
            ((s_[i_] == '.' || s_[i_] == '/') && i_ + 1 < s_.size() && IsIdentStart(s_[i_ + 1]))))
      ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  Node ParseComposite(std::string type) {
    Node n;
    n.k = Node::K::Composite;
    n.str = std::move(type);
    Expect('{', "opening a composite literal");
    if (Eat('}'))
      return n;
    do {
      if (Peek() == '}')
        break; // a trailing comma
      std::string key;
      size_t save = i_;
      if (IsIdentStart(Peek())) {
        std::string name = ParseName();
        if (Eat(':') && name.find('.') == std::string::npos)
          key = name;
        else
          i_ = save;
      } else if (IsDigit(Peek())) {
        // An indexed array element, {2: x}: the index is kept as its text.
        size_t j = i_;
        while (j < s_.size() && IsIdentChar(s_[j]))
          ++j;
        size_t k = j;
        while (k < s_.size() && s_[k] == ' ')
          ++k;
        if (k < s_.size() && s_[k] == ':')
          Fail("indexed elements ({" + std::string(s_.substr(i_, j - i_)) +
               ": …}) are not supported; list every element");
      }
      n.keys.push_back(key);
      n.kids.push_back(ParseExpr());
    } while (Eat(','));
    Expect('}', "closing a composite literal");
    return n;
  }

  // go/scanner's number literals: decimal, 0b, 0o, 0 (octal), 0x ints; decimal
  // and hex floats; a trailing i makes it imaginary; _ between digits.
  Node ParseNumber() {
    size_t start = i_;
    bool hex = s_.compare(i_, 2, "0x") == 0 || s_.compare(i_, 2, "0X") == 0;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (IsIdentChar(c) || c == '.') {
        ++i_;
        continue;
      }
      char prev = s_[i_ - 1];
      bool exp = hex ? (prev == 'p' || prev == 'P') : (prev == 'e' || prev == 'E');
      if ((c == '+' || c == '-') && exp) {
        ++i_;
        continue;
      }
      break;
    }
    std::string_view tok = s_.substr(start, i_ - start);
    Node n;
    std::string_view body = tok;
    bool imag = !body.empty() && body.back() == 'i';
    if (imag)
      body.remove_suffix(1);
    std::string clean = StripUnderscores(body, tok);
    int base = 10;
    size_t digits_at = 0;
    if (clean.size() >= 2 && clean[0] == '0') {
      char p = clean[1];
      if (p == 'x' || p == 'X')
        base = 16, digits_at = 2;
      else if (p == 'b' || p == 'B')
        base = 2, digits_at = 2;
      else if (p == 'o' || p == 'O')
        base = 8, digits_at = 2;
    }
    bool is_float = false;
    if (base == 16)
      is_float = clean.find_first_of(".pP") != std::string::npos;
    else if (base == 10)
      is_float = clean.find_first_of(".eE") != std::string::npos;
    if (is_float) {
      n.k = imag ? Node::K::Imag : Node::K::Float;
      n.approx = ParseFloatText(clean, base == 16, tok);
      return n;
    }
    // Integers. A leading 0 means octal, except in an imaginary literal (go1.13).
    std::string_view digits = std::string_view(clean).substr(digits_at);
    if (base == 10 && digits.size() > 1 && digits[0] == '0' && !imag)
      base = 8, digits.remove_prefix(1);
    if (digits.empty())
      Fail(std::string(tok) + " has no digits");
    unsigned __int128 v = 0;
    double approx = 0;
    bool overflow = false;
    for (char c : digits) {
      int d = DigitValue(c);
      if (d >= base)
        Fail("invalid digit '" + std::string(1, c) + "' in " + std::string(tok));
      approx = approx * base + d;
      if (!overflow) {
        v = v * unsigned(base) + unsigned(d);
        if (v > std::numeric_limits<uint64_t>::max())
          overflow = true;
      }
    }
    if (overflow && base == 10) {
      // Correctly rounded, for float keys.
      double f = 0;
      auto r = std::from_chars(digits.data(), digits.data() + digits.size(), f);
      approx = r.ec == std::errc() ? f : HUGE_VAL;
    }
    n.k = imag ? Node::K::Imag : Node::K::Int;
    n.val = overflow ? 0 : v;
    n.overflow = overflow;
    n.approx = overflow ? approx : double(uint64_t(v));
    return n;
  }

  // Go allows _ between digits and after a base prefix; anything else is an error.
  std::string StripUnderscores(std::string_view body, std::string_view tok) {
    std::string out;
    for (size_t k = 0; k < body.size(); ++k) {
      if (body[k] != '_') {
        out += body[k];
        continue;
      }
      bool prev_ok = k > 0 && (IsIdentChar(body[k - 1]) && body[k - 1] != '_');
      bool next_ok = k + 1 < body.size() && DigitValue(body[k + 1]) < 16;
      if (!prev_ok || !next_ok)
        Fail("'_' must separate successive digits in " + std::string(tok));
    }
    return out;
  }

  double ParseFloatText(const std::string &clean, bool hex, std::string_view tok) {
    std::string_view t = clean;
    if (hex) {
      t.remove_prefix(2);
      if (t.find_first_of("pP") == std::string_view::npos)
        Fail("hexadecimal mantissa requires a 'p' exponent in " + std::string(tok));
    }
    double v = 0;
    auto r = std::from_chars(t.data(), t.data() + t.size(), v,
                             hex ? std::chars_format::hex : std::chars_format::general);
    if (r.ptr != t.data() + t.size() && r.ec == std::errc())
      Fail("malformed number " + std::string(tok));
    if (r.ec == std::errc::invalid_argument)
      Fail("malformed number " + std::string(tok));
    if (r.ec == std::errc::result_out_of_range) {
      // Tiny magnitudes round to 0 as go/constant does for float64; large ones overflow.
      size_t e = t.find_first_of(hex ? "pP" : "eE");
      bool tiny = e != std::string_view::npos && e + 1 < t.size() && t[e + 1] == '-';
      return tiny ? 0.0 : HUGE_VAL;
    }
    return v;
  }

  // One escape after '\' in a string or rune literal (the spec's escapes).
  // Byte escapes (\x, octal) append a raw byte; others a UTF-8 rune.
  uint32_t Escape(char quote, bool *is_byte) {
    if (i_ >= s_.size())
      Fail("escape sequence not terminated");
    char c = s_[i_++];
    *is_byte = false;
    switch (c) {
    case 'a':
      return '\a';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    case '\\':
      return '\\';
    default:
      break;
    }
    if (c == quote)
      return uint32_t(quote);
    int n = 0, base = 16;
    uint32_t max = 0x10FFFF;
    if (c == 'x')
      n = 2, max = 255, *is_byte = true;
    else if (c == 'u')
      n = 4;
    else if (c == 'U')
      n = 8;
    else if (c >= '0' && c <= '7')
      n = 3, base = 8, max = 255, *is_byte = true, --i_;
    else
      Fail(std::string("unknown escape sequence \\") + c);
    uint32_t v = 0;
    for (int k = 0; k < n; ++k) {
      if (i_ >= s_.size() || DigitValue(s_[i_]) >= base)
        Fail("escape sequence is invalid or too short");
      v = v * base + DigitValue(s_[i_++]);
    }
    if (v > max || (!*is_byte && v >= 0xD800 && v <= 0xDFFF))
      Fail("escape sequence is an invalid Unicode code point");
    return v;
  }

  std::string ParseInterpreted() {
    ++i_; // "
    std::string out;
    while (true) {
      if (i_ >= s_.size() || s_[i_] == '\n')
        Fail("string literal not terminated");
      char c = s_[i_++];
      if (c == '"')
        return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      bool is_byte;
      uint32_t v = Escape('"', &is_byte);
      if (is_byte)
        out += char(v);
      else
        AppendUtf8(out, v);
    }
  }

  std::string ParseRaw() {
    ++i_; // `
    size_t end = s_.find('`', i_);
    if (end == std::string_view::npos)
      Fail("raw string literal not terminated");
    std::string out;
    for (char c : s_.substr(i_, end - i_))
      if (c != '\r') // the spec drops carriage returns from raw strings
        out += c;
    i_ = end + 1;
    return out;
  }

  Node ParseRune() {
    ++i_; // '
    Node n;
    n.k = Node::K::Rune;
    if (i_ >= s_.size() || s_[i_] == '\'' || s_[i_] == '\n')
      Fail(i_ < s_.size() && s_[i_] == '\'' ? "empty rune literal" : "rune literal not terminated");
    uint32_t v;
    if (s_[i_] == '\\') {
      ++i_;
      bool is_byte;
      v = Escape('\'', &is_byte);
    } else {
      size_t len;
      if (!DecodeUtf8(s_.substr(i_), &len, &v))
        Fail("invalid UTF-8 in a rune literal");
      i_ += len;
    }
    if (i_ >= s_.size() || s_[i_] != '\'')
      Fail("rune literal not terminated (or more than one character)");
    ++i_;
    n.val = v;
    n.approx = v;
    return n;
  }

  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;
};

// --- untyped constants (go/constant) ----------------------------------------------

struct Const {
  enum K { Int, Rune, Float, Complex } k = Int; // ordered: the larger kind wins
  __int128 i = 0;                               // Int/Rune: exact while !big
  bool big = false;                             // |value| too large for i (only re is meaningful)
  double re = 0, im = 0;
};

constexpr __int128 kIntLimit = (__int128(1) << 100);

// Evaluates a numeric constant expression; nullopt when `n` is not one.
std::optional<Const> EvalConst(const Node &n, std::string *why) {
  Const c;
  switch (n.k) {
  case Node::K::Int:
    c.k = Const::Int;
    c.big = n.overflow;
    c.i = n.overflow ? 0 : __int128(n.val);
    c.re = n.approx;
    return c;
  case Node::K::Rune:
    c.k = Const::Rune;
    c.i = __int128(n.val);
    c.re = n.approx;
    return c;
  case Node::K::Float:
    c.k = Const::Float;
    c.re = n.approx;
    return c;
  case Node::K::Imag:
    c.k = Const::Complex;
    c.im = n.approx;
    return c;
  case Node::K::Ident:
    if (n.str == "NaN" || n.str == "Inf") {
      c.k = Const::Float;
      c.re = n.str == "NaN" ? std::nan("") : HUGE_VAL;
      return c;
    }
    return std::nullopt;
  case Node::K::Call: {
    if (n.str == "math.NaN" && n.kids.empty()) {
      c.k = Const::Float;
      c.re = std::nan("");
      return c;
    }
    if (n.str == "math.Inf" && n.kids.size() == 1) {
      auto s = EvalConst(n.kids[0], why);
      if (!s || s->k == Const::Complex) {
        *why = "math.Inf takes an integer sign";
        return std::nullopt;
      }
      c.k = Const::Float;
      c.re = s->re >= 0 && !(s->k <= Const::Rune && s->i < 0) ? HUGE_VAL : -HUGE_VAL;
      return c;
    }
    if (n.str == "complex" && n.kids.size() == 2) {
      auto a = EvalConst(n.kids[0], why), b = EvalConst(n.kids[1], why);
      if (!a || !b || a->k == Const::Complex || b->k == Const::Complex)
        return std::nullopt;
      c.k = Const::Complex;
      c.re = a->re;
      c.im = b->re;
      return c;
    }
    return std::nullopt;
  }
  case Node::K::Unary: {
    auto x = EvalConst(n.kids[0], why);
    if (!x)
      return std::nullopt;
    if (n.op == '-') {
      x->i = -x->i;
      x->re = -x->re;
      x->im = -x->im;
    }
    return x;
  }
  case Node::K::Binary: {
    auto a = EvalConst(n.kids[0], why), b = EvalConst(n.kids[1], why);
    if (!a || !b)
      return std::nullopt;
    c.k = std::max(a->k, b->k);
    double sign = n.op == '-' ? -1 : 1;
    c.re = a->re + sign * b->re;
    c.im = a->im + sign * b->im;
    c.big = a->big || b->big;
    if (!c.big) {
      c.i = n.op == '-' ? a->i - b->i : a->i + b->i;
      c.big = c.i >= kIntLimit || c.i <= -kIntLimit;
    }
    return c;
  }
  default:
    return std::nullopt;
  }
}

// --- conversion to a Go type --------------------------------------------------------

struct ConvertError {
  std::string message;
  std::string path;
};

// Whether the type written as `written` names t: its full name, the name without
// the import path ("pkg.T" for "example.com/pkg.T"), or without the package
// ("P" for "main.P"); byte/rune/any are the aliases Go has.
bool NameMatches(std::string written, const Type *t) {
  std::string_view full = t->name;
  while (!written.empty() && written[0] == '*' && !full.empty() && full[0] == '*') {
    written.erase(0, 1);
    full.remove_prefix(1);
  }
  if (written == "byte")
    written = "uint8";
  else if (written == "rune")
    written = "int32";
  else if (written == "any" || written == "interface{}")
    written = "interface {}";
  const std::string n(full);
  if (written == n)
    return true;
  auto ends_with = [&](const std::string &suffix) {
    return n.size() > suffix.size() &&
           n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("/" + written))
    return true;
  size_t dot = n.rfind('.');
  return written.find('.') == std::string::npos && dot != std::string::npos &&
         n.find('/') == std::string::npos && n.compare(dot + 1, std::string::npos, written) == 0;
}

bool IsSigned(Kind k) { return k >= Kind::Int && k <= Kind::Int64; }
bool IsUnsigned(Kind k) { return k >= Kind::Uint && k <= Kind::Uintptr; }
bool IsFloat(Kind k) { return k == Kind::Float32 || k == Kind::Float64; }
bool IsComplex(Kind k) { return k == Kind::Complex64 || k == Kind::Complex128; }
bool IsPointerLike(Kind k) {
  return k == Kind::Pointer || k == Kind::Chan || k == Kind::UnsafePointer || k == Kind::Func;
}

unsigned IntBits(const Type *t) {
  switch (t->kind) {
  case Kind::Int8:
  case Kind::Uint8:
    return 8;
  case Kind::Int16:
  case Kind::Uint16:
    return 16;
  case Kind::Int32:
  case Kind::Uint32:
    return 32;
  case Kind::Int64:
  case Kind::Uint64:
    return 64;
  default:
    return t->size == 4 ? 32 : 64;
  }
}

// "a string", "an integer": what a key of kind k is written as.
std::string KindNoun(const Type *t) {
  Kind k = t->kind;
  if (k == Kind::Bool)
    return "a bool";
  if (IsSigned(k) || IsUnsigned(k))
    return "an integer";
  if (IsFloat(k))
    return "a float";
  if (IsComplex(k))
    return "a complex number";
  if (k == Kind::String)
    return "a string";
  if (k == Kind::Pointer || k == Kind::Chan || k == Kind::UnsafePointer)
    return "an address (0x… or nil)";
  if (k == Kind::Struct)
    return "a " + t->name + " literal ({…})";
  if (k == Kind::Array)
    return "an array literal ({…})";
  return "a " + t->name;
}

// A predeclared type by name, for the dynamic value of an interface key.
const Type *Predeclared(const std::string &written, TypeTable &tt) {
  struct Row {
    const char *name;
    Kind kind;
    uint64_t size;
  };
  static constexpr Row kRows[] = {
      {"bool", Kind::Bool, 1},           {"int", Kind::Int, 8},
      {"int8", Kind::Int8, 1},           {"int16", Kind::Int16, 2},
      {"int32", Kind::Int32, 4},         {"int64", Kind::Int64, 8},
      {"uint", Kind::Uint, 8},           {"uint8", Kind::Uint8, 1},
      {"uint16", Kind::Uint16, 2},       {"uint32", Kind::Uint32, 4},
      {"uint64", Kind::Uint64, 8},       {"uintptr", Kind::Uintptr, 8},
      {"float32", Kind::Float32, 4},     {"float64", Kind::Float64, 8},
      {"complex64", Kind::Complex64, 8}, {"complex128", Kind::Complex128, 16},
      {"string", Kind::String, 16},
  };
  std::string name = written == "byte" ? "uint8" : written == "rune" ? "int32" : written;
  for (const Row &r : kRows)
    if (name == r.name)
      return tt.New(r.kind, r.name, r.size, r.size > 8 ? 8 : r.size);
  return nullptr;
}

class Converter {
public:
  Converter(TypeLookup *lookup, TypeTable &tt) : lookup_(lookup), tt_(tt) {}

  GoLiteral Convert(const Node &n, const Type *t, const std::string &path) {
    if (t == nullptr)
      Fail(path, "the key type is unknown");
    if (++depth_ > 32)
      Fail(path, "literal nested too deeply");
    GoLiteral out = ConvertInner(n, t, path);
    --depth_;
    out.type = t;
    return out;
  }

private:
  [[noreturn]] void Fail(const std::string &path, const std::string &m) {
    throw ConvertError{m, path};
  }
  [[noreturn]] void NotA(const Node &n, const Type *t, const std::string &path) {
    Fail(path, std::string(n.src) + " is not " + KindNoun(t));
  }
  static std::string Sub(const std::string &path, const std::string &step) {
    return path.empty() ? step : path + ", " + step;
  }

  GoLiteral ConvertInner(const Node &n, const Type *t, const std::string &path) {
    Kind k = t->kind;
    // Conversions T(x) and (T)(x): T must name the key type (Go's map index
    // requires that exact type), then x converts to it.
    if ((n.k == Node::K::Call && n.str != "math.NaN" && n.str != "math.Inf" &&
         n.str != "complex") ||
        n.k == Node::K::Conv) {
      if (k == Kind::Interface)
        return ConvertInterface(n, t, path);
      if (n.kids.size() != 1)
        Fail(path, std::string(n.src) + ": a conversion takes one value");
      if (!NameMatches(n.str, t))
        Fail(path, std::string(n.src) + " has type " + n.str + ", not " + t->name);
      return Convert(n.kids[0], t, path);
    }
    if (k == Kind::Interface)
      return ConvertInterface(n, t, path);
    if (k == Kind::Bool) {
      GoLiteral l;
      if (n.k == Node::K::Ident && (n.str == "true" || n.str == "false")) {
        l.kind = GoLiteral::Kind::Bool;
        l.b = n.str == "true";
        return l;
      }
      NotA(n, t, path);
    }
    if (k == Kind::String) {
      if (n.k != Node::K::String)
        NotA(n, t, path);
      GoLiteral l;
      l.kind = GoLiteral::Kind::String;
      l.s = n.str;
      return l;
    }
    if (IsSigned(k) || IsUnsigned(k) || IsFloat(k) || IsComplex(k))
      return ConvertNumber(n, t, path);
    if (IsPointerLike(k)) {
      GoLiteral l;
      l.kind = GoLiteral::Kind::Pointer;
      if (n.k == Node::K::Ident && n.str == "nil")
        return l;
      std::string why;
      auto c = EvalConst(n, &why);
      if (!c || c->k > Const::Rune)
        NotA(n, t, path);
      if (c->big || c->i < 0 || c->i > __int128(std::numeric_limits<uint64_t>::max()))
        Fail(path, std::string(n.src) + " is not a 64-bit address");
      l.u = uint64_t(c->i);
      return l;
    }
    if (k == Kind::Struct)
      return ConvertStruct(n, t, path);
    if (k == Kind::Array)
      return ConvertArray(n, t, path);
    Fail(path, "keys of type " + t->name + " cannot be written as literals");
  }

  GoLiteral ConvertNumber(const Node &n, const Type *t, const std::string &path) {
    std::string why;
    auto c = EvalConst(n, &why);
    if (!c) {
      if (!why.empty())
        Fail(path, why);
      NotA(n, t, path);
    }
    Kind k = t->kind;
    std::string src(n.src);
    GoLiteral l;
    if (IsComplex(k)) {
      l.kind = GoLiteral::Kind::Complex;
      l.re = c->re;
      l.im = c->im;
      if (k == Kind::Complex64) {
        l.re = RoundFloat32(l.re, src, t, path);
        l.im = RoundFloat32(l.im, src, t, path);
      } else if (std::isinf(l.re) && !std::isinf(c->re)) {
        Fail(path, src + " overflows " + t->name);
      }
      return l;
    }
    if (c->k == Const::Complex && c->im != 0)
      Fail(path, src + " has an imaginary part; it is not " + KindNoun(t));
    if (IsFloat(k)) {
      l.kind = GoLiteral::Kind::Float;
      if (c->k <= Const::Rune && !c->big)
        l.re = double(c->i);
      else
        l.re = c->re;
      if (std::isinf(l.re) && n.k != Node::K::Ident && !IsInfSpelling(n))
        Fail(path, src + " overflows " + t->name);
      if (k == Kind::Float32)
        l.re = RoundFloat32(l.re, src, t, path);
      return l;
    }
    // Integer kinds: the constant must be an integer value (1.0 is, 1.5 is not).
    __int128 v;
    if (c->k <= Const::Rune) {
      if (c->big)
        Fail(path, src + " overflows " + t->name);
      v = c->i;
    } else {
      if (std::isnan(c->re) || std::isinf(c->re) || c->re != std::trunc(c->re))
        Fail(path, src + " is not an integer");
      if (std::fabs(c->re) >= 1.8446744073709552e19)
        Fail(path, src + " overflows " + t->name);
      v = __int128(c->re);
    }
    unsigned bits = IntBits(t);
    if (IsSigned(k)) {
      __int128 lo = -(__int128(1) << (bits - 1)), hi = (__int128(1) << (bits - 1)) - 1;
      if (v < lo || v > hi)
        Fail(path, src + " overflows " + t->name);
      l.kind = GoLiteral::Kind::Int;
      l.i = int64_t(v);
    } else {
      __int128 hi = (__int128(1) << bits) - 1;
      if (v < 0 || v > hi)
        Fail(path, src + " overflows " + t->name);
      l.kind = GoLiteral::Kind::Uint;
      l.u = uint64_t(v);
    }
    return l;
  }

  static bool IsInfSpelling(const Node &n) {
    if (n.k == Node::K::Unary)
      return IsInfSpelling(n.kids[0]);
    return (n.k == Node::K::Ident && n.str == "Inf") ||
           (n.k == Node::K::Call && n.str == "math.Inf");
  }

  double RoundFloat32(double v, const std::string &src, const Type *t, const std::string &path) {
    if (std::isnan(v) || std::isinf(v))
      return v;
    float f = float(v);
    if (std::isinf(f))
      Fail(path, src + " overflows " + t->name);
    return double(f);
  }

  GoLiteral ConvertStruct(const Node &n, const Type *t, const std::string &path) {
    if (n.k != Node::K::Composite)
      NotA(n, t, path);
    if (!n.str.empty() && !NameMatches(n.str, t))
      Fail(path, std::string(n.src) + " has type " + n.str + ", not " + t->name);
    GoLiteral l;
    l.kind = GoLiteral::Kind::Struct;
    l.elems.resize(t->fields.size());
    for (size_t f = 0; f < t->fields.size(); ++f)
      l.elems[f].type = t->fields[f].type; // Zero
    bool keyed = !n.keys.empty() && !n.keys[0].empty();
    for (const auto &key : n.keys)
      if (key.empty() == keyed)
        Fail(path, std::string(n.src) + " mixes field:value and value elements");
    if (keyed) {
      std::vector<bool> seen(t->fields.size());
      for (size_t e = 0; e < n.kids.size(); ++e) {
        size_t f = 0;
        while (f < t->fields.size() && t->fields[f].name != n.keys[e])
          ++f;
        if (f == t->fields.size() || n.keys[e] == "_")
          Fail(path, "unknown field " + n.keys[e] + " in " + t->name);
        if (seen[f])
          Fail(path, "duplicate field " + n.keys[e] + " in " + std::string(n.src));
        seen[f] = true;
        l.elems[f] = Convert(n.kids[e], t->fields[f].type, Sub(path, "field " + n.keys[e]));
      }
      return l;
    }
    // Positional: every field except blank (_) ones, which == ignores anyway.
    std::vector<size_t> named;
    for (size_t f = 0; f < t->fields.size(); ++f)
      if (t->fields[f].name != "_")
        named.push_back(f);
    if (!n.kids.empty() && n.kids.size() != named.size())
      Fail(path, std::string(n.src) + " has " + std::to_string(n.kids.size()) + " values; " +
                     t->name + " has " + std::to_string(named.size()) +
                     " fields (or name them: {Field: value})");
    for (size_t e = 0; e < n.kids.size(); ++e) {
      const Field &f = t->fields[named[e]];
      l.elems[named[e]] = Convert(n.kids[e], f.type, Sub(path, "field " + f.name));
    }
    return l;
  }

  GoLiteral ConvertArray(const Node &n, const Type *t, const std::string &path) {
    if (n.k != Node::K::Composite)
      NotA(n, t, path);
    if (!n.str.empty() && !NameMatches(n.str, t))
      Fail(path, std::string(n.src) + " has type " + n.str + ", not " + t->name);
    for (const auto &key : n.keys)
      if (!key.empty())
        Fail(path, std::string(n.src) + ": array elements have no field names");
    if (n.kids.size() > t->len)
      Fail(path, std::string(n.src) + " has " + std::to_string(n.kids.size()) + " elements; " +
                     t->name + " has " + std::to_string(t->len));
    GoLiteral l;
    l.kind = GoLiteral::Kind::Array;
    // Omitted trailing elements are zero: one Zero stands for all of them.
    for (size_t e = 0; e < n.kids.size(); ++e)
      l.elems.push_back(Convert(n.kids[e], t->elem, Sub(path, "element " + std::to_string(e))));
    return l;
  }

  // An interface key: the literal's dynamic type is its default type (42 is an
  // int, 'x' an int32, 2.5 a float64, "s" a string), or the type it names:
  // int64(5), main.ID(5), main.P{1, 2}, (*main.P)(0x…).
  GoLiteral ConvertInterface(const Node &n, const Type *t, const std::string &path) {
    GoLiteral l;
    l.kind = GoLiteral::Kind::Interface;
    if (n.k == Node::K::Ident && n.str == "nil")
      return l;
    const Type *dyn = nullptr;
    const Node *value = &n;
    if (n.k == Node::K::Call && n.str != "math.NaN" && n.str != "math.Inf" && n.str != "complex") {
      if (n.kids.size() != 1)
        Fail(path, std::string(n.src) + ": a conversion takes one value");
      dyn = NamedType(n.str, n, path);
      value = &n.kids[0];
    } else if (n.k == Node::K::Conv) {
      dyn = NamedType(n.str, n, path);
      value = &n.kids[0];
    } else if (n.k == Node::K::Composite) {
      if (n.str.empty())
        Fail(path, std::string(n.src) + ": an interface key needs the type, e.g. main.P{1, 2}");
      dyn = NamedType(n.str, n, path);
    } else if (n.k == Node::K::String) {
      dyn = Predeclared("string", tt_);
    } else if (n.k == Node::K::Ident && (n.str == "true" || n.str == "false")) {
      dyn = Predeclared("bool", tt_);
    } else {
      std::string why;
      auto c = EvalConst(n, &why);
      if (!c)
        Fail(path, std::string(n.src) + " is not a literal an interface key can hold"
                                        " (a string, number, bool, nil, or T(x) / T{…})");
      static const char *kDefault[] = {"int", "int32", "float64", "complex128"};
      dyn = Predeclared(kDefault[c->k], tt_);
    }
    if (dyn->kind == Kind::Interface)
      Fail(path, std::string(n.src) + ": an interface key holds a concrete type, not " + dyn->name);
    l.elems.push_back(Convert(*value, dyn, path));
    return l;
  }

  const Type *NamedType(const std::string &name, const Node &n, const std::string &path) {
    if (const Type *p = Predeclared(name, tt_))
      return p;
    const Type *t = lookup_ != nullptr ? lookup_->ByName(name) : nullptr;
    if (t == nullptr && lookup_ != nullptr && name.find('.') == std::string::npos)
      t = lookup_->ByName("main." + name);
    if (t == nullptr)
      Fail(path, std::string(n.src) + ": no type named " + name +
                     (lookup_ != nullptr ? " in the binary's debug info"
                                         : " (only predeclared types without debug info)"));
    return t;
  }

  TypeLookup *lookup_;
  TypeTable &tt_;
  int depth_ = 0;
};

// --- JSON ---------------------------------------------------------------------------

constexpr uint64_t kMaxZeroElems = 4096;

ojson FloatJson(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  return v;
}

ojson ZeroJson(const Type *t, int depth) {
  if (t == nullptr || depth > 32)
    return nullptr;
  Kind k = t->kind;
  if (k == Kind::Bool)
    return false;
  if (IsSigned(k) || IsUnsigned(k))
    return 0;
  if (IsFloat(k))
    return 0.0;
  if (IsComplex(k))
    return ojson{{"real", 0.0}, {"imag", 0.0}};
  if (k == Kind::String)
    return "";
  if (k == Kind::Struct) {
    ojson o = ojson::object();
    for (const Field &f : t->fields) {
      if (f.name == "_" && (f.type == nullptr || f.type->size == 0))
        continue;
      std::string key = f.name;
      for (int n = 2; o.contains(key); ++n)
        key = f.name + "#" + std::to_string(n);
      o[key] = ZeroJson(f.type, depth + 1);
    }
    return o;
  }
  if (k == Kind::Array) {
    ojson a = ojson::array();
    for (uint64_t e = 0; e < t->len && e < kMaxZeroElems; ++e)
      a.push_back(ZeroJson(t->elem, depth + 1));
    return a;
  }
  return nullptr; // pointers, interfaces: nil
}

ojson LiteralJson(const GoLiteral &l, int depth) {
  switch (l.kind) {
  case GoLiteral::Kind::Zero:
    return ZeroJson(l.type, depth);
  case GoLiteral::Kind::Bool:
    return l.b;
  case GoLiteral::Kind::Int: {
    uint64_t mag = l.i < 0 ? 0 - uint64_t(l.i) : uint64_t(l.i);
    if (mag <= kMaxExactInt)
      return l.i;
    return std::to_string(l.i);
  }
  case GoLiteral::Kind::Uint:
    if (l.u <= kMaxExactInt)
      return l.u;
    return std::to_string(l.u);
  case GoLiteral::Kind::Float:
    return FloatJson(l.re);
  case GoLiteral::Kind::Complex:
    return ojson{{"real", FloatJson(l.re)}, {"imag", FloatJson(l.im)}};
  case GoLiteral::Kind::String:
    return l.s;
  case GoLiteral::Kind::Pointer:
    if (l.u == 0)
      return nullptr;
    return ojson{{"ptr", HexAddr(l.u)}};
  case GoLiteral::Kind::Struct: {
    ojson o = ojson::object();
    const Type *t = l.type;
    for (size_t f = 0; t != nullptr && f < t->fields.size() && f < l.elems.size(); ++f) {
      const Field &fd = t->fields[f];
      if (fd.name == "_" && (fd.type == nullptr || fd.type->size == 0))
        continue;
      std::string key = fd.name;
      for (int n = 2; o.contains(key); ++n)
        key = fd.name + "#" + std::to_string(n);
      o[key] = LiteralJson(l.elems[f], depth + 1);
    }
    return o;
  }
  case GoLiteral::Kind::Array: {
    ojson a = ojson::array();
    for (const auto &e : l.elems)
      a.push_back(LiteralJson(e, depth + 1));
    const Type *t = l.type;
    uint64_t n = t != nullptr ? t->len : 0;
    for (uint64_t e = l.elems.size(); e < n && e < kMaxZeroElems; ++e)
      a.push_back(ZeroJson(t->elem, depth + 1));
    return a;
  }
  case GoLiteral::Kind::Interface: {
    if (l.elems.empty())
      return nullptr;
    ojson o = ojson::object();
    o["type"] = l.elems[0].type != nullptr ? l.elems[0].type->name : std::string("?");
    o["value"] = LiteralJson(l.elems[0], depth + 1);
    return o;
  }
  }
  return nullptr;
}

} // namespace

bool GoLiteral::HasNaN() const {
  if ((kind == Kind::Float || kind == Kind::Complex) && (std::isnan(re) || std::isnan(im)))
    return true;
  for (const auto &e : elems)
    if (e.HasNaN())
      return true;
  return false;
}

bool ParseGoLiteral(std::string_view text, const Type *t, TypeLookup *lookup, ParsedLiteral *out,
                    LiteralError *error) {
  *error = LiteralError{};
  Node n;
  try {
    n = Parser(text).ParseAll();
  } catch (const SyntaxError &e) {
    error->syntax = true;
    error->message = e.message;
    return false;
  }
  out->types = std::make_shared<TypeTable>();
  try {
    Converter conv(lookup, *out->types);
    out->value = conv.Convert(n, t, "");
  } catch (const ConvertError &e) {
    error->syntax = false;
    error->message = e.message;
    error->path = e.path;
    return false;
  }
  return true;
}

nlohmann::ordered_json GoLiteralJson(const GoLiteral &lit) { return LiteralJson(lit, 0); }

IndexSuffix SplitIndexSuffix(std::string_view expr) {
  IndexSuffix out;
  int depth = 0;
  char quote = 0;
  size_t open = std::string_view::npos; // the top-level '[' now open
  size_t last_open = 0;                 // of the last top-level group
  bool last_closed_at_end = false;
  for (size_t i = 0; i < expr.size(); ++i) {
    char c = expr[i];
    last_closed_at_end = false;
    if (quote != 0) {
      if (c == '\\' && quote != '`')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '[' || c == '(' || c == '{') {
      if (depth == 0 && c == '[')
        open = i;
      ++depth;
    } else if (c == ']' || c == ')' || c == '}') {
      if (depth > 0)
        --depth;
      if (depth == 0 && c == ']' && open != std::string_view::npos) {
        last_open = open;
        open = std::string_view::npos;
        last_closed_at_end = true;
      }
    }
  }
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ')
      v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ')
      v.remove_suffix(1);
    return std::string(v);
  };
  if (open != std::string_view::npos && (quote != 0 || depth > 0)) {
    out.prefix = trim(expr.substr(0, open));
    out.key = trim(expr.substr(open + 1));
    if (out.prefix.empty())
      return IndexSuffix{};
    out.status = IndexSuffix::Status::Unterminated;
    return out;
  }
  if (!last_closed_at_end)
    return out;
  out.prefix = trim(expr.substr(0, last_open));
  out.key = trim(expr.substr(last_open + 1, expr.size() - last_open - 2));
  if (out.prefix.empty())
    return IndexSuffix{};
  out.status = IndexSuffix::Status::Ok;
  return out;
}

} // namespace gomap
