// Fuzz target: `show` — entries rendered as text and JSON by the value renderer
// (core/value.cpp): strings, interfaces, structs, indirect slots, nested maps.
#include "fuzz_common.h"

using namespace gomap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Input in = fuzz::Parse(data, size);
  fuzz::Types types;
  fuzz::Profile p = fuzz::MakeProfile(types, in.profile);
  if (!p.layout)
    return 0;
  CachedReader mem(in.mem, fuzz::kPage, fuzz::kPages);
  fuzz::Resolver resolver(types);
  fuzz::Layouts layouts(p.version);
  ShowRequest req;
  req.limit = UINT64_MAX; // --all
  {
    ValueRenderer r(mem, &resolver, &layouts);
    (void)fuzz::Dump(ShowMapJsonOrdered(mem, *p.layout, p.map_type, in.a0, req, r));
    fuzz::CheckDiags(r.diagnostics());
  }
  {
    ValueRenderer r(mem, &resolver, &layouts);
    (void)ShowMapText(mem, *p.layout, p.map_type, in.a0, req, r);
    fuzz::CheckDiags(r.diagnostics());
  }
  // Single values of every menu type at a1.
  ValueRenderer r(mem, &resolver, &layouts);
  for (const Type *t :
       {(const Type *)types.string_, (const Type *)types.any_, (const Type *)types.record_,
        (const Type *)types.pint_, (const Type *)types.slice_, (const Type *)types.big_}) {
    (void)fuzz::Dump(r.JsonOrdered(in.a1, t));
    (void)r.Text(in.a1, t);
  }
  fuzz::CheckDiags(r.diagnostics());
  return 0;
}
