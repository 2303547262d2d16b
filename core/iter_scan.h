// Finding map iterators on goroutine stacks by their signature: range-loop
// iterators (runtime.hiter, internal/runtime/maps.Iter) are compiler
// temporaries without DWARF, so every stack word is tried as the start of one
// whose type word is a map type descriptor and whose map word is a plausible
// header of that type; a stack word pointing at a heap reflect.MapIter is
// followed one hop. What `gomap iter` (no EXPR), `gomap check` and `gomap scan`
// run. Bounded: caps on bytes per stack and in all, hops, iterators, and the
// command's WorkStop.
#ifndef GOMAP_CORE_ITER_SCAN_H
#define GOMAP_CORE_ITER_SCAN_H

#include <cstdint>
#include <string>
#include <vector>

#include "core/goroutine.h"
#include "core/iter.h"
#include "core/map_layout.h"
#include "core/target.h"
#include "core/types.h"

namespace gomap {

class WorkStop;

// What the scan needs from a frontend besides memory.
class IterScanHost {
public:
  virtual ~IterScanHost() = default;
  virtual MemoryReader &memory() = 0;
  // The map type of a runtime type descriptor, or null.
  virtual const Type *MapTypeAt(uint64_t descriptor) = 0;
  virtual const MapLayout *LayoutFor(const Type *map_type) = 0;
  virtual const IterLayout *IterLayoutFor(MapImpl impl) = 0;
  // Offset of the hiter field in reflect.MapIter; 0 when unknown (no hop).
  virtual uint64_t MapIterHiterOffset() = 0;
};

struct IterScanLimits {
  uint64_t max_stack_bytes = 1 << 20; // of one stack, from frame 0's sp up
  uint64_t max_total_bytes = 64 << 20;
  uint64_t max_hops = 4096; // heap pointers followed per goroutine
  uint64_t max_total_hops = 1 << 16;
  size_t max_iterators = 4096;
  // Ctrl-C and --time-limit (null: none): polled per stack word.
  WorkStop *stop = nullptr;
};

struct FoundIterator {
  uint64_t addr = 0;
  const Type *map_type = nullptr;
  int64_t goroutine = -1;
  int frame = -1; // the frame whose [sp, CFA) holds it (or the pointer to it)
  std::string function;
  std::string via; // "stack", "reflect.MapIter at 0x… (heap)", "expr"
};

struct IterScanStats {
  uint64_t goroutines = 0, bytes = 0, words = 0, hops = 0;
  bool truncated = false;
  // Where a WorkStop ended the scan ("" when it did not): "time limit of 2 s
  // reached at goroutine 7 (word 120 of 4096); --time-limit raises it".
  std::string stopped;
};

// Every iterator on the stacks of `gs` (only goroutine `only` when >= 0).
IterScanStats ScanIterators(IterScanHost &host, const std::vector<Goroutine> &gs, int64_t only,
                            std::vector<FoundIterator> *found, const IterScanLimits &limits = {});

// Which frame's stack range [sp, cfa) holds addr (inlined frames share their
// caller's); leaves f unchanged when none.
void FrameOfAddress(const Goroutine &g, uint64_t addr, FoundIterator *f);

} // namespace gomap

#endif
