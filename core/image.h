// The executable's own bytes: its allocated ELF sections at their link
// addresses. Cores omit file-backed mappings a process never wrote, so static
// data (string literals, the pclntab, moduledata) is read from here.
#ifndef GOMAP_CORE_IMAGE_H
#define GOMAP_CORE_IMAGE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gomap {

struct ImageSection {
  std::string name; // ".gopclntab", ".bss", ...
  uint64_t addr = 0, size = 0;
  const uint8_t *data = nullptr; // null for sections without file bytes (.bss)
  bool writable = false;
};

class BinaryImage {
public:
  void Add(ImageSection s) { sections_.push_back(std::move(s)); }
  const ImageSection *Find(std::string_view name) const {
    for (const auto &s : sections_)
      if (s.name == name)
        return &s;
    return nullptr;
  }
  const std::vector<ImageSection> &sections() const { return sections_; }
  // Copies up to n file bytes at addr (within one section); returns how many.
  size_t Read(uint64_t addr, void *dst, size_t n) const;
  bool ReadExact(uint64_t addr, void *dst, size_t n) const { return Read(addr, dst, n) == n; }

private:
  std::vector<ImageSection> sections_;
};

} // namespace gomap

#endif
