// The iterator stack scan (see iter_scan.h).
#include "core/iter_scan.h"

#include <unordered_set>

#include "core/diagnostics.h"
#include "core/map.h"
#include "core/value.h"
#include "core/work_stop.h"

namespace gomap {

namespace {

// An iterator at `addr` whose type word is `desc` and map word `h`: its map
// type is a map type, its map a plausible non-empty header of that type, its
// fields plausible for that header.
bool Try(IterScanHost &host, uint64_t addr, uint64_t desc, uint64_t h, FoundIterator *out) {
  if (desc == 0 || h == 0 || h % 8 != 0 || desc % 8 != 0)
    return false;
  const Type *mt = host.MapTypeAt(desc);
  if (!mt)
    return false;
  const MapLayout *ml = host.LayoutFor(mt);
  if (!ml)
    return false;
  MemoryReader &mem = host.memory();
  MapHeader hd;
  DiagnosticSink sink(8);
  if (!ReadHeader(mem, *ml, h, &hd, sink) || sink.HasErrors() || hd.len == 0)
    return false;
  const IterLayout *il = host.IterLayoutFor(ml->impl);
  std::vector<HeaderValue> fields;
  if (!il || !ReadIterFields(mem, *il, addr, &fields) || !PlausibleIter(fields, ml->impl, hd))
    return false;
  out->addr = addr;
  out->map_type = mt;
  return true;
}

} // namespace

void FrameOfAddress(const Goroutine &g, uint64_t addr, FoundIterator *f) {
  for (size_t k = 0; k < g.frames.size(); ++k) {
    const GoFrame &fr = g.frames[k];
    if (fr.inlined)
      continue; // an inlined call shares its caller's frame
    if (addr >= fr.sp && fr.cfa != 0 && addr < fr.cfa) {
      f->frame = int(k);
      f->function = fr.source.function;
      return;
    }
  }
}

IterScanStats ScanIterators(IterScanHost &host, const std::vector<Goroutine> &gs, int64_t only,
                            std::vector<FoundIterator> *found, const IterScanLimits &limits) {
  MemoryReader &mem = host.memory();
  IterScanStats st;
  std::unordered_set<uint64_t> seen;
  // reflect.MapIter: {m reflect.Value{typ_, ptr, flag}, hiter}: the map
  // type descriptor is its first word, the iterator at the hiter field.
  const uint64_t mapiter_hiter = host.MapIterHiterOffset();
  std::vector<uint64_t> stack;
  const auto stopped = [&](const Goroutine &g, size_t w, size_t words) {
    if (!limits.stop || !limits.stop->Stop())
      return false;
    st.truncated = true;
    std::string where = "the stack of goroutine " + std::to_string(g.id);
    if (words)
      where += " (word " + std::to_string(w) + " of " + std::to_string(words) + ")";
    st.stopped = limits.stop->At(where);
    return true;
  };
  for (const Goroutine &g : gs) {
    if (only >= 0 && g.id != only)
      continue;
    if (stopped(g, 0, 0))
      break;
    uint64_t lo = g.stack_lo, hi = g.stack_hi;
    if (hi <= lo || lo == 0)
      continue;
    if (!g.frames.empty() && g.frames[0].sp >= lo && g.frames[0].sp < hi)
      lo = g.frames[0].sp;
    lo &= ~uint64_t(7);
    uint64_t n = hi - lo;
    if (n > limits.max_stack_bytes) {
      n = limits.max_stack_bytes;
      st.truncated = true;
    }
    if (st.bytes + n > limits.max_total_bytes) {
      st.truncated = true;
      break;
    }
    st.bytes += n;
    ++st.goroutines;
    stack.assign(n / 8, 0);
    size_t got = mem.Read(lo, stack.data(), stack.size() * 8) / 8;
    st.words += got;
    uint64_t g_hops = 0;
    std::unordered_set<uint64_t> hopped;
    for (size_t w = 0; w + 4 <= got; ++w) {
      if (stopped(g, w, got))
        break;
      if (found->size() >= limits.max_iterators) {
        st.truncated = true;
        break;
      }
      FoundIterator f;
      const uint64_t at = lo + w * 8;
      // hiter {key, elem, t, h, …} and maps.Iter {key, elem, typ, m, …}.
      if (Try(host, at, stack[w + 2], stack[w + 3], &f)) {
        if (seen.insert(at).second) {
          f.goroutine = g.id;
          f.via = "stack";
          FrameOfAddress(g, at, &f);
          found->push_back(f);
        }
        continue;
      }
      // One hop: a stack word pointing at a heap reflect.MapIter.
      const uint64_t p = stack[w];
      if (mapiter_hiter == 0 || p == 0 || p % 8 != 0 || (p >= lo && p < hi) ||
          !hopped.insert(p).second)
        continue;
      if (g_hops >= limits.max_hops || st.hops + g_hops >= limits.max_total_hops) {
        st.truncated = true;
        continue;
      }
      ++g_hops;
      uint64_t desc = 0;
      if (!mem.ReadPtr(p, &desc) || !host.MapTypeAt(desc))
        continue;
      uint64_t hw[2] = {0, 0};
      const uint64_t it = p + mapiter_hiter;
      if (!mem.ReadExact(it + 0x10, hw, sizeof hw) || hw[0] != desc)
        continue;
      if (Try(host, it, hw[0], hw[1], &f) && seen.insert(it).second) {
        f.goroutine = g.id;
        f.via = "reflect.MapIter at " + HexAddr(p) + " (heap)";
        FrameOfAddress(g, at, &f); // the frame holding the pointer
        found->push_back(f);
      }
    }
    st.hops += g_hops;
    if (!st.stopped.empty())
      break;
  }
  return st;
}

} // namespace gomap
