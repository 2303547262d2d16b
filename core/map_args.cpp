// Recovery of a runtime map function's map argument (see map_args.h).
#include "core/map_args.h"

#include <cstdio>
#include <set>

#include "core/diagnostics.h"
#include "core/map.h"

namespace gomap {

namespace {

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

bool PlausiblePointer(uint64_t v) { return v >= 0x1000 && v < (uint64_t(1) << 47) && v % 8 == 0; }

} // namespace

std::vector<ArgWord> SpillWords(MemoryReader &mem, uint64_t cfa, size_t n,
                                const std::string &function) {
  std::vector<ArgWord> out;
  if (cfa == 0 || n == 0)
    return out;
  std::vector<uint64_t> words(n);
  size_t got = mem.Read(cfa, words.data(), n * 8) / 8;
  for (size_t i = 0; i < got; ++i)
    out.push_back(ArgWord{words[i], "spill slot CFA+" + Hex(i * 8) + " of " + function});
  return out;
}

std::vector<ArgWord> FrameWords(MemoryReader &mem, uint64_t sp, uint64_t cfa, size_t max,
                                const std::string &function) {
  std::vector<ArgWord> out;
  if (sp == 0 || cfa <= sp)
    return out;
  size_t n = std::min<uint64_t>((cfa - sp) / 8, max);
  std::vector<uint64_t> words(n);
  size_t got = mem.Read(sp, words.data(), n * 8) / 8;
  for (size_t i = 0; i < got; ++i)
    out.push_back(ArgWord{words[i], "frame word sp+" + Hex(i * 8) + " of " + function});
  return out;
}

bool RecoverMapArgument(MemoryReader &mem, TypeResolver &types, MapLayoutProvider &maps,
                        const std::vector<ArgTier> &tiers, RecoveredMap *out, std::string *why) {
  // Map types seen so far, in order of trust: (type, source, descriptor).
  struct SeenType {
    const Type *type;
    std::string source;
    uint64_t word;
  };
  std::vector<SeenType> map_types;
  std::set<uint64_t> type_words;
  size_t tried = 0;
  RecoveredMap fallback; // the first tier's first readable header, if none checks out
  // The headers of one tier that check out as a map of a type seen so far.
  auto check_tier = [&](const ArgTier &tier, size_t from_type, std::vector<RecoveredMap> *hits) {
    std::set<uint64_t> seen;
    for (const ArgWord &w : tier.headers) {
      if (!PlausiblePointer(w.value) || type_words.count(w.value) || !seen.insert(w.value).second)
        continue;
      for (size_t k = from_type; k < map_types.size(); ++k) {
        const SeenType &st = map_types[k];
        const MapLayout *layout = maps.ForMapType(st.type);
        if (!layout)
          continue;
        ++tried;
        MapHeader h;
        DiagnosticSink sink;
        std::string err;
        if (ReadUsableHeader(mem, *layout, st.type->name, w.value, &h, sink, &err)) {
          hits->push_back(RecoveredMap{w.value, st.type, w.source, st.source, st.word, ""});
          break;
        }
        DiagnosticSink again;
        if (&tier == &tiers.front() && fallback.header == 0 &&
            ReadHeader(mem, *layout, w.value, &h, again))
          fallback = RecoveredMap{w.value, st.type, w.source, st.source, st.word, err};
      }
      if (!hits->empty() && !tier.unique)
        break;
    }
    return hits->size() == 1 || (!hits->empty() && !tier.unique);
  };
  for (size_t i = 0; i < tiers.size(); ++i) {
    size_t before = map_types.size();
    for (const ArgWord &w : tiers[i].types) {
      if (!PlausiblePointer(w.value) || type_words.count(w.value))
        continue;
      const Type *t = types.ByRuntimeType(w.value);
      if (t && t->kind == Kind::Map) {
        type_words.insert(w.value); // a type descriptor is no header
        map_types.push_back({t, w.source, w.value});
      }
    }
    // Earlier tiers' headers with the types this tier added, then this tier's
    // with every type so far.
    for (size_t j = 0; j <= i; ++j) {
      size_t from = j < i ? before : 0;
      if (from >= map_types.size())
        continue;
      std::vector<RecoveredMap> hits;
      if (check_tier(tiers[j], from, &hits)) {
        *out = hits.front();
        return true;
      }
    }
  }
  if (fallback.header) {
    *out = fallback;
    return true;
  }
  if (why)
    *why = map_types.empty()
               ? "no map type descriptor among the map function's arguments"
               : "no argument is a plausible header of a " + map_types.front().type->name + " (" +
                     std::to_string(tried) + " candidates checked)";
  return false;
}

} // namespace gomap
