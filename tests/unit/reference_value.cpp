// The tree-building renderer that core/value.cpp had before it streamed (issue 13), kept
// only as the reference the streamed output is compared with (value_stream_test.cpp).
#include "reference_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace gomap::reference {

namespace {

using ojson = nlohmann::ordered_json;

// Go targets we decode are 64-bit: pointers, string/slice/interface words are 8
// bytes.
constexpr uint64_t kWord = 8;
// A struct, array or element run up to this size is fetched in one read.
constexpr uint64_t kMaxBulkRead = uint64_t(1) << 20;
constexpr uint64_t kMaxExactInt = uint64_t(1) << 53;

std::string_view ImplString(MapImpl impl) { return impl == MapImpl::Swiss ? "swiss" : "classic"; }

// Serves reads inside a prefetched window from memory, everything else from
// the parent reader. The window holds the readable prefix of a bulk read, so
// a read the window cannot answer gives the parent's (short) answer.
class OverlayReader final : public MemoryReader {
public:
  OverlayReader(MemoryReader &parent, uint64_t base, std::vector<uint8_t> bytes)
      : parent_(parent), base_(base), bytes_(std::move(bytes)) {}

  bool Covers(uint64_t addr, uint64_t n) const {
    return addr >= base_ && n <= bytes_.size() && addr - base_ <= bytes_.size() - n;
  }
  size_t Read(uint64_t addr, void *dst, size_t n) override {
    if (Covers(addr, n)) {
      if (n != 0)
        std::memcpy(dst, bytes_.data() + (addr - base_), n);
      return n;
    }
    return parent_.Read(addr, dst, n);
  }

private:
  MemoryReader &parent_;
  uint64_t base_;
  std::vector<uint8_t> bytes_;
};

// --- UTF-8, as Go's unicode/utf8 sees it -----------------------------------

constexpr uint32_t kRuneError = 0xFFFD;

// Mirrors unicode/utf8.DecodeRune: an invalid or short sequence decodes as
// (RuneError, 1) so that each bad byte is replaced separately.
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
  if (r < 0x80) {
    out += char(r);
  } else if (r < 0x800) {
    out += char(0xC0 | (r >> 6));
    out += char(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += char(0xE0 | (r >> 12));
    out += char(0x80 | ((r >> 6) & 0x3F));
    out += char(0x80 | (r & 0x3F));
  } else {
    out += char(0xF0 | (r >> 18));
    out += char(0x80 | ((r >> 12) & 0x3F));
    out += char(0x80 | ((r >> 6) & 0x3F));
    out += char(0x80 | (r & 0x3F));
  }
}

// Valid UTF-8 with every invalid byte replaced by U+FFFD, as encoding/json
// does.
std::string ToValidUtf8(const std::vector<uint8_t> &bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    uint32_t r;
    size_t w = DecodeRune(bytes.data() + i, bytes.size() - i, &r);
    if (r == kRuneError && w == 1)
      AppendUtf8(out, kRuneError);
    else
      out.append(reinterpret_cast<const char *>(bytes.data() + i), w);
    i += w;
  }
  return out;
}

// Length of `bytes` without a trailing incomplete multi-byte sequence (used
// when a string was cut, so the cut does not show up as U+FFFD).
size_t TrimPartialRune(const std::vector<uint8_t> &bytes) {
  size_t n = bytes.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    uint8_t b = bytes[n - back];
    if ((b & 0xC0) == 0x80)
      continue; // continuation byte: keep looking for the lead
    size_t want = (b >= 0xF0) ? 4 : (b >= 0xE0) ? 3 : (b >= 0xC0) ? 2 : 1;
    return want > back ? n - back : n;
  }
  return n;
}

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

// Go %q-like quoting (strconv.Quote).
std::string QuoteGo(const std::vector<uint8_t> &bytes, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < n;) {
    uint32_t r;
    size_t w = DecodeRune(bytes.data() + i, n - i, &r);
    if (r == kRuneError && w == 1) {
      uint8_t b = bytes[i];
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      i += w;
      continue;
    }
    i += w;
    switch (r) {
    case '"':
      out += "\\\"";
      continue;
    case '\\':
      out += "\\\\";
      continue;
    case '\a':
      out += "\\a";
      continue;
    case '\b':
      out += "\\b";
      continue;
    case '\f':
      out += "\\f";
      continue;
    case '\n':
      out += "\\n";
      continue;
    case '\r':
      out += "\\r";
      continue;
    case '\t':
      out += "\\t";
      continue;
    case '\v':
      out += "\\v";
      continue;
    default:
      break;
    }
    if (IsPrintRune(r)) {
      AppendUtf8(out, r);
    } else if (r < 0x80) {
      out += "\\x";
      out += kHex[r >> 4];
      out += kHex[r & 0xF];
    } else {
      int digits = r < 0x10000 ? 4 : 8;
      out += r < 0x10000 ? "\\u" : "\\U";
      for (int d = digits - 1; d >= 0; --d)
        out += kHex[(r >> (4 * d)) & 0xF];
    }
  }
  out += '"';
  return out;
}

// --- numbers
// ------------------------------------------------------------------

ojson IntJson(int64_t v) {
  uint64_t mag = v < 0 ? 0 - uint64_t(v) : uint64_t(v);
  if (mag <= kMaxExactInt)
    return v;
  return std::to_string(v);
}

ojson UintJson(uint64_t v) {
  if (v <= kMaxExactInt)
    return v;
  return std::to_string(v);
}

ojson FloatJson(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  return v;
}

// fmt's %v for floats: shortest repr that round-trips at the value's own
// precision; %e form when the exponent is < -4 or >= 21 (fmt.fmtFloat).
std::string FloatText(double v, bool is32, bool plus = false) {
  if (std::isnan(v))
    return plus ? "+NaN" : "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::to_chars_result res =
      is32 ? std::to_chars(buf, buf + sizeof buf, float(v), std::chars_format::scientific)
           : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  size_t i = 0;
  if (!sci.empty() && sci[0] == '-') {
    sign = "-";
    i = 1;
  } else if (plus) {
    sign = "+";
  }
  size_t epos = sci.find('e');
  if (epos == std::string::npos)
    return sign + sci.substr(i);
  std::string digits;
  for (size_t k = i; k < epos; ++k)
    if (sci[k] != '.')
      digits += sci[k];
  int exp = std::atoi(sci.c_str() + epos + 1);
  if (exp < -4 || exp >= 21)
    return sign + sci.substr(i);
  std::string out;
  if (exp < 0) {
    out = "0." + std::string(size_t(-exp - 1), '0') + digits;
  } else {
    size_t int_digits = size_t(exp) + 1;
    if (digits.size() <= int_digits) {
      out = digits + std::string(int_digits - digits.size(), '0');
    } else {
      out = digits.substr(0, int_digits) + "." + digits.substr(int_digits);
    }
  }
  return sign + out;
}

// Bytes a scalar of kind k occupies when the frontend left size unset or odd.
uint64_t ScalarSize(const Type *t) {
  if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8)
    return t->size;
  switch (t->kind) {
  case Kind::Bool:
  case Kind::Int8:
  case Kind::Uint8:
    return 1;
  case Kind::Int16:
  case Kind::Uint16:
    return 2;
  case Kind::Int32:
  case Kind::Uint32:
  case Kind::Float32:
    return 4;
  default:
    return 8;
  }
}

bool IsPadding(const Field &f) { return f.name == "_" && (f.type == nullptr || f.type->size == 0); }

// Text kinds whose rendering already names the type (main.P{...}, []int{...},
// (*T)(0x...)), so an interface holding them needs no T(...) wrapper.
bool TextNamesType(Kind k) {
  switch (k) {
  case Kind::Struct:
  case Kind::Array:
  case Kind::Slice:
  case Kind::Map:
  case Kind::Pointer:
  case Kind::Chan:
  case Kind::Func:
  case Kind::UnsafePointer:
    return true;
  default:
    return false;
  }
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

std::string MapTypeName(const Type *map_type, const MapLayout &layout) {
  if (map_type != nullptr && !map_type->name.empty())
    return map_type->name;
  const Type *k = layout.key ? layout.key : map_type ? map_type->key : nullptr;
  const Type *v = layout.elem ? layout.elem : map_type ? map_type->elem : nullptr;
  return "map[" + (k ? k->name : std::string("?")) + "]" + (v ? v->name : std::string("?"));
}

} // namespace

namespace {

ojson DiagnosticOJson(const Diagnostic &d) {
  ojson j = ojson::object();
  j["code"] = std::string(CodeName(d.code));
  j["severity"] = std::string(SeverityName(d.severity));
  j["message"] = d.message;
  if (d.address != 0)
    j["address"] = HexAddr(d.address);
  else
    j["address"] = nullptr;
  return j;
}

} // namespace

// One top-level rendering call: the reader stack of bulk reads, the work
// budget, and the JSON and text walkers over Go types.
class RenderImpl {
public:
  explicit RenderImpl(const Parts &r)
      : mem_(&r.mem), root_(r.mem), types_(r.types), maps_(r.maps), fmt_(r.formatter),
        opt_(r.options), diags_(r.diags) {}

  // Every value goes through these: a user formatter for its type first, then
  // the default rendering (JsonValue / TextValue).
  ojson Json(uint64_t addr, const Type *t, int depth);
  void Text(uint64_t addr, const Type *t, int depth, std::string &out);

  // Summary of one map walk, shared by the JSON and the text form.
  struct MapWalk {
    uint64_t address = 0;
    std::string type;
    MapImpl impl = MapImpl::Classic;
    bool header_ok = true;
    uint64_t len = 0;
    bool truncated = false;
    DiagnosticSink sink;
  };
  // Reads the header and visits entries [offset, offset+limit), peeking one
  // more to learn whether the map continues. Entries are rendered at `depth`
  // (the map's own depth + 1).
  void WalkMap(MemoryReader &mem, const MapLayout &layout, const Type *map_type, uint64_t addr,
               const ShowRequest &req, MapWalk &walk,
               const std::function<void(const MapEntry &)> &visit);
  ojson ShowJson(MemoryReader &mem, const MapLayout &layout, const Type *map_type, uint64_t addr,
                 const ShowRequest &req, int depth, bool top);
  std::string ShowText(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                       uint64_t addr, const ShowRequest &req);

  DiagnosticSink &diags() { return diags_; }

  // While alive, pointers are not followed (map keys: their identity is the
  // address).
  class KeyScope {
  public:
    explicit KeyScope(RenderImpl &r) : r_(r), saved_(r.hops_) {
      r.hops_ = std::max(r.hops_, r.opt_.pointer_depth);
    }
    ~KeyScope() { r_.hops_ = saved_; }
    KeyScope(const KeyScope &) = delete;
    KeyScope &operator=(const KeyScope &) = delete;

  private:
    RenderImpl &r_;
    int saved_;
  };

private:
  // Whether the pointer p (to elem) is rendered as its pointee at `depth`.
  enum class Follow { No, Yes, Cycle };
  Follow CanFollow(uint64_t p, const Type *elem, int depth) const {
    if (elem == nullptr || hops_ >= opt_.pointer_depth || depth + 1 >= opt_.max_depth)
      return Follow::No;
    for (const auto &[a, t] : followed_)
      if (a == p && t == elem)
        return Follow::Cycle;
    return Follow::Yes;
  }
  // A followed pointer whose pointee's first bytes cannot be read renders as
  // one unreadable value, not as a struct of unreadable fields.
  bool PointeeReadable(uint64_t p, const Type *elem) {
    uint8_t buf[8];
    size_t n = size_t(std::min<uint64_t>(elem->size, sizeof buf));
    return mem_->ReadExact(p, buf, n);
  }
  // Marks p as being rendered for the scope's lifetime (one more pointer hop).
  class FollowScope {
  public:
    FollowScope(RenderImpl &r, uint64_t p, const Type *elem) : r_(r) {
      ++r.hops_;
      r.followed_.emplace_back(p, elem);
    }
    ~FollowScope() {
      --r_.hops_;
      r_.followed_.pop_back();
    }
    FollowScope(const FollowScope &) = delete;
    FollowScope &operator=(const FollowScope &) = delete;

  private:
    RenderImpl &r_;
  };

  ojson JsonValue(uint64_t addr, const Type *t, int depth);
  void TextValue(uint64_t addr, const Type *t, int depth, std::string &out);
  bool WantsFormatter(const Type *t);
  // Renders (addr, t) through the user formatter into *json_out or *text_out;
  // false when the value's bytes cannot be read (then the default reports it).
  bool Format(uint64_t addr, const Type *t, int depth, ojson *json_out, std::string *text_out);

  // Prefetches [addr, addr+size) in one read when it is small enough and not
  // already covered, and serves reads from it for the scope's lifetime.
  class BulkScope {
  public:
    BulkScope(RenderImpl &r, uint64_t addr, uint64_t size) : r_(r) {
      readable_ = size;
      if (size == 0 || size > kMaxBulkRead ||
          (r.overlay_ != nullptr && r.overlay_->Covers(addr, size)))
        return;
      std::vector<uint8_t> buf(size);
      size_t got = r.mem_->Read(addr, buf.data(), buf.size());
      buf.resize(got);
      readable_ = got;
      saved_mem_ = r.mem_;
      saved_overlay_ = r.overlay_;
      overlay_ = std::make_unique<OverlayReader>(*r.mem_, addr, std::move(buf));
      r.mem_ = overlay_.get();
      r.overlay_ = overlay_.get();
    }
    ~BulkScope() {
      if (overlay_) {
        r_.mem_ = saved_mem_;
        r_.overlay_ = saved_overlay_;
      }
    }
    BulkScope(const BulkScope &) = delete;
    BulkScope &operator=(const BulkScope &) = delete;
    // Bytes known readable from the start of the range (size when not fetched).
    uint64_t readable() const { return readable_; }

  private:
    RenderImpl &r_;
    std::unique_ptr<OverlayReader> overlay_;
    MemoryReader *saved_mem_ = nullptr;
    OverlayReader *saved_overlay_ = nullptr;
    uint64_t readable_ = 0;
  };

  struct StringData {
    bool ok = false;
    uint64_t fail_addr = 0;
    std::vector<uint8_t> bytes;
    bool cut = false;
  };
  struct IfaceData {
    enum { Nil, Unreadable, Unknown, Ok } state = Nil;
    uint64_t fail_addr = 0;
    uint64_t descriptor = 0;
    const Type *dyn = nullptr;
    uint64_t value_addr = 0;
  };
  struct SliceData {
    bool ok = false;
    uint64_t ptr = 0, len = 0, cap = 0;
  };

  bool ReadWord(uint64_t addr, uint64_t *v) { return mem_->ReadPtr(addr, v); }
  bool ReadSigned(uint64_t addr, const Type *t, int64_t *v);
  bool ReadFloat(uint64_t addr, bool is32, double *v);
  StringData ReadString(uint64_t addr);
  IfaceData ReadIface(uint64_t addr, const Type *t);
  SliceData ReadSlice(uint64_t addr);
  uint64_t ElemCount(uint64_t want, uint64_t addr, const char *what);

  // Diagnostics and the values that stand in for what could not be rendered.
  ojson UnreadableJson(uint64_t addr, const std::string &what);
  std::string UnreadableText(uint64_t addr, const std::string &what);
  void ReportUnreadable(uint64_t addr, const std::string &what);
  void ReportDepth(uint64_t addr, const Type *t);
  void ReportUnknownType(uint64_t addr, const Type *t);
  bool TakeBudget(uint64_t addr);
  // The work budget is per top-level value (each key and value of the shown
  // map): `--all` renders every entry, only a value that is itself too big is
  // cut, where the cut happens.
  void NewValueBudget() {
    values_ = 0;
    string_bytes_ = 0;
    budget_reported_ = false;
    string_budget_reported_ = false;
  }
  void ReportUnknownDynamic(uint64_t addr, uint64_t descriptor);
  const MapLayout *LayoutFor(const Type *t, uint64_t addr);

  MemoryReader *mem_;
  OverlayReader *overlay_ = nullptr;
  MemoryReader &root_;
  TypeResolver *types_;
  MapLayoutProvider *maps_;
  ValueFormatter *fmt_;
  const RenderOptions &opt_;
  DiagnosticSink &diags_;
  std::set<std::string> fmt_failed_; // types whose formatter-error is reported
  uint64_t values_ = 0;
  uint64_t string_bytes_ = 0;
  bool budget_reported_ = false;
  bool string_budget_reported_ = false;
  int hops_ = 0;                                            // pointers followed on the current path
  std::vector<std::pair<uint64_t, const Type *>> followed_; // their pointees
};

// --- reads
// ----------------------------------------------------------------------

bool RenderImpl::ReadSigned(uint64_t addr, const Type *t, int64_t *v) {
  uint64_t size = ScalarSize(t);
  uint64_t u;
  if (!mem_->ReadUint(addr, size, &u))
    return false;
  if (size < 8) {
    uint64_t sign = uint64_t(1) << (8 * size - 1);
    u = (u ^ sign) - sign; // sign-extend
  }
  *v = int64_t(u);
  return true;
}

bool RenderImpl::ReadFloat(uint64_t addr, bool is32, double *v) {
  if (is32) {
    float f;
    if (!mem_->ReadScalar(addr, &f))
      return false;
    *v = double(f);
    return true;
  }
  return mem_->ReadScalar(addr, v);
}

RenderImpl::StringData RenderImpl::ReadString(uint64_t addr) {
  StringData s;
  uint64_t hdr[2];
  if (!mem_->ReadExact(addr, hdr, sizeof hdr)) {
    s.fail_addr = addr;
    return s;
  }
  uint64_t ptr = hdr[0], len = hdr[1];
  if (int64_t(len) < 0) {
    diags_.Add(DiagCode::Implausible, Severity::Warning,
               "string at " + HexAddr(addr) + ": negative length " + std::to_string(int64_t(len)),
               addr);
    s.fail_addr = addr;
    return s;
  }
  uint64_t n = std::min(len, opt_.max_string_bytes);
  uint64_t left =
      opt_.max_total_string_bytes > string_bytes_ ? opt_.max_total_string_bytes - string_bytes_ : 0;
  if (n > left) {
    n = left;
    if (!string_budget_reported_) {
      string_budget_reported_ = true;
      diags_.Add(DiagCode::Truncated, Severity::Info,
                 "string bytes budget (" + std::to_string(opt_.max_total_string_bytes) +
                     ") exhausted; later strings are cut",
                 addr);
    }
  }
  s.cut = n < len;
  if (len > opt_.max_string_bytes)
    diags_.Add(DiagCode::Truncated, Severity::Info,
               "string at " + HexAddr(addr) + ": rendered " +
                   std::to_string(opt_.max_string_bytes) + " of " + std::to_string(len) + " bytes",
               addr);
  if (n == 0) {
    s.ok = true;
    return s;
  }
  if (ptr == 0) {
    s.fail_addr = 0;
    return s;
  }
  s.bytes.resize(n);
  size_t got = mem_->Read(ptr, s.bytes.data(), s.bytes.size());
  if (got != n) {
    s.fail_addr = ptr + got;
    s.bytes.clear();
    return s;
  }
  string_bytes_ += n;
  if (s.cut)
    s.bytes.resize(TrimPartialRune(s.bytes));
  s.ok = true;
  return s;
}

RenderImpl::IfaceData RenderImpl::ReadIface(uint64_t addr, const Type *t) {
  IfaceData d;
  uint64_t words[2];
  if (!mem_->ReadExact(addr, words, sizeof words)) {
    d.state = IfaceData::Unreadable;
    d.fail_addr = addr;
    return d;
  }
  uint64_t tab = words[0], data = words[1];
  if (tab == 0)
    return d; // nil interface
  uint64_t descriptor = tab;
  if (t->nonempty_iface) {
    // iface: the first word is an *itab; itab._type is at offset 8
    // (runtime.itab / internal/abi.ITab, go1.18-go1.27).
    if (!mem_->ReadPtr(tab + kWord, &descriptor)) {
      d.state = IfaceData::Unreadable;
      d.fail_addr = tab + kWord;
      return d;
    }
  }
  d.descriptor = descriptor;
  d.dyn = types_ != nullptr ? types_->ByRuntimeType(descriptor) : nullptr;
  if (d.dyn == nullptr) {
    d.state = IfaceData::Unknown;
    return d;
  }
  d.state = IfaceData::Ok;
  // Pointer-shaped values live in the data word itself.
  d.value_addr = IsDirectIface(d.dyn) ? addr + kWord : data;
  return d;
}

RenderImpl::SliceData RenderImpl::ReadSlice(uint64_t addr) {
  SliceData s;
  uint64_t hdr[3];
  if (!mem_->ReadExact(addr, hdr, sizeof hdr))
    return s;
  s.ok = true;
  s.ptr = hdr[0];
  s.len = hdr[1];
  s.cap = hdr[2];
  if (int64_t(s.len) < 0 || int64_t(s.cap) < 0 || s.len > s.cap) {
    diags_.Add(DiagCode::Implausible, Severity::Warning,
               "slice at " + HexAddr(addr) + ": len " + std::to_string(int64_t(s.len)) + ", cap " +
                   std::to_string(int64_t(s.cap)),
               addr);
    if (int64_t(s.len) < 0)
      s.len = 0;
  }
  return s;
}

// How many of `want` elements to render; reports the cut.
uint64_t RenderImpl::ElemCount(uint64_t want, uint64_t addr, const char *what) {
  if (want <= opt_.max_elems)
    return want;
  diags_.Add(DiagCode::Truncated, Severity::Info,
             std::string(what) + " at " + HexAddr(addr) + ": rendered " +
                 std::to_string(opt_.max_elems) + " of " + std::to_string(want) + " elements",
             addr);
  return opt_.max_elems;
}

// --- diagnostics
// ----------------------------------------------------------------

void RenderImpl::ReportUnreadable(uint64_t addr, const std::string &what) {
  diags_.Add(DiagCode::Unreadable, Severity::Warning,
             "cannot read " + what + " at " + HexAddr(addr), addr);
}

ojson RenderImpl::UnreadableJson(uint64_t addr, const std::string &what) {
  ReportUnreadable(addr, what);
  ojson j = ojson::object();
  j["error"] = "unreadable " + HexAddr(addr);
  return j;
}

std::string RenderImpl::UnreadableText(uint64_t addr, const std::string &what) {
  ReportUnreadable(addr, what);
  return "<unreadable " + HexAddr(addr) + ">";
}

void RenderImpl::ReportDepth(uint64_t addr, const Type *t) {
  diags_.Add(DiagCode::Truncated, Severity::Info,
             "value of type " + t->name + " at " + HexAddr(addr) + " not rendered: depth limit " +
                 std::to_string(opt_.max_depth),
             addr);
}

void RenderImpl::ReportUnknownType(uint64_t addr, const Type *t) {
  diags_.Add(DiagCode::UnsupportedLayout, Severity::Warning,
             "value at " + HexAddr(addr) + ": cannot render type " +
                 (t != nullptr ? "'" + t->name + "'" : std::string("(unknown)")),
             addr);
}

void RenderImpl::ReportUnknownDynamic(uint64_t addr, uint64_t descriptor) {
  diags_.Add(DiagCode::UnsupportedLayout, Severity::Warning,
             "interface at " + HexAddr(addr) + ": unknown dynamic type (descriptor " +
                 HexAddr(descriptor) + ")",
             addr);
}

bool RenderImpl::TakeBudget(uint64_t addr) {
  if (values_ < opt_.max_values) {
    ++values_;
    return true;
  }
  if (!budget_reported_) {
    budget_reported_ = true;
    diags_.Add(DiagCode::Truncated, Severity::Info,
               "render budget of " + std::to_string(opt_.max_values) + " values exhausted", addr);
  }
  return false;
}

const MapLayout *RenderImpl::LayoutFor(const Type *t, uint64_t addr) {
  const MapLayout *layout = maps_ != nullptr ? maps_->ForMapType(t) : nullptr;
  if (layout == nullptr)
    diags_.Add(DiagCode::UnsupportedLayout, Severity::Warning,
               "map " + t->name + " at " + HexAddr(addr) + ": layout unknown", addr);
  return layout;
}

// --- user formatters
// --------------------------------------------------------------

bool RenderImpl::WantsFormatter(const Type *t) {
  // Past the work budget the default path says so; no formatter calls then.
  return fmt_ != nullptr && t != nullptr && values_ < opt_.max_values && fmt_->Handles(*t);
}

bool RenderImpl::Format(uint64_t addr, const Type *t, int depth, ojson *json_out,
                        std::string *text_out) {
  uint64_t n = std::min(t->size, kMaxFormatterBytes);
  std::string raw(n, '\0');
  if (n != 0 && mem_->Read(addr, raw.data(), n) != n)
    return false;
  ++values_;
  std::optional<std::string> dtext;
  std::optional<ojson> djson;
  auto default_text = [&]() -> std::string {
    if (!dtext) {
      std::string s;
      TextValue(addr, t, depth, s);
      dtext = std::move(s);
    }
    return *dtext;
  };
  auto default_json = [&]() -> ojson {
    if (!djson)
      djson = JsonValue(addr, t, depth);
    return *djson;
  };
  bool json = json_out != nullptr;
  FormatInput in{*t, addr, raw, json, default_text, default_json};
  FormatOutput got;
  try {
    got = fmt_->Format(in);
  } catch (const std::exception &e) {
    got.status = FormatOutput::Status::Failed;
    got.error = e.what();
  }
  if (got.status == FormatOutput::Status::Failed && fmt_failed_.insert(t->name).second) {
    std::string why = got.error.substr(0, got.error.find('\n'));
    diags_.Add(DiagCode::FormatterError, Severity::Warning,
               "formatter for " + t->name + " failed on the value at " + HexAddr(addr) + ": " +
                   why + "; default rendering used",
               addr);
  }
  bool formatted = got.status == FormatOutput::Status::Formatted;
  if (json_out != nullptr) {
    if (formatted) {
      ojson j = ojson::object();
      j["formatted"] = std::move(got.json);
      j["raw"] = default_json();
      *json_out = std::move(j);
    } else {
      *json_out = default_json();
    }
  } else {
    *text_out += formatted ? got.text : default_text();
  }
  return true;
}

ojson RenderImpl::Json(uint64_t addr, const Type *t, int depth) {
  ojson j;
  if (WantsFormatter(t) && Format(addr, t, depth, &j, nullptr))
    return j;
  return JsonValue(addr, t, depth);
}

void RenderImpl::Text(uint64_t addr, const Type *t, int depth, std::string &out) {
  if (WantsFormatter(t) && Format(addr, t, depth, nullptr, &out))
    return;
  TextValue(addr, t, depth, out);
}

// --- JSON
// -------------------------------------------------------------------------

ojson RenderImpl::JsonValue(uint64_t addr, const Type *t, int depth) {
  if (t == nullptr) {
    ReportUnknownType(addr, t);
    return ojson{{"error", "unknown type"}};
  }
  if (!TakeBudget(addr))
    return ojson{{"error", "render budget exhausted"}};
  switch (t->kind) {
  case Kind::Bool: {
    uint8_t b;
    if (!mem_->ReadScalar(addr, &b))
      return UnreadableJson(addr, "bool");
    return b != 0;
  }
  case Kind::Int:
  case Kind::Int8:
  case Kind::Int16:
  case Kind::Int32:
  case Kind::Int64: {
    int64_t v;
    if (!ReadSigned(addr, t, &v))
      return UnreadableJson(addr, t->name);
    return IntJson(v);
  }
  case Kind::Uint:
  case Kind::Uint8:
  case Kind::Uint16:
  case Kind::Uint32:
  case Kind::Uint64:
  case Kind::Uintptr: {
    uint64_t v;
    if (!mem_->ReadUint(addr, ScalarSize(t), &v))
      return UnreadableJson(addr, t->name);
    return UintJson(v);
  }
  case Kind::Float32:
  case Kind::Float64: {
    double v;
    if (!ReadFloat(addr, t->kind == Kind::Float32, &v))
      return UnreadableJson(addr, t->name);
    return FloatJson(v);
  }
  case Kind::Complex64:
  case Kind::Complex128: {
    bool is32 = t->kind == Kind::Complex64;
    uint64_t half = is32 ? 4 : 8;
    double re, im;
    if (!ReadFloat(addr, is32, &re) || !ReadFloat(addr + half, is32, &im))
      return UnreadableJson(addr, t->name);
    ojson j = ojson::object();
    j["real"] = FloatJson(re);
    j["imag"] = FloatJson(im);
    return j;
  }
  case Kind::String: {
    StringData s = ReadString(addr);
    if (!s.ok)
      return UnreadableJson(s.fail_addr, "string");
    return ToValidUtf8(s.bytes);
  }
  case Kind::Pointer:
  case Kind::Chan:
  case Kind::Func:
  case Kind::UnsafePointer: {
    uint64_t p;
    if (!ReadWord(addr, &p))
      return UnreadableJson(addr, t->name);
    if (p == 0)
      return nullptr;
    ojson j = ojson::object();
    j["ptr"] = HexAddr(p);
    if (t->kind == Kind::Pointer) {
      Follow f = CanFollow(p, t->elem, depth);
      if (f == Follow::Cycle) {
        j["cycle"] = true;
      } else if (f == Follow::Yes && !PointeeReadable(p, t->elem)) {
        j["elem"] = UnreadableJson(p, t->elem->name);
      } else if (f == Follow::Yes) {
        FollowScope scope(*this, p, t->elem);
        j["elem"] = Json(p, t->elem, depth + 1);
      }
    }
    return j;
  }
  case Kind::Map: {
    uint64_t p;
    if (!ReadWord(addr, &p))
      return UnreadableJson(addr, t->name);
    // A nil nested map is still a map object (address "0x0", len 0), like
    // `gomap show` of a nil map, so its type and implementation stay visible.
    if (depth >= opt_.max_depth) {
      ReportDepth(addr, t);
      return ojson{{"truncated", "depth limit"}};
    }
    const MapLayout *layout = LayoutFor(t, p);
    if (layout == nullptr) {
      ojson j = ojson::object();
      j["address"] = HexAddr(p);
      j["type"] = t->name;
      j["error"] = "map layout unknown";
      return j;
    }
    ShowRequest req;
    req.limit = opt_.nested_map_entries;
    return ShowJson(root_, *layout, t, p, req, depth + 1, /*top=*/false);
  }
  case Kind::Slice: {
    SliceData s = ReadSlice(addr);
    if (!s.ok)
      return UnreadableJson(addr, "slice header");
    if (s.ptr == 0)
      return nullptr;
    if (depth >= opt_.max_depth) {
      ReportDepth(addr, t);
      return ojson{{"truncated", "depth limit"}};
    }
    if (t->elem == nullptr) {
      ReportUnknownType(addr, t);
      return ojson{{"error", "unknown type"}};
    }
    uint64_t n = ElemCount(s.len, addr, "slice");
    ojson arr = ojson::array();
    uint64_t esize = t->elem->size;
    uint64_t total = esize != 0 && n > kMaxBulkRead / esize ? kMaxBulkRead + 1 : esize * n;
    BulkScope bulk(*this, s.ptr, total);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t off = i * esize;
      if (esize != 0 && off >= bulk.readable() && total <= kMaxBulkRead) {
        arr.push_back(UnreadableJson(s.ptr + off, "slice elements"));
        break;
      }
      arr.push_back(Json(s.ptr + off, t->elem, depth + 1));
    }
    return arr;
  }
  case Kind::Array: {
    if (depth >= opt_.max_depth) {
      ReportDepth(addr, t);
      return ojson{{"truncated", "depth limit"}};
    }
    if (t->elem == nullptr) {
      ReportUnknownType(addr, t);
      return ojson{{"error", "unknown type"}};
    }
    uint64_t n = ElemCount(t->len, addr, "array");
    uint64_t esize = t->elem->size;
    uint64_t total = esize != 0 && n > kMaxBulkRead / esize ? kMaxBulkRead + 1 : esize * n;
    BulkScope bulk(*this, addr, total);
    ojson arr = ojson::array();
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t off = i * esize;
      if (esize != 0 && off >= bulk.readable() && total <= kMaxBulkRead) {
        arr.push_back(UnreadableJson(addr + off, "array elements"));
        break;
      }
      arr.push_back(Json(addr + off, t->elem, depth + 1));
    }
    return arr;
  }
  case Kind::Struct: {
    if (depth >= opt_.max_depth) {
      ReportDepth(addr, t);
      return ojson{{"truncated", "depth limit"}};
    }
    BulkScope bulk(*this, addr, t->size);
    ojson obj = ojson::object();
    for (const Field &f : t->fields) {
      if (IsPadding(f))
        continue;
      // Only `_` can repeat in a Go struct; keep every one visible.
      std::string key = f.name;
      for (int k = 2; obj.contains(key); ++k)
        key = f.name + "#" + std::to_string(k);
      obj[key] = Json(addr + f.offset, f.type, depth + 1);
    }
    return obj;
  }
  case Kind::Interface: {
    IfaceData d = ReadIface(addr, t);
    switch (d.state) {
    case IfaceData::Nil:
      return nullptr;
    case IfaceData::Unreadable:
      return UnreadableJson(d.fail_addr, "interface");
    case IfaceData::Unknown: {
      ReportUnknownDynamic(addr, d.descriptor);
      ojson j = ojson::object();
      j["type"] = "?";
      j["value"] = nullptr;
      return j;
    }
    case IfaceData::Ok:
      break;
    }
    if (depth >= opt_.max_depth) {
      ReportDepth(addr, t);
      return ojson{{"truncated", "depth limit"}};
    }
    ojson j = ojson::object();
    j["type"] = d.dyn->name;
    j["value"] = Json(d.value_addr, d.dyn, depth + 1);
    return j;
  }
  case Kind::Invalid:
    break;
  }
  ReportUnknownType(addr, t);
  return ojson{{"error", "unknown type"}};
}

// --- text
// -------------------------------------------------------------------------

void RenderImpl::TextValue(uint64_t addr, const Type *t, int depth, std::string &out) {
  if (t == nullptr) {
    ReportUnknownType(addr, t);
    out += "<unknown type>";
    return;
  }
  if (!TakeBudget(addr)) {
    out += "...";
    return;
  }
  auto deep = [&]() {
    if (depth < opt_.max_depth)
      return false;
    ReportDepth(addr, t);
    out += "...";
    return true;
  };
  switch (t->kind) {
  case Kind::Bool: {
    uint8_t b;
    if (!mem_->ReadScalar(addr, &b))
      out += UnreadableText(addr, "bool");
    else
      out += b != 0 ? "true" : "false";
    return;
  }
  case Kind::Int:
  case Kind::Int8:
  case Kind::Int16:
  case Kind::Int32:
  case Kind::Int64: {
    int64_t v;
    if (!ReadSigned(addr, t, &v))
      out += UnreadableText(addr, t->name);
    else
      out += std::to_string(v);
    return;
  }
  case Kind::Uint:
  case Kind::Uint8:
  case Kind::Uint16:
  case Kind::Uint32:
  case Kind::Uint64:
  case Kind::Uintptr: {
    uint64_t v;
    if (!mem_->ReadUint(addr, ScalarSize(t), &v))
      out += UnreadableText(addr, t->name);
    else
      out += std::to_string(v);
    return;
  }
  case Kind::Float32:
  case Kind::Float64: {
    bool is32 = t->kind == Kind::Float32;
    double v;
    if (!ReadFloat(addr, is32, &v))
      out += UnreadableText(addr, t->name);
    else
      out += FloatText(v, is32);
    return;
  }
  case Kind::Complex64:
  case Kind::Complex128: {
    bool is32 = t->kind == Kind::Complex64;
    double re, im;
    if (!ReadFloat(addr, is32, &re) || !ReadFloat(addr + (is32 ? 4 : 8), is32, &im))
      out += UnreadableText(addr, t->name);
    else
      out += "(" + FloatText(re, is32) + FloatText(im, is32, true) + "i)";
    return;
  }
  case Kind::String: {
    StringData s = ReadString(addr);
    if (!s.ok) {
      out += UnreadableText(s.fail_addr, "string");
      return;
    }
    out += QuoteGo(s.bytes, s.bytes.size());
    if (s.cut)
      out += "...";
    return;
  }
  case Kind::Pointer:
  case Kind::Chan:
  case Kind::Func:
  case Kind::UnsafePointer: {
    uint64_t p;
    if (!ReadWord(addr, &p)) {
      out += UnreadableText(addr, t->name);
      return;
    }
    if (p == 0) {
      out += "nil";
      return;
    }
    Follow f = t->kind == Kind::Pointer ? CanFollow(p, t->elem, depth) : Follow::No;
    if (f == Follow::Yes && !PointeeReadable(p, t->elem)) {
      out += "(" + t->name + ")(" + HexAddr(p) + ") " + UnreadableText(p, t->elem->name);
      return;
    }
    if (f == Follow::Yes) {
      FollowScope scope(*this, p, t->elem);
      out += "&";
      Text(p, t->elem, depth + 1, out);
      return;
    }
    if (f == Follow::Cycle) {
      out += "(" + t->name + ")(" + HexAddr(p) + ") <cycle>";
      return;
    }
    if (t->kind == Kind::UnsafePointer)
      out += "unsafe.Pointer(" + HexAddr(p) + ")";
    else
      out += "(" + t->name + ")(" + HexAddr(p) + ")";
    return;
  }
  case Kind::Map: {
    uint64_t p;
    if (!ReadWord(addr, &p)) {
      out += UnreadableText(addr, t->name);
      return;
    }
    if (p == 0) {
      out += "nil";
      return;
    }
    if (deep())
      return;
    const MapLayout *layout = LayoutFor(t, p);
    if (layout == nullptr) {
      out += "(" + t->name + ")(" + HexAddr(p) + ")";
      return;
    }
    ShowRequest req;
    req.limit = opt_.nested_map_entries;
    MapWalk walk;
    bool first = true;
    out += t->name + "{";
    WalkMap(root_, *layout, t, p, req, walk, [&](const MapEntry &e) {
      if (!first)
        out += ", ";
      first = false;
      {
        KeyScope keys(*this);
        Text(e.key_addr, layout->key ? layout->key : t->key, depth + 1, out);
      }
      out += ": ";
      Text(e.elem_addr, layout->elem ? layout->elem : t->elem, depth + 1, out);
    });
    if (!walk.header_ok)
      out += "<unreadable " + HexAddr(p) + ">";
    if (walk.truncated)
      out += first ? "..." : ", ...";
    out += "}";
    diags_.Append(walk.sink);
    return;
  }
  case Kind::Slice:
  case Kind::Array: {
    bool is_slice = t->kind == Kind::Slice;
    uint64_t base = addr, want = t->len;
    if (is_slice) {
      SliceData s = ReadSlice(addr);
      if (!s.ok) {
        out += UnreadableText(addr, "slice header");
        return;
      }
      if (s.ptr == 0) {
        out += "nil";
        return;
      }
      base = s.ptr;
      want = s.len;
    }
    if (deep())
      return;
    if (t->elem == nullptr) {
      ReportUnknownType(addr, t);
      out += "<unknown type>";
      return;
    }
    uint64_t n = ElemCount(want, addr, is_slice ? "slice" : "array");
    uint64_t esize = t->elem->size;
    uint64_t total = esize != 0 && n > kMaxBulkRead / esize ? kMaxBulkRead + 1 : esize * n;
    BulkScope bulk(*this, base, total);
    out += t->name + "{";
    for (uint64_t i = 0; i < n; ++i) {
      if (i != 0)
        out += ", ";
      uint64_t off = i * esize;
      if (esize != 0 && off >= bulk.readable() && total <= kMaxBulkRead) {
        out += UnreadableText(base + off, is_slice ? "slice elements" : "array elements");
        break;
      }
      Text(base + off, t->elem, depth + 1, out);
    }
    if (n < want)
      out += n == 0 ? "..." : ", ...";
    out += "}";
    return;
  }
  case Kind::Struct: {
    if (deep())
      return;
    BulkScope bulk(*this, addr, t->size);
    out += t->name + "{";
    bool first = true;
    for (const Field &f : t->fields) {
      if (IsPadding(f))
        continue;
      if (!first)
        out += ", ";
      first = false;
      out += f.name + ": ";
      Text(addr + f.offset, f.type, depth + 1, out);
    }
    out += "}";
    return;
  }
  case Kind::Interface: {
    IfaceData d = ReadIface(addr, t);
    switch (d.state) {
    case IfaceData::Nil:
      out += "nil";
      return;
    case IfaceData::Unreadable:
      out += UnreadableText(d.fail_addr, "interface");
      return;
    case IfaceData::Unknown:
      ReportUnknownDynamic(addr, d.descriptor);
      out += "?(" + HexAddr(d.descriptor) + ")";
      return;
    case IfaceData::Ok:
      break;
    }
    if (deep())
      return;
    std::string inner;
    Text(d.value_addr, d.dyn, depth + 1, inner);
    if (TextNamesType(d.dyn->kind) && inner != "nil")
      out += inner;
    else
      out += d.dyn->name + "(" + inner + ")";
    return;
  }
  case Kind::Invalid:
    break;
  }
  ReportUnknownType(addr, t);
  out += "<unknown type>";
}

// --- maps
// -------------------------------------------------------------------------

void RenderImpl::WalkMap(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                         uint64_t addr, const ShowRequest &req, MapWalk &walk,
                         const std::function<void(const MapEntry &)> &visit) {
  walk.address = addr;
  walk.type = MapTypeName(map_type, layout);
  walk.impl = layout.impl;
  walk.sink = DiagnosticSink(req.limits.max_diagnostics);
  if (addr == 0)
    return; // nil map: empty, nothing to read
  MapHeader hdr;
  walk.header_ok = ReadHeader(mem, layout, addr, &hdr, walk.sink);
  if (!walk.header_ok) {
    bool reported = false;
    for (const auto &d : walk.sink.items())
      reported = reported || d.code == DiagCode::Unreadable;
    if (!reported)
      walk.sink.Add(DiagCode::Unreadable, Severity::Error,
                    "cannot read map header at " + HexAddr(addr), addr);
    return;
  }
  walk.len = hdr.len;
  walk.impl = hdr.impl;
  if (hdr.writing) {
    bool reported = false;
    for (const auto &d : walk.sink.items())
      reported = reported || d.code == DiagCode::WritingFlagSet;
    if (!reported)
      walk.sink.Add(DiagCode::WritingFlagSet, Severity::Warning,
                    "map at " + HexAddr(addr) + ": a write was in progress", addr);
  }
  // Walk no further than offset + limit + 1: the extra entry only tells
  // whether the map goes on.
  Limits limits = req.limits;
  uint64_t want = SaturatingAdd(req.offset, req.limit);
  limits.max_entries = std::min(limits.max_entries, SaturatingAdd(want, 1));
  std::unique_ptr<EntryCursor> cursor = OpenEntries(mem, layout, addr, limits);
  if (!cursor)
    return;
  MapEntry e;
  uint64_t seen = 0;
  bool more = false;
  while (cursor->Next(&e)) {
    if (seen >= want) {
      more = true;
      break;
    }
    if (seen >= req.offset)
      visit(e);
    ++seen;
  }
  walk.truncated = more || cursor->truncated();
  // The cursor re-reads the header and may repeat its findings; keep one.
  const std::vector<Diagnostic> header_diags = walk.sink.items();
  for (const auto &d : cursor->diagnostics().items()) {
    bool dup = std::any_of(header_diags.begin(), header_diags.end(), [&](const Diagnostic &h) {
      return h.code == d.code && h.address == d.address && h.message == d.message;
    });
    if (!dup)
      walk.sink.Add(d.code, d.severity, d.message, d.address);
  }
}

ojson RenderImpl::ShowJson(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                           uint64_t addr, const ShowRequest &req, int depth, bool top) {
  size_t diag_start = diags_.items().size();
  const Type *key = layout.key ? layout.key : map_type ? map_type->key : nullptr;
  const Type *elem = layout.elem ? layout.elem : map_type ? map_type->elem : nullptr;
  MapWalk walk;
  ojson entries = ojson::array();
  WalkMap(mem, layout, map_type, addr, req, walk, [&](const MapEntry &e) {
    ojson entry = ojson::object();
    {
      KeyScope keys(*this);
      if (top)
        NewValueBudget();
      entry["key"] = Json(e.key_addr, key, depth);
    }
    if (top)
      NewValueBudget();
    entry["value"] = Json(e.elem_addr, elem, depth);
    entries.push_back(std::move(entry));
  });
  ojson j = ojson::object();
  j["address"] = HexAddr(walk.address);
  j["type"] = walk.type;
  j["impl"] = std::string(ImplString(walk.impl));
  if (walk.header_ok)
    j["len"] = UintJson(walk.len);
  else
    j["len"] = nullptr;
  j["entries"] = std::move(entries);
  j["truncated"] = walk.truncated;
  ojson diags = ojson::array();
  for (const auto &d : walk.sink.items())
    diags.push_back(DiagnosticOJson(d));
  if (top) {
    // Problems met rendering keys and values (nested maps included).
    const auto &items = diags_.items();
    for (size_t i = diag_start; i < items.size(); ++i)
      diags.push_back(DiagnosticOJson(items[i]));
  } else {
    // A nested map keeps its own header/walk findings, and the caller of
    // Json() sees them through the renderer's sink.
    diags_.Append(walk.sink);
  }
  j["diagnostics"] = std::move(diags);
  return j;
}

std::string RenderImpl::ShowText(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                                 uint64_t addr, const ShowRequest &req) {
  size_t diag_start = diags_.items().size();
  const Type *key = layout.key ? layout.key : map_type ? map_type->key : nullptr;
  const Type *elem = layout.elem ? layout.elem : map_type ? map_type->elem : nullptr;
  MapWalk walk;
  std::string body;
  WalkMap(mem, layout, map_type, addr, req, walk, [&](const MapEntry &e) {
    body += "  ";
    {
      KeyScope keys(*this);
      NewValueBudget();
      Text(e.key_addr, key, 1, body);
    }
    body += ": ";
    NewValueBudget();
    Text(e.elem_addr, elem, 1, body);
    body += "\n";
  });
  std::string out = "(" + walk.type + ") " + HexAddr(walk.address) +
                    " len=" + (walk.header_ok ? std::to_string(walk.len) : "?") +
                    " impl=" + std::string(ImplString(walk.impl)) + "\n";
  out += body;
  if (walk.truncated)
    out += "  ... (more entries; use --offset/--limit or --all)\n";
  auto line = [&](const Diagnostic &d) {
    out += "  " + std::string(SeverityName(d.severity)) + "[" + std::string(CodeName(d.code)) +
           "]: " + d.message + "\n";
  };
  for (const auto &d : walk.sink.items())
    line(d);
  const auto &items = diags_.items();
  for (size_t i = diag_start; i < items.size(); ++i)
    line(items[i]);
  return out;
}

// --- public API
// ---------------------------------------------------------------------

nlohmann::ordered_json ShowJson(const Parts &p, const MapLayout &layout, const Type *map_type,
                                uint64_t addr, const ShowRequest &req) {
  RenderImpl impl(p);
  return impl.ShowJson(p.mem, layout, map_type, addr, req, 1, /*top=*/true);
}

std::string ShowText(const Parts &p, const MapLayout &layout, const Type *map_type, uint64_t addr,
                     const ShowRequest &req) {
  RenderImpl impl(p);
  return impl.ShowText(p.mem, layout, map_type, addr, req);
}

nlohmann::ordered_json ValueJson(const Parts &p, uint64_t addr, const Type *t) {
  RenderImpl impl(p);
  return impl.Json(addr, t, 0);
}

std::string ValueText(const Parts &p, uint64_t addr, const Type *t) {
  RenderImpl impl(p);
  std::string out;
  impl.Text(addr, t, 0, out);
  return out;
}

} // namespace gomap::reference
