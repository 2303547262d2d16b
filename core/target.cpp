// Page cache and image reader implementations for the memory-reader interface.
#include "target.h"

#include <algorithm>

namespace gomap {

const CachedReader::Page &CachedReader::GetPage(uint64_t page_addr) {
  auto it = pages_.find(page_addr);
  if (it != pages_.end())
    return it->second;
  if (pages_.size() >= max_pages_ && !order_.empty()) {
    pages_.erase(order_.front());
    order_.erase(order_.begin());
  }
  Page page;
  page.bytes.resize(page_size_);
  ++inner_reads_;
  size_t got = inner_.Read(page_addr, page.bytes.data(), page_size_);
  if (got < page_size_) {
    // A page that straddles the end of a mapping: fall back to a smaller read
    // at the start so that the readable prefix is still cached.
    page.bytes.resize(got);
  }
  order_.push_back(page_addr);
  return pages_.emplace(page_addr, std::move(page)).first->second;
}

size_t CachedReader::Read(uint64_t addr, void *dst, size_t n) {
  // Large reads bypass the cache: they are already bulk reads.
  if (n >= page_size_)
    return inner_.Read(addr, dst, n);
  auto *out = static_cast<uint8_t *>(dst);
  size_t done = 0;
  while (done < n) {
    uint64_t a = addr + done;
    uint64_t page_addr = a - (a % page_size_);
    const Page &page = GetPage(page_addr);
    size_t off = size_t(a - page_addr);
    if (off >= page.bytes.size()) {
      // Short page: the cached prefix does not cover it; try the inner reader
      // directly for the remainder (it may start a new mapping mid-page).
      size_t got = inner_.Read(a, out + done, n - done);
      ++inner_reads_;
      return done + got;
    }
    size_t take = std::min(n - done, page.bytes.size() - off);
    std::memcpy(out + done, page.bytes.data() + off, take);
    done += take;
  }
  return done;
}

void CachedReader::Prefetch(uint64_t addr, size_t n) {
  uint64_t end = addr + n;
  for (uint64_t p = addr - (addr % page_size_); p < end; p += page_size_) {
    if (pages_.size() >= max_pages_)
      break;
    GetPage(p);
  }
}

size_t ImageReader::Read(uint64_t addr, void *dst, size_t n) {
  auto *out = static_cast<uint8_t *>(dst);
  size_t done = 0;
  while (done < n) {
    uint64_t a = addr + done;
    auto it = regions_.upper_bound(a);
    if (it == regions_.begin())
      return done;
    --it;
    uint64_t start = it->first;
    const auto &bytes = it->second;
    if (a >= start + bytes.size())
      return done;
    size_t off = size_t(a - start);
    size_t take = std::min(n - done, bytes.size() - off);
    std::memcpy(out + done, bytes.data() + off, take);
    done += take;
  }
  return done;
}

} // namespace gomap
