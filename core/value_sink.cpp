// The JSON and text sinks of the value renderer (see value_sink.h).
#include "value_sink.h"

#include "go_format.h"

namespace gomap {

namespace {

std::string_view ImplString(MapImpl impl) { return impl == MapImpl::Swiss ? "swiss" : "classic"; }

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

} // namespace

void WriteDiagnostic(JsonWriter &w, const Diagnostic &d) {
  w.BeginObject();
  w.Key("code");
  w.String(CodeName(d.code));
  w.Key("severity");
  w.String(SeverityName(d.severity));
  w.Key("message");
  w.String(d.message);
  w.Key("address");
  if (d.address != 0)
    w.Hex(d.address);
  else
    w.Null();
  w.EndObject();
}

// --- JSON ----------------------------------------------------------------------------

void JsonValueSink::Complex(double re, double im, bool) {
  w_.BeginObject();
  w_.Key("real");
  w_.Float(re);
  w_.Key("imag");
  w_.Float(im);
  w_.EndObject();
}

void JsonValueSink::String(const uint8_t *p, size_t n, uint64_t len, bool cut) {
  if (!cut) {
    w_.StringBytes(p, n);
    return;
  }
  w_.BeginObject();
  w_.Key("cut");
  w_.StringBytes(p, n);
  w_.Key("len");
  w_.Uint(len);
  w_.EndObject();
}

void JsonValueSink::Unreadable(uint64_t addr) {
  w_.BeginObject();
  w_.Key("error");
  std::string s = "unreadable ";
  AppendHex(s, addr);
  w_.String(s);
  w_.EndObject();
}

void JsonValueSink::UnknownType() {
  w_.BeginObject();
  w_.Key("error");
  w_.String("unknown type");
  w_.EndObject();
}

void JsonValueSink::DepthLimit() {
  w_.BeginObject();
  w_.Key("truncated");
  w_.String("depth limit");
  w_.EndObject();
}

void JsonValueSink::BudgetExhausted() {
  w_.BeginObject();
  w_.Key("error");
  w_.String("render budget exhausted");
  w_.EndObject();
}

void JsonValueSink::Pointer(const Type *, uint64_t p) {
  w_.BeginObject();
  w_.Key("ptr");
  w_.Hex(p);
  w_.EndObject();
}

void JsonValueSink::PointerCycle(const Type *, uint64_t p) {
  w_.BeginObject();
  w_.Key("ptr");
  w_.Hex(p);
  w_.Key("cycle");
  w_.Bool(true);
  w_.EndObject();
}

void JsonValueSink::PointeeUnreadable(const Type *, uint64_t p) {
  w_.BeginObject();
  w_.Key("ptr");
  w_.Hex(p);
  w_.Key("elem");
  Unreadable(p);
  w_.EndObject();
}

void JsonValueSink::BeginPointee(const Type *, uint64_t p) {
  w_.BeginObject();
  w_.Key("ptr");
  w_.Hex(p);
  w_.Key("elem");
}

void JsonValueSink::BeginStruct(const Type *) {
  w_.BeginObject();
  underscores_.push_back(0);
}

void JsonValueSink::Field(const std::string &name) {
  // Only `_` can repeat in a Go struct; keep every one visible ("_", "_#2", ...).
  if (name == "_" && underscores_.back()++ != 0) {
    std::string key = "_#";
    AppendUint(key, underscores_.back());
    w_.Key(key);
    return;
  }
  w_.Key(name);
}

void JsonValueSink::EndStruct() {
  underscores_.pop_back();
  w_.EndObject();
}

void JsonValueSink::BeginList(const Type *, uint64_t, bool cut) {
  if (cut) {
    w_.BeginObject();
    w_.Key("cut");
  }
  w_.BeginArray();
}

void JsonValueSink::EndList(uint64_t, uint64_t len, bool cut) {
  w_.EndArray();
  if (cut) {
    w_.Key("len");
    w_.Uint(len);
    w_.EndObject();
  }
}

void JsonValueSink::IfaceUnknown(uint64_t) {
  w_.BeginObject();
  w_.Key("type");
  w_.String("?");
  w_.Key("value");
  w_.Null();
  w_.EndObject();
}

void JsonValueSink::BeginIface(const Type *dyn) {
  w_.BeginObject();
  w_.Key("type");
  w_.String(dyn->name);
  w_.Key("value");
}

void JsonValueSink::MapLayoutUnknown(const Type *t, uint64_t p) {
  w_.BeginObject();
  w_.Key("address");
  w_.Hex(p);
  w_.Key("type");
  w_.String(t->name);
  w_.Key("error");
  w_.String("map layout unknown");
  w_.EndObject();
}

void JsonValueSink::BeginMap(const MapWalkInfo &info) {
  w_.BeginObject();
  w_.Key("address");
  w_.Hex(info.address);
  w_.Key("type");
  w_.String(info.type);
  w_.Key("impl");
  w_.String(ImplString(info.impl));
  w_.Key("len");
  if (info.header_ok)
    w_.Uint(info.len);
  else
    w_.Null();
  w_.Key("entries");
  w_.BeginArray();
}

void JsonValueSink::MapKey() {
  w_.BeginObject();
  w_.Key("key");
}

void JsonValueSink::EndMap(const MapWalkInfo &, bool truncated, uint64_t cut_values,
                           const std::vector<Diagnostic> &diags) {
  w_.EndArray();
  w_.Key("truncated");
  w_.Bool(truncated);
  w_.Key("cut_values");
  w_.Uint(cut_values);
  w_.Key("diagnostics");
  w_.BeginArray();
  for (const Diagnostic &d : diags)
    WriteDiagnostic(w_, d);
  w_.EndArray();
  w_.EndObject();
}

// --- text ----------------------------------------------------------------------------

void TextValueSink::Int(int64_t v) { AppendInt(*out_, v); }
void TextValueSink::Uint(uint64_t v) { AppendUint(*out_, v); }
void TextValueSink::Float(double v, bool is32) { AppendGoFloat(*out_, v, is32); }

void TextValueSink::Complex(double re, double im, bool is32) {
  *out_ += '(';
  AppendGoFloat(*out_, re, is32);
  AppendGoFloat(*out_, im, is32, /*plus=*/true);
  *out_ += "i)";
}

void TextValueSink::String(const uint8_t *p, size_t n, uint64_t, bool cut) {
  AppendGoQuoted(*out_, p, n);
  if (cut)
    *out_ += "...";
}

void TextValueSink::Unreadable(uint64_t addr) {
  *out_ += "<unreadable ";
  AppendHex(*out_, addr);
  *out_ += '>';
}

void TextValueSink::Pointer(const Type *t, uint64_t p) {
  if (t->kind == Kind::UnsafePointer) {
    *out_ += "unsafe.Pointer(";
  } else {
    *out_ += '(';
    *out_ += t->name;
    *out_ += ")(";
  }
  AppendHex(*out_, p);
  *out_ += ')';
}

void TextValueSink::PointerCycle(const Type *t, uint64_t p) {
  *out_ += '(';
  *out_ += t->name;
  *out_ += ")(";
  AppendHex(*out_, p);
  *out_ += ") <cycle>";
}

void TextValueSink::PointeeUnreadable(const Type *t, uint64_t p) {
  *out_ += '(';
  *out_ += t->name;
  *out_ += ")(";
  AppendHex(*out_, p);
  *out_ += ") ";
  Unreadable(p);
}

void TextValueSink::BeginStruct(const Type *t) {
  *out_ += t->name;
  *out_ += '{';
  first_.push_back(true);
}

void TextValueSink::Field(const std::string &name) {
  if (!first_.back())
    *out_ += ", ";
  first_.back() = false;
  *out_ += name;
  *out_ += ": ";
}

void TextValueSink::EndStruct() {
  first_.pop_back();
  *out_ += '}';
}

void TextValueSink::BeginList(const Type *t, uint64_t, bool) {
  *out_ += t->name;
  *out_ += '{';
  first_.push_back(true);
}

void TextValueSink::Elem() {
  if (!first_.back())
    *out_ += ", ";
  first_.back() = false;
}

void TextValueSink::EndList(uint64_t rendered, uint64_t, bool cut) {
  first_.pop_back();
  if (cut)
    *out_ += rendered == 0 ? "..." : ", ...";
  *out_ += '}';
}

void TextValueSink::IfaceUnknown(uint64_t descriptor) {
  *out_ += "?(";
  AppendHex(*out_, descriptor);
  *out_ += ')';
}

void TextValueSink::BeginIface(const Type *) { iface_.push_back(out_->size()); }

void TextValueSink::EndIface(const Type *dyn) {
  size_t start = iface_.back();
  iface_.pop_back();
  bool is_nil = out_->size() - start == 3 && out_->compare(start, 3, "nil") == 0;
  if (TextNamesType(dyn->kind) && !is_nil)
    return;
  out_->insert(start, dyn->name + "(");
  *out_ += ')';
}

void TextValueSink::MapLayoutUnknown(const Type *t, uint64_t p) { Pointer(t, p); }

void TextValueSink::BeginMap(const MapWalkInfo &info) {
  *out_ += info.type;
  *out_ += '{';
  first_.push_back(true);
}

void TextValueSink::MapKey() {
  if (!first_.back())
    *out_ += ", ";
  first_.back() = false;
}

void TextValueSink::EndMap(const MapWalkInfo &info, bool truncated, uint64_t,
                           const std::vector<Diagnostic> &) {
  bool first = first_.back();
  first_.pop_back();
  if (!info.header_ok)
    Unreadable(info.address);
  if (truncated)
    *out_ += first ? "..." : ", ...";
  *out_ += '}';
}

} // namespace gomap
