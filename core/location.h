// DWARF location expressions of Go variables: the subset cmd/compile emits
// (DW_OP_addr, call_frame_cfa, fbreg, regN/regx, bregN, piece, plus_uconst,
// constants), evaluated against one frame of one goroutine.
#ifndef GOMAP_CORE_LOCATION_H
#define GOMAP_CORE_LOCATION_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "target.h"

namespace gomap {

struct FrameContext {
  uint64_t cfa = 0; // DW_OP_call_frame_cfa, also Go's frame base
  // Register values by DWARF number; empty when the frame has no registers
  // (a parked goroutine, or any frame but the innermost of a running one).
  std::function<bool(uint32_t regno, uint64_t *value)> reg;
};

struct VarValue {
  bool ok = false;
  std::string error;      // why not ok: "optimized out", "in a register", ...
  bool in_memory = false; // the whole value lives at addr
  uint64_t addr = 0;
  std::vector<uint8_t> bytes; // otherwise: the value itself (registers, pieces)
};

VarValue EvaluateLocation(const std::vector<uint8_t> &expr, uint64_t size,
                          const FrameContext &frame, MemoryReader &mem);

// Serves a few synthetic address ranges (values that live in registers or
// pieces) and everything else from the target.
class OverlayReader final : public MemoryReader {
public:
  explicit OverlayReader(MemoryReader &inner) : inner_(inner) {}
  // Places bytes at a synthetic address (never a valid user-space address).
  uint64_t Add(std::vector<uint8_t> bytes);
  size_t Read(uint64_t addr, void *dst, size_t n) override;

private:
  static constexpr uint64_t kBase = 0xffff900000000000ull;
  MemoryReader &inner_;
  std::vector<std::vector<uint8_t>> blobs_;
};

} // namespace gomap

#endif
