// Fuzz target: `show 'm[KEY]'` — splitting the index suffix, parsing the Go
// literal against the key type (core/go_literal.cpp) and looking it up in a
// fuzzed map (core/map_lookup.cpp). Input: profile u8 | a0 u64 | text len u16 |
// text | regions as in fuzz_common.h (after the text).
#include "fuzz_common.h"

#include "core/go_literal.h"
#include "core/map_lookup.h"

using namespace gomap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 11)
    return 0;
  size_t tlen = std::min<size_t>(fuzz::Le(data + 9, 2), size - 11);
  std::string text(reinterpret_cast<const char *>(data + 11), tlen);
  // Regions after the text; reuse the common parser with a synthetic header.
  std::vector<uint8_t> rest(17, 0);
  std::memcpy(rest.data(), data, 9);
  rest.insert(rest.end(), data + 11 + tlen, data + size);
  fuzz::Input in = fuzz::Parse(rest.data(), rest.size());
  fuzz::Types types;
  fuzz::Profile p = fuzz::MakeProfile(types, in.profile);
  if (!p.layout)
    return 0;

  IndexSuffix sfx = SplitIndexSuffix(text);
  std::string key_text = sfx.status == IndexSuffix::Status::Ok ? sfx.key : text;
  ParsedLiteral lit;
  std::string error;
  if (!ParseMapKey(key_text, p.map_type, *p.layout, nullptr, &lit, &error)) {
    fuzz::Require(!error.empty(), "a refused key says why");
    return 0;
  }
  (void)fuzz::Dump(GoLiteralJson(lit.value));
  CachedReader mem(in.mem, fuzz::kPage, fuzz::kPages);
  fuzz::Resolver resolver(types);
  fuzz::Layouts layouts(p.version);
  LookupResult r = LookupKey(mem, *p.layout, p.map_type, in.a0, lit.value, &resolver, Limits{});
  fuzz::CheckDiags(r.diags);
  fuzz::Require(r.walked <= in.mapped, "no more compares than mapped bytes");
  ValueRenderer renderer(mem, &resolver, &layouts);
  (void)fuzz::Dump(LookupJson(r, lit.value, renderer));
  (void)LookupText(r, key_text, renderer);
  return 0;
}
