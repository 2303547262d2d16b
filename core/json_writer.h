// Incremental JSON output: the text nlohmann::json::dump(indent) would give for the same
// document, written as it is produced into a buffer that is handed to an OutputStream in
// chunks. Documents are never built as a tree.
#ifndef GOMAP_CORE_JSON_WRITER_H
#define GOMAP_CORE_JSON_WRITER_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gomap {

// Where streamed output goes (a file, the debugger's result, a Python callable).
class OutputStream {
public:
  virtual ~OutputStream() = default;
  virtual void Write(std::string_view bytes) = 0;
};

// A buffer flushed to an OutputStream once it holds `chunk` bytes (only at the
// points the producer calls MaybeFlush, so that it may still edit what it wrote
// since the last one); without a stream it just grows (rendering to a string).
class OutBuffer {
public:
  explicit OutBuffer(OutputStream *stream = nullptr, size_t chunk = size_t(1) << 16)
      : stream_(stream), chunk_(chunk) {
    if (stream_ != nullptr)
      buf_.reserve(chunk_ + chunk_ / 2);
  }
  std::string &str() { return buf_; }
  void MaybeFlush() {
    if (stream_ != nullptr && buf_.size() >= chunk_)
      Flush();
  }
  void Flush() {
    if (stream_ != nullptr && !buf_.empty()) {
      stream_->Write(buf_);
      written_ += buf_.size();
      buf_.clear();
    }
  }
  // Bytes produced so far (flushed and buffered).
  uint64_t size() const { return written_ + buf_.size(); }

private:
  OutputStream *stream_;
  size_t chunk_;
  std::string buf_;
  uint64_t written_ = 0;
};

class JsonWriter {
public:
  // indent: spaces per level as nlohmann's dump(indent); -1 compact.
  JsonWriter(std::string &out, int indent) : out_(&out), indent_(indent) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);
  void Null();
  void Bool(bool b);
  void String(std::string_view s);
  void StringBytes(const uint8_t *p, size_t n);
  // gomap/1 numbers: past 2^53 as decimal strings; NaN/+Inf/-Inf as strings.
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Float(double v);
  void Hex(uint64_t v); // "0x…"
  // A whole (small) tree: formatter output, header-style documents.
  void Value(const nlohmann::ordered_json &j);

  std::string &out() { return *out_; }
  void set_out(std::string &out) { out_ = &out; }
  size_t depth() const { return stack_.size(); }

private:
  void BeforeValue();
  void Newline(size_t depth);
  struct Level {
    bool array;
    bool empty;
  };
  std::string *out_;
  int indent_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

} // namespace gomap

#endif
