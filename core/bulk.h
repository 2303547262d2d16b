// Internal helpers shared by the classic and swiss decoders: bulk array reads,
// header field decoding and address formatting. Not part of the public API.
#ifndef GOMAP_CORE_BULK_H
#define GOMAP_CORE_BULK_H

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "map.h"
#include "map_layout.h"
#include "target.h"

namespace gomap::detail {

// Little-endian load of 1, 2, 4 or 8 bytes (any other size gives 0).
inline uint64_t LoadLE(const uint8_t *p, uint64_t size) {
  if (size != 1 && size != 2 && size != 4 && size != 8)
    return 0;
  uint64_t v = 0;
  for (uint64_t i = 0; i < size; ++i)
    v |= uint64_t(p[i]) << (8 * i);
  return v;
}

inline std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Reads a runtime struct (hmap, maps.Map, maps.table) in one read and decodes
// every field of `layout`. false when the struct could not be read in full.
inline bool ReadStruct(MemoryReader &mem, const StructLayout &layout, uint64_t addr,
                       std::vector<HeaderValue> *out) {
  out->clear();
  uint64_t size = layout.size;
  for (const auto &f : layout.fields)
    size = std::max(size, f.offset + f.size);
  if (size == 0 || size > 4096)
    return false;
  std::vector<uint8_t> bytes(size);
  if (!mem.ReadExact(addr, bytes.data(), bytes.size()))
    return false;
  for (const auto &f : layout.fields)
    out->push_back(HeaderValue{f.name, f.offset, f.size, LoadLE(bytes.data() + f.offset, f.size)});
  return true;
}

inline const HeaderValue *FindValue(const std::vector<HeaderValue> &vals, std::string_view name) {
  for (const auto &v : vals)
    if (v.name == name)
      return &v;
  return nullptr;
}

// How many elements of an array of `count` elements of `elem_size` bytes at
// `base` exist, by evidence: the array's last byte is probed first and, when it
// is unreadable, the readable prefix is found by bisection at page granularity
// (at most ~64 one-byte probes). A header field such as B or lengthMask only
// claims storage; a walk trusts no more of it than this.
inline uint64_t ElementsPresent(MemoryReader &mem, uint64_t base, uint64_t count,
                                uint64_t elem_size) {
  if (count == 0 || elem_size == 0)
    return 0;
  uint64_t bytes = count > (UINT64_MAX - base) / elem_size ? UINT64_MAX - base : count * elem_size;
  uint8_t byte = 0;
  auto readable = [&](uint64_t off) { return mem.ReadExact(base + off, &byte, 1); };
  if (bytes == count * elem_size && readable(bytes - 1))
    return count;
  if (!readable(0))
    return 0;
  uint64_t lo = 0, hi = bytes - 1; // lo readable, hi not
  constexpr uint64_t kPage = 4096;
  while (hi - lo > kPage) {
    uint64_t mid = lo + (hi - lo) / 2;
    (readable(mid) ? lo : hi) = mid;
  }
  return std::min(count, (lo / kPage + 1) * kPage / elem_size);
}

// A target array of `count` fixed-size elements (buckets, groups, directory
// entries) read in chunks of up to `chunk_bytes` per MemoryReader::Read. When a
// read comes back short, the elements it covered in full are usable; the next
// element is retried on its own, so one hole costs only the elements it covers.
class ArrayReader {
public:
  ArrayReader() = default;
  ArrayReader(MemoryReader *mem, uint64_t base, uint64_t count, uint64_t elem_size,
              uint64_t chunk_bytes = 1 << 20)
      : mem_(mem), base_(base), count_(count), elem_size_(elem_size),
        chunk_elems_(std::max<uint64_t>(1, chunk_bytes / std::max<uint64_t>(1, elem_size))) {}

  uint64_t count() const { return count_; }
  uint64_t AddressOf(uint64_t i) const { return base_ + i * elem_size_; }

  // The bytes of element i, or nullptr when they are unreadable.
  const uint8_t *Get(uint64_t i) {
    if (mem_ == nullptr || i >= count_ || elem_size_ == 0)
      return nullptr;
    if (i >= first_ && i < first_ + valid_)
      return bytes_.data() + (i - first_) * elem_size_;
    if ((i == first_ && loaded_) || i < skip_until_)
      return nullptr; // already tried, or inside a known hole
    uint64_t n = std::min(count_ - i, chunk_elems_);
    bytes_.resize(n * elem_size_);
    size_t got = mem_->Read(AddressOf(i), bytes_.data(), bytes_.size());
    first_ = i;
    valid_ = got / elem_size_;
    loaded_ = true;
    ++reads_;
    if (valid_ > 0) {
      fail_run_ = 0;
      return bytes_.data();
    }
    // Small holes are probed element by element so that every readable
    // element is used. After kExactRetries failures in a row the hole is
    // large (an unmapped region): skip ahead page-wise, growing the step up
    // to kMaxSkip, so a huge unreadable array costs few reads.
    if (++fail_run_ > kExactRetries) {
      uint64_t shift = std::min<uint64_t>(fail_run_ - kExactRetries, 4);
      uint64_t step = std::min<uint64_t>(kMaxSkip, kPage << shift);
      uint64_t fail_addr = AddressOf(i) + got;
      uint64_t end = fail_addr / kPage * kPage + step;
      uint64_t k = end > base_ ? (end - base_ + elem_size_ - 1) / elem_size_ : i + 1;
      skip_until_ = std::max(i + 1, k);
    }
    return nullptr;
  }
  // True when p lies inside the array (overflow-safe).
  bool Contains(uint64_t p) const {
    if (count_ == 0 || p < base_)
      return false;
    return (p - base_) / elem_size_ < count_;
  }
  uint64_t reads() const { return reads_; }

private:
  MemoryReader *mem_ = nullptr;
  uint64_t base_ = 0, count_ = 0, elem_size_ = 0, chunk_elems_ = 1;
  std::vector<uint8_t> bytes_;
  static constexpr uint64_t kExactRetries = 64;
  static constexpr uint64_t kPage = 4096;
  static constexpr uint64_t kMaxSkip = 64 * 1024;
  uint64_t first_ = 0, valid_ = 0;
  bool loaded_ = false;
  uint64_t fail_run_ = 0, skip_until_ = 0;
  uint64_t reads_ = 0;
};

// Consecutive unreadable elements (buckets, groups, directory entries),
// reported as one diagnostic: "<prefix>buckets 3-9 at 0x...: unreadable".
class UnreadableRun {
public:
  UnreadableRun() = default;
  UnreadableRun(std::string what, std::string prefix = "")
      : what_(std::move(what)), prefix_(std::move(prefix)) {}
  void Add(uint64_t i, uint64_t addr, DiagnosticSink &sink) {
    if (active_ && last_ + 1 == i) {
      last_ = i;
      return;
    }
    Flush(sink);
    active_ = true;
    first_ = last_ = i;
    addr_ = addr;
  }
  void Flush(DiagnosticSink &sink) {
    if (!active_)
      return;
    std::string range = first_ == last_
                            ? what_ + " " + std::to_string(first_)
                            : what_ + "s " + std::to_string(first_) + "-" + std::to_string(last_);
    sink.Add(DiagCode::Unreadable, Severity::Error,
             prefix_ + range + " at " + Hex(addr_) + ": unreadable", addr_);
    active_ = false;
  }

private:
  bool active_ = false;
  uint64_t first_ = 0, last_ = 0, addr_ = 0;
  std::string what_, prefix_;
};

// The common start of ReadHeader for both implementations: a nil map, an
// unaligned pointer, or the header struct read in one piece.
enum class HeaderRead { Nil, Ok, Unreadable };
inline HeaderRead ReadHeaderFields(MemoryReader &mem, const StructLayout &layout, MapImpl impl,
                                   const char *noun, uint64_t addr, MapHeader *out,
                                   DiagnosticSink &sink, std::string *where) {
  *out = MapHeader{};
  out->address = addr;
  out->impl = impl;
  if (addr == 0)
    return HeaderRead::Nil;
  *where = std::string(noun) + " at " + Hex(addr);
  if (addr % 8 != 0)
    sink.Add(DiagCode::Implausible, Severity::Error, *where + ": map pointer is not 8-byte aligned",
             addr);
  if (!ReadStruct(mem, layout, addr, &out->fields)) {
    sink.Add(DiagCode::Unreadable, Severity::Error, *where + ": header unreadable", addr);
    return HeaderRead::Unreadable;
  }
  return HeaderRead::Ok;
}

inline bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

} // namespace gomap::detail

#endif
