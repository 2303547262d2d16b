// Goroutine enumeration and unwinding. Mirrors what runtime.Stack(all) shows:
// runtime/traceback.go (goroutineheader, traceback) go1.19-go1.27. Names and
// frame sizes come from DWARF (.debug_line, .debug_frame) when the binary has
// it, else from the pclntab, as the runtime's own tracebacks do.
#include "commands/goroutines.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "core/runtime_g.h"

namespace gomap::commands {

namespace {

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
      bool in_goroot =
          !goroot.empty() ? s.file.rfind(goroot, 0) == 0 : IsRuntimeFunction(s.function);
      if (!s.function.empty() && !s.file.empty() && !in_goroot) {
        g.user_frame = int(i);
        break;
      }
    }
}

bool InSystemstackSwitch(CodeInfo &code, uint64_t pc) {
  std::vector<SourceFrame> f = code.Symbolize(pc);
  return !f.empty() && f.back().function == "runtime.systemstack_switch";
}

// A goroutine interrupted by a signal runs the handler on its M's gsignal
// stack; the kernel put the interrupted registers there in a ucontext, whose
// gregs hold RSP and RIP side by side (REG_RSP 15, REG_RIP 16). Scanning the
// signal stack top-down for such a pair pointing into the goroutine's stack and
// into code with unwind info finds them without trusting handler frames.
bool SignalContext(CodeInfo &code, MemoryReader &mem, uint64_t gsignal_lo, uint64_t gsignal_hi,
                   uint64_t lo, uint64_t hi, uint64_t *pc, uint64_t *sp) {
  if (gsignal_hi <= gsignal_lo || gsignal_hi - gsignal_lo > (1u << 20))
    return false;
  std::vector<uint64_t> words((gsignal_hi - gsignal_lo) / 8);
  size_t got = mem.Read(gsignal_lo, words.data(), words.size() * 8) / 8;
  for (size_t i = got; i-- > 1;) {
    uint64_t rsp = words[i - 1], rip = words[i];
    if (rsp >= lo && rsp < hi && rip != 0 && code.CfaOffset(rip)) {
      *pc = rip;
      *sp = rsp;
      return true;
    }
  }
  return false;
}

// Unwinds from (pc, sp): CFA = SP + offset (.debug_frame, or pcsp + 8), the
// return address at CFA-8, the caller's SP = CFA (Go's amd64 frame layout).
void Unwind(CodeInfo &d, MemoryReader &mem, uint64_t pc, uint64_t sp, uint32_t max_frames,
            Goroutine *g) {
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

namespace {

// Where the runtime's records and the code's names come from: DWARF when the
// binary has it (and the caller did not ask for the pclntab), else the
// pclntab, the built-in runtime.g table and a .bss scan for allgs.
struct Sources {
  CodeInfo *code = nullptr;
  GLayout layout;
  uint64_t allgs = 0;
  std::vector<std::string> reasons; // runtime.waitReasonStrings
  GoroutineSources names;
};

bool FindSources(GoTarget &gt, const GoroutineOptions &opts, Sources *src, std::string *error) {
  GoDwarf &d = gt.dwarf();
  MemoryReader &mem = gt.memory();
  bool dwarf = gt.HasNames() && !opts.pclntab;
  std::optional<GLayout> layout;
  if (dwarf) {
    src->code = &d;
    src->names.code = "DWARF";
    layout = GLayoutFromTypes(d.TypeByName("runtime.g"), error);
  } else {
    src->code = gt.pclntab(error);
    if (!src->code)
      return false;
    src->names.code = "pclntab";
    layout = BuiltinGLayout(gt.version(), error);
  }
  if (!layout)
    return false;
  src->layout = *layout;
  src->names.g_layout = layout->source;
  if (dwarf) {
    const GlobalVar *allgs = d.FindGlobal("runtime.allgs");
    if (!allgs) {
      *error = "no runtime.allgs in the binary's DWARF";
      return false;
    }
    src->allgs = allgs->address;
    src->names.allgs = "DWARF";
    if (const GlobalVar *wr = d.FindGlobal("runtime.waitReasonStrings")) {
      const Type *t = d.GlobalType(*wr);
      uint64_t count = t && t->kind == Kind::Array ? std::min<uint64_t>(t->len, 256) : 0;
      std::vector<uint64_t> words(count * 2);
      if (count && mem.ReadExact(wr->address, words.data(), words.size() * 8))
        for (uint64_t i = 0; i < count; ++i) {
          std::string s(std::min<uint64_t>(words[2 * i + 1], 128), '\0');
          mem.ReadExact(words[2 * i], s.data(), s.size());
          src->reasons.push_back(s);
        }
    }
  } else {
    const Moduledata &md = gt.pclntab(error)->moduledata();
    std::optional<uint64_t> at =
        FindAllgs(mem, md.bss, md.ebss, src->layout, opts.max_goroutines, error);
    if (!at)
      return false;
    src->allgs = *at;
    src->names.allgs = ".bss scan";
    src->reasons = FindWaitReasons(d.image());
  }
  return true;
}

} // namespace

bool ListGoroutines(GoTarget &gt, Host &host, const GoroutineOptions &opts, bool with_frames,
                    std::vector<Goroutine> *out, std::string *error, GoroutineSources *sources) {
  MemoryReader &mem = gt.memory();
  Sources src;
  if (!FindSources(gt, opts, &src, error))
    return false;
  if (sources)
    *sources = src.names;
  const GLayout &L = src.layout;
  CodeInfo &code = *src.code;
  uint64_t hdr[3];
  if (!mem.ReadExact(src.allgs, hdr, sizeof hdr)) {
    *error = "cannot read runtime.allgs at " + HexAddr(src.allgs);
    return false;
  }
  uint64_t n = hdr[1];
  if (n > hdr[2] || n > opts.max_goroutines) {
    *error = "runtime.allgs has an implausible length " + std::to_string(n);
    return false;
  }
  std::vector<uint64_t> gptrs(n);
  if (n && !mem.ReadExact(hdr[0], gptrs.data(), n * 8)) {
    *error = "cannot read the runtime.allgs array at " + HexAddr(hdr[0]);
    return false;
  }
  const std::vector<std::string> &reasons = src.reasons;
  std::map<uint64_t, ThreadRegs> threads;
  for (const HostThread &th : host.Threads())
    threads[th.id] = ThreadRegs{th.pc, th.sp};
  std::vector<uint8_t> bytes(L.read_size);
  for (uint64_t i = 0; i < n; ++i) {
    Goroutine g;
    g.g = gptrs[i];
    if (g.g == 0 || !mem.ReadExact(g.g, bytes.data(), bytes.size()))
      continue;
    uint32_t status = uint32_t(L.status.From(bytes)) & ~kGscan;
    if (status == kGdead || status == kGidle || status == kGdeadextra)
      continue;
    g.id = int64_t(L.goid.From(bytes));
    g.status = status;
    g.status_name = GStatusName(status);
    uint64_t wr = L.waitreason.From(bytes);
    if (status == kGwaiting) {
      g.wait_reason = wr != 0 && wr < reasons.size() ? reasons[wr] : "waiting";
    }
    uint64_t pc = L.sched_pc.From(bytes), sp = L.sched_sp.From(bytes);
    if (L.stack_lo.ok && L.stack_hi.ok) {
      g.stack_lo = L.stack_lo.From(bytes);
      g.stack_hi = L.stack_hi.From(bytes);
    }
    g.context = "sched";
    uint64_t m = L.m.From(bytes);
    if ((status == kGrunning || status == kGsyscall) && m != 0 && L.m_procid.ok) {
      uint64_t procid = 0;
      mem.ReadUint(m + L.m_procid.offset, L.m_procid.size, &procid);
      uint64_t lo = L.stack_lo.From(bytes), hi = L.stack_hi.From(bytes);
      auto th = threads.find(procid);
      if (th != threads.end())
        g.thread_id = procid;
      if (th != threads.end() && th->second.sp >= lo && th->second.sp < hi) {
        // On the goroutine's own stack: the thread's registers are its state.
        pc = th->second.pc;
        sp = th->second.sp;
        g.context = "thread";
      } else if (status == kGsyscall && L.syscallsp.From(bytes) != 0) {
        pc = L.syscallpc.From(bytes); // saved by entersyscall
        sp = L.syscallsp.From(bytes);
        g.context = "syscall";
      } else if (sp != 0 && sp >= lo && sp < hi && InSystemstackSwitch(code, pc)) {
        // On g0 through systemstack, which saved g.sched on the way (a
        // stale sched from an earlier syscall has another pc).
      } else {
        uint64_t gsig = 0, glo = 0, ghi = 0;
        if (L.m_gsignal.ok && mem.ReadPtr(m + L.m_gsignal.offset, &gsig) && gsig != 0 &&
            mem.ReadPtr(gsig + L.stack_lo.offset, &glo) &&
            mem.ReadPtr(gsig + L.stack_hi.offset, &ghi) &&
            SignalContext(code, mem, glo, ghi, lo, hi, &pc, &sp)) {
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
        Unwind(code, mem, pc, sp, opts.max_frames, &g);
    }
    out->push_back(std::move(g));
  }
  if (with_frames)
    MarkUserFrames(out);
  return true;
}

} // namespace gomap::commands
