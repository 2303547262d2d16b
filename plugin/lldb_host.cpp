// The `gomap` commands' Host and Result over LLDB's SB API.
#include "plugin/lldb_host.h"

#include <iterator>

#include "lldb/API/SBCommandInterpreter.h"
#include "lldb/API/SBError.h"
#include "lldb/API/SBFileSpec.h"
#include "lldb/API/SBFrame.h"
#include "lldb/API/SBStructuredData.h"
#include "lldb/API/SBSymbol.h"
#include "lldb/API/SBSymbolContextList.h"
#include "lldb/API/SBThread.h"
#include "lldb/API/SBUnixSignals.h"
#include "lldb/API/SBValue.h"
#include "plugin/formatters.h"

namespace gomap::plugin {

namespace {
// DWARF register numbers of x86-64 (System V psABI) as LLDB names them.
const char *const kRegNames[] = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
                                 "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip"};
} // namespace

LldbHost::LldbHost(lldb::SBDebugger dbg)
    : debugger_(dbg), target_(dbg.GetSelectedTarget()), process_(target_.GetProcess()) {}

uint64_t LldbHost::MaxStringLength() {
  lldb::SBStructuredData s = debugger_.GetSetting("target.max-string-summary-length");
  return s.IsValid() ? s.GetUnsignedIntegerValue(0) : 0;
}

bool LldbHost::Interrupted() {
  // The driver's Ctrl-C interrupts the command (WasInterrupted, on the thread
  // running LLDB's I/O handler); RequestInterrupt is seen by InterruptRequested
  // on any other thread (a script's SBCommandInterpreter::HandleCommand).
  return debugger_.GetCommandInterpreter().WasInterrupted() || debugger_.InterruptRequested();
}

std::string LldbHost::Version() { return lldb::SBDebugger::GetVersionString(); }

bool LldbHost::Executable(std::string *path, std::string *error) {
  if (!target_.IsValid()) {
    *error = "no target; create one with 'target create BINARY'";
    return false;
  }
  lldb::SBFileSpec spec = target_.GetExecutable();
  char buf[4096];
  if (!spec.IsValid() || spec.GetPath(buf, sizeof buf) == 0) {
    *error = "the target has no executable file";
    return false;
  }
  *path = buf;
  return true;
}

bool LldbHost::Stopped(std::string *error) {
  if (!process_.IsValid()) {
    *error = "no process: launch or attach to the program, or load a core ('target create "
             "BINARY --core CORE')";
    return false;
  }
  switch (process_.GetState()) {
  case lldb::eStateStopped:
  case lldb::eStateCrashed:
  case lldb::eStateSuspended:
    return true;
  case lldb::eStateRunning:
  case lldb::eStateStepping:
    *error = "the process is running; stop it first (process interrupt)";
    return false;
  case lldb::eStateExited:
    *error = "the process has exited (status " + std::to_string(process_.GetExitStatus()) +
             "); there is nothing to read";
    return false;
  default:
    *error = std::string("the process is ") +
             lldb::SBDebugger::StateAsCString(process_.GetState()) +
             "; launch or attach to the program, or load a core";
    return false;
  }
}

size_t LldbHost::ReadMemory(uint64_t addr, void *dst, size_t n) {
  lldb::SBError err;
  size_t got = process_.ReadMemory(addr, dst, n, err);
  return err.Success() ? got : 0;
}

std::vector<commands::HostThread> LldbHost::Threads() {
  std::vector<commands::HostThread> out;
  for (uint32_t i = 0; i < process_.GetNumThreads(); ++i) {
    lldb::SBThread th = process_.GetThreadAtIndex(i);
    lldb::SBFrame f0 = th.GetFrameAtIndex(0);
    if (th.IsValid() && f0.IsValid())
      out.push_back({th.GetThreadID(), th.GetIndexID(), f0.GetPC(), f0.GetSP()});
  }
  return out;
}

bool LldbHost::Register(uint64_t thread, uint32_t regno, uint64_t *value) {
  if (regno >= std::size(kRegNames))
    return false;
  lldb::SBThread th = process_.GetThreadByID(thread);
  lldb::SBValue v = th.GetFrameAtIndex(0).FindRegister(kRegNames[regno]);
  if (!v.IsValid())
    return false;
  lldb::SBError err;
  *value = v.GetValueAsUnsigned(err, 0);
  return err.Success();
}

std::vector<commands::HostFrame> LldbHost::Frames(uint64_t thread) {
  std::vector<commands::HostFrame> out;
  lldb::SBThread th = process_.GetThreadByID(thread);
  if (!th.IsValid())
    return out;
  uint32_t n = th.GetNumFrames();
  for (uint32_t i = 0; i < n; ++i) {
    lldb::SBFrame f = th.GetFrameAtIndex(i);
    out.push_back({f.GetPC(), f.GetCFA()});
  }
  return out;
}

bool LldbHost::Selected(commands::HostThread *thread, uint32_t *frame) {
  lldb::SBThread th = process_.GetSelectedThread();
  if (!th.IsValid())
    return false;
  lldb::SBFrame f0 = th.GetFrameAtIndex(0);
  *thread = {th.GetThreadID(), th.GetIndexID(), f0.GetPC(), f0.GetSP()};
  *frame = th.GetSelectedFrame().GetFrameID();
  return true;
}

bool LldbHost::Select(uint64_t thread, int frame) {
  if (!process_.SetSelectedThreadByID(thread))
    return false;
  if (frame >= 0)
    process_.GetSelectedThread().SetSelectedFrame(uint32_t(frame));
  return true;
}

uint64_t LldbHost::SymbolAddress(const std::string &name) {
  lldb::SBSymbolContextList syms = target_.FindSymbols(name.c_str(), lldb::eSymbolTypeAny);
  for (uint32_t i = 0; i < syms.GetSize(); ++i) {
    lldb::SBSymbol s = syms.GetContextAtIndex(i).GetSymbol();
    if (!s.IsValid())
      continue;
    uint64_t addr = s.GetStartAddress().GetLoadAddress(target_);
    if (addr != LLDB_INVALID_ADDRESS && addr != 0)
      return addr;
  }
  return 0;
}

std::unique_ptr<ValueFormatter> LldbHost::Formatters() { return UserFormatters(); }

// Go's runtime preempts goroutines with SIGURG: let it through silently.
void LldbHost::Prepare() {
  if (!process_.IsValid())
    return;
  lldb::SBUnixSignals sigs = process_.GetUnixSignals();
  int32_t sig = sigs.GetSignalNumberFromName("SIGURG");
  if (sig <= 0)
    return;
  sigs.SetShouldStop(sig, false);
  sigs.SetShouldNotify(sig, false);
  sigs.SetShouldSuppress(sig, false);
}

void LldbResult::AppendMessage(std::string_view text) {
  result_.AppendMessage(std::string(text).c_str());
}

void LldbResult::Write(std::string_view bytes) {
  result_.Printf("%.*s", int(bytes.size()), bytes.data());
}

void LldbResult::SetFindings(bool has_errors) {
  result_.SetStatus(has_errors ? lldb::eReturnStatusSuccessContinuingResult
                               : lldb::eReturnStatusSuccessFinishResult);
}

} // namespace gomap::plugin
