// Value rendering: one walk over Go kinds that writes to a ValueSink (gomap/1 JSON or
// Go-like text, value_sink.cpp), and the `show` map object streamed entry by entry.
#include "value.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "go_format.h"
#include "value_sink.h"
#include "value_stream.h"
#include "work_stop.h"

namespace gomap {

namespace {

using ojson = nlohmann::ordered_json;

// Go targets we decode are 64-bit: pointers, string/slice/interface words are 8
// bytes.
constexpr uint64_t kWord = 8;
// A struct, array or element run up to this size is fetched in one read.
constexpr uint64_t kMaxBulkRead = uint64_t(1) << 20;

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

} // namespace

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

namespace {

bool IsPadding(const Field &f) { return f.name == "_" && (f.type == nullptr || f.type->size == 0); }

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

ojson DiagnosticOJson(const Diagnostic &d) { return DiagnosticJson(d); }

} // namespace

// One top-level rendering call: the reader stack of bulk reads, the per-value
// work budget, and the walk over Go kinds into a sink.
// Consecutive entries with an unreadable key or value after which a map walk
// stops (evidence that the entries are not of the map's type).
constexpr uint64_t kMaxUnreadableRun = 32;

class RenderImpl {
public:
  RenderImpl(ValueRenderer &r, ValueSink &sink)
      : mem_(&r.mem_), root_(r.mem_), types_(r.types_), maps_(r.maps_), fmt_(r.formatter_),
        opt_(r.options_), diags_(r.diags_), sink_(&sink) {}

  // Every value goes through this: a user formatter for its type first, then
  // the default rendering (Walk).
  void Value(uint64_t addr, const Type *t, int depth);

  // Reads the header (on_header is then called once) and visits entries
  // [offset, offset+limit), peeking one more to learn whether the map
  // continues; visit returning false (the output budget) ends the walk there.
  // *truncated: entries were left out.
  void WalkMap(MemoryReader &mem, const MapLayout &layout, const Type *map_type, uint64_t addr,
               const ShowRequest &req, MapWalkInfo &info, DiagnosticSink &sink, bool *truncated,
               const std::function<void()> &on_header,
               const std::function<bool(const MapEntry &)> &visit);
  // A map object (top: the shown map, whose diagnostics also list what
  // rendering its keys and values met) through the sink.
  void MapObject(MemoryReader &mem, const MapLayout &layout, const Type *map_type, uint64_t addr,
                 const ShowRequest &req, int depth, bool top, OutBuffer *buf, ShowSummary *summary);
  // The text form of `show`.
  // name: appended to the header line (" path=main.srv.sessions"), may be empty.
  void ShowText(MemoryReader &mem, const MapLayout &layout, const Type *map_type, uint64_t addr,
                const ShowRequest &req, OutBuffer &buf, ShowSummary *summary,
                const std::string &name = "");

  // The work budget is per top-level value (each key and value of the shown
  // map, or one Json/Text call): `--all` renders every entry; only a value that
  // is itself too big is cut, where the cut happens.
  void NewValueBudget() {
    values_ = 0;
    string_bytes_ = 0;
    budget_reported_ = false;
    string_budget_reported_ = false;
  }
  uint64_t cuts() const { return cuts_; }

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
  // Maps being walked around the value being rendered (outermost first).
  struct OpenMap {
    uint64_t addr = 0, size = 0;
    std::string type;
  };
  std::vector<OpenMap> open_maps_;
  class OpenMapScope {
  public:
    OpenMapScope(RenderImpl &r, uint64_t addr, uint64_t size, const std::string &type) : r_(r) {
      r.open_maps_.push_back({addr, size, type});
    }
    ~OpenMapScope() { r_.open_maps_.pop_back(); }
    OpenMapScope(const OpenMapScope &) = delete;
    OpenMapScope &operator=(const OpenMapScope &) = delete;

  private:
    RenderImpl &r_;
  };

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

  void Walk(uint64_t addr, const Type *t, int depth);
  void WalkList(uint64_t addr, const Type *t, uint64_t base, uint64_t want, bool is_slice,
                int depth);
  void WalkMapValue(uint64_t addr, const Type *t, int depth);
  bool WantsFormatter(const Type *t);
  // Renders (addr, t) through the user formatter; false when the value's bytes
  // cannot be read (then the default reports it).
  bool Format(uint64_t addr, const Type *t, int depth);

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
  void WalkString(uint64_t addr);
  IfaceData ReadIface(uint64_t addr, const Type *t);
  SliceData ReadSlice(uint64_t addr);
  uint64_t ElemCount(uint64_t want, uint64_t addr, const char *what);

  // Diagnostics and the values that stand in for what could not be rendered.
  void Unreadable(uint64_t addr, const std::string &what);
  void ReportUnreadable(uint64_t addr, const std::string &what);
  void DepthCut(uint64_t addr, const Type *t);
  void ReportUnknownType(uint64_t addr, const Type *t);
  bool TakeBudget(uint64_t addr);
  void ReportUnknownDynamic(uint64_t addr, uint64_t descriptor);
  const MapLayout *LayoutFor(const Type *t, uint64_t addr);

  // Values rendered as unreadable so far (WalkMap watches runs of them).
  uint64_t unreadable_values_ = 0;
  MemoryReader *mem_;
  OverlayReader *overlay_ = nullptr;
  MemoryReader &root_;
  TypeResolver *types_;
  MapLayoutProvider *maps_;
  ValueFormatter *fmt_;
  const RenderOptions &opt_;
  DiagnosticSink &diags_;
  ValueSink *sink_;
  std::set<std::string> fmt_failed_; // types whose formatter-error is reported
  uint64_t values_ = 0;
  uint64_t string_bytes_ = 0;
  bool budget_reported_ = false;
  bool string_budget_reported_ = false;
  bool string_cut_reported_ = false;                        // for the whole render, not per value
  uint64_t cuts_ = 0;                                       // values cut by a per-value limit
  int hops_ = 0;                                            // pointers followed on the current path
  std::vector<std::pair<uint64_t, const Type *>> followed_; // their pointees
  std::vector<uint8_t> strbuf_;                             // string bytes, reused
};

// --- reads ---------------------------------------------------------------------------

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

void RenderImpl::WalkString(uint64_t addr) {
  uint64_t hdr[2];
  if (!mem_->ReadExact(addr, hdr, sizeof hdr)) {
    Unreadable(addr, "string");
    return;
  }
  uint64_t ptr = hdr[0], len = hdr[1];
  if (int64_t(len) < 0) {
    diags_.Add(DiagCode::Implausible, Severity::Warning,
               "string at " + HexAddr(addr) + ": negative length " + std::to_string(int64_t(len)),
               addr);
    Unreadable(addr, "string");
    return;
  }
  uint64_t n = std::min(len, opt_.max_string_bytes);
  uint64_t left =
      opt_.max_total_string_bytes > string_bytes_ ? opt_.max_total_string_bytes - string_bytes_ : 0;
  if (n > left) {
    n = left;
    if (!string_budget_reported_) {
      string_budget_reported_ = true;
      diags_.Add(DiagCode::Truncated, Severity::Info,
                 "value at " + HexAddr(addr) + ": string bytes budget (" +
                     std::to_string(opt_.max_total_string_bytes) +
                     ") of one value exhausted; its later strings are cut",
                 addr);
    }
  }
  bool cut = n < len;
  // Said once: with a debugger's display limit (show's text default) most long
  // strings are cut, and a line each would crowd out the findings. Every cut is
  // still marked where it is and counted (cut_values).
  if (len > opt_.max_string_bytes && !string_cut_reported_) {
    string_cut_reported_ = true;
    diags_.Add(DiagCode::Truncated, Severity::Info,
               "string at " + HexAddr(addr) + ": rendered " +
                   std::to_string(opt_.max_string_bytes) + " of " + std::to_string(len) +
                   " bytes; longer strings are cut at " + std::to_string(opt_.max_string_bytes) +
                   " bytes (--max-string)",
               addr);
  }
  if (n == 0) {
    if (cut)
      ++cuts_;
    sink_->String(nullptr, 0, len, cut);
    return;
  }
  if (ptr == 0) {
    Unreadable(0, "string");
    return;
  }
  strbuf_.resize(n);
  size_t got = mem_->Read(ptr, strbuf_.data(), n);
  if (got != n) {
    Unreadable(ptr + got, "string");
    return;
  }
  string_bytes_ += n;
  size_t shown = cut ? TrimPartialRune(strbuf_.data(), n) : n;
  if (cut)
    ++cuts_;
  sink_->String(strbuf_.data(), shown, len, cut);
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
  ++cuts_;
  diags_.Add(DiagCode::Truncated, Severity::Info,
             std::string(what) + " at " + HexAddr(addr) + ": rendered " +
                 std::to_string(opt_.max_elems) + " of " + std::to_string(want) + " elements",
             addr);
  return opt_.max_elems;
}

// --- diagnostics ---------------------------------------------------------------------

void RenderImpl::ReportUnreadable(uint64_t addr, const std::string &what) {
  ++unreadable_values_;
  diags_.Add(DiagCode::Unreadable, Severity::Warning,
             "cannot read " + what + " at " + HexAddr(addr), addr);
}

void RenderImpl::Unreadable(uint64_t addr, const std::string &what) {
  ReportUnreadable(addr, what);
  sink_->Unreadable(addr);
}

void RenderImpl::DepthCut(uint64_t addr, const Type *t) {
  ++cuts_;
  diags_.Add(DiagCode::Truncated, Severity::Info,
             "value of type " + t->name + " at " + HexAddr(addr) + " not rendered: depth limit " +
                 std::to_string(opt_.max_depth),
             addr);
  sink_->DepthLimit();
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
  ++cuts_;
  if (!budget_reported_) {
    budget_reported_ = true;
    diags_.Add(DiagCode::Truncated, Severity::Info,
               "value at " + HexAddr(addr) + ": render budget of " +
                   std::to_string(opt_.max_values) + " values for one value exhausted",
               addr);
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

// --- user formatters -----------------------------------------------------------------

bool RenderImpl::WantsFormatter(const Type *t) {
  // Past the work budget the default path says so; no formatter calls then.
  return fmt_ != nullptr && t != nullptr && values_ < opt_.max_values && fmt_->Handles(*t);
}

bool RenderImpl::Format(uint64_t addr, const Type *t, int depth) {
  uint64_t n = std::min(t->size, kMaxFormatterBytes);
  std::string raw(n, '\0');
  if (n != 0 && mem_->Read(addr, raw.data(), n) != n)
    return false;
  ++values_;
  // The default rendering, into a string of its own (then cached): text, or
  // compact JSON parsed for the formatter.
  std::optional<std::string> dtext;
  std::optional<ojson> djson;
  auto render_default = [&](bool json) {
    std::string s;
    ValueSink *saved = sink_;
    JsonWriter w(s, -1);
    JsonValueSink js(w);
    TextValueSink ts(s);
    sink_ = json ? static_cast<ValueSink *>(&js) : static_cast<ValueSink *>(&ts);
    try {
      Walk(addr, t, depth);
    } catch (...) {
      sink_ = saved;
      throw;
    }
    sink_ = saved;
    return s;
  };
  auto default_text = [&]() -> std::string {
    if (!dtext)
      dtext = render_default(false);
    return *dtext;
  };
  auto default_json = [&]() -> ojson {
    if (!djson)
      djson = ojson::parse(render_default(true));
    return *djson;
  };
  bool json = sink_->json();
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
  if (json) {
    auto &w = static_cast<JsonValueSink *>(sink_)->writer();
    if (formatted) {
      w.BeginObject();
      w.Key("formatted");
      w.Value(got.json);
      w.Key("raw");
    }
    if (djson)
      w.Value(*djson);
    else
      Walk(addr, t, depth);
    if (formatted)
      w.EndObject();
  } else if (formatted) {
    sink_->Raw(got.text);
  } else if (dtext) {
    sink_->Raw(*dtext);
  } else {
    Walk(addr, t, depth);
  }
  return true;
}

void RenderImpl::Value(uint64_t addr, const Type *t, int depth) {
  if (WantsFormatter(t) && Format(addr, t, depth))
    return;
  Walk(addr, t, depth);
}

// --- the walk over Go kinds ----------------------------------------------------------

void RenderImpl::Walk(uint64_t addr, const Type *t, int depth) {
  if (t == nullptr) {
    ReportUnknownType(addr, t);
    sink_->UnknownType();
    return;
  }
  if (!TakeBudget(addr)) {
    sink_->BudgetExhausted();
    return;
  }
  switch (t->kind) {
  case Kind::Bool: {
    uint8_t b;
    if (!mem_->ReadScalar(addr, &b))
      Unreadable(addr, "bool");
    else
      sink_->Bool(b != 0);
    return;
  }
  case Kind::Int:
  case Kind::Int8:
  case Kind::Int16:
  case Kind::Int32:
  case Kind::Int64: {
    int64_t v;
    if (!ReadSigned(addr, t, &v))
      Unreadable(addr, t->name);
    else
      sink_->Int(v);
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
      Unreadable(addr, t->name);
    else
      sink_->Uint(v);
    return;
  }
  case Kind::Float32:
  case Kind::Float64: {
    bool is32 = t->kind == Kind::Float32;
    double v;
    if (!ReadFloat(addr, is32, &v))
      Unreadable(addr, t->name);
    else
      sink_->Float(v, is32);
    return;
  }
  case Kind::Complex64:
  case Kind::Complex128: {
    bool is32 = t->kind == Kind::Complex64;
    double re, im;
    if (!ReadFloat(addr, is32, &re) || !ReadFloat(addr + (is32 ? 4 : 8), is32, &im))
      Unreadable(addr, t->name);
    else
      sink_->Complex(re, im, is32);
    return;
  }
  case Kind::String:
    WalkString(addr);
    return;
  case Kind::Pointer:
  case Kind::Chan:
  case Kind::Func:
  case Kind::UnsafePointer: {
    uint64_t p;
    if (!ReadWord(addr, &p)) {
      Unreadable(addr, t->name);
      return;
    }
    if (p == 0) {
      sink_->Nil();
      return;
    }
    // A shape pointer (go.shape.*uint8: any pointer in a generic function whose
    // dictionary is gone) says nothing of its pointee: shown, never followed.
    const bool shape = t->name.rfind("go.shape.", 0) == 0;
    Follow f = t->kind == Kind::Pointer && !shape ? CanFollow(p, t->elem, depth) : Follow::No;
    if (f == Follow::Cycle) {
      sink_->PointerCycle(t, p);
    } else if (f == Follow::Yes && !PointeeReadable(p, t->elem)) {
      ReportUnreadable(p, t->elem->name);
      sink_->PointeeUnreadable(t, p);
    } else if (f == Follow::Yes) {
      FollowScope scope(*this, p, t->elem);
      sink_->BeginPointee(t, p);
      Value(p, t->elem, depth + 1);
      sink_->EndPointee();
    } else {
      sink_->Pointer(t, p);
    }
    return;
  }
  case Kind::Map:
    WalkMapValue(addr, t, depth);
    return;
  case Kind::Slice: {
    SliceData s = ReadSlice(addr);
    if (!s.ok) {
      Unreadable(addr, "slice header");
      return;
    }
    if (s.ptr == 0) {
      sink_->Nil();
      return;
    }
    WalkList(addr, t, s.ptr, s.len, true, depth);
    return;
  }
  case Kind::Array:
    WalkList(addr, t, addr, t->len, false, depth);
    return;
  case Kind::Struct: {
    if (depth >= opt_.max_depth) {
      DepthCut(addr, t);
      return;
    }
    BulkScope bulk(*this, addr, t->size);
    sink_->BeginStruct(t);
    for (const Field &f : t->fields) {
      if (IsPadding(f))
        continue;
      sink_->Field(f.name);
      Value(addr + f.offset, f.type, depth + 1);
    }
    sink_->EndStruct();
    return;
  }
  case Kind::Interface: {
    IfaceData d = ReadIface(addr, t);
    switch (d.state) {
    case IfaceData::Nil:
      sink_->Nil();
      return;
    case IfaceData::Unreadable:
      Unreadable(d.fail_addr, "interface");
      return;
    case IfaceData::Unknown:
      ReportUnknownDynamic(addr, d.descriptor);
      sink_->IfaceUnknown(d.descriptor);
      return;
    case IfaceData::Ok:
      break;
    }
    if (depth >= opt_.max_depth) {
      DepthCut(addr, t);
      return;
    }
    sink_->BeginIface(d.dyn);
    Value(d.value_addr, d.dyn, depth + 1);
    sink_->EndIface(d.dyn);
    return;
  }
  case Kind::Invalid:
    break;
  }
  ReportUnknownType(addr, t);
  sink_->UnknownType();
}

void RenderImpl::WalkList(uint64_t addr, const Type *t, uint64_t base, uint64_t want, bool is_slice,
                          int depth) {
  if (depth >= opt_.max_depth) {
    DepthCut(addr, t);
    return;
  }
  if (t->elem == nullptr) {
    ReportUnknownType(addr, t);
    sink_->UnknownType();
    return;
  }
  uint64_t n = ElemCount(want, addr, is_slice ? "slice" : "array");
  bool cut = n < want;
  uint64_t esize = t->elem->size;
  uint64_t total = esize != 0 && n > kMaxBulkRead / esize ? kMaxBulkRead + 1 : esize * n;
  BulkScope bulk(*this, base, total);
  sink_->BeginList(t, want, cut);
  uint64_t i = 0;
  for (; i < n; ++i) {
    sink_->Elem();
    uint64_t off = i * esize;
    if (esize != 0 && off >= bulk.readable() && total <= kMaxBulkRead) {
      Unreadable(base + off, is_slice ? "slice elements" : "array elements");
      ++i;
      break;
    }
    Value(base + off, t->elem, depth + 1);
  }
  sink_->EndList(i, want, cut);
}

void RenderImpl::WalkMapValue(uint64_t addr, const Type *t, int depth) {
  uint64_t p;
  if (!ReadWord(addr, &p)) {
    Unreadable(addr, t->name);
    return;
  }
  // JSON: a nil nested map is still a map object (address "0x0", len 0), like
  // `gomap show` of a nil map, so its type and implementation stay visible.
  if (p == 0 && !sink_->json()) {
    sink_->Nil();
    return;
  }
  if (depth >= opt_.max_depth) {
    DepthCut(addr, t);
    return;
  }
  const MapLayout *layout = LayoutFor(t, p);
  if (layout == nullptr) {
    sink_->MapLayoutUnknown(t, p);
    return;
  }
  ShowRequest req;
  req.limit = opt_.nested_map_entries;
  MapObject(root_, *layout, t, p, req, depth + 1, /*top=*/false, nullptr, nullptr);
}

// --- maps ----------------------------------------------------------------------------

void RenderImpl::WalkMap(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                         uint64_t addr, const ShowRequest &req, MapWalkInfo &info,
                         DiagnosticSink &sink, bool *truncated,
                         const std::function<void()> &on_header,
                         const std::function<bool(const MapEntry &)> &visit) {
  info.address = addr;
  info.type = MapTypeName(map_type, layout);
  info.impl = layout.impl;
  *truncated = false;
  if (addr == 0) { // nil map: empty, nothing to read
    on_header();
    return;
  }
  // A map pointer aimed at (or into) the header of a map being rendered
  // around it: one of Go's own self-references through an interface (same
  // type, same address), else corrupt. Either way it is not walked again.
  for (const OpenMap &o : open_maps_) {
    if (addr < o.addr || addr - o.addr >= std::max<uint64_t>(o.size, 1))
      continue;
    if (addr == o.addr && o.type == info.type)
      sink.Add(DiagCode::Cycle, Severity::Info,
               "map at " + HexAddr(addr) + " holds itself (" + info.type + "); not walked again",
               addr);
    else
      sink.Add(DiagCode::Implausible, Severity::Error,
               "nested map pointer " + HexAddr(addr) + " (" + info.type +
                   ") points into the header of the enclosing map at " + HexAddr(o.addr) + " (" +
                   o.type + ")",
               addr);
    info.header_ok = false;
    on_header();
    return;
  }
  OpenMapScope open(*this, addr,
                    layout.impl == MapImpl::Classic ? layout.classic.hmap.size
                                                    : layout.swiss.map.size,
                    info.type);
  MapHeader hdr;
  info.header_ok = ReadHeader(mem, layout, addr, &hdr, sink);
  if (!info.header_ok) {
    bool reported = false;
    for (const auto &d : sink.items())
      reported = reported || d.code == DiagCode::Unreadable;
    if (!reported)
      sink.Add(DiagCode::Unreadable, Severity::Error, "cannot read map header at " + HexAddr(addr),
               addr);
    on_header();
    return;
  }
  info.len = hdr.len;
  info.impl = hdr.impl;
  if (hdr.writing) {
    bool reported = false;
    for (const auto &d : sink.items())
      reported = reported || d.code == DiagCode::WritingFlagSet;
    if (!reported)
      sink.Add(DiagCode::WritingFlagSet, Severity::Warning,
               "map at " + HexAddr(addr) + ": a write was in progress", addr);
  }
  on_header();
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
  bool more = false, implausible = false;
  // Evidence that the entries are of this type: a run of entries whose key or
  // value cannot be read (a wrong --type reads strings from integers) stops
  // the walk instead of rendering every one of them.
  uint64_t run = 0;
  while (cursor->Next(&e)) {
    if (seen >= want) {
      more = true;
      break;
    }
    if (req.stop && req.stop->Stop()) {
      // Polled in the --offset skip too: skipping millions of entries takes time.
      const std::string hint = req.stop->Hint();
      const std::string after =
          seen >= req.offset
              ? " after " + std::to_string(seen - req.offset) + " entries (of " +
                    std::to_string(hdr.len) + "); --offset " + std::to_string(seen) +
                    " goes on from there"
              : " while skipping to --offset " + std::to_string(req.offset) + ", after " +
                    std::to_string(seen) + " entries (of " + std::to_string(hdr.len) + ")";
      sink.Add(DiagCode::Truncated, Severity::Warning,
               "map at " + HexAddr(addr) + ": " + req.stop->Reason() + after +
                   (hint.empty() ? "" : "; " + hint),
               addr);
      more = true;
      break;
    }
    if (seen >= req.offset) {
      const uint64_t before = unreadable_values_;
      if (!visit(e)) {
        sink.Add(DiagCode::Truncated, Severity::Warning,
                 "map at " + HexAddr(addr) + ": output budget of " +
                     std::to_string(req.max_output) + " bytes reached after " +
                     std::to_string(seen + 1 - req.offset) + " entries (of " +
                     std::to_string(hdr.len) + "); --max-output raises it",
                 addr);
        more = true;
        break;
      }
      run = unreadable_values_ > before ? run + 1 : 0;
      if (run >= kMaxUnreadableRun) {
        sink.Add(DiagCode::Implausible, Severity::Error,
                 "map at " + HexAddr(addr) + ": entries " + std::to_string(seen + 1 - run) + "-" +
                     std::to_string(seen) + " (" + std::to_string(run) +
                     " in a row) have unreadable keys or values: they do not hold " + info.type +
                     " (wrong type?); stopped after " + std::to_string(seen + 1) + " of " +
                     std::to_string(hdr.len) + " entries",
                 addr);
        implausible = true;
        ++seen;
        break;
      }
    }
    ++seen;
  }
  *truncated = more || implausible || cursor->truncated();
  // The cursor re-reads the header and may repeat its findings; keep one.
  const std::vector<Diagnostic> header_diags = sink.items();
  for (const auto &d : cursor->diagnostics().items()) {
    bool dup = std::any_of(header_diags.begin(), header_diags.end(), [&](const Diagnostic &h) {
      return h.code == d.code && h.address == d.address && h.message == d.message;
    });
    if (!dup)
      sink.Add(d.code, d.severity, d.message, d.address);
  }
}

void RenderImpl::MapObject(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                           uint64_t addr, const ShowRequest &req, int depth, bool top,
                           OutBuffer *buf, ShowSummary *summary) {
  size_t diag_start = diags_.items().size();
  uint64_t cuts_start = cuts_;
  const Type *key = layout.key ? layout.key : map_type ? map_type->key : nullptr;
  const Type *elem = layout.elem ? layout.elem : map_type ? map_type->elem : nullptr;
  MapWalkInfo info;
  DiagnosticSink walk_sink(req.limits.max_diagnostics);
  bool truncated = false;
  uint64_t entries = 0;
  WalkMap(
      mem, layout, map_type, addr, req, info, walk_sink, &truncated,
      [&]() { sink_->BeginMap(info); },
      [&](const MapEntry &e) {
        sink_->MapKey();
        {
          KeyScope keys(*this);
          if (top)
            NewValueBudget();
          Value(e.key_addr, key, depth);
        }
        sink_->MapValue();
        if (top)
          NewValueBudget();
        Value(e.elem_addr, elem, depth);
        sink_->EndEntry();
        ++entries;
        if (buf == nullptr)
          return true;
        buf->MaybeFlush();
        return !(top && req.max_output && buf->size() >= req.max_output);
      });
  if (!top && truncated)
    ++cuts_; // a nested map past nested_map_entries is a cut value too
  uint64_t cut_values = cuts_ - cuts_start;
  std::vector<Diagnostic> diags = walk_sink.items();
  if (top) {
    // Problems met rendering keys and values (nested maps included).
    const auto &items = diags_.items();
    diags.insert(diags.end(), items.begin() + diag_start, items.end());
  } else {
    // A nested map keeps its own header/walk findings, and the caller sees
    // them through the renderer's sink.
    diags_.Append(walk_sink);
  }
  sink_->EndMap(info, truncated, cut_values, diags);
  if (summary != nullptr) {
    summary->truncated = truncated;
    summary->entries = entries;
    summary->cut_values = cut_values;
    for (const auto &d : diags)
      summary->has_errors = summary->has_errors || d.severity == Severity::Error;
  }
}

void RenderImpl::ShowText(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                          uint64_t addr, const ShowRequest &req, OutBuffer &buf,
                          ShowSummary *summary, const std::string &name) {
  size_t diag_start = diags_.items().size();
  uint64_t cuts_start = cuts_;
  const Type *key = layout.key ? layout.key : map_type ? map_type->key : nullptr;
  const Type *elem = layout.elem ? layout.elem : map_type ? map_type->elem : nullptr;
  MapWalkInfo info;
  DiagnosticSink walk_sink(req.limits.max_diagnostics);
  bool truncated = false;
  uint64_t entries = 0;
  bool budget_hit = false;
  std::string &out = buf.str();
  WalkMap(
      mem, layout, map_type, addr, req, info, walk_sink, &truncated,
      [&]() {
        out += '(';
        out += info.type;
        out += ") ";
        AppendHex(out, info.address);
        out += " len=";
        if (info.header_ok)
          AppendUint(out, info.len);
        else
          out += '?';
        out += " impl=";
        out += info.impl == MapImpl::Swiss ? "swiss" : "classic";
        out += name;
        out += '\n';
      },
      [&](const MapEntry &e) {
        out += "  ";
        {
          KeyScope keys(*this);
          NewValueBudget();
          Value(e.key_addr, key, 1);
        }
        out += ": ";
        NewValueBudget();
        Value(e.elem_addr, elem, 1);
        out += '\n';
        ++entries;
        buf.MaybeFlush();
        budget_hit = req.max_output && buf.size() >= req.max_output;
        return !budget_hit;
      });
  if (budget_hit)
    out += "  ... (output budget reached; use --max-output or --offset/--limit)\n";
  else if (req.stop && req.stop->tripped())
    out += "  ... (" + req.stop->Reason() + "; use --offset to go on)\n";
  else if (truncated)
    out += "  ... (more entries; use --offset/--limit or --all)\n";
  auto line = [&](const Diagnostic &d) {
    out += "  ";
    out += SeverityName(d.severity);
    out += '[';
    out += CodeName(d.code);
    out += "]: ";
    out += d.message;
    out += '\n';
    summary->has_errors = summary->has_errors || d.severity == Severity::Error;
  };
  for (const auto &d : walk_sink.items())
    line(d);
  const auto &items = diags_.items();
  for (size_t i = diag_start; i < items.size(); ++i)
    line(items[i]);
  summary->truncated = truncated;
  summary->entries = entries;
  summary->cut_values = cuts_ - cuts_start;
}

// --- public API ----------------------------------------------------------------------

ValueRenderer::ValueRenderer(MemoryReader &mem, TypeResolver *types, MapLayoutProvider *maps,
                             RenderOptions options)
    : mem_(mem), types_(types), maps_(maps), options_(options) {}

namespace {

std::string RenderJsonString(ValueRenderer &r, uint64_t addr, const Type *t, bool key) {
  std::string s;
  JsonWriter w(s, -1);
  WriteValueJson(r, w, addr, t, key);
  return s;
}

ojson RenderOJson(ValueRenderer &r, DiagnosticSink &diags, uint64_t addr, const Type *t, bool key) {
  try {
    return ojson::parse(RenderJsonString(r, addr, t, key));
  } catch (const std::exception &e) {
    // Only allocation failures or a json library error can get here; target
    // data problems are values, never exceptions.
    diags.Add(DiagCode::Truncated, Severity::Error, std::string("rendering stopped: ") + e.what(),
              addr);
    return ojson{{"error", "rendering failed"}};
  }
}

std::string RenderText(ValueRenderer &r, DiagnosticSink &diags, uint64_t addr, const Type *t,
                       bool key) {
  try {
    std::string out;
    WriteValueText(r, out, addr, t, key);
    return out;
  } catch (const std::exception &e) {
    diags.Add(DiagCode::Truncated, Severity::Error, std::string("rendering stopped: ") + e.what(),
              addr);
    return "<rendering failed>";
  }
}

} // namespace

void WriteValueJson(ValueRenderer &renderer, JsonWriter &w, uint64_t addr, const Type *t,
                    bool key) {
  JsonValueSink sink(w);
  RenderImpl impl(renderer, sink);
  std::optional<RenderImpl::KeyScope> keys;
  if (key)
    keys.emplace(impl);
  impl.Value(addr, t, 0);
}

void WriteValueText(ValueRenderer &renderer, std::string &out, uint64_t addr, const Type *t,
                    bool key) {
  TextValueSink sink(out);
  RenderImpl impl(renderer, sink);
  std::optional<RenderImpl::KeyScope> keys;
  if (key)
    keys.emplace(impl);
  impl.Value(addr, t, 0);
}

nlohmann::ordered_json ValueRenderer::JsonOrdered(uint64_t addr, const Type *t) {
  return RenderOJson(*this, diags_, addr, t, false);
}

nlohmann::json ValueRenderer::Json(uint64_t addr, const Type *t) {
  try {
    return nlohmann::json(JsonOrdered(addr, t));
  } catch (const std::exception &) {
    return nlohmann::json{{"error", "rendering failed"}};
  }
}

std::string ValueRenderer::Text(uint64_t addr, const Type *t) {
  return RenderText(*this, diags_, addr, t, false);
}

nlohmann::ordered_json ValueRenderer::KeyJsonOrdered(uint64_t addr, const Type *t) {
  return RenderOJson(*this, diags_, addr, t, true);
}

std::string ValueRenderer::KeyText(uint64_t addr, const Type *t) {
  return RenderText(*this, diags_, addr, t, true);
}

std::string MapNameText(const std::string &path, const std::string &where, const std::string &type,
                        const std::string &given) {
  return path + (where.empty() ? "" : " (" + where + ")") +
         (type.empty() || type == given ? "" : " [holds a " + type + "]");
}

std::string MapNameSuffix(const ShowOutput &how, const std::string &given) {
  return how.path.empty() ? "" : " path=" + MapNameText(how.path, how.where, how.type, given);
}

ShowSummary ShowMapWrite(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                         uint64_t addr, const ShowRequest &req, ValueRenderer &renderer,
                         const ShowOutput &how, OutputStream &out) {
  ShowSummary summary;
  OutBuffer buf(&out, how.chunk);
  try {
    if (how.json) {
      JsonWriter w(buf.str(), how.indent);
      JsonValueSink sink(w);
      RenderImpl impl(renderer, sink);
      if (how.document) {
        w.BeginObject();
        w.Key("schema");
        w.String("gomap/1");
        w.Key("map");
      }
      impl.MapObject(mem, layout, map_type, addr, req, 1, /*top=*/true, &buf, &summary);
      if (how.document) {
        if (!how.path.empty()) {
          w.Key("name");
          w.BeginObject();
          w.Key("path");
          w.String(how.path);
          w.Key("where");
          w.String(how.where);
          w.Key("type");
          w.String(how.type);
          w.EndObject();
        }
        w.EndObject();
        buf.str() += '\n';
      }
    } else {
      TextValueSink sink(buf.str());
      RenderImpl impl(renderer, sink);
      impl.ShowText(mem, layout, map_type, addr, req, buf, &summary,
                    MapNameSuffix(how, MapTypeName(map_type, layout)));
    }
  } catch (const std::exception &e) {
    // Only allocation failures get here; what was written stays written.
    buf.str() += "\nerror[truncated]: rendering stopped: ";
    buf.str() += e.what();
    buf.str() += '\n';
    summary.has_errors = true;
    summary.truncated = true;
  }
  buf.Flush();
  summary.bytes = buf.size();
  return summary;
}

namespace {

class StringOutput final : public OutputStream {
public:
  explicit StringOutput(std::string &s) : s_(s) {}
  void Write(std::string_view bytes) override { s_.append(bytes); }

private:
  std::string &s_;
};

} // namespace

nlohmann::ordered_json ShowMapJsonOrdered(MemoryReader &mem, const MapLayout &layout,
                                          const Type *map_type, uint64_t addr,
                                          const ShowRequest &req, ValueRenderer &renderer) {
  try {
    std::string s;
    StringOutput so(s);
    ShowOutput how;
    how.json = true;
    how.indent = -1;
    how.document = false;
    ShowMapWrite(mem, layout, map_type, addr, req, renderer, how, so);
    return ojson::parse(s);
  } catch (const std::exception &e) {
    ojson j = ojson::object();
    j["address"] = HexAddr(addr);
    j["type"] = MapTypeName(map_type, layout);
    j["impl"] = std::string(layout.impl == MapImpl::Swiss ? "swiss" : "classic");
    j["len"] = nullptr;
    j["entries"] = ojson::array();
    j["truncated"] = true;
    j["cut_values"] = 0;
    j["diagnostics"] = ojson::array(
        {DiagnosticOJson(Diagnostic{DiagCode::Truncated, Severity::Error,
                                    std::string("rendering stopped: ") + e.what(), addr})});
    return j;
  }
}

nlohmann::json ShowMapJson(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                           uint64_t addr, const ShowRequest &req, ValueRenderer &renderer) {
  try {
    return nlohmann::json(ShowMapJsonOrdered(mem, layout, map_type, addr, req, renderer));
  } catch (const std::exception &) {
    return nlohmann::json{{"address", HexAddr(addr)}, {"error", "rendering failed"}};
  }
}

std::string ShowMapText(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                        uint64_t addr, const ShowRequest &req, ValueRenderer &renderer) {
  std::string s;
  StringOutput so(s);
  ShowOutput how;
  ShowMapWrite(mem, layout, map_type, addr, req, renderer, how, so);
  return s;
}

} // namespace gomap
