// Incremental JSON output in nlohmann::json's dump layout (see json_writer.h).
#include "json_writer.h"

#include <cmath>

#include "go_format.h"

namespace gomap {

void JsonWriter::Newline(size_t depth) {
  if (indent_ < 0)
    return;
  *out_ += '\n';
  out_->append(depth * size_t(indent_), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty())
    return;
  Level &l = stack_.back();
  if (!l.empty)
    *out_ += ',';
  l.empty = false;
  Newline(stack_.size());
}

void JsonWriter::Key(std::string_view key) {
  Level &l = stack_.back();
  if (!l.empty)
    *out_ += ',';
  l.empty = false;
  Newline(stack_.size());
  AppendJsonString(*out_, key);
  *out_ += indent_ < 0 ? ":" : ": ";
  after_key_ = true;
}

void JsonWriter::BeginObject() {
  BeforeValue();
  *out_ += '{';
  stack_.push_back({false, true});
}

void JsonWriter::BeginArray() {
  BeforeValue();
  *out_ += '[';
  stack_.push_back({true, true});
}

void JsonWriter::EndObject() {
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty)
    Newline(stack_.size());
  *out_ += '}';
}

void JsonWriter::EndArray() {
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty)
    Newline(stack_.size());
  *out_ += ']';
}

void JsonWriter::Null() {
  BeforeValue();
  *out_ += "null";
}

void JsonWriter::Bool(bool b) {
  BeforeValue();
  *out_ += b ? "true" : "false";
}

void JsonWriter::String(std::string_view s) {
  BeforeValue();
  AppendJsonString(*out_, s);
}

void JsonWriter::StringBytes(const uint8_t *p, size_t n) {
  BeforeValue();
  AppendJsonString(*out_, p, n);
}

void JsonWriter::Int(int64_t v) {
  BeforeValue();
  AppendJsonInt(*out_, v);
}

void JsonWriter::Uint(uint64_t v) {
  BeforeValue();
  AppendJsonUint(*out_, v);
}

void JsonWriter::Float(double v) {
  BeforeValue();
  AppendJsonFloat(*out_, v);
}

void JsonWriter::Hex(uint64_t v) {
  BeforeValue();
  *out_ += '"';
  AppendHex(*out_, v);
  *out_ += '"';
}

void JsonWriter::Value(const nlohmann::ordered_json &j) {
  using T = nlohmann::ordered_json::value_t;
  switch (j.type()) {
  case T::object:
    BeginObject();
    for (auto it = j.begin(); it != j.end(); ++it) {
      Key(it.key());
      Value(it.value());
    }
    EndObject();
    return;
  case T::array:
    BeginArray();
    for (const auto &e : j)
      Value(e);
    EndArray();
    return;
  case T::string:
    String(j.get_ref<const std::string &>());
    return;
  case T::boolean:
    Bool(j.get<bool>());
    return;
  case T::number_integer:
    BeforeValue();
    AppendInt(*out_, j.get<int64_t>());
    return;
  case T::number_unsigned:
    BeforeValue();
    AppendUint(*out_, j.get<uint64_t>());
    return;
  case T::number_float: {
    double v = j.get<double>();
    BeforeValue();
    if (std::isfinite(v))
      AppendJsonNumber(*out_, v);
    else
      *out_ += "null"; // as nlohmann dumps a non-finite number
    return;
  }
  default:
    Null();
    return;
  }
}

} // namespace gomap
