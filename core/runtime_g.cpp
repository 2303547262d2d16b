// runtime.g layouts and symbol-less discovery of allgs and waitReasonStrings.
#include "core/runtime_g.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace gomap {

namespace {

// Offset of a dotted field path inside a struct type (no pointer hops).
FieldLoc Locate(const Type *t, std::string_view path) {
  FieldLoc loc;
  uint64_t off = 0;
  while (t) {
    size_t dot = path.find('.');
    const Field *f = t->FindField(std::string(path.substr(0, dot)));
    if (!f || !f->type)
      return loc;
    off += f->offset;
    t = f->type;
    if (dot == std::string_view::npos) {
      if (t->size > 0 && t->size <= 8)
        loc = FieldLoc{off, t->size, true};
      return loc;
    }
    path = path.substr(dot + 1);
  }
  return loc;
}

FieldLoc LocateAny(const Type *t, std::initializer_list<std::string_view> paths) {
  for (auto p : paths)
    if (FieldLoc l = Locate(t, p); l.ok)
      return l;
  return FieldLoc{};
}

FieldLoc Word(uint64_t off) { return FieldLoc{off, 8, true}; }

void SetReadSize(GLayout *l) {
  uint64_t end = 0;
  for (const FieldLoc *f : {&l->goid, &l->status, &l->waitreason, &l->sched_sp, &l->sched_pc, &l->m,
                            &l->stack_lo, &l->stack_hi, &l->syscallsp, &l->syscallpc})
    if (f->ok)
      end = std::max(end, f->offset + f->size);
  l->read_size = end;
}

} // namespace

uint64_t FieldLoc::From(const std::vector<uint8_t> &bytes) const {
  if (!ok || offset + size > bytes.size())
    return 0;
  uint64_t v = 0;
  for (uint64_t i = 0; i < size; ++i)
    v |= uint64_t(bytes[offset + i]) << (8 * i);
  return v;
}

std::optional<GLayout> GLayoutFromTypes(const Type *g, std::string *error) {
  if (!g || g->kind != Kind::Struct) {
    *error = "the binary's DWARF has no runtime.g type";
    return std::nullopt;
  }
  GLayout l;
  l.source = "DWARF";
  l.goid = LocateAny(g, {"goid"});
  l.status = LocateAny(g, {"atomicstatus.value", "atomicstatus"});
  l.waitreason = LocateAny(g, {"waitreason"});
  l.sched_sp = LocateAny(g, {"sched.sp"});
  l.sched_pc = LocateAny(g, {"sched.pc"});
  l.m = LocateAny(g, {"m"});
  l.stack_lo = LocateAny(g, {"stack.lo"});
  l.stack_hi = LocateAny(g, {"stack.hi"});
  l.syscallsp = LocateAny(g, {"syscallsp"});
  l.syscallpc = LocateAny(g, {"syscallpc"});
  if (const Field *mf = g->FindField("m"); mf && mf->type && mf->type->elem) {
    l.m_procid = LocateAny(mf->type->elem, {"procid"});
    l.m_gsignal = LocateAny(mf->type->elem, {"gsignal"});
  }
  if (!l.goid.ok || !l.status.ok || !l.sched_sp.ok || !l.sched_pc.ok) {
    *error = "runtime.g in the binary's DWARF lacks goid/atomicstatus/sched";
    return std::nullopt;
  }
  SetReadSize(&l);
  return l;
}

std::optional<GLayout> BuiltinGLayout(const GoVersion &v, std::string *error) {
  if (std::string why = CheckSupported(v); !why.empty()) {
    *error = "no built-in runtime.g layout: " + why;
    return std::nullopt;
  }
  // runtime/runtime2.go: stack{lo,hi} 0, stackguard0/1, _panic, _defer, m 48,
  // sched (gobuf) 56. gobuf lost its ret word in go1.25; g gained syscallbp
  // after syscallpc in go1.23; m.procid follows g0, morebuf (gobuf).
  GLayout l;
  l.source = "built-in " + v.Short() + " table";
  l.stack_lo = Word(0);
  l.stack_hi = Word(8);
  l.m = Word(48);
  l.sched_sp = Word(56);
  l.sched_pc = Word(64);
  uint64_t gobuf = v.AtLeast(1, 25) ? 48 : 56;
  l.syscallsp = Word(56 + gobuf);
  l.syscallpc = Word(64 + gobuf);
  // syscallbp (go1.23+), stktopsp, param, then atomicstatus, stackLock, goid.
  uint64_t status = 64 + gobuf + 8 + (v.AtLeast(1, 23) ? 8 : 0) + 16;
  l.status = FieldLoc{status, 4, true};
  l.goid = Word(status + 8);
  // schedlink, waitsince, then waitreason (a uint8).
  l.waitreason = FieldLoc{status + 32, 1, true};
  l.m_procid = Word(16 + gobuf);
  l.m_gsignal = Word(24 + gobuf);
  SetReadSize(&l);
  return l;
}

std::string GStatusName(uint32_t status) {
  static const char *const kNames[] = {
      "idle", "runnable", "running",   "syscall",   "waiting", "moribund",
      "dead", "enqueue",  "copystack", "preempted", "leaked",  "waiting for cgo callback"};
  return status < std::size(kNames) ? kNames[status] : "status " + std::to_string(status);
}

bool PlausibleG(const GLayout &l, const std::vector<uint8_t> &g) {
  uint32_t status = uint32_t(l.status.From(g)) & ~kGscan;
  uint64_t goid = l.goid.From(g), lo = l.stack_lo.From(g), hi = l.stack_hi.From(g);
  if (status > kGdeadextra || goid > (uint64_t(1) << 40))
    return false;
  if (lo == 0 && hi == 0)
    return status == kGdead || status == kGidle || status == kGdeadextra; // stack freed
  return lo < hi && hi - lo <= (uint64_t(1) << 30) && (lo & 7) == 0;
}

std::optional<uint64_t> FindAllgs(MemoryReader &mem, uint64_t bss, uint64_t ebss, const GLayout &l,
                                  uint64_t max_goroutines, std::string *error) {
  constexpr uint64_t kMaxBss = 64u << 20;
  constexpr size_t kMaxCandidates = 4096, kSample = 16;
  if (ebss <= bss || ebss - bss > kMaxBss) {
    *error = "runtime bss range is implausible";
    return std::nullopt;
  }
  std::vector<uint64_t> words((ebss - bss) / 8);
  size_t got = mem.Read(bss, words.data(), words.size() * 8) / 8;
  if (got < 3) {
    *error = "cannot read the program's .bss to look for runtime.allgs";
    return std::nullopt;
  }
  words.resize(got);
  std::vector<uint64_t> sorted = words;
  std::sort(sorted.begin(), sorted.end());
  size_t candidates = 0;
  std::vector<uint8_t> gbytes(l.read_size);
  for (size_t i = 0; i + 2 < got && candidates < kMaxCandidates; ++i) {
    uint64_t p = words[i], n = words[i + 1], c = words[i + 2];
    if (p == 0 || (p & 7) || n == 0 || n > c || c > max_goroutines || (p >= bss && p < ebss))
      continue;
    ++candidates;
    // runtime.allgptr repeats the array pointer elsewhere in .bss.
    auto [from, to] = std::equal_range(sorted.begin(), sorted.end(), p);
    if (to - from < 2)
      continue;
    size_t sample = std::min<uint64_t>(n, kSample);
    std::vector<uint64_t> gs(sample);
    if (!mem.ReadExact(p, gs.data(), sample * 8))
      continue;
    bool all = true;
    for (uint64_t gp : gs)
      all = all && gp != 0 && (gp & 7) == 0 && mem.ReadExact(gp, gbytes.data(), gbytes.size()) &&
            PlausibleG(l, gbytes);
    if (all)
      return bss + i * 8;
  }
  *error = "runtime.allgs not found in .bss (no slice of plausible goroutines that "
           "runtime.allgptr repeats)";
  return std::nullopt;
}

std::vector<std::string> FindWaitReasons(const BinaryImage &image) {
  static const char kFirst[] = "GC assist marking";
  constexpr size_t kLen = sizeof kFirst - 1;
  constexpr size_t kMaxReasons = 256, kMaxLen = 128;
  // Every address of the literal in read-only data (the linker dedups it, but
  // be ready for more than one).
  std::vector<uint64_t> at;
  for (const ImageSection &s : image.sections()) {
    if (s.writable || !s.data || s.size < kLen)
      continue;
    const uint8_t *p = s.data, *end = s.data + s.size;
    while ((p = static_cast<const uint8_t *>(memmem(p, end - p, kFirst, kLen))) && at.size() < 16) {
      at.push_back(s.addr + (p - s.data));
      ++p;
    }
  }
  std::vector<std::string> out;
  for (const ImageSection &s : image.sections()) {
    if (!s.writable || !s.data)
      continue;
    for (uint64_t off = 16; off + 16 <= s.size; off += 8) {
      uint64_t w[4];
      std::memcpy(w, s.data + off - 16, 32);
      if (w[1] != 0 || w[3] != kLen || std::find(at.begin(), at.end(), w[2]) == at.end())
        continue;
      out.push_back("");
      for (uint64_t e = off; out.size() < kMaxReasons && e + 16 <= s.size; e += 16) {
        uint64_t str[2];
        std::memcpy(str, s.data + e, 16);
        std::string text(std::min<uint64_t>(str[1], kMaxLen), '\0');
        if (str[1] == 0 || str[1] > kMaxLen || !image.ReadExact(str[0], text.data(), text.size()))
          break;
        out.push_back(std::move(text));
      }
      return out;
    }
  }
  return out;
}

} // namespace gomap
