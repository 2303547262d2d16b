// Fuzz target: the runtime's own tables for binaries without DWARF
// (core/pclntab.cpp): pcHeader, ftab, pcsp, pcfile/pcln, inlined calls, and
// moduledata. Regions named by order: 0 .gopclntab, 1 .noptrdata, 2 .rodata,
// 3 .text (a range, no bytes), 4 .go.module, 5 .bss, 6 .noptrbss, 7 .data
// (ranges); a0 and a1 are pcs to symbolise; bit 0 of the
// profile picks go1.19 (else go1.26).
#include "fuzz_common.h"

#include "core/image.h"
#include "core/pclntab.h"

using namespace gomap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 17)
    return 0;
  uint8_t profile = data[0];
  uint64_t a0 = fuzz::Le(data + 1, 8), a1 = fuzz::Le(data + 9, 8);
  static const char *const kNames[] = {".gopclntab", ".noptrdata", ".rodata",   ".text",
                                       ".go.module", ".bss",       ".noptrbss", ".data"};
  BinaryImage image;
  size_t off = 17, n = 0;
  while (off + 12 <= size && n < 8) {
    uint64_t addr = fuzz::Le(data + off, 8);
    uint64_t len = fuzz::Le(data + off + 8, 4);
    off += 12;
    bool writable = n == 1 || n == 4 || n >= 5;
    bool bytes = n < 5 && n != 3; // .text, .bss, ... : an address range only
    if (bytes)
      len = std::min<uint64_t>(len, size - off);
    image.Add({kNames[n], addr, len, bytes ? data + off : nullptr, writable});
    if (bytes)
      off += len;
    ++n;
  }
  GoVersion v = GoVersion::Parse((profile & 1) ? "go1.19.8" : "go1.26.8");
  std::string error;
  auto tab = Pclntab::Open(image, v, &error);
  if (!tab) {
    fuzz::Require(!error.empty(), "a refused pclntab says why");
    return 0;
  }
  for (uint64_t pc : {a0, a1, a0 + 1, tab->moduledata().text}) {
    if (auto f = tab->FuncAt(pc)) {
      (void)tab->FuncName(*f);
      (void)tab->SpDelta(*f, pc);
    }
    (void)tab->Symbolize(pc);
    (void)tab->CfaOffset(pc);
  }
  return 0;
}
