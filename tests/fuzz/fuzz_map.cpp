// Fuzz target: a map header and everything that walks it — the entry cursor,
// header report and state, the physical layout walk and check — for classic and
// swiss layouts (core/map.cpp, core/classic/*, core/swiss/*, core/layout.cpp,
// core/check.cpp, core/header_report.cpp, core/map_state.cpp).
#include "fuzz_common.h"

#include "core/check.h"
#include "core/header_report.h"
#include "core/layout.h"
#include "core/map_state.h"

using namespace gomap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Input in = fuzz::Parse(data, size);
  fuzz::Types types;
  fuzz::Profile p = fuzz::MakeProfile(types, in.profile);
  if (!p.layout)
    return 0;
  const MapLayout &l = *p.layout;
  Limits limits;
  CachedReader mem(in.mem, fuzz::kPage, fuzz::kPages);

  DiagnosticSink hs;
  MapHeader h;
  std::string error;
  bool usable = ReadUsableHeader(mem, l, p.map_type->name, in.a0, &h, hs, &error);
  fuzz::CheckDiags(hs);
  if (!usable) {
    fuzz::Require(!error.empty() && error.find('\n') == std::string::npos,
                  "a refused header has a one-line error");
    return 0;
  }
  HeaderExtras extras = DescribeMap(mem, l, h, limits, hs);
  (void)fuzz::Dump(HeaderJson(h, l, p.map_type, hs, &extras));
  (void)HeaderText(h, l, p.map_type, hs, &extras);

  auto cur = OpenEntries(mem, l, in.a0, limits);
  MapEntry e;
  uint64_t n = 0;
  while (cur->Next(&e))
    ++n;
  fuzz::Require(!cur->Next(&e), "a cursor stays at its end");
  fuzz::Require(n == cur->yielded(), "yielded() counts what Next gave");
  // Evidence: every live entry occupies at least one byte of readable slot memory
  // (a tophash/ctrl byte) in the image.
  fuzz::Require(n <= in.mapped, "no more entries than mapped bytes");
  fuzz::CheckDiags(cur->diagnostics());

  MapLayoutReport lr = WalkLayout(mem, l, in.a0, limits);
  fuzz::CheckDiags(lr.diags);
  (void)fuzz::Dump(LayoutJson(lr, l, p.map_type, LayoutView{}));
  (void)LayoutText(lr, l, p.map_type, LayoutView{});

  CheckReport cr = CheckMap(mem, l, in.a0, limits);
  fuzz::CheckDiags(cr.diags);
  fuzz::Require(cr.walked.entries <= in.mapped, "check walks no more than evidence");
  (void)fuzz::Dump(CheckJson(cr, l, p.map_type));
  (void)CheckText(cr, l, p.map_type);
  return 0;
}
