// Goroutine frame scopes for EXPR resolution.
#include "plugin/frames.h"

#include "lldb/API/SBFrame.h"
#include "lldb/API/SBThread.h"
#include "lldb/API/SBValue.h"

namespace gomap::plugin {

namespace {
// DWARF register numbers of x86-64 (System V psABI) as LLDB names them.
const char *const kRegNames[] = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
                                 "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
                                 "rip"};
} // namespace

FrameScope MakeScope(GoTarget &gt, lldb::SBProcess process, const Goroutine &g, size_t k) {
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
    lldb::SBThread th = process.GetThreadByID(g.thread_id);
    s.ctx.reg = [th](uint32_t regno, uint64_t *value) mutable {
      if (regno >= std::size(kRegNames))
        return false;
      lldb::SBValue v = th.GetFrameAtIndex(0).FindRegister(kRegNames[regno]);
      if (!v.IsValid())
        return false;
      lldb::SBError err;
      *value = v.GetValueAsUnsigned(err, 0);
      return err.Success();
    };
  }
  return s;
}

const Goroutine *SelectedGoroutine(const std::vector<Goroutine> &gs, lldb::SBProcess process) {
  lldb::SBThread th = process.GetSelectedThread();
  if (!th.IsValid())
    return nullptr;
  for (const auto &g : gs)
    if (g.thread_id != 0 && g.thread_id == th.GetThreadID())
      return &g;
  return nullptr;
}

} // namespace gomap::plugin
