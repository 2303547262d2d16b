// Go text and JSON formatting of scalars (see go_format.h).
#include "go_format.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace gomap {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Approximates unicode.IsPrint for the runes strconv.Quote would escape:
// C0/C1 controls, non-ASCII spaces, format characters, private use,
// noncharacters. Other runes are printed as they are.
bool IsPrintRune(uint32_t r) {
  if (r < 0x20 || r == 0x7F)
    return false;
  if (r < 0x7F)
    return true;
  if (r <= 0xA0 || r == 0xAD)
    return false;
  if (r == 0x1680 || (r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB))
    return false;
  if ((r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000)
    return false; // private use
  if ((r & 0xFFFE) == 0xFFFE || (r >= 0xFDD0 && r <= 0xFDEF))
    return false; // noncharacters
  return r <= 0x10FFFF;
}

// Shortest round-trip digits of a finite, non-zero |v|: digits[0, *k) and the
// decimal exponent of the first digit (v = 0.d1d2... * 10^(exp+1)).
void ShortestDigits(double v, bool is32, char *digits, int *k, int *exp) {
  char buf[64];
  std::to_chars_result res =
      is32 ? std::to_chars(buf, buf + sizeof buf, float(v), std::chars_format::scientific)
           : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  int n = 0;
  const char *p = buf;
  if (*p == '-')
    ++p;
  for (; p < res.ptr && *p != 'e'; ++p)
    if (*p != '.')
      digits[n++] = *p;
  int e = 0;
  if (p < res.ptr && *p == 'e') {
    ++p;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
      ++p;
    for (; p < res.ptr; ++p)
      e = e * 10 + (*p - '0');
    if (neg)
      e = -e;
  }
  *k = n;
  *exp = e;
}

void AppendExp(std::string &out, int e) {
  out += e < 0 ? '-' : '+';
  unsigned u = e < 0 ? unsigned(-e) : unsigned(e);
  if (u < 10)
    out += '0';
  char buf[8];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, u);
  out.append(buf, r.ptr);
}

} // namespace

size_t DecodeRune(const uint8_t *p, size_t n, uint32_t *rune) {
  uint8_t b0 = p[0];
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  }
  size_t size = 0;
  uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    size = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    size = 3;
    if (b0 == 0xE0)
      lo = 0xA0;
    else if (b0 == 0xED)
      hi = 0x9F; // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    size = 4;
    if (b0 == 0xF0)
      lo = 0x90;
    else if (b0 == 0xF4)
      hi = 0x8F; // <= U+10FFFF
  }
  *rune = kRuneError;
  if (size == 0 || n < size || p[1] < lo || p[1] > hi)
    return 1;
  for (size_t i = 2; i < size; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 1;
  if (size == 2)
    *rune = (uint32_t(b0 & 0x1F) << 6) | (p[1] & 0x3F);
  else if (size == 3)
    *rune = (uint32_t(b0 & 0x0F) << 12) | (uint32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
  else
    *rune = (uint32_t(b0 & 0x07) << 18) | (uint32_t(p[1] & 0x3F) << 12) |
            (uint32_t(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
  return size;
}

void AppendUtf8(std::string &out, uint32_t r) {
  char b[4];
  size_t n;
  if (r < 0x80) {
    b[0] = char(r);
    n = 1;
  } else if (r < 0x800) {
    b[0] = char(0xC0 | (r >> 6));
    b[1] = char(0x80 | (r & 0x3F));
    n = 2;
  } else if (r < 0x10000) {
    b[0] = char(0xE0 | (r >> 12));
    b[1] = char(0x80 | ((r >> 6) & 0x3F));
    b[2] = char(0x80 | (r & 0x3F));
    n = 3;
  } else {
    b[0] = char(0xF0 | (r >> 18));
    b[1] = char(0x80 | ((r >> 12) & 0x3F));
    b[2] = char(0x80 | ((r >> 6) & 0x3F));
    b[3] = char(0x80 | (r & 0x3F));
    n = 4;
  }
  out.append(b, n);
}

size_t TrimPartialRune(const uint8_t *p, size_t n) {
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    uint8_t b = p[n - back];
    if ((b & 0xC0) == 0x80)
      continue; // continuation byte: keep looking for the lead
    size_t want = (b >= 0xF0) ? 4 : (b >= 0xE0) ? 3 : (b >= 0xC0) ? 2 : 1;
    return want > back ? n - back : n;
  }
  return n;
}

void AppendGoQuoted(std::string &out, const uint8_t *p, size_t n) {
  out += '"';
  for (size_t i = 0; i < n;) {
    // Fast path: a run of printable ASCII that needs no escape.
    size_t j = i;
    while (j < n && p[j] >= 0x20 && p[j] < 0x7F && p[j] != '"' && p[j] != '\\')
      ++j;
    if (j != i) {
      out.append(reinterpret_cast<const char *>(p + i), j - i);
      i = j;
      continue;
    }
    uint32_t r;
    size_t w = DecodeRune(p + i, n - i, &r);
    if (r == kRuneError && w == 1) {
      uint8_t b = p[i];
      char esc[4] = {'\\', 'x', kHex[b >> 4], kHex[b & 0xF]};
      out.append(esc, 4);
      i += w;
      continue;
    }
    i += w;
    const char *e = nullptr;
    switch (r) {
    case '"':
      e = "\\\"";
      break;
    case '\\':
      e = "\\\\";
      break;
    case '\a':
      e = "\\a";
      break;
    case '\b':
      e = "\\b";
      break;
    case '\f':
      e = "\\f";
      break;
    case '\n':
      e = "\\n";
      break;
    case '\r':
      e = "\\r";
      break;
    case '\t':
      e = "\\t";
      break;
    case '\v':
      e = "\\v";
      break;
    default:
      break;
    }
    if (e != nullptr) {
      out += e;
    } else if (IsPrintRune(r)) {
      out.append(reinterpret_cast<const char *>(p + i - w), w);
    } else if (r < 0x80) {
      char esc[4] = {'\\', 'x', kHex[r >> 4], kHex[r & 0xF]};
      out.append(esc, 4);
    } else {
      int digits = r < 0x10000 ? 4 : 8;
      out += r < 0x10000 ? "\\u" : "\\U";
      for (int d = digits - 1; d >= 0; --d)
        out += kHex[(r >> (4 * d)) & 0xF];
    }
  }
  out += '"';
}

void AppendJsonString(std::string &out, const uint8_t *p, size_t n) {
  out += '"';
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\')
      ++j;
    if (j != i) {
      out.append(reinterpret_cast<const char *>(p + i), j - i);
      i = j;
      continue;
    }
    uint8_t b = p[i];
    if (b >= 0x80) {
      uint32_t r;
      size_t w = DecodeRune(p + i, n - i, &r);
      if (r == kRuneError && w == 1)
        out += "\xEF\xBF\xBD"; // U+FFFD for each invalid byte
      else
        out.append(reinterpret_cast<const char *>(p + i), w);
      i += w;
      continue;
    }
    ++i;
    switch (b) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default: {
      char esc[6] = {'\\', 'u', '0', '0', kHex[b >> 4], kHex[b & 0xF]};
      out.append(esc, 6);
    }
    }
  }
  out += '"';
}

void AppendInt(std::string &out, int64_t v) {
  char buf[24];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void AppendUint(std::string &out, uint64_t v) {
  char buf[24];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void AppendHex(std::string &out, uint64_t v) {
  char buf[18];
  char *p = buf + sizeof buf;
  do {
    *--p = kHex[v & 0xF];
    v >>= 4;
  } while (v != 0);
  out += "0x";
  out.append(p, buf + sizeof buf);
}

std::string HexAddr(uint64_t addr) {
  std::string s;
  AppendHex(s, addr);
  return s;
}

void AppendGoFloat(std::string &out, double v, bool is32, bool plus) {
  if (std::isnan(v)) {
    out += plus ? "+NaN" : "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::signbit(v))
    out += '-';
  else if (plus)
    out += '+';
  double a = std::fabs(v);
  if (a == 0) {
    out += '0';
    return;
  }
  char d[40];
  int k, exp;
  ShortestDigits(a, is32, d, &k, &exp);
  if (exp < -4 || exp >= 21) {
    out += d[0];
    if (k > 1) {
      out += '.';
      out.append(d + 1, size_t(k - 1));
    }
    out += 'e';
    AppendExp(out, exp);
    return;
  }
  if (exp < 0) {
    out += "0.";
    out.append(size_t(-exp - 1), '0');
    out.append(d, size_t(k));
    return;
  }
  int int_digits = exp + 1;
  if (k <= int_digits) {
    out.append(d, size_t(k));
    out.append(size_t(int_digits - k), '0');
  } else {
    out.append(d, size_t(int_digits));
    out += '.';
    out.append(d + int_digits, size_t(k - int_digits));
  }
}

void AppendJsonNumber(std::string &out, double v) {
  // nlohmann::detail::to_chars + format_buffer (min_exp -4, max_exp 15).
  if (std::signbit(v))
    out += '-';
  double a = std::fabs(v);
  if (a == 0) {
    out += "0.0";
    return;
  }
  char d[40];
  int k, exp;
  ShortestDigits(a, false, d, &k, &exp);
  int n = exp + 1; // the decimal point's position in the digits
  if (k <= n && n <= 15) {
    out.append(d, size_t(k));
    out.append(size_t(n - k), '0');
    out += ".0";
  } else if (0 < n && n <= 15) {
    out.append(d, size_t(n));
    out += '.';
    out.append(d + n, size_t(k - n));
  } else if (-4 < n && n <= 0) {
    out += "0.";
    out.append(size_t(-n), '0');
    out.append(d, size_t(k));
  } else {
    out += d[0];
    if (k > 1) {
      out += '.';
      out.append(d + 1, size_t(k - 1));
    }
    out += 'e';
    AppendExp(out, n - 1);
  }
}

void AppendJsonInt(std::string &out, int64_t v) {
  uint64_t mag = v < 0 ? 0 - uint64_t(v) : uint64_t(v);
  if (mag <= kMaxExactInt) {
    AppendInt(out, v);
    return;
  }
  out += '"';
  AppendInt(out, v);
  out += '"';
}

void AppendJsonUint(std::string &out, uint64_t v) {
  if (v <= kMaxExactInt) {
    AppendUint(out, v);
    return;
  }
  out += '"';
  AppendUint(out, v);
  out += '"';
}

void AppendJsonFloat(std::string &out, double v) {
  if (std::isnan(v))
    out += "\"NaN\"";
  else if (std::isinf(v))
    out += v > 0 ? "\"+Inf\"" : "\"-Inf\"";
  else
    AppendJsonNumber(out, v);
}

} // namespace gomap
