// pclntab reader. Mirrors runtime/symtab.go (findfunc, pcvalue, step,
// funcline1, funcdata, pcdatavalue) and runtime/symtabinl.go (inlineUnwinder)
// of go1.19-go1.27; the moduledata field order is runtime/symtab.go's.
#include "core/pclntab.h"

#include <cstring>

namespace gomap {

namespace {

constexpr uint32_t kMagic118 = 0xfffffff0; // go1.18, go1.19
constexpr uint32_t kMagic120 = 0xfffffff1; // go1.20 and later
constexpr uint32_t kPcdataInlTreeIndex = 2;
constexpr uint32_t kFuncdataInlTree = 3;
constexpr int kMaxInlineDepth = 64;
constexpr uint32_t kMaxPcValueSteps = 1u << 20;

// Word indexes into runtime.moduledata: pcHeader, six slices (3 words each),
// findfunctab, minpc, maxpc come first, so text is word 22 in every release.
struct ModuledataWords {
  int text, etext, data, edata, bss, ebss, noptrbss, enoptrbss, types, rodata, gofunc;
};
ModuledataWords WordsFor(const GoVersion &v) {
  if (!v.AtLeast(1, 20)) // no covctrs
    return {22, 23, 26, 27, 28, 29, 30, 31, 35, 37, 38};
  if (!v.AtLeast(1, 27)) // covctrs, ecovctrs after enoptrbss
    return {22, 23, 26, 27, 28, 29, 30, 31, 37, 39, 40};
  // typedesclen after types; itaboffset, itabsize before rodata
  return {22, 23, 26, 27, 28, 29, 30, 31, 37, 42, 43};
}

uint32_t ReadVarint(const uint8_t *p, const uint8_t *end, uint32_t *n) {
  uint32_t v = 0;
  *n = 0;
  for (uint32_t shift = 0; p + *n < end && shift < 35; shift += 7) {
    uint8_t b = p[(*n)++];
    v |= uint32_t(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
  *n = 0; // truncated
  return 0;
}

} // namespace

bool Pclntab::U32(uint64_t off, uint32_t *out) const {
  if (off > size_ || size_ - off < 4)
    return false;
  std::memcpy(out, tab_ + off, 4);
  return true;
}

bool Pclntab::U64(uint64_t off, uint64_t *out) const {
  if (off > size_ || size_ - off < 8)
    return false;
  std::memcpy(out, tab_ + off, 8);
  return true;
}

std::string Pclntab::CString(uint64_t off) const {
  if (off >= size_)
    return "";
  const char *s = reinterpret_cast<const char *>(tab_ + off);
  return std::string(s, strnlen(s, std::min<uint64_t>(size_ - off, 4096)));
}

std::unique_ptr<Pclntab> Pclntab::Open(const BinaryImage &image, const GoVersion &version,
                                       std::string *error) {
  const ImageSection *sec = image.Find(".gopclntab");
  if (!sec || !sec->data) {
    *error = "no .gopclntab section";
    return nullptr;
  }
  std::unique_ptr<Pclntab> t(new Pclntab(image));
  if (!t->Parse(*sec, version, error))
    return nullptr;
  return t;
}

bool Pclntab::Parse(const ImageSection &sec, const GoVersion &version, std::string *error) {
  tab_ = sec.data;
  size_ = sec.size;
  addr_ = sec.addr;
  uint32_t magic = 0;
  if (!U32(0, &magic) || size_ < 72) {
    *error = ".gopclntab is too short for a pcHeader";
    return false;
  }
  if (magic != kMagic118 && magic != kMagic120) {
    char buf[64];
    snprintf(buf, sizeof buf, ".gopclntab has magic 0x%08x (want 0xfffffff0/1)", magic);
    *error = buf;
    return false;
  }
  go120_ = magic == kMagic120;
  if (tab_[4] != 0 || tab_[5] != 0 || tab_[6] != 1 || tab_[7] != 8) {
    *error = ".gopclntab is not for a 64-bit target with 1-byte instructions";
    return false;
  }
  U64(8, &nfunc_);
  U64(32, &funcname_);
  U64(40, &cutab_);
  U64(48, &filetab_);
  U64(56, &pctab_);
  U64(64, &pcln_);
  if (funcname_ >= size_ || cutab_ >= size_ || filetab_ >= size_ || pctab_ >= size_ ||
      pcln_ >= size_ || nfunc_ == 0 || pcln_ + (nfunc_ + 1) * 8 > size_) {
    *error = ".gopclntab header offsets are out of range";
    return false;
  }
  // runtime.firstmoduledata: its first word is the pcHeader's address, the
  // next funcnametab's data pointer.
  md_ = Moduledata();
  for (const ImageSection &s : image_.sections()) {
    if (!s.writable || !s.data)
      continue;
    for (uint64_t off = 0; off + 16 <= s.size && md_.address == 0; off += 8) {
      uint64_t w[2];
      std::memcpy(w, s.data + off, 16);
      if (w[0] == addr_ && w[1] == addr_ + funcname_)
        md_.address = s.addr + off;
    }
  }
  if (md_.address == 0) {
    *error = "runtime.firstmoduledata not found (no word points at .gopclntab)";
    return false;
  }
  ModuledataWords mw = WordsFor(version);
  std::vector<uint64_t> w(size_t(mw.gofunc) + 1);
  if (!image_.ReadExact(md_.address, w.data(), w.size() * 8)) {
    *error = "runtime.firstmoduledata at " + std::to_string(md_.address) + " is truncated";
    return false;
  }
  md_.text = w[mw.text];
  md_.etext = w[mw.etext];
  md_.data = w[mw.data];
  md_.edata = w[mw.edata];
  md_.bss = w[mw.bss];
  md_.ebss = w[mw.ebss];
  md_.noptrbss = w[mw.noptrbss];
  md_.enoptrbss = w[mw.enoptrbss];
  md_.types = w[mw.types];
  md_.rodata = w[mw.rodata];
  md_.gofunc = w[mw.gofunc];
  // The layout is chosen by version; the section table has to agree with it.
  // With external linking (cgo) C objects may come first in a section, so
  // each range only has to lie inside its section.
  auto at = [&](const char *name, uint64_t addr) {
    const ImageSection *s = image_.Find(name);
    return !s || (addr >= s->addr && addr <= s->addr + s->size);
  };
  // go:func.* (funcdata) is in .rodata up to go1.25 and inside .gopclntab since.
  const ImageSection *rodata = image_.Find(".rodata");
  auto within = [](const ImageSection *s, uint64_t a) {
    return s && a >= s->addr && a < s->addr + s->size;
  };
  bool ok = md_.text < md_.etext && md_.bss <= md_.ebss && md_.noptrbss <= md_.enoptrbss &&
            at(".bss", md_.bss) && at(".bss", md_.ebss) && at(".noptrbss", md_.noptrbss) &&
            at(".noptrbss", md_.enoptrbss) && at(".rodata", md_.rodata) && at(".text", md_.text) &&
            (!rodata || within(rodata, md_.gofunc) || within(&sec, md_.gofunc));
  if (!ok) {
    *error = "runtime.firstmoduledata does not have the " + version.Short() +
             " layout (text/bss/noptrbss/rodata/gofunc disagree with the section table)";
    return false;
  }
  return true;
}

std::optional<Pclntab::Func> Pclntab::FuncAt(uint64_t pc) const {
  if (pc < md_.text)
    return std::nullopt;
  uint64_t rel = pc - md_.text;
  // ftab: nfunc+1 {entryoff, funcoff} pairs, sorted; the last is the end.
  uint64_t lo = 0, hi = nfunc_;
  uint32_t first = 0, last = 0;
  if (!U32(pcln_, &first) || !U32(pcln_ + nfunc_ * 8, &last) || rel < first || rel >= last)
    return std::nullopt;
  while (hi - lo > 1) { // invariant: entry(lo) <= rel < entry(hi)
    uint64_t mid = lo + (hi - lo) / 2;
    uint32_t e = 0;
    U32(pcln_ + mid * 8, &e);
    if (e <= rel)
      lo = mid;
    else
      hi = mid;
  }
  uint32_t entryoff = 0, end = 0, funcoff = 0;
  U32(pcln_ + lo * 8, &entryoff);
  U32(pcln_ + hi * 8, &end);
  U32(pcln_ + lo * 8 + 4, &funcoff);
  uint32_t check = 0;
  if (!U32(pcln_ + funcoff, &check) || check != entryoff)
    return std::nullopt; // _func.entryOff must agree with ftab
  return Func{md_.text + entryoff, md_.text + end, funcoff};
}

std::string Pclntab::FuncName(const Func &f) const {
  uint32_t nameoff = 0;
  if (!U32(pcln_ + f.off + 4, &nameoff))
    return "";
  return CString(funcname_ + nameoff);
}

std::optional<int32_t> Pclntab::PcValue(uint32_t off, uint64_t entry, uint64_t targetpc) const {
  if (off == 0 || pctab_ + off >= size_)
    return std::nullopt;
  const uint8_t *p = tab_ + pctab_ + off, *end = tab_ + size_;
  uint64_t pc = entry;
  int32_t val = -1;
  for (uint32_t i = 0; i < kMaxPcValueSteps && p < end; ++i) {
    uint32_t n = 1, uvdelta = *p;
    if (uvdelta == 0 && i != 0)
      return std::nullopt; // end of table before targetpc
    if (uvdelta & 0x80) {
      uvdelta = ReadVarint(p, end, &n);
      if (n == 0)
        return std::nullopt;
    }
    // Go's int32 addition wraps; so does this one (a signed overflow would be
    // undefined behaviour: bench/fuzz, pclntab target, 2026-12).
    val = int32_t(uint32_t(val) + (-(uvdelta & 1) ^ (uvdelta >> 1)));
    p += n;
    if (p >= end)
      return std::nullopt;
    uint32_t pcdelta = *p;
    n = 1;
    if (pcdelta & 0x80) {
      pcdelta = ReadVarint(p, end, &n);
      if (n == 0)
        return std::nullopt;
    }
    p += n;
    pc += pcdelta; // PCQuantum is 1 on amd64
    if (targetpc < pc)
      return val;
  }
  return std::nullopt;
}

std::optional<int32_t> Pclntab::SpDelta(const Func &f, uint64_t pc) const {
  uint32_t pcsp = 0;
  if (!U32(pcln_ + f.off + 16, &pcsp))
    return std::nullopt;
  return PcValue(pcsp, f.entry, pc);
}

std::optional<int32_t> Pclntab::PcData(const Func &f, uint32_t table, uint64_t pc) const {
  uint32_t npcdata = 0, off = 0;
  uint64_t hdr = go120_ ? 44 : 40; // sizeof(_func) before the pcdata array
  if (!U32(pcln_ + f.off + 28, &npcdata) || table >= npcdata ||
      !U32(pcln_ + f.off + hdr + table * 4, &off))
    return std::nullopt;
  return PcValue(off, f.entry, pc);
}

uint64_t Pclntab::FuncData(const Func &f, uint32_t index) const {
  uint32_t npcdata = 0, off = 0;
  uint64_t hdr = go120_ ? 44 : 40;
  if (!U32(pcln_ + f.off + 28, &npcdata) || pcln_ + f.off + hdr > size_)
    return 0;
  uint8_t nfuncdata = tab_[pcln_ + f.off + hdr - 1];
  if (index >= nfuncdata || !U32(pcln_ + f.off + hdr + npcdata * 4 + index * 4, &off) ||
      off == ~uint32_t(0))
    return 0;
  return md_.gofunc + off;
}

void Pclntab::FileLine(const Func &f, uint64_t pc, SourceFrame *out) const {
  uint32_t pcfile = 0, pcln = 0, cuoff = 0;
  if (!U32(pcln_ + f.off + 20, &pcfile) || !U32(pcln_ + f.off + 24, &pcln) ||
      !U32(pcln_ + f.off + 32, &cuoff))
    return;
  std::optional<int32_t> fileno = PcValue(pcfile, f.entry, pc);
  std::optional<int32_t> line = PcValue(pcln, f.entry, pc);
  uint32_t fileoff = 0;
  if (fileno && *fileno >= 0 && U32(cutab_ + (uint64_t(cuoff) + uint32_t(*fileno)) * 4, &fileoff) &&
      fileoff != ~uint32_t(0))
    out->file = CString(filetab_ + fileoff);
  if (line && *line >= 0)
    out->line = uint32_t(*line);
}

std::vector<SourceFrame> Pclntab::Symbolize(uint64_t pc) {
  std::vector<SourceFrame> out;
  std::optional<Func> f = FuncAt(pc);
  if (!f)
    return out;
  // runtime.inlineUnwinder: the inlined call at pc, then the one its parentPc
  // is in, ... then the physical function.
  if (uint64_t tree = FuncData(*f, kFuncdataInlTree)) {
    const uint64_t elem = go120_ ? 16 : 20, name_at = go120_ ? 4 : 12, parent_at = go120_ ? 8 : 16;
    for (int depth = 0; depth < kMaxInlineDepth; ++depth) {
      std::optional<int32_t> ix = PcData(*f, kPcdataInlTreeIndex, pc);
      if (!ix || *ix < 0)
        break;
      uint8_t call[20];
      if (!image_.ReadExact(tree + uint64_t(*ix) * elem, call, elem))
        break;
      int32_t nameoff, parentpc;
      std::memcpy(&nameoff, call + name_at, 4);
      std::memcpy(&parentpc, call + parent_at, 4);
      SourceFrame s;
      s.function = CString(funcname_ + uint32_t(nameoff));
      FileLine(*f, pc, &s);
      out.push_back(std::move(s));
      uint64_t next = f->entry + uint32_t(parentpc);
      if (next >= f->end || next == pc)
        break;
      pc = next;
    }
  }
  SourceFrame s;
  s.function = FuncName(*f);
  FileLine(*f, pc, &s);
  out.push_back(std::move(s));
  return out;
}

std::optional<int64_t> Pclntab::CfaOffset(uint64_t pc) {
  std::optional<Func> f = FuncAt(pc);
  if (!f)
    return std::nullopt;
  std::optional<int32_t> d = SpDelta(*f, pc);
  if (!d || *d < 0)
    return std::nullopt;
  return int64_t(*d) + 8; // the return address sits above the frame
}

} // namespace gomap
