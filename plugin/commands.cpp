// The `gomap` command tree for LLDB: every subcommand is registered here.
#include "plugin/commands.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "commands/registry.h"
#include "lldb/API/SBCommandInterpreter.h"
#include "lldb/API/SBCommandReturnObject.h"
#include "lldb/API/SBTarget.h"
#include "plugin/lldb_host.h"

namespace gomap::plugin {

namespace {

using commands::FindCommand;
using commands::Registration;
using commands::Registry;
using commands::Subcommand;

std::vector<std::string> Argv(char **command) {
  std::vector<std::string> out;
  for (char **p = command; p && *p; ++p)
    out.emplace_back(*p);
  return out;
}

// One `gomap` subcommand as an LLDB command: the debugger-neutral command
// (commands/) run over LLDB's selected target.
class LldbCommand final : public lldb::SBCommandPluginInterface {
public:
  explicit LldbCommand(std::unique_ptr<Subcommand> impl) : impl_(std::move(impl)) {}

  bool DoExecute(lldb::SBDebugger dbg, char **command,
                 lldb::SBCommandReturnObject &result) override {
    LldbHost host(dbg);
    LldbResult out(result);
    std::string error;
    if (!impl_->Execute(host, Argv(command), out, &error)) {
      result.SetError(error.c_str());
      return false;
    }
    return true;
  }

private:
  std::unique_ptr<Subcommand> impl_;
};

// lldb-dap's debug console runs a line as an LLDB command (in its default
// `repl-mode auto`) only when the first word passes CommandExists,
// UserCommandExists or AliasExists of SBCommandInterpreter (lldb-dap DAP.cpp,
// DAP::DetectExpressionContext in LLDB 19, DetectReplMode later). A container
// added by AddMultiwordCommand lives in the interpreter's multiword table, which
// none of the three consults, so `gomap show m` went to the expression evaluator:
// "Could not find type system for language go". Inside lldb-dap the plugin also
// adds a plain user command `gomap`, which makes UserCommandExists("gomap") true.
// LLDB still runs the container (an exact look-up prefers the multiword table;
// tests/integration/test_lldb_dap.py checks it through lldb-dap); should a later
// LLDB pick the plain one, it runs the same subcommands. Not in lldb
// itself: there a second `gomap` would make the abbreviation `gom` ambiguous.
bool HostIsLldbDap() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0)
    return false;
  exe[n] = '\0';
  const char *base = std::strrchr(exe, '/');
  base = base ? base + 1 : exe;
  return std::strncmp(base, "lldb-dap", 8) == 0;
}

// The plain `gomap` of HostIsLldbDap: `gomap SUB ARGS...` runs subcommand SUB
// (full name or a unique prefix, as LLDB's container resolves it). It owns its
// own subcommand objects: LLDB owns (and may free, on `command container
// delete gomap`) the ones it was given for the container.
class ConsoleGomap final : public lldb::SBCommandPluginInterface {
public:
  bool DoExecute(lldb::SBDebugger dbg, char **command,
                 lldb::SBCommandReturnObject &result) override {
    std::string error;
    const Registration *r = FindCommand(command && command[0] ? command[0] : "", &error);
    if (!r) {
      result.SetError(error.c_str());
      return false;
    }
    auto it = subs_.find(r->name);
    if (it == subs_.end())
      it = subs_.emplace(r->name, std::make_unique<LldbCommand>(r->make())).first;
    return it->second->DoExecute(dbg, command + 1, result);
  }

private:
  std::map<std::string, std::unique_ptr<LldbCommand>> subs_;
};

} // namespace

// GODEBUG with asyncpreemptoff=1 added, unless `godebug` already says
// asyncpreemptoff=… (the user's choice stands).
static std::string WithAsyncPreemptOff(const std::string &godebug) {
  size_t at = 0;
  while (at <= godebug.size()) {
    size_t comma = godebug.find(',', at);
    if (comma == std::string::npos)
      comma = godebug.size();
    std::string item = godebug.substr(at, comma - at);
    while (!item.empty() && item.front() == ' ')
      item.erase(0, 1);
    if (item.rfind("asyncpreemptoff=", 0) == 0)
      return godebug;
    at = comma + 1;
  }
  return godebug.empty() ? "asyncpreemptoff=1" : godebug + ",asyncpreemptoff=1";
}

// The GODEBUG a launch under the selected target (or the dummy target) would
// get today: its target.env-vars entry, else the environment LLDB inherited.
static std::string LaunchGodebug(lldb::SBCommandInterpreter &interp) {
  lldb::SBCommandReturnObject r;
  interp.HandleCommand("settings show target.env-vars", r);
  const std::string shown = r.GetOutput() ? r.GetOutput() : "";
  const std::string key = "  GODEBUG=";
  size_t at = shown.find("\n" + key);
  if (at != std::string::npos) {
    at += 1 + key.size();
    return shown.substr(at, shown.find('\n', at) - at);
  }
  const char *env = std::getenv("GODEBUG");
  return env ? env : "";
}

// What a Go target needs from its first `run`, set on the targets that exist
// and, with none, on the dummy target, which every later target copies — so
// `plugin load` in ~/.lldbinit covers them all (`process handle` and `settings
// set target.*` without a process record the setting on the target):
// - SIGURG, with which Go's runtime preempts goroutines, passes silently;
// - GODEBUG gets asyncpreemptoff=1, as Delve launches every program (Go issue
//   36494): without it the runtime's preemption SIGURG lands in LLDB's steps
//   (`next` stops in runtime.sigtramp or runtime.asyncPreempt, or runs on).
//   `settings remove target.env-vars GODEBUG` undoes it; an asyncpreemptoff
//   the user set (LLDB's environment, target.env-vars, `process launch -E`)
//   stands.
static void GoLaunchDefaults(lldb::SBDebugger debugger) {
  lldb::SBCommandInterpreter interp = debugger.GetCommandInterpreter();
  const auto apply = [&interp] {
    lldb::SBCommandReturnObject ignored;
    interp.HandleCommand("process handle -p true -s false -n false SIGURG", ignored);
    const std::string now = LaunchGodebug(interp);
    const std::string godebug = WithAsyncPreemptOff(now);
    if (godebug == now)
      return;
    lldb::SBCommandReturnObject ignored2;
    interp.HandleCommand(("settings set target.env-vars \"GODEBUG=" + godebug + "\"").c_str(),
                         ignored2);
  };
  lldb::SBTarget selected = debugger.GetSelectedTarget();
  uint32_t n = debugger.GetNumTargets();
  for (uint32_t i = 0; i < n; ++i) {
    lldb::SBTarget t = debugger.GetTargetAtIndex(i);
    debugger.SetSelectedTarget(t);
    apply();
  }
  if (n == 0)
    apply();
  else
    debugger.SetSelectedTarget(selected);
}

bool RegisterCommands(lldb::SBDebugger debugger) {
  GoLaunchDefaults(debugger);
  lldb::SBCommandInterpreter interp = debugger.GetCommandInterpreter();
  lldb::SBCommand root = interp.AddMultiwordCommand("gomap", commands::kRootHelp);
  if (!root.IsValid())
    return false;
  // LLDB owns every SBCommandPluginInterface it is given (a shared_ptr in its
  // command object) and copies help and syntax.
  auto *console = HostIsLldbDap() ? new ConsoleGomap() : nullptr;
  for (const auto &r : Registry()) {
    std::string syntax = commands::CommandHelp(r);
    root.AddCommand(r.name, new LldbCommand(r.make()), r.help, syntax.c_str());
  }
  if (console)
    interp.AddCommand("gomap", console, commands::kRootHelp, "gomap SUBCOMMAND [ARGS...]");
  return true;
}

} // namespace gomap::plugin
