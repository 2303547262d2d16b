// Go text and JSON formatting of scalars: UTF-8 as unicode/utf8 sees it, strconv.Quote-like
// quoting, fmt's %v for floats, JSON strings and numbers. Appends to a caller's buffer, no
// per-call allocation.
#ifndef GOMAP_CORE_GO_FORMAT_H
#define GOMAP_CORE_GO_FORMAT_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gomap {

constexpr uint32_t kRuneError = 0xFFFD;
constexpr uint64_t kMaxExactInt = uint64_t(1) << 53; // JSON numbers past it are strings

// Mirrors unicode/utf8.DecodeRune: an invalid or short sequence decodes as
// (RuneError, 1), so that each bad byte is replaced separately. n >= 1.
size_t DecodeRune(const uint8_t *p, size_t n, uint32_t *rune);
void AppendUtf8(std::string &out, uint32_t r);
// Length of p[0, n) without a trailing incomplete multi-byte sequence (a cut
// string then does not end in U+FFFD).
size_t TrimPartialRune(const uint8_t *p, size_t n);

// strconv.Quote (Go's %q): "a\"b\n", invalid bytes as \xNN.
void AppendGoQuoted(std::string &out, const uint8_t *p, size_t n);
// A JSON string as nlohmann::json dumps it (ensure_ascii off): invalid UTF-8
// bytes become U+FFFD (as Go's encoding/json does), controls \b \f \n \r \t or
// \u00xx, '"' and '\\' escaped.
void AppendJsonString(std::string &out, const uint8_t *p, size_t n);
inline void AppendJsonString(std::string &out, std::string_view s) {
  AppendJsonString(out, reinterpret_cast<const uint8_t *>(s.data()), s.size());
}

void AppendInt(std::string &out, int64_t v);
void AppendUint(std::string &out, uint64_t v);
// "0x" and lower-case hex digits.
void AppendHex(std::string &out, uint64_t v);
std::string HexAddr(uint64_t addr);

// fmt's %v for float32/float64: the shortest decimal that round-trips at the
// value's own precision, %e form when the exponent is < -4 or >= 21
// (fmt.fmtFloat with strconv 'g', -1); plus: a leading '+' (complex parts).
void AppendGoFloat(std::string &out, double v, bool is32, bool plus = false);
// A finite double as a JSON number, formatted as nlohmann::json dumps it
// (shortest round-trip digits; "1.0", "1e+300", "0.0001", "1e-05").
void AppendJsonNumber(std::string &out, double v);
// The gomap/1 encodings: ints past 2^53 as decimal strings; floats NaN/+Inf/-Inf as strings.
void AppendJsonInt(std::string &out, int64_t v);
void AppendJsonUint(std::string &out, uint64_t v);
void AppendJsonFloat(std::string &out, double v);

} // namespace gomap

#endif
