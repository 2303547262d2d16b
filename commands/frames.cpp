// Goroutine frame scopes for EXPR resolution.
#include "commands/frames.h"

#include "core/bulk.h"
#include "core/location.h"

namespace gomap::commands {

namespace {

// A generic function is compiled once per shape; its variables' DWARF types are
// shapes (every pointer is go.shape.*uint8). The instantiated type is in the
// dictionary the caller passed (`.dict`, cmd/compile's hidden parameter): word
// dict_index is the variable's *runtime._type, which names its DWARF type (as
// Delve resolves them). Without a readable dictionary the shape type stays.
void ResolveShapeTypes(GoTarget &gt, FrameScope *s) {
  const FrameVar *dict = nullptr;
  for (const FrameVar &v : s->vars)
    if (v.name == ".dict")
      dict = &v;
  if (dict == nullptr || !dict->has_location)
    return;
  VarValue dv = EvaluateLocation(dict->expr, 8, s->ctx, gt.memory());
  uint64_t base = 0;
  if (!dv.ok)
    return;
  if (dv.in_memory) {
    if (!gt.memory().ReadPtr(dv.addr, &base))
      return;
  } else if (dv.bytes.size() >= 8) {
    base = detail::LoadLE(dv.bytes.data(), 8);
  }
  if (base == 0 || base % 8 != 0)
    return;
  for (FrameVar &v : s->vars) {
    if (v.dict_index < 0)
      continue;
    uint64_t rtype = 0;
    if (!gt.memory().ReadPtr(base + 8 * uint64_t(v.dict_index), &rtype) || rtype == 0)
      continue;
    if (const Type *t = gt.ByRuntimeType(rtype);
        t != nullptr && (!v.type || t->size == v.type->size))
      v.type = t;
  }
}

} // namespace

FrameScope MakeScope(GoTarget &gt, Host &host, const Goroutine &g, size_t k) {
  FrameScope s;
  s.goroutine = g.id;
  s.frame = k;
  if (k >= g.frames.size())
    return s;
  const GoFrame &f = g.frames[k];
  s.function = f.source.function;
  // Frames of one physical frame: its inlined calls (innermost first), then
  // the function itself; inline depth counts from the function inward.
  size_t group_end = k;
  while (group_end < g.frames.size() && g.frames[group_end].inlined)
    ++group_end;
  size_t inline_depth = group_end - k;
  // The innermost physical frame: no physical frame before it.
  bool innermost = true;
  for (size_t i = 0; i < k; ++i)
    if (!g.frames[i].inlined)
      innermost = false;
  uint64_t lookup = innermost ? f.pc : f.pc - 1;
  std::string fn;
  s.vars = gt.dwarf().FrameVariables(lookup, inline_depth, &fn);
  if (!fn.empty())
    s.function = fn;
  s.ctx.cfa = f.cfa;
  if (innermost && g.context == "thread" && g.thread_id != 0) {
    Host *h = &host;
    uint64_t thread = g.thread_id;
    s.ctx.reg = [h, thread](uint32_t regno, uint64_t *value) {
      return regno <= 16 && h->Register(thread, regno, value);
    };
  }
  ResolveShapeTypes(gt, &s);
  return s;
}

const Goroutine *SelectedGoroutine(const std::vector<Goroutine> &gs, Host &host) {
  HostThread th;
  uint32_t frame = 0;
  if (!host.Selected(&th, &frame))
    return nullptr;
  for (const auto &g : gs)
    if (g.thread_id != 0 && g.thread_id == th.id)
      return &g;
  return nullptr;
}

} // namespace gomap::commands
