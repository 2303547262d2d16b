// Names and frame sizes of code addresses, from whichever record the binary
// has: DWARF (.debug_line, .debug_info, .debug_frame) or the Go pclntab.
#ifndef GOMAP_CORE_CODE_INFO_H
#define GOMAP_CORE_CODE_INFO_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gomap {

// One source position of a pc; several per pc when calls were inlined.
struct SourceFrame {
  std::string function; // "main.(*Cache).wait"
  std::string file;
  uint32_t line = 0;
};

class CodeInfo {
public:
  virtual ~CodeInfo() = default;
  // Source positions of `pc`, innermost (inlined) first; empty when unknown.
  virtual std::vector<SourceFrame> Symbolize(uint64_t pc) = 0;
  // CFA - SP at `pc` (amd64: the return address is at CFA-8 and the caller's
  // SP is the CFA); nullopt when the binary does not say.
  virtual std::optional<int64_t> CfaOffset(uint64_t pc) = 0;
};

} // namespace gomap

#endif
