// The Go heap model: mheap_.arenas -> heapArena.spans -> mspan and the
// allocation state of one object slot. Mirrors runtime/mheap.go (arenaIndex,
// spanOf, mSpanState), runtime/mbitmap.go ((*mspan).isFree, gcBits.bitp) and
// runtime/mgcsweep.go (the sweepgen states), go1.19-go1.27, linux/amd64.
#include "core/heap/mheap.h"

#include <algorithm>
#include <cstdio>

namespace gomap::heap {

namespace {

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// A field of struct t (one level of nesting: "state.s.value").
FieldLoc Locate(const Type *t, std::initializer_list<const char *> paths) {
  for (const char *path : paths) {
    std::string p = path;
    const Type *cur = t;
    uint64_t off = 0;
    bool ok = true;
    while (cur) {
      size_t dot = p.find('.');
      const Field *f = cur->FindField(p.substr(0, dot));
      if (!f || !f->type) {
        ok = false;
        break;
      }
      off += f->offset;
      cur = f->type;
      if (dot == std::string::npos)
        break;
      p = p.substr(dot + 1);
    }
    if (ok && cur && cur->size > 0 && cur->size <= 8)
      return FieldLoc{off, cur->size, true};
  }
  return FieldLoc{};
}

FieldLoc F(uint64_t off, uint64_t size) { return FieldLoc{off, size, true}; }

void SetReadSize(HeapLayout *l) {
  uint64_t end = 0;
  for (const FieldLoc *f :
       {&l->start_addr, &l->npages, &l->freeindex, &l->nelems, &l->alloc_cache, &l->alloc_bits,
        &l->gcmark_bits, &l->sweepgen, &l->spanclass, &l->state, &l->elemsize})
    end = std::max(end, f->offset + f->size);
  l->span_read_size = end;
}

bool Power2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

} // namespace

std::string SpanStateName(uint8_t state) {
  switch (state) {
  case kSpanDead:
    return "dead";
  case kSpanInUse:
    return "in-use";
  case kSpanManual:
    return "manual";
  }
  return "state " + std::to_string(state);
}

const char *PtrClassName(PtrClass c) {
  switch (c) {
  case PtrClass::Nil:
    return "nil";
  case PtrClass::Unmapped:
    return "unmapped";
  case PtrClass::NotHeap:
    return "not-heap";
  case PtrClass::FreePages:
    return "free-pages";
  case PtrClass::Object:
    return "object";
  case PtrClass::Unreadable:
    return "unreadable";
  }
  return "?";
}

std::optional<HeapLayout> HeapLayoutFromTypes(const Type *mheap, const Type *heap_arena,
                                              const Type *mspan, std::string *error) {
  if (!mheap || !heap_arena || !mspan || mheap->kind != Kind::Struct ||
      heap_arena->kind != Kind::Struct || mspan->kind != Kind::Struct) {
    *error = "the binary's DWARF lacks runtime.mheap, runtime.heapArena or "
             "runtime.mspan";
    return std::nullopt;
  }
  HeapLayout l;
  l.source = "DWARF";
  l.mheap_sweepgen = Locate(mheap, {"sweepgen"});
  // arenas [1 << arenaL1Bits]*[1 << arenaL2Bits]*heapArena
  const Field *arenas = mheap->FindField("arenas");
  const Field *spans = heap_arena->FindField("spans");
  if (!l.mheap_sweepgen.ok || !arenas || !arenas->type || arenas->type->kind != Kind::Array ||
      !arenas->type->elem || !arenas->type->elem->elem ||
      arenas->type->elem->elem->kind != Kind::Array || !spans || !spans->type ||
      spans->type->kind != Kind::Array) {
    *error = "runtime.mheap lacks sweepgen/arenas or runtime.heapArena lacks "
             "spans in DWARF";
    return std::nullopt;
  }
  l.mheap_arenas = F(arenas->offset, 8);
  l.arena_l1 = arenas->type->len;
  l.arena_l2 = arenas->type->elem->elem->len;
  l.pages_per_arena = spans->type->len;
  l.arena_spans = F(spans->offset, 8);
  l.start_addr = Locate(mspan, {"startAddr"});
  l.npages = Locate(mspan, {"npages"});
  l.freeindex = Locate(mspan, {"freeindex"});
  l.nelems = Locate(mspan, {"nelems"});
  l.alloc_cache = Locate(mspan, {"allocCache"});
  l.alloc_bits = Locate(mspan, {"allocBits"});
  l.gcmark_bits = Locate(mspan, {"gcmarkBits"});
  l.sweepgen = Locate(mspan, {"sweepgen"});
  l.spanclass = Locate(mspan, {"spanclass"});
  // mSpanStateBox: {s mSpanState} (go1.19), {s atomic.Uint8} (go1.20+).
  l.state = Locate(mspan, {"state.s.value", "state.s", "state"});
  l.elemsize = Locate(mspan, {"elemsize"});
  l.malloc_header = mspan->FindField("largeType") != nullptr;
  for (const FieldLoc *f : {&l.start_addr, &l.npages, &l.freeindex, &l.nelems, &l.alloc_bits,
                            &l.gcmark_bits, &l.sweepgen, &l.spanclass, &l.state, &l.elemsize})
    if (!f->ok) {
      *error = "runtime.mspan in DWARF lacks a field the heap model reads";
      return std::nullopt;
    }
  if (l.arena_l1 * l.arena_l2 == 0 || !Power2(l.pages_per_arena)) {
    *error = "implausible arena geometry in DWARF";
    return std::nullopt;
  }
  SetReadSize(&l);
  return l;
}

// Made with scripts/heap_layout.go from each release's DWARF (linux/amd64).
std::optional<HeapLayout> BuiltinHeapLayout(const GoVersion &v, std::string *error) {
  if (!v.Known() || v.major != 1 || v.minor < 19 || v.minor > 27) {
    *error = "no built-in heap layout for " + (v.raw.empty() ? "?" : v.raw);
    return std::nullopt;
  }
  HeapLayout l;
  l.source = "built-in " + v.Short() + " table";
  struct Row {
    int minor;
    uint64_t sweepgen, arenas, spans;
    // mspan: freeindex/nelems size, allocCache, allocBits, gcmarkBits,
    // sweepgen, spanclass, state, elemsize
    uint64_t idx_size, freeindex, nelems, cache, bits, mark, sg, cls, state, elemsize;
  };
  // BACKCOMPAT(go1.21): freeindex/nelems are uintptr before go1.22.
  static const Row rows[] = {
      {19, 65848, 65936, 2097152, 8, 48, 56, 64, 72, 80, 88, 98, 99, 104},
      {20, 65816, 65904, 1064960, 8, 48, 56, 64, 72, 80, 88, 98, 99, 104},
      {21, 65856, 65944, 1064960, 8, 48, 56, 64, 72, 80, 96, 106, 107, 112},
      {22, 65856, 66008, 0, 2, 48, 50, 56, 64, 72, 88, 98, 99, 104},
      {23, 65856, 66008, 0, 2, 48, 50, 56, 64, 72, 88, 98, 99, 104},
      {24, 65856, 66008, 0, 2, 48, 50, 56, 64, 72, 88, 98, 99, 104},
      {25, 65856, 66008, 0, 2, 48, 50, 56, 64, 72, 88, 98, 99, 104},
      {26, 65856, 66008, 0, 2, 48, 50, 56, 64, 72, 88, 98, 99, 104},
      {27, 65856, 66008, 0, 2, 48, 50, 56, 64, 72, 88, 98, 99, 104},
  };
  const Row *r = nullptr;
  for (const Row &row : rows)
    if (row.minor == v.minor)
      r = &row;
  if (!r) {
    *error = "no built-in heap layout for " + v.raw;
    return std::nullopt;
  }
  l.mheap_sweepgen = F(r->sweepgen, 4);
  l.mheap_arenas = F(r->arenas, 8);
  l.arena_spans = F(r->spans, 8);
  l.start_addr = F(24, 8);
  l.npages = F(32, 8);
  l.freeindex = F(r->freeindex, r->idx_size);
  l.nelems = F(r->nelems, r->idx_size);
  l.alloc_cache = F(r->cache, 8);
  l.alloc_bits = F(r->bits, 8);
  l.gcmark_bits = F(r->mark, 8);
  l.sweepgen = F(r->sg, 4);
  l.spanclass = F(r->cls, 1);
  l.state = F(r->state, 1);
  l.elemsize = F(r->elemsize, 8);
  l.malloc_header = v.minor >= 22;
  l.inline_marks = GreenTeaGC(v);
  SetReadSize(&l);
  return l;
}

bool GreenTeaGC(const GoVersion &v) {
  return v.minor >= 26 ? !v.HasExperiment("nogreenteagc")
                       : v.minor == 25 && v.HasExperiment("greenteagc");
}

bool SetInlineMarksFromType(HeapLayout *l, const Type *t) {
  l->inline_marks = false;
  if (t->size == 0)
    return true; // the empty type of a build without the Green Tea GC
  const Field *marks = t->FindField("marks");
  if (marks == nullptr || t->size > l->page_size || marks->offset >= t->size)
    return false;
  l->inline_marks = true;
  l->inline_marks_from_end = t->size - marks->offset;
  return true;
}

Mheap::Mheap(MemoryReader &mem, HeapLayout layout, uint64_t mheap_addr, std::vector<Region> regions)
    : mem_(mem), l_(std::move(layout)), addr_(mheap_addr), regions_(std::move(regions)) {}

bool Mheap::Load() {
  if (addr_ == 0) {
    error_ = "no runtime.mheap_ symbol";
    return false;
  }
  uint64_t sg = 0;
  if (!mem_.ReadUint(addr_ + l_.mheap_sweepgen.offset, 4, &sg)) {
    error_ = "runtime.mheap_.sweepgen at " + Hex(addr_ + l_.mheap_sweepgen.offset) + ": unreadable";
    return false;
  }
  sweepgen_ = uint32_t(sg);
  if (l_.arena_l1 > 1024) {
    error_ = "implausible arenaL1 size " + std::to_string(l_.arena_l1);
    return false;
  }
  l1_.assign(l_.arena_l1, 0);
  if (!mem_.ReadExact(addr_ + l_.mheap_arenas.offset, l1_.data(), l1_.size() * 8)) {
    error_ = "runtime.mheap_.arenas at " + Hex(addr_ + l_.mheap_arenas.offset) + ": unreadable";
    return false;
  }
  ok_ = true;
  return true;
}

bool Mheap::ReadSpan(uint64_t span_addr, SpanInfo *out, std::string *why) {
  if (auto it = spans_.find(span_addr); it != spans_.end()) {
    *out = it->second;
    return true;
  }
  if (auto it = bad_spans_.find(span_addr); it != bad_spans_.end()) {
    *why = it->second;
    return false;
  }
  auto fail = [&](const std::string &w) {
    bad_spans_[span_addr] = w;
    *why = w;
    return false;
  };
  if (span_addr % 8 != 0)
    return fail("mspan pointer " + Hex(span_addr) + " is not 8-byte aligned");
  std::vector<uint8_t> b(l_.span_read_size);
  if (!mem_.ReadExact(span_addr, b.data(), b.size()))
    return fail("mspan at " + Hex(span_addr) + ": unreadable");
  SpanInfo s;
  s.address = span_addr;
  s.readable = true;
  s.base = l_.start_addr.From(b);
  s.npages = l_.npages.From(b);
  s.elemsize = l_.elemsize.From(b);
  s.nelems = l_.nelems.From(b);
  s.freeindex = l_.freeindex.From(b);
  s.alloc_bits = l_.alloc_bits.From(b);
  s.gcmark_bits = l_.gcmark_bits.From(b);
  s.alloc_cache = l_.alloc_cache.ok ? l_.alloc_cache.From(b) : 0;
  s.sweepgen = uint32_t(l_.sweepgen.From(b));
  s.spanclass = uint8_t(l_.spanclass.From(b));
  s.state = uint8_t(l_.state.From(b));
  spans_[span_addr] = s;
  *out = s;
  return true;
}

bool Mheap::Bit(uint64_t bits, uint64_t index, bool *set) {
  uint8_t byte = 0;
  if (bits == 0 || !mem_.ReadScalar(bits + index / 8, &byte))
    return false;
  *set = (byte >> (index % 8)) & 1;
  return true;
}

PointerInfo Mheap::ClassifyPointer(uint64_t addr) {
  PointerInfo p;
  p.address = addr;
  if (addr == 0) {
    p.cls = PtrClass::Nil;
    return p;
  }
  for (const Region &r : regions_)
    if (addr >= r.lo && addr < r.hi) {
      p.cls = PtrClass::NotHeap;
      p.region = r.kind;
      p.region_name = r.name;
      p.detail = "in " + r.name;
      return p;
    }
  // Whether anything is mapped there is asked only when the heap's records
  // do not cover the address: a heap arena is mapped memory, and one probe
  // per pointer would cost a page read each.
  auto outside = [&](const std::string &why, PtrClass cls) {
    uint8_t probe = 0;
    if (!mem_.ReadScalar(addr, &probe)) {
      p.cls = PtrClass::Unmapped;
      p.detail = "no readable memory at " + Hex(addr);
      return p;
    }
    p.cls = cls;
    if (cls == PtrClass::NotHeap)
      p.region = "outside-arenas";
    p.detail = why;
    return p;
  };
  if (!ok_)
    return outside("heap records unavailable: " + error_, PtrClass::Unreadable);
  // arenaIndex: (p - arenaBaseOffset) / heapArenaBytes; l1 = ri >> L2 bits.
  const uint64_t ri = (addr - l_.arena_base_offset) / l_.ArenaBytes();
  const uint64_t i1 = ri / l_.arena_l2, i2 = ri % l_.arena_l2;
  // Coordinates for messages only (built when one is needed).
  auto coord = [&] { return "arena [" + std::to_string(i1) + "][" + std::to_string(i2) + "]"; };
  if (i1 >= l1_.size())
    return outside("outside the heap's address space (" + coord() + ")", PtrClass::NotHeap);
  if (l1_[i1] == 0)
    return outside("not in a heap arena (mheap_.arenas[" + std::to_string(i1) + "] is nil)",
                   PtrClass::NotHeap);
  uint64_t ha = 0;
  if (auto it = arena_ptr_.find(ri); it != arena_ptr_.end()) {
    ha = it->second;
  } else {
    const uint64_t slot = l1_[i1] + i2 * 8;
    if (!mem_.ReadPtr(slot, &ha))
      return outside(coord() + ": entry at " + Hex(slot) + " unreadable", PtrClass::Unreadable);
    arena_ptr_[ri] = ha;
  }
  if (ha == 0)
    return outside("not in a heap arena (" + coord() + " is nil)", PtrClass::NotHeap);
  // spanOf: ha.spans[(p / pageSize) % pagesPerArena]
  const uint64_t page = (addr / l_.page_size) % l_.pages_per_arena;
  const uint64_t entry = ha + l_.arena_spans.offset + page * 8;
  uint64_t sp = 0;
  if (!mem_.ReadPtr(entry, &sp)) {
    p.cls = PtrClass::Unreadable;
    p.detail = coord() + " heapArena " + Hex(ha) + " spans[" + std::to_string(page) + "] at " +
               Hex(entry) + ": unreadable";
    return p;
  }
  if (sp == 0) {
    p.cls = PtrClass::FreePages;
    p.detail = "heap page never used by a span (" + coord() + " spans[" + std::to_string(page) +
               "] is nil)";
    return p;
  }
  std::string why;
  if (!ReadSpan(sp, &p.span, &why)) {
    p.cls = PtrClass::Unreadable;
    p.detail = coord() + " spans[" + std::to_string(page) + "]: " + why;
    return p;
  }
  p.has_span = true;
  const SpanInfo &s = p.span;
  const uint64_t end = s.base + s.npages * l_.page_size;
  if (s.state == kSpanManual && addr >= s.base && addr < end) {
    p.cls = PtrClass::NotHeap;
    p.region = "stack";
    p.region_name = "a manually managed span (goroutine stacks)";
    p.detail = "in manual span " + Hex(sp) + " (stack memory)";
    return p;
  }
  if (s.state != kSpanInUse || addr < s.base || addr >= end || s.npages == 0) {
    p.cls = PtrClass::FreePages;
    p.detail = "span " + Hex(sp) + " " + SpanStateName(s.state) + " [" + Hex(s.base) + ", " +
               Hex(end) + ")" + (s.state == kSpanInUse ? " does not cover it" : " not in use");
    return p;
  }
  // An in-use span: plausible geometry before it drives the slot math.
  if (s.npages > l_.pages_per_arena * 1024 || s.elemsize == 0 ||
      s.elemsize > s.npages * l_.page_size || s.nelems > s.npages * l_.page_size / s.elemsize ||
      s.nelems == 0) {
    p.cls = PtrClass::Unreadable;
    p.detail = "span " + Hex(sp) + ": implausible npages " + std::to_string(s.npages) +
               " elemsize " + std::to_string(s.elemsize) + " nelems " + std::to_string(s.nelems);
    return p;
  }
  p.cls = PtrClass::Object;
  p.index = (addr - s.base) / s.elemsize;
  p.object = s.base + p.index * s.elemsize;
  // mallocgc: !noscan && !heapBitsInSpan(size) in a small size class.
  if (l_.malloc_header && (s.spanclass & 1) == 0 && (s.spanclass >> 1) != 0 && s.elemsize > 512)
    p.header = 8;
  // mgcsweep.go: sweepgen == h-2 needs sweeping, h-1 being swept, h swept,
  // h+1 cached before sweep (needs sweeping), h+3 swept and cached.
  const uint32_t h = sweepgen_;
  bool unswept = false;
  if (s.sweepgen == h - 2 || s.sweepgen == h + 1) {
    p.sweep = s.sweepgen == h + 1 ? "cached, unswept" : "unswept";
    unswept = true;
  } else if (s.sweepgen == h - 1) {
    p.sweep = "being swept";
    unswept = true;
  } else if (s.sweepgen == h) {
    p.sweep = "swept";
  } else if (s.sweepgen == h + 3) {
    p.sweep = "swept, cached";
  } else {
    p.sweep = "sweepgen " + std::to_string(s.sweepgen) + " vs mheap " + std::to_string(h);
  }
  if (p.index >= s.nelems) {
    p.alloc = "free";
    p.detail = "past the span's last object (slot " + std::to_string(p.index) + " of " +
               std::to_string(s.nelems) + ")";
    return p;
  }
  bool set = false;
  if (unswept) {
    // allocBits are the cycle before's; the last mark's bits say live. With
    // the Green Tea GC a small-object span's marks are still in its inline
    // mark bits (sweep moves them into gcmarkBits).
    if (!Bit(s.gcmark_bits, p.index, &set)) {
      p.alloc = "unknown";
      p.detail = "gcmarkBits at " + Hex(s.gcmark_bits) + " unreadable";
      return p;
    }
    if (!set && l_.inline_marks && s.elemsize >= 16 && s.elemsize <= 512) {
      const uint64_t marks = s.base + l_.page_size - l_.inline_marks_from_end;
      if (!Bit(marks, p.index, &set)) {
        p.alloc = "unknown";
        p.detail = "inline mark bits at " + Hex(marks) + " unreadable";
        return p;
      }
    }
    p.alloc = set ? "unswept-marked" : "unswept-unmarked";
    return p;
  }
  // (*mspan).isFree: below freeindex every slot is allocated.
  if (p.index < s.freeindex) {
    p.alloc = "allocated";
    return p;
  }
  if (!Bit(s.alloc_bits, p.index, &set)) {
    p.alloc = "unknown";
    p.detail = "allocBits at " + Hex(s.alloc_bits) + " unreadable";
    return p;
  }
  p.alloc = set ? "allocated" : "free";
  return p;
}

std::string Evidence(const PointerInfo &p) {
  std::string s;
  switch (p.cls) {
  case PtrClass::Nil:
    return "nil";
  case PtrClass::Unmapped:
  case PtrClass::Unreadable:
  case PtrClass::NotHeap:
    return std::string(PtrClassName(p.cls)) + (p.region.empty() ? "" : " (" + p.region + ")") +
           ": " + p.detail;
  case PtrClass::FreePages:
    return "freed: " + p.detail;
  case PtrClass::Object:
    break;
  }
  const SpanInfo &sp = p.span;
  s = "span " + Hex(sp.address) + " [" + Hex(sp.base) + ", " + Hex(sp.base + sp.npages * 8192) +
      ") elemsize " + std::to_string(sp.elemsize) + " " + SpanStateName(sp.state) + " " + p.sweep +
      ", object " + Hex(p.object) + " slot " + std::to_string(p.index) + " " + p.alloc;
  if (p.address != p.object)
    s += " (+" + std::to_string(p.address - p.object) + ")";
  if (p.header)
    s += " [8-byte malloc header]";
  if (!p.detail.empty())
    s += ": " + p.detail;
  return s;
}

std::string Verdict(const PointerInfo &p, const Expect &e, std::string *why) {
  if (why)
    *why = Evidence(p);
  switch (p.cls) {
  case PtrClass::Nil:
    return "nil";
  case PtrClass::Unmapped:
    return "unmapped";
  case PtrClass::Unreadable:
    return "unknown";
  case PtrClass::NotHeap:
    if (p.region == "stack")
      return "stack";
    return "not-heap";
  case PtrClass::FreePages:
    return "freed";
  case PtrClass::Object:
    break;
  }
  if (p.alloc == "free")
    return "freed";
  if (p.alloc == "unswept-unmarked")
    return "unswept";
  if (p.alloc == "unknown")
    return "unknown";
  const uint64_t data = p.object + p.header; // after a malloc header
  const uint64_t room = p.span.elemsize - p.header;
  if (p.address < data)
    return "reused"; // inside the malloc header: no Go pointer points there
  const uint64_t off = p.address - data;
  bool fits = true;
  if (e.base ? off != 0 : (e.stride && off % e.stride != 0))
    fits = false;
  if (room < off + e.size)
    fits = false;
  // An object of another size class: bucket arrays are at most 1/16 bigger
  // than their buckets (preallocated overflow) plus size-class rounding.
  if (e.base && e.size > 0 && room > e.size + e.size / 8 + e.size / 16 + 8192)
    fits = false;
  return fits ? "fits" : "reused";
}

nlohmann::ordered_json PointerJson(const PointerInfo &p) {
  using ojson = nlohmann::ordered_json;
  ojson j{{"address", Hex(p.address)}, {"class", PtrClassName(p.cls)}};
  j["region"] = p.region.empty() ? ojson(nullptr) : ojson(p.region);
  if (p.has_span) {
    const SpanInfo &s = p.span;
    j["span"] = ojson{{"address", Hex(s.address)},
                      {"base", Hex(s.base)},
                      {"npages", s.npages},
                      {"limit", Hex(s.base + s.npages * 8192)},
                      {"elemsize", s.elemsize},
                      {"nelems", s.nelems},
                      {"spanclass", s.spanclass},
                      {"sizeclass", s.spanclass >> 1},
                      {"noscan", (s.spanclass & 1) != 0},
                      {"state", SpanStateName(s.state)},
                      {"sweepgen", s.sweepgen},
                      {"freeindex", s.freeindex}};
  } else {
    j["span"] = nullptr;
  }
  if (p.cls == PtrClass::Object) {
    j["object"] = ojson{{"base", Hex(p.object)},
                        {"index", p.index},
                        {"offset", p.address - p.object},
                        {"size", p.span.elemsize},
                        {"malloc_header", p.header}};
    j["alloc"] = p.alloc;
    j["sweep"] = p.sweep;
  } else {
    j["object"] = nullptr;
    j["alloc"] = nullptr;
    j["sweep"] = nullptr;
  }
  j["detail"] = p.detail;
  return j;
}

} // namespace gomap::heap
