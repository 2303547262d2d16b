// The Go heap as the runtime's own records describe it: mheap_.arenas ->
// heapArena.spans -> mspan (runtime/mheap.go, mbitmap.go, mgcsweep.go,
// go1.19-go1.27, linux/amd64), to say what an address is: unmapped, not heap
// (code, globals, a stack), free pages, or an object of an in-use span and
// whether that slot is allocated. Layouts from the binary's DWARF, else a
// built-in per-release table.
#ifndef GOMAP_CORE_HEAP_MHEAP_H
#define GOMAP_CORE_HEAP_MHEAP_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/runtime_g.h"
#include "core/target.h"
#include "core/types.h"
#include "core/version.h"

namespace gomap::heap {

// Field offsets of runtime.mheap, runtime.heapArena and runtime.mspan, and
// the arena geometry (arenaL1Bits/arenaL2Bits, pagesPerArena, pageSize).
struct HeapLayout {
  std::string source; // "DWARF" or "built-in go1.NN table"
  FieldLoc mheap_sweepgen, mheap_arenas;
  uint64_t arena_l1 = 1;                              // 1 << arenaL1Bits entries
  uint64_t arena_l2 = uint64_t(1) << 22;              // 1 << arenaL2Bits entries
  uint64_t arena_base_offset = 0xffff800000000000ull; // arenaBaseOffset, amd64
  uint64_t pages_per_arena = 8192;
  uint64_t page_size = 8192; // _PageSize
  FieldLoc arena_spans;      // heapArena.spans [pagesPerArena]*mspan
  uint64_t span_read_size = 0;
  FieldLoc start_addr, npages, freeindex, nelems, alloc_cache, alloc_bits, gcmark_bits, sweepgen,
      spanclass, state, elemsize; // in runtime.mspan
  // go1.22+ (allocation headers, mspan.largeType): a small object with
  // pointers whose size class is above 512 bytes starts with an 8-byte
  // malloc header; the Go pointer is base+8 (runtime/mbitmap.go).
  bool malloc_header = false;
  // The Green Tea GC (go1.26+ by default, go1.25 with GOEXPERIMENT=greenteagc):
  // spans of objects of 16-512 bytes keep the marks of a cycle in a
  // runtime.spanInlineMarkBits at the end of their first page (its `marks`
  // at page_size - inline_marks_from_end) until the span is swept, which moves
  // them into gcmarkBits (mgcmark_greenteagc.go, mgcsweep.go).
  bool inline_marks = false;
  uint64_t inline_marks_from_end = 64; // 128-byte struct, marks at offset 64
  uint64_t ArenaBytes() const { return pages_per_arena * page_size; }
};

// Whether release v collects with the Green Tea GC (HeapLayout::inline_marks).
bool GreenTeaGC(const GoVersion &v);
// Sets the inline-mark fields from the binary's runtime.spanInlineMarkBits
// (an empty struct without the Green Tea GC); false when it has no `marks`.
bool SetInlineMarksFromType(HeapLayout *l, const Type *span_inline_mark_bits);

// From the binary's runtime.mheap, runtime.heapArena and runtime.mspan types
// (the arena geometry from their array lengths). nullopt with *error when a
// field is missing.
std::optional<HeapLayout> HeapLayoutFromTypes(const Type *mheap, const Type *heap_arena,
                                              const Type *mspan, std::string *error);
// The built-in table (made from each release's DWARF with
// scripts/heap_layout.go); nullopt outside go1.19-go1.27.
std::optional<HeapLayout> BuiltinHeapLayout(const GoVersion &v, std::string *error);

// An address range that is not heap: the binary's code and data sections,
// goroutine stacks.
struct Region {
  uint64_t lo = 0, hi = 0;
  std::string kind; // "code", "global", "stack"
  std::string name; // ".text", ".bss", "goroutine 7 stack"
};

// runtime/mheap.go mSpanState.
enum : uint8_t { kSpanDead = 0, kSpanInUse = 1, kSpanManual = 2 };
std::string SpanStateName(uint8_t state);

struct SpanInfo {
  uint64_t address = 0; // the mspan
  bool readable = false;
  uint64_t base = 0, npages = 0, elemsize = 0, nelems = 0, freeindex = 0;
  uint64_t alloc_bits = 0, gcmark_bits = 0, alloc_cache = 0;
  uint32_t sweepgen = 0;
  uint8_t spanclass = 0, state = 0;
};

enum class PtrClass {
  Nil,        // 0
  Unmapped,   // no readable memory there
  NotHeap,    // code, globals, a stack (region says which)
  FreePages,  // in a heap arena but no in-use span covers it
  Object,     // inside an object slot of an in-use span
  Unreadable, // the heap's own records could not be read or are implausible
};
const char *PtrClassName(PtrClass c);

// What ClassifyPointer found about one address.
struct PointerInfo {
  uint64_t address = 0;
  PtrClass cls = PtrClass::Unreadable;
  std::string region; // NotHeap: "code", "global", "stack"
  std::string region_name;
  SpanInfo span; // FreePages (a span not in use), Object
  bool has_span = false;
  uint64_t object = 0, index = 0; // Object: base and slot index
  uint64_t header = 0;            // Object: malloc header bytes before its data (0 or 8)
  // Object: "allocated", "free" (swept span: allocBits/freeindex), or for an
  // unswept span (its allocBits are from the cycle before)
  // "unswept-marked" (marked live by the last GC) / "unswept-unmarked".
  std::string alloc;
  std::string sweep;  // "swept", "unswept", "being swept", "cached"...
  std::string detail; // one line: why, with coordinates
  bool Allocated() const {
    return cls == PtrClass::Object && (alloc == "allocated" || alloc == "unswept-marked");
  }
  bool Freed() const {
    return cls == PtrClass::FreePages || (cls == PtrClass::Object && alloc == "free");
  }
};

// The heap of one stop. Reads the runtime's records through `mem` lazily and
// caches them for this stop only (spans and their allocBits).
class Mheap {
public:
  Mheap(MemoryReader &mem, HeapLayout layout, uint64_t mheap_addr, std::vector<Region> regions);
  // Reads mheap_.sweepgen and the arena L1 table; false with error().
  bool Load();
  // No layout for this binary: every classification says why.
  void SetUnavailable(std::string why) {
    ok_ = false;
    error_ = std::move(why);
  }
  bool ok() const { return ok_; }
  const std::string &error() const { return error_; }
  const HeapLayout &layout() const { return l_; }
  uint32_t sweepgen() const { return sweepgen_; }
  uint64_t address() const { return addr_; }

  PointerInfo ClassifyPointer(uint64_t addr);

private:
  bool ReadSpan(uint64_t span_addr, SpanInfo *out, std::string *why);
  // The allocBits / gcmarkBits byte of slot `index`; false when unreadable.
  bool Bit(uint64_t bits, uint64_t index, bool *set);

  MemoryReader &mem_;
  HeapLayout l_;
  uint64_t addr_;
  std::vector<Region> regions_;
  bool ok_ = false;
  std::string error_;
  uint32_t sweepgen_ = 0;
  std::vector<uint64_t> l1_; // arenas[i]: *[arena_l2]*heapArena
  std::map<uint64_t, SpanInfo> spans_;
  std::map<uint64_t, std::string> bad_spans_;
  std::map<uint64_t, uint64_t> arena_ptr_; // arena index -> *heapArena
};

// What a pointer a map holds must be: an object base (or, for an overflow
// bucket, any bucket inside an object) with room for `size` bytes.
struct Expect {
  uint64_t size = 0;
  bool base = true;    // must be an object's first byte
  uint64_t stride = 0; // !base: offset from the object base a multiple of it
};

// The verdict on one held pointer: "fits" (allocated object of a fitting
// size), "stack" / "global" (not heap, but legal for a map that does not
// escape), "freed", "reused" (allocated object that does not fit), "unswept"
// (the last GC did not mark it; not yet swept), "unmapped", "not-heap",
// "unknown" (heap records unreadable). *why (may be null): the evidence in
// one line.
std::string Verdict(const PointerInfo &p, const Expect &e, std::string *why);

// One line of evidence: "span 0x… [0x…, 0x…) elemsize 208 state in-use
// swept, object 0x… slot 3 free".
std::string Evidence(const PointerInfo &p);
nlohmann::ordered_json PointerJson(const PointerInfo &p);

} // namespace gomap::heap

#endif
