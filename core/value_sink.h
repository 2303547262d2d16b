// The renderer's output side: one walk over Go kinds (value.cpp) calls a ValueSink, and
// the JSON sink writes the gomap/1 encoding while the text sink writes Go-like text, both
// straight into an output buffer.
#ifndef GOMAP_CORE_VALUE_SINK_H
#define GOMAP_CORE_VALUE_SINK_H

#include <cstdint>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "json_writer.h"
#include "map.h"
#include "types.h"

namespace gomap {

// What a map walk knows before its entries (the header) and after them.
struct MapWalkInfo {
  uint64_t address = 0;
  std::string type;
  MapImpl impl = MapImpl::Classic;
  bool header_ok = true;
  uint64_t len = 0;
};

class ValueSink {
public:
  virtual ~ValueSink() = default;
  virtual bool json() const = 0;
  // The buffer written to (the renderer swaps it to render a formatter's default).
  virtual std::string &out() = 0;
  virtual void set_out(std::string &out) = 0;

  virtual void Bool(bool b) = 0;
  virtual void Int(int64_t v) = 0;
  virtual void Uint(uint64_t v) = 0;
  virtual void Float(double v, bool is32) = 0;
  virtual void Complex(double re, double im, bool is32) = 0;
  // p[0, n): the bytes rendered; len the string's length (> n when cut).
  virtual void String(const uint8_t *p, size_t n, uint64_t len, bool cut) = 0;
  virtual void Nil() = 0;
  // Stand-ins for what could not be rendered.
  virtual void Unreadable(uint64_t addr) = 0;
  virtual void UnknownType() = 0;
  virtual void DepthLimit() = 0;
  virtual void BudgetExhausted() = 0;
  // Pointers, chans, funcs, unsafe.Pointer.
  virtual void Pointer(const Type *t, uint64_t p) = 0;
  virtual void PointerCycle(const Type *t, uint64_t p) = 0;
  virtual void PointeeUnreadable(const Type *t, uint64_t p) = 0;
  virtual void BeginPointee(const Type *t, uint64_t p) = 0; // then one value
  virtual void EndPointee() = 0;
  // Structs: BeginStruct, (Field, value)*, EndStruct.
  virtual void BeginStruct(const Type *t) = 0;
  virtual void Field(const std::string &name) = 0;
  virtual void EndStruct() = 0;
  // Arrays and slices: BeginList, (Elem, value)*, EndList; cut: fewer than len
  // elements follow (a per-value limit).
  virtual void BeginList(const Type *t, uint64_t len, bool cut) = 0;
  virtual void Elem() = 0;
  virtual void EndList(uint64_t rendered, uint64_t len, bool cut) = 0;
  // Interfaces.
  virtual void IfaceUnknown(uint64_t descriptor) = 0;
  virtual void BeginIface(const Type *dyn) = 0; // then one value
  virtual void EndIface(const Type *dyn) = 0;
  // Nested maps: BeginMap, (MapKey, key, MapValue, value, EndEntry)*, EndMap.
  virtual void MapLayoutUnknown(const Type *t, uint64_t p) = 0;
  virtual void BeginMap(const MapWalkInfo &info) = 0;
  virtual void MapKey() = 0;
  virtual void MapValue() = 0;
  virtual void EndEntry() = 0;
  // diags: the walk's own findings (the JSON map object lists them).
  virtual void EndMap(const MapWalkInfo &info, bool truncated, uint64_t cut_values,
                      const std::vector<Diagnostic> &diags) = 0;
  // A user formatter's text (text sink only).
  virtual void Raw(const std::string &text) = 0;
};

// gomap/1 JSON (docs/json.md) through a JsonWriter.
class JsonValueSink final : public ValueSink {
public:
  explicit JsonValueSink(JsonWriter &w) : w_(w) {}
  JsonWriter &writer() { return w_; }
  bool json() const override { return true; }
  std::string &out() override { return w_.out(); }
  void set_out(std::string &out) override { w_.set_out(out); }
  void Bool(bool b) override { w_.Bool(b); }
  void Int(int64_t v) override { w_.Int(v); }
  void Uint(uint64_t v) override { w_.Uint(v); }
  void Float(double v, bool) override { w_.Float(v); }
  void Complex(double re, double im, bool is32) override;
  void String(const uint8_t *p, size_t n, uint64_t len, bool cut) override;
  void Nil() override { w_.Null(); }
  void Unreadable(uint64_t addr) override;
  void UnknownType() override;
  void DepthLimit() override;
  void BudgetExhausted() override;
  void Pointer(const Type *t, uint64_t p) override;
  void PointerCycle(const Type *t, uint64_t p) override;
  void PointeeUnreadable(const Type *t, uint64_t p) override;
  void BeginPointee(const Type *t, uint64_t p) override;
  void EndPointee() override { w_.EndObject(); }
  void BeginStruct(const Type *t) override;
  void Field(const std::string &name) override;
  void EndStruct() override;
  void BeginList(const Type *t, uint64_t len, bool cut) override;
  void Elem() override {}
  void EndList(uint64_t rendered, uint64_t len, bool cut) override;
  void IfaceUnknown(uint64_t descriptor) override;
  void BeginIface(const Type *dyn) override;
  void EndIface(const Type *) override { w_.EndObject(); }
  void MapLayoutUnknown(const Type *t, uint64_t p) override;
  void BeginMap(const MapWalkInfo &info) override;
  void MapKey() override;
  void MapValue() override { w_.Key("value"); }
  void EndEntry() override { w_.EndObject(); }
  void EndMap(const MapWalkInfo &info, bool truncated, uint64_t cut_values,
              const std::vector<Diagnostic> &diags) override;
  void Raw(const std::string &) override {}

private:
  JsonWriter &w_;
  std::vector<unsigned> underscores_; // `_` fields met per open struct
};

// Go-like text: 1, "a\"b", main.P{X: 1, Y: 2}, map[string]int{"a": 1}.
class TextValueSink final : public ValueSink {
public:
  explicit TextValueSink(std::string &out) : out_(&out) {}
  bool json() const override { return false; }
  std::string &out() override { return *out_; }
  void set_out(std::string &out) override { out_ = &out; }
  void Bool(bool b) override { *out_ += b ? "true" : "false"; }
  void Int(int64_t v) override;
  void Uint(uint64_t v) override;
  void Float(double v, bool is32) override;
  void Complex(double re, double im, bool is32) override;
  void String(const uint8_t *p, size_t n, uint64_t len, bool cut) override;
  void Nil() override { *out_ += "nil"; }
  void Unreadable(uint64_t addr) override;
  void UnknownType() override { *out_ += "<unknown type>"; }
  void DepthLimit() override { *out_ += "..."; }
  void BudgetExhausted() override { *out_ += "..."; }
  void Pointer(const Type *t, uint64_t p) override;
  void PointerCycle(const Type *t, uint64_t p) override;
  void PointeeUnreadable(const Type *t, uint64_t p) override;
  void BeginPointee(const Type *, uint64_t) override { *out_ += '&'; }
  void EndPointee() override {}
  void BeginStruct(const Type *t) override;
  void Field(const std::string &name) override;
  void EndStruct() override;
  void BeginList(const Type *t, uint64_t len, bool cut) override;
  void Elem() override;
  void EndList(uint64_t rendered, uint64_t len, bool cut) override;
  void IfaceUnknown(uint64_t descriptor) override;
  void BeginIface(const Type *dyn) override;
  void EndIface(const Type *dyn) override;
  void MapLayoutUnknown(const Type *t, uint64_t p) override;
  void BeginMap(const MapWalkInfo &info) override;
  void MapKey() override;
  void MapValue() override { *out_ += ": "; }
  void EndEntry() override {}
  void EndMap(const MapWalkInfo &info, bool truncated, uint64_t cut_values,
              const std::vector<Diagnostic> &diags) override;
  void Raw(const std::string &text) override { *out_ += text; }

private:
  std::string *out_;
  std::vector<bool> first_;   // per open struct/list/map: nothing written yet
  std::vector<size_t> iface_; // per open interface: where its value starts
};

// Writes {"code","severity","message","address"}.
void WriteDiagnostic(JsonWriter &w, const Diagnostic &d);

} // namespace gomap

#endif
