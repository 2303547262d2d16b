// Fuzz target: the heap model (core/heap/mheap.cpp) — mheap_.arenas, the
// heapArena span tables, mspans and their allocBits/gcmarkBits, read lazily to
// classify pointers — and the verdicts and evidence built on it. a0 is
// &runtime.mheap_, a1 a pointer to classify; the words at a1 (a map header: its
// bucket array or directory) and a few neighbours are classified too. The
// profile's version picks the built-in heap layout.
#include "fuzz_common.h"

#include "core/heap/mheap.h"

using namespace gomap;

namespace {

const char *const kVerdicts[] = {"fits",     "stack",    "freed",   "reused", "unswept",
                                 "unmapped", "not-heap", "unknown", "nil"};

void Classify(heap::Mheap &h, uint64_t addr) {
  heap::PointerInfo p = h.ClassifyPointer(addr);
  fuzz::Require(p.address == addr, "PointerInfo names the address asked");
  if (p.cls == heap::PtrClass::Object) {
    fuzz::Require(p.has_span, "an object has its span");
    fuzz::Require(p.span.elemsize > 0 && p.object <= addr && addr - p.object < p.span.elemsize,
                  "an object slot holds the address");
    fuzz::Require(p.alloc != "allocated" || p.index < p.span.nelems,
                  "an allocated slot is one of the span's objects");
  }
  for (const heap::Expect &e :
       {heap::Expect{8, true, 0}, heap::Expect{208, false, 208}, heap::Expect{1 << 20, true, 0}}) {
    std::string why;
    std::string v = heap::Verdict(p, e, &why);
    bool known = false;
    for (const char *k : kVerdicts)
      known = known || v == k;
    fuzz::Require(known, "a verdict of the closed set");
    fuzz::Require(why.find('\n') == std::string::npos, "the verdict's evidence is one line");
  }
  std::string ev = heap::Evidence(p);
  fuzz::Require(ev.find('\n') == std::string::npos, "evidence is one line");
  (void)fuzz::Dump(heap::PointerJson(p));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Input in = fuzz::Parse(data, size);
  GoVersion v = GoVersion::Parse(fuzz::kVersions[in.profile % fuzz::kNumVersions]);
  std::string why;
  std::optional<heap::HeapLayout> layout = heap::BuiltinHeapLayout(v, &why);
  if (!layout)
    return 0;
  CachedReader mem(in.mem, fuzz::kPage, fuzz::kPages);
  std::vector<heap::Region> regions{{0x401000, 0x600000, "code", "section .text"},
                                    {0x600000, 0x700000, "global", "section .data"}};
  heap::Mheap h(mem, *layout, in.a0, regions);
  if (!h.Load()) {
    fuzz::Require(!h.error().empty(), "a heap that does not load says why");
    fuzz::Require(h.error().find('\n') == std::string::npos, "in one line");
  }
  Classify(h, in.a1);
  uint64_t words[4] = {};
  size_t got = mem.Read(in.a1, words, sizeof words);
  for (size_t i = 0; i < got / 8; ++i)
    Classify(h, words[i]);
  Classify(h, in.a1 + 8);
  Classify(h, in.a1 - 8);
  return 0;
}
