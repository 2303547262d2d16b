// Turns a raw capture of a real map (tests/fuzz/capture_seeds.py: every page the
// decoder read while GDB printed the map, the map's address in a0) into small
// seeds: the byte ranges the core's decoders actually read, for fuzz_map and
// fuzz_value, plus an iterator at its start position (fuzz_iter) and a lookup of
// the first key (fuzz_lookup).
// Usage: fuzz_seed_tool RAW OUTDIR {NAME:PROFILE:ADDR | sync:NAME:PROFILE:ADDR:EXPUNGED |
//                                   heap:NAME:PROFILE:MHEAP:ADDR}...
// (RAW: regions as in
// fuzz_common.h, e.g. a core's PT_LOADs and the executable's read-only sections)
#include "fuzz_common.h"

#include <fstream>
#include <iterator>
#include <set>

#include "core/check.h"
#include "core/heap/mheap.h"
#include "core/iter.h"
#include "core/layout.h"
#include "core/map_lookup.h"
#include "core/syncmap.h"

using namespace gomap;

namespace {

// Records every byte range a read returned.
class Recorder final : public MemoryReader {
public:
  explicit Recorder(MemoryReader &inner) : inner_(inner) {}
  size_t Read(uint64_t addr, void *dst, size_t n) override {
    size_t got = inner_.Read(addr, dst, n);
    for (size_t i = 0; i < got; i += 64) // 64-byte granules keep the seed small
      granules_.insert((addr + i) / 64);
    if (got)
      granules_.insert((addr + got - 1) / 64);
    return got;
  }
  // Coalesced ranges of recorded granules, with their bytes.
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> Ranges() {
    std::vector<std::pair<uint64_t, std::vector<uint8_t>>> out;
    for (uint64_t g : granules_) {
      uint64_t a = g * 64;
      uint8_t buf[64];
      size_t got = inner_.Read(a, buf, 64);
      if (!got)
        continue;
      if (!out.empty() && out.back().first + out.back().second.size() == a)
        out.back().second.insert(out.back().second.end(), buf, buf + got);
      else
        out.push_back({a, std::vector<uint8_t>(buf, buf + got)});
    }
    return out;
  }

private:
  MemoryReader &inner_;
  std::set<uint64_t> granules_;
};

void Put(std::vector<uint8_t> &out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    out.push_back(uint8_t(v >> (8 * i)));
}

std::vector<uint8_t> Regions(const std::vector<std::pair<uint64_t, std::vector<uint8_t>>> &rs) {
  std::vector<uint8_t> out;
  for (const auto &[a, b] : rs) {
    Put(out, a, 8);
    Put(out, b.size(), 4);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

void Write(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
}

} // namespace

int Seed(fuzz::Input &in, const std::string &dir, const std::string &name) {
  fuzz::Types types;
  fuzz::Profile p = fuzz::MakeProfile(types, in.profile);
  if (!p.layout) {
    std::fprintf(stderr, "%s: no layout for profile %u\n", name.c_str(), in.profile);
    return 1;
  }
  Recorder rec(in.mem);
  Limits limits;
  fuzz::Resolver resolver(types);
  fuzz::Layouts layouts(p.version);
  uint64_t first_key = 0, entries = 0;
  {
    auto cur = OpenEntries(rec, *p.layout, in.a0, limits);
    MapEntry e;
    while (cur->Next(&e))
      if (entries++ == 0)
        first_key = e.key_addr;
  }
  (void)WalkLayout(rec, *p.layout, in.a0, limits);
  (void)CheckMap(rec, *p.layout, in.a0, limits);
  ShowRequest req;
  req.limit = UINT64_MAX;
  ValueRenderer renderer(rec, &resolver, &layouts);
  (void)ShowMapJsonOrdered(rec, *p.layout, p.map_type, in.a0, req, renderer);
  std::string key_text = entries ? renderer.KeyText(first_key, p.map_type->key) : "0";
  auto ranges = rec.Ranges();
  std::vector<uint8_t> head{in.profile};
  Put(head, in.a0, 8);

  std::vector<uint8_t> seed = head;
  Put(seed, 0, 8);
  auto body = Regions(ranges);
  seed.insert(seed.end(), body.begin(), body.end());
  Write(dir + "/map/" + name, seed);
  Write(dir + "/value/" + name, seed);

  // An iterator at its start position, in a region of its own.
  IterLayout il = BuiltinIterLayout(p.layout->impl, p.version);
  std::vector<uint8_t> it(il.it.size);
  auto set = [&](const char *field, uint64_t v) {
    if (const StructField *sf = il.it.Find(field))
      for (uint64_t i = 0; i < sf->size; ++i)
        it[sf->offset + i] = uint8_t(v >> (8 * i));
  };
  DiagnosticSink hs;
  MapHeader h;
  ReadHeader(in.mem, *p.layout, in.a0, &h, hs);
  uint64_t it_addr = 0x7ff000000000;
  set(p.layout->impl == MapImpl::Classic ? "h" : "m", in.a0);
  set(p.layout->impl == MapImpl::Classic ? "t" : "typ", 0x1030);
  if (p.layout->impl == MapImpl::Classic) {
    set("buckets", h.Get("buckets"));
    set("B", h.Get("B"));
    set("bptr", h.Get("buckets"));
    set("bucket", 1);
    set("i", 3);
  } else {
    set("globalDepth", h.Get("globalDepth"));
    set("dirIdx", h.Get("dirLen") ? 1 : 0);
    set("entryIdx", 3);
  }
  set("key", first_key);
  std::vector<uint8_t> iseed{in.profile};
  Put(iseed, in.a0, 8);
  Put(iseed, it_addr, 8);
  iseed.insert(iseed.end(), body.begin(), body.end());
  Put(iseed, it_addr, 8);
  Put(iseed, it.size(), 4);
  iseed.insert(iseed.end(), it.begin(), it.end());
  Write(dir + "/iter/" + name, iseed);

  std::vector<uint8_t> lseed = head;
  Put(lseed, key_text.size(), 2);
  lseed.insert(lseed.end(), key_text.begin(), key_text.end());
  lseed.insert(lseed.end(), body.begin(), body.end());
  Write(dir + "/lookup/" + name, lseed);
  std::printf("%s: profile %u, %llu entries, %zu ranges, %zu bytes, key %s\n", name.c_str(),
              in.profile, (unsigned long long)entries, ranges.size(), seed.size(),
              key_text.c_str());
  return 0;
}

// The seed of a target whose input is profile, a0, a1 and what `rec` saw read.
std::vector<uint8_t> WriteSeed(const fuzz::Input &in, Recorder &rec, const std::string &path) {
  std::vector<uint8_t> seed{in.profile};
  Put(seed, in.a0, 8);
  Put(seed, in.a1, 8);
  auto body = Regions(rec.Ranges());
  seed.insert(seed.end(), body.begin(), body.end());
  Write(path, seed);
  return seed;
}

// A sync.Map seed for fuzz_syncmap (profile bits as there; a1 = expunged).
int SyncSeed(fuzz::Input &in, const std::string &dir, const std::string &name) {
  fuzz::Types types;
  GoVersion v = GoVersion::Parse(fuzz::kVersions[(in.profile & 0x7f) % fuzz::kNumVersions]);
  std::string why;
  std::optional<MapLayout> ml = BuiltinLayout(v, types.any_, types.entry_ptr_, &why);
  if (!ml)
    return 1;
  SyncMapLayout l;
  l.kind = (in.profile & 0x80) ? SyncMapKind::HashTrie : SyncMapKind::ReadDirty;
  l.any = types.any_;
  l.read_is_value = (in.profile & 0x40) != 0 && l.kind == SyncMapKind::ReadDirty;
  l.dirty_type = types.MapOf(types.any_, types.entry_ptr_);
  l.dirty_layout = &*ml;
  l.expunged = in.a1;
  Recorder rec(in.mem);
  SyncMapReport r = DecodeSyncMap(rec, l, in.a0, Limits{});
  fuzz::Resolver resolver(types);
  fuzz::Layouts layouts(v);
  ValueRenderer renderer(rec, &resolver, &layouts);
  ShowRequest req;
  req.limit = UINT64_MAX;
  (void)SyncMapShowJson(r, l, req, renderer);
  std::vector<uint8_t> seed = WriteSeed(in, rec, dir + "/syncmap/" + name);
  std::printf("%s: sync.Map profile %u, %zu entries, %zu diagnostics, %zu bytes\n", name.c_str(),
              in.profile, r.entries.size(), r.diags.items().size(), seed.size());
  return 0;
}

// A heap seed for fuzz_heap: what classifying a map header and the words it
// starts with (its bucket array or directory) read of the runtime's heap
// records, with a0 = &runtime.mheap_ and a1 = the header.
int HeapSeed(fuzz::Input &in, const std::string &dir, const std::string &name) {
  GoVersion v = GoVersion::Parse(fuzz::kVersions[in.profile % fuzz::kNumVersions]);
  std::string why;
  std::optional<heap::HeapLayout> layout = heap::BuiltinHeapLayout(v, &why);
  if (!layout) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), why.c_str());
    return 1;
  }
  Recorder rec(in.mem);
  heap::Mheap h(rec, *layout, in.a0, {});
  if (!h.Load()) {
    std::fprintf(stderr, "%s: heap: %s\n", name.c_str(), h.error().c_str());
    return 1;
  }
  std::string classes;
  uint64_t words[4] = {};
  size_t got = rec.Read(in.a1, words, sizeof words);
  std::vector<uint64_t> addrs{in.a1};
  addrs.insert(addrs.end(), words, words + got / 8);
  for (uint64_t a : addrs)
    classes += std::string(" ") + heap::PtrClassName(h.ClassifyPointer(a).cls);
  std::vector<uint8_t> seed = WriteSeed(in, rec, dir + "/heap/" + name);
  std::printf("%s: heap profile %u, %zu bytes:%s\n", name.c_str(), in.profile, seed.size(),
              classes.c_str());
  return 0;
}

// The colon-separated fields of SPEC after its PREFIX.
std::vector<std::string> Fields(const std::string &spec, size_t prefix) {
  std::vector<std::string> f;
  for (size_t a = prefix, b;; a = b + 1) {
    b = spec.find(':', a);
    f.push_back(spec.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos)
      break;
  }
  return f;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s RAW OUTDIR NAME:PROFILE:ADDR...\n", argv[0]);
    return 2;
  }
  std::ifstream f(argv[1], std::ios::binary);
  std::vector<uint8_t> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  fuzz::Input in = fuzz::Parse(raw.data(), raw.size());
  int rc = 0;
  for (int i = 3; i < argc; ++i) {
    std::string spec = argv[i];
    bool sync = spec.rfind("sync:", 0) == 0, heap = spec.rfind("heap:", 0) == 0;
    if (sync || heap) { // sync:NAME:PROFILE:ADDR:EXPUNGED, heap:NAME:PROFILE:MHEAP:ADDR
      std::vector<std::string> f = Fields(spec, 5);
      if (f.size() != 4)
        return 2;
      in.profile = uint8_t(std::stoul(f[1]));
      in.a0 = std::stoull(f[2], nullptr, 0);
      in.a1 = std::stoull(f[3], nullptr, 0);
      rc |= sync ? SyncSeed(in, argv[2], f[0]) : HeapSeed(in, argv[2], f[0]);
      continue;
    }
    size_t c1 = spec.find(':'), c2 = spec.rfind(':');
    if (c1 == std::string::npos || c1 == c2)
      return 2;
    in.profile = uint8_t(std::stoul(spec.substr(c1 + 1, c2 - c1 - 1)));
    in.a0 = std::stoull(spec.substr(c2 + 1), nullptr, 0);
    rc |= Seed(in, argv[2], spec.substr(0, c1));
  }
  return rc;
}
