// Fuzz target: DWARF location expressions (core/location.cpp). The first 8
// bytes are the value size and CFA seed; the rest is the expression; memory is
// a fixed 4 KiB stack around the CFA, registers answer for regno < 17.
#include "fuzz_common.h"

#include "core/location.h"

using namespace gomap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  uint64_t value_size = data[0] | (uint64_t(data[1] & 0x3f) << 8); // < 16 KiB
  std::vector<uint8_t> expr(data + 2, data + size);
  ImageReader mem;
  std::vector<uint8_t> stack(4096);
  for (size_t i = 0; i < stack.size(); ++i)
    stack[i] = uint8_t(i * 7);
  mem.Map(0x7000, stack);
  FrameContext frame;
  frame.cfa = 0x7800;
  frame.reg = [](uint32_t regno, uint64_t *v) {
    if (regno >= 17)
      return false;
    *v = 0x7000 + regno * 16;
    return true;
  };
  VarValue v = EvaluateLocation(expr, value_size, frame, mem);
  if (!v.ok)
    fuzz::Require(!v.error.empty(), "a failed location says why");
  else if (!v.in_memory)
    fuzz::Require(v.bytes.size() <= value_size, "no more bytes than the value's size");
  OverlayReader ov(mem);
  if (v.ok && !v.in_memory) {
    uint64_t a = ov.Add(v.bytes);
    std::vector<uint8_t> back(v.bytes.size());
    fuzz::Require(ov.ReadExact(a, back.data(), back.size()) && back == v.bytes,
                  "overlay reads back its bytes");
  }
  return 0;
}
