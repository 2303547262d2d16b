// Fuzz target: map iterators against the map they point at — classic hiter
// (core/classic/hiter.cpp) and swiss maps.Iter (core/swiss/iter.cpp), plus the
// stack-scan plausibility test (core/iter.cpp). a1 is the iterator's address.
#include "fuzz_common.h"

#include "core/iter.h"

using namespace gomap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Input in = fuzz::Parse(data, size);
  fuzz::Types types;
  fuzz::Profile p = fuzz::MakeProfile(types, in.profile);
  if (!p.layout)
    return 0;
  CachedReader mem(in.mem, fuzz::kPage, fuzz::kPages);
  IterLayout il = BuiltinIterLayout(p.layout->impl, p.version);
  IterReport r = DecodeIter(mem, *p.layout, il, in.a1, Limits{});
  fuzz::CheckDiags(r.diags);
  (void)fuzz::Dump(IterJson(r, p.map_type));
  (void)IterLine(r, p.map_type);
  (void)IterText(r, p.map_type);
  if (r.header_ok)
    (void)PlausibleIter(r.fields, p.layout->impl, r.header);
  return 0;
}
