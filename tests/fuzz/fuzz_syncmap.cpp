// Fuzz target: sync.Map, both implementations (core/syncmap.cpp): the
// read/dirty map of go1.19-1.23 (over classic or swiss inner maps) and the
// HashTrieMap of go1.24+. Profile bit 7 picks the hash trie; a1 is expunged.
#include "fuzz_common.h"

#include "core/syncmap.h"

using namespace gomap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Input in = fuzz::Parse(data, size);
  fuzz::Types types;
  GoVersion v = GoVersion::Parse(fuzz::kVersions[(in.profile & 0x7f) % fuzz::kNumVersions]);
  std::string why;
  std::optional<MapLayout> ml = BuiltinLayout(v, types.any_, types.entry_ptr_, &why);
  if (!ml)
    return 0;
  Type *dirty_type = types.MapOf(types.any_, types.entry_ptr_);
  SyncMapLayout l;
  l.kind = (in.profile & 0x80) ? SyncMapKind::HashTrie : SyncMapKind::ReadDirty;
  l.any = types.any_;
  l.read_is_value = (in.profile & 0x40) != 0 && l.kind == SyncMapKind::ReadDirty;
  l.dirty_type = dirty_type;
  l.dirty_layout = &*ml;
  l.expunged = in.a1;
  CachedReader mem(in.mem, fuzz::kPage, fuzz::kPages);
  SyncMapReport r = DecodeSyncMap(mem, l, in.a0, Limits{});
  fuzz::CheckDiags(r.diags);
  fuzz::Require(r.entries.size() <= in.mapped, "no more entries than mapped bytes");
  fuzz::Resolver resolver(types);
  fuzz::Layouts layouts(v);
  ValueRenderer renderer(mem, &resolver, &layouts);
  ShowRequest req;
  req.limit = UINT64_MAX;
  (void)fuzz::Dump(SyncMapShowJson(r, l, req, renderer));
  (void)SyncMapShowText(r, l, req, renderer);
  (void)fuzz::Dump(SyncMapHeaderJson(r, l, v));
  (void)SyncMapHeaderText(r, l, v);
  fuzz::CheckDiags(renderer.diagnostics());
  return 0;
}
