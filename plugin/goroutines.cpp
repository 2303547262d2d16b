// Goroutine enumeration and unwinding. Mirrors what runtime.Stack(all) shows:
// runtime/traceback.go (goroutineheader, traceback) go1.19-go1.27, with frame
// sizes from .debug_frame instead of the pclntab.
#include "plugin/goroutines.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "lldb/API/SBFrame.h"
#include "lldb/API/SBThread.h"

namespace gomap::plugin {

namespace {

constexpr uint32_t kGscan = 0x1000;
constexpr uint32_t kGidle = 0, kGrunning = 2, kGsyscall = 3, kGwaiting = 4, kGdead = 6;

// runtime/traceback.go gStatusStrings.
const char *const kStatusNames[] = {"idle",    "runnable",   "running",  "syscall",
                                    "waiting", "moribund",   "dead",     "enqueue",
                                    "copystack", "preempted"};

struct FieldLoc {
  uint64_t offset = 0, size = 0;
  bool ok = false;
};

// Offset of a dotted field path inside a struct type (no pointer hops).
FieldLoc Locate(const Type *t, std::string_view path) {
  FieldLoc loc;
  uint64_t off = 0;
  while (t) {
    size_t dot = path.find('.');
    std::string name(path.substr(0, dot));
    const Field *f = t->FindField(name);
    if (!f || !f->type)
      return loc;
    off += f->offset;
    t = f->type;
    if (dot == std::string_view::npos) {
      loc.offset = off;
      loc.size = t->size;
      loc.ok = true;
      return loc;
    }
    path = path.substr(dot + 1);
  }
  return loc;
}

FieldLoc LocateAny(const Type *t, std::initializer_list<std::string_view> paths) {
  for (auto p : paths) {
    FieldLoc l = Locate(t, p);
    if (l.ok && l.size > 0 && l.size <= 8)
      return l;
  }
  return FieldLoc{};
}

uint64_t Load(const std::vector<uint8_t> &bytes, const FieldLoc &f) {
  if (!f.ok || f.offset + f.size > bytes.size())
    return 0;
  uint64_t v = 0;
  for (uint64_t i = 0; i < f.size; ++i)
    v |= uint64_t(bytes[f.offset + i]) << (8 * i);
  return v;
}

// The layout of runtime.g (and runtime.m.procid) from the binary's DWARF.
struct GLayout {
  const Type *g = nullptr;
  FieldLoc goid, status, waitreason, sched_sp, sched_pc, m, stack_lo, stack_hi,
      syscallsp, syscallpc;
  FieldLoc m_procid, m_gsignal;
  bool Load(GoDwarf &d, std::string *error) {
    g = d.TypeByName("runtime.g");
    if (!g || g->kind != Kind::Struct) {
      *error = "the binary's DWARF has no runtime.g type";
      return false;
    }
    goid = LocateAny(g, {"goid"});
    status = LocateAny(g, {"atomicstatus.value", "atomicstatus"});
    waitreason = LocateAny(g, {"waitreason"});
    sched_sp = LocateAny(g, {"sched.sp"});
    sched_pc = LocateAny(g, {"sched.pc"});
    m = LocateAny(g, {"m"});
    stack_lo = LocateAny(g, {"stack.lo"});
    stack_hi = LocateAny(g, {"stack.hi"});
    syscallsp = LocateAny(g, {"syscallsp"});
    syscallpc = LocateAny(g, {"syscallpc"});
    if (const Field *mf = g->FindField("m"); mf && mf->type && mf->type->elem) {
      m_procid = LocateAny(mf->type->elem, {"procid"});
      m_gsignal = LocateAny(mf->type->elem, {"gsignal"});
    }
    if (!goid.ok || !status.ok || !sched_sp.ok || !sched_pc.ok) {
      *error = "runtime.g in the binary's DWARF lacks goid/atomicstatus/sched";
      return false;
    }
    return true;
  }
};

struct ThreadRegs {
  uint64_t pc = 0, sp = 0;
};

bool IsRuntimeFunction(const std::string &f) {
  return f.rfind("runtime.", 0) == 0 || f.rfind("internal/", 0) == 0;
}

// "<GOROOT>/src/" from the file of any runtime function among the frames.
std::string GorootSrc(const std::vector<Goroutine> &gs) {
  for (const auto &g : gs)
    for (const auto &f : g.frames)
      if (f.source.function.rfind("runtime.", 0) == 0) {
        size_t at = f.source.file.rfind("/src/runtime/");
        if (at != std::string::npos)
          return f.source.file.substr(0, at + 5);
      }
  return "";
}

void MarkUserFrames(std::vector<Goroutine> *gs) {
  std::string goroot = GorootSrc(*gs);
  for (auto &g : *gs)
    for (size_t i = 0; i < g.frames.size(); ++i) {
      const SourceFrame &s = g.frames[i].source;
      bool in_goroot = !goroot.empty() ? s.file.rfind(goroot, 0) == 0
                                       : IsRuntimeFunction(s.function);
      if (!s.function.empty() && !s.file.empty() && !in_goroot) {
        g.user_frame = int(i);
        break;
      }
    }
}

bool InSystemstackSwitch(GoTarget &gt, uint64_t pc) {
  std::vector<SourceFrame> f = gt.dwarf().Symbolize(pc);
  return !f.empty() && f.back().function == "runtime.systemstack_switch";
}

// A goroutine interrupted by a signal runs the handler on its M's gsignal
// stack; the kernel put the interrupted registers there in a ucontext, whose
// gregs hold RSP and RIP side by side (REG_RSP 15, REG_RIP 16). Scanning the
// signal stack top-down for such a pair pointing into the goroutine's stack and
// into code with unwind info finds them without trusting handler frames.
bool SignalContext(GoTarget &gt, uint64_t gsignal_lo, uint64_t gsignal_hi, uint64_t lo,
                   uint64_t hi, uint64_t *pc, uint64_t *sp) {
  if (gsignal_hi <= gsignal_lo || gsignal_hi - gsignal_lo > (1u << 20))
    return false;
  std::vector<uint64_t> words((gsignal_hi - gsignal_lo) / 8);
  size_t got = gt.memory().Read(gsignal_lo, words.data(), words.size() * 8) / 8;
  for (size_t i = got; i-- > 1;) {
    uint64_t rsp = words[i - 1], rip = words[i];
    if (rsp >= lo && rsp < hi && rip != 0 && gt.dwarf().CfaOffset(rip)) {
      *pc = rip;
      *sp = rsp;
      return true;
    }
  }
  return false;
}

// Unwinds from (pc, sp) with .debug_frame: CFA = SP + offset, the return
// address at CFA-8, the caller's SP = CFA (Go's amd64 frame layout).
void Unwind(GoTarget &gt, uint64_t pc, uint64_t sp, uint32_t max_frames, Goroutine *g) {
  GoDwarf &d = gt.dwarf();
  MemoryReader &mem = gt.memory();
  for (uint32_t i = 0; i < max_frames && pc != 0; ++i) {
    uint64_t lookup = i == 0 ? pc : pc - 1; // a return address may start the next line
    std::vector<SourceFrame> srcs = d.Symbolize(lookup);
    std::optional<int64_t> off = d.CfaOffset(lookup);
    uint64_t cfa = off ? sp + uint64_t(*off) : 0;
    for (size_t k = 0; k + 1 < srcs.size(); ++k)
      g->frames.push_back(GoFrame{pc, sp, cfa, srcs[k], true});
    GoFrame f{pc, sp, cfa, srcs.empty() ? SourceFrame{} : srcs.back(), false};
    g->frames.push_back(f);
    const std::string &fn = f.source.function;
    if (fn == "runtime.goexit" || fn == "runtime.mstart" || fn == "runtime.rt0_go" ||
        fn == "runtime.mstart0")
      return;
    if (!off) {
      g->unwind_error = "no unwind info for pc " + HexAddr(pc);
      return;
    }
    uint64_t ra = 0;
    if (!mem.ReadPtr(cfa - 8, &ra)) {
      g->unwind_error = "cannot read the return address at " + HexAddr(cfa - 8);
      return;
    }
    pc = ra;
    sp = cfa;
  }
  if (pc != 0 && g->frames.size() >= max_frames)
    g->unwind_error = "stopped after " + std::to_string(max_frames) + " frames";
}

} // namespace

const GoFrame *UserFrame(const Goroutine &g) {
  return g.user_frame >= 0 && size_t(g.user_frame) < g.frames.size() ? &g.frames[g.user_frame]
                                                                      : nullptr;
}

bool ListGoroutines(GoTarget &gt, lldb::SBProcess process, const GoroutineLimits &limits,
                    bool with_frames, std::vector<Goroutine> *out, std::string *error) {
  GoDwarf &d = gt.dwarf();
  MemoryReader &mem = gt.memory();
  GLayout L;
  if (!L.Load(d, error))
    return false;
  const GlobalVar *allgs = d.FindGlobal("runtime.allgs");
  if (!allgs) {
    *error = "no runtime.allgs in the binary's DWARF";
    return false;
  }
  uint64_t hdr[3];
  if (!mem.ReadExact(allgs->address, hdr, sizeof hdr)) {
    *error = "cannot read runtime.allgs at " + HexAddr(allgs->address);
    return false;
  }
  uint64_t n = hdr[1];
  if (n > hdr[2] || n > limits.max_goroutines) {
    *error = "runtime.allgs has an implausible length " + std::to_string(n);
    return false;
  }
  std::vector<uint64_t> gptrs(n);
  if (n && !mem.ReadExact(hdr[0], gptrs.data(), n * 8)) {
    *error = "cannot read the runtime.allgs array at " + HexAddr(hdr[0]);
    return false;
  }
  // Wait reasons as the runtime prints them (runtime.waitReasonStrings).
  std::vector<std::string> reasons;
  if (const GlobalVar *wr = d.FindGlobal("runtime.waitReasonStrings")) {
    const Type *t = d.GlobalType(*wr);
    uint64_t count = t && t->kind == Kind::Array ? std::min<uint64_t>(t->len, 256) : 0;
    std::vector<uint64_t> words(count * 2);
    if (count && mem.ReadExact(wr->address, words.data(), words.size() * 8))
      for (uint64_t i = 0; i < count; ++i) {
        std::string s(std::min<uint64_t>(words[2 * i + 1], 128), '\0');
        mem.ReadExact(words[2 * i], s.data(), s.size());
        reasons.push_back(s);
      }
  }
  std::map<uint64_t, ThreadRegs> threads;
  for (uint32_t i = 0; i < process.GetNumThreads(); ++i) {
    lldb::SBThread th = process.GetThreadAtIndex(i);
    lldb::SBFrame f0 = th.GetFrameAtIndex(0);
    if (th.IsValid() && f0.IsValid())
      threads[th.GetThreadID()] = ThreadRegs{f0.GetPC(), f0.GetSP()};
  }
  std::vector<uint8_t> bytes(L.g->size);
  for (uint64_t i = 0; i < n; ++i) {
    Goroutine g;
    g.g = gptrs[i];
    if (g.g == 0 || !mem.ReadExact(g.g, bytes.data(), bytes.size()))
      continue;
    uint32_t status = uint32_t(Load(bytes, L.status)) & ~kGscan;
    if (status == kGdead || status == kGidle)
      continue;
    g.id = int64_t(Load(bytes, L.goid));
    g.status = status;
    g.status_name = status < std::size(kStatusNames) ? kStatusNames[status]
                                                     : "status " + std::to_string(status);
    uint64_t wr = Load(bytes, L.waitreason);
    if (status == kGwaiting) {
      g.wait_reason = wr != 0 && wr < reasons.size() ? reasons[wr] : "waiting";
    }
    uint64_t pc = Load(bytes, L.sched_pc), sp = Load(bytes, L.sched_sp);
    if (L.stack_lo.ok && L.stack_hi.ok) {
      g.stack_lo = Load(bytes, L.stack_lo);
      g.stack_hi = Load(bytes, L.stack_hi);
    }
    g.context = "sched";
    uint64_t m = Load(bytes, L.m);
    if ((status == kGrunning || status == kGsyscall) && m != 0 && L.m_procid.ok) {
      uint64_t procid = 0;
      mem.ReadUint(m + L.m_procid.offset, L.m_procid.size, &procid);
      uint64_t lo = Load(bytes, L.stack_lo), hi = Load(bytes, L.stack_hi);
      auto th = threads.find(procid);
      if (th != threads.end())
        g.thread_id = procid;
      if (th != threads.end() && th->second.sp >= lo && th->second.sp < hi) {
        // On the goroutine's own stack: the thread's registers are its state.
        pc = th->second.pc;
        sp = th->second.sp;
        g.context = "thread";
      } else if (status == kGsyscall && Load(bytes, L.syscallsp) != 0) {
        pc = Load(bytes, L.syscallpc); // saved by entersyscall
        sp = Load(bytes, L.syscallsp);
        g.context = "syscall";
      } else if (sp != 0 && sp >= lo && sp < hi && InSystemstackSwitch(gt, pc)) {
        // On g0 through systemstack, which saved g.sched on the way (a
        // stale sched from an earlier syscall has another pc).
      } else {
        uint64_t gsig = 0, glo = 0, ghi = 0;
        if (L.m_gsignal.ok && mem.ReadPtr(m + L.m_gsignal.offset, &gsig) && gsig != 0 &&
            mem.ReadPtr(gsig + L.stack_lo.offset, &glo) &&
            mem.ReadPtr(gsig + L.stack_hi.offset, &ghi) &&
            SignalContext(gt, glo, ghi, lo, hi, &pc, &sp)) {
          g.context = "signal";
        } else if (th != threads.end()) {
          pc = th->second.pc;
          sp = th->second.sp;
          g.context = "thread";
        }
      }
    }
    if (with_frames) {
      if (pc == 0 || sp == 0)
        g.unwind_error = "no saved context (pc/sp are 0)";
      else
        Unwind(gt, pc, sp, limits.max_frames, &g);
    }
    out->push_back(std::move(g));
  }
  if (with_frames)
    MarkUserFrames(out);
  return true;
}

} // namespace gomap::plugin
