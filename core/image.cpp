#include "core/image.h"

#include <algorithm>
#include <cstring>

namespace gomap {

size_t BinaryImage::Read(uint64_t addr, void *dst, size_t n) const {
  for (const auto &s : sections_) {
    if (!s.data || addr < s.addr || addr >= s.addr + s.size)
      continue;
    size_t take = std::min<uint64_t>(n, s.addr + s.size - addr);
    std::memcpy(dst, s.data + (addr - s.addr), take);
    return take;
  }
  return 0;
}

} // namespace gomap
