// Target access for the core: the memory-reader interface every decoder reads through.
#ifndef GOMAP_CORE_TARGET_H
#define GOMAP_CORE_TARGET_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

namespace gomap {

// Reads target memory. A live process, an ELF core, a synthetic test image and a
// Python `read(addr, n)` callable all implement this. Implementations must never
// throw; an unreadable range is a short (or zero) read.
class MemoryReader {
public:
  virtual ~MemoryReader() = default;
  // Copies up to n bytes at addr into dst; returns how many leading bytes were read.
  virtual size_t Read(uint64_t addr, void *dst, size_t n) = 0;

  // True when all n bytes were read.
  bool ReadExact(uint64_t addr, void *dst, size_t n) { return n == 0 || Read(addr, dst, n) == n; }
  template <typename T> bool ReadScalar(uint64_t addr, T *out) {
    return ReadExact(addr, out, sizeof(T));
  }
  bool ReadPtr(uint64_t addr, uint64_t *out) { return ReadScalar(addr, out); }
  // Reads an unsigned little-endian integer of 1, 2, 4 or 8 bytes.
  bool ReadUint(uint64_t addr, size_t size, uint64_t *out) {
    uint8_t buf[8] = {};
    if (size == 0 || size > 8 || !ReadExact(addr, buf, size))
      return false;
    uint64_t v = 0;
    for (size_t i = 0; i < size; ++i)
      v |= uint64_t(buf[i]) << (8 * i);
    *out = v;
    return true;
  }
};

// Read-through cache in fixed-size pages over another reader, so that slot-by-slot
// decoding after a bulk read costs no extra target round trips. Bounded: at most
// `max_pages` pages are kept (simple FIFO eviction).
class CachedReader final : public MemoryReader {
public:
  explicit CachedReader(MemoryReader &inner, size_t page_size = 64 * 1024, size_t max_pages = 512)
      : inner_(inner), page_size_(page_size), max_pages_(max_pages) {}

  size_t Read(uint64_t addr, void *dst, size_t n) override;
  // Fetch [addr, addr+n) in as few inner reads as possible.
  void Prefetch(uint64_t addr, size_t n);
  size_t InnerReads() const { return inner_reads_; }

private:
  struct Page {
    std::vector<uint8_t> bytes; // bytes.size() < page_size_ means a short read
  };
  const Page &GetPage(uint64_t page_addr);

  MemoryReader &inner_;
  size_t page_size_;
  size_t max_pages_;
  std::map<uint64_t, Page> pages_;
  std::vector<uint64_t> order_;
  size_t inner_reads_ = 0;
};

// A reader over explicit byte ranges; used by unit tests and offline images.
class ImageReader final : public MemoryReader {
public:
  void Map(uint64_t addr, std::vector<uint8_t> bytes) { regions_[addr] = std::move(bytes); }
  size_t Read(uint64_t addr, void *dst, size_t n) override;

private:
  std::map<uint64_t, std::vector<uint8_t>> regions_;
};

} // namespace gomap

#endif
