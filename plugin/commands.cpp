// The `gomap` command tree for LLDB: every subcommand is registered here.
#include "plugin/commands.h"

#include <unistd.h>

#include <climits>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "lldb/API/SBCommandInterpreter.h"
#include "lldb/API/SBCommandReturnObject.h"
#include "lldb/API/SBTarget.h"
#include "plugin/command_support.h"

namespace gomap::plugin {

namespace {
struct Registration {
  const char *name;
  std::unique_ptr<Subcommand> (*make)();
  const char *help;
  const char *syntax;
};

const Registration kCommands[] = {
    {"version", NewVersionCommand,
     "Show the plugin, debugger and target Go versions and the map implementation.",
     "gomap version [--json]"},
    {"show", NewShowCommand, "Show a Go map: a header line and its entries.",
     "gomap show EXPR [-g ID] [-f K] [--limit N] [--offset K] [--all] [--json]\n"
     "EXPR resolves as Go scopes names, from the selected frame (LLDB's, or 'gomap\n"
     "goroutine'/'gomap frame'; -g/-f override): its locals, parameters and closure\n"
     "captures, then its package's variables, then a qualified name (main.cache,\n"
     "example.com/pkg.Var). With -g alone, the innermost user frame of that goroutine\n"
     "that has the name. Then a field path or index (c.byID, (*p).m, shards[3].m;\n"
     "pointers followed), or 0xADDR --type 'map[K]V' (ADDR: the header pointer)."},
    {"header", NewHeaderCommand,
     "Show every field of a Go map's header, flags by name, Go version and layout source.",
     "gomap header EXPR [-g ID] [-f K] [--json]"},
    {"goroutines", NewGoroutinesCommand,
     "List goroutines from the runtime's records: id, state, user frame.",
     "gomap goroutines [--json [--frames]]"},
    {"bt", NewBacktraceCommand,
     "Show the backtrace of one goroutine (default: the selected one), with LLDB's frame "
     "numbers beside gomap's when it runs on a thread.",
     "gomap bt [-g ID] [--json]\n"
     "Without -g: the goroutine selected with 'gomap goroutine', else the one on LLDB's\n"
     "selected thread. '*' marks the selected frame."},
    {"goroutine", NewGoroutineCommand,
     "Select a goroutine (and a frame of it) for the commands that follow, until the "
     "process resumes; without ID, show the selection.",
     "gomap goroutine [ID [K]] [--json]\n"
     "Like Delve's 'goroutine ID'. When goroutine ID runs on a thread, LLDB's selected\n"
     "thread and frame follow; LLDB's own 'thread select' / 'frame select' / 'up' /\n"
     "'down' afterwards take over again."},
    {"frame", NewFrameCommand,
     "Select frame K (gomap's numbering, see 'gomap bt') of the selected goroutine.",
     "gomap frame K [-g ID] [--json]"},
    {"locals", NewLocalsCommand,
     "List the variables of a goroutine frame that hold maps, with their length.",
     "gomap locals [-g ID] [-f K] [--json]\n"
     "Lists every variable of the frame holding a map, itself or through struct fields\n"
     "and pointers (c.byID), with its length or why it is unavailable. Default: the\n"
     "selected goroutine and frame (LLDB's selected frame; a stop inside the runtime\n"
     "means the first frame outside GOROOT)."},
    {"layout", NewLayoutCommand,
     "Show a Go map's physical structure: classic buckets, overflow chains and evacuation; "
     "swiss directory, tables and groups.",
     "gomap layout EXPR [-g ID] [-f K] [--limit N] [--all] [--json]"},
    {"check", NewCheckCommand,
     "Check one Go map's integrity: header invariants, buckets / tables and "
     "groups, count vs entries walked, and its iterators on goroutine stacks.",
     "gomap check EXPR [-g ID] [-f K] [--json] [--no-iterators]\n"
     "Walks every entry and the whole physical structure (within the work caps)\n"
     "and prints a summary line and one line per diagnostic."},
    {"iter", NewIterCommand,
     "Decode a Go map iterator, or find every map iterator on every goroutine stack.",
     "gomap iter [EXPR] [-g ID] [-f K] [--json]\n"
     "EXPR: a variable or field path of type runtime.hiter, internal/runtime/maps.Iter,\n"
     "reflect.MapIter or a pointer to one, or 0xADDR --type NAME. Without EXPR: scan\n"
     "the stacks (of goroutine ID with -g) for range-loop iterators, reflect.MapIter\n"
     "values on the stack and heap reflect.MapIters pointed at from it."},
    {"pointer", NewPointerCommand,
     "Say what an address is: unmapped, code, a global, a goroutine stack, free heap "
     "memory, or a heap object (span, element size, allocated or free), and whose map "
     "storage it is.",
     "gomap pointer ADDR [--map EXPR] [--no-owners] [--json]\n"
     "Reads the Go heap's own records (mheap_.arenas, heapArena.spans, mspan, allocBits)\n"
     "at this stop. A span the sweeper has not reached this cycle is 'unswept': its\n"
     "allocBits are stale, so the last GC's mark bit says live or dead. Owners: the maps\n"
     "in package variables (and --map EXPR) whose buckets / tables / groups hold ADDR."},
    {"scan", NewScanCommand,
     "Triage a process or core: the goroutine that died in a map operation and its map, "
     "other goroutines in map code or at the same line, and header checks of every map in "
     "package variables and in those goroutines' frames.",
     "gomap scan [--json]"},
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
class ConsoleGomap : public lldb::SBCommandPluginInterface {
public:
  void Add(const char *name, std::unique_ptr<Subcommand> impl) {
    subs_.emplace_back(name, std::move(impl));
  }

  bool DoExecute(lldb::SBDebugger dbg, char **command,
                 lldb::SBCommandReturnObject &result) override {
    std::string names;
    for (const auto &s : subs_)
      names += (names.empty() ? "" : ", ") + s.first;
    if (!command || !command[0]) {
      result.SetError(("gomap: give a subcommand: " + names).c_str());
      return false;
    }
    std::string word = command[0];
    Subcommand *found = nullptr;
    int matches = 0;
    for (const auto &s : subs_) {
      if (s.first == word) {
        found = s.second.get();
        matches = 1;
        break;
      }
      if (s.first.compare(0, word.size(), word) == 0) {
        found = s.second.get();
        ++matches;
      }
    }
    if (matches != 1) {
      result.SetError(("gomap: " + std::string(matches ? "ambiguous" : "unknown") +
                       " subcommand '" + word + "'; one of: " + names)
                          .c_str());
      return false;
    }
    return found->DoExecute(dbg, command + 1, result);
  }

private:
  std::vector<std::pair<std::string, std::unique_ptr<Subcommand>>> subs_;
};

constexpr const char *kRootHelp =
    "Inspect Go maps: entries, headers and internals (gomap-inspector).";

} // namespace

// Go's runtime preempts goroutines with SIGURG: a Go target should pass it
// silently from its first `run`, not after the first gomap command. `process
// handle` without a process records the setting on the target (LLDB applies it
// when the process starts); with no target at all, on the dummy target, which
// every later target copies: so `plugin load` in ~/.lldbinit covers them all.
static void QuietSigurgOnTargets(lldb::SBDebugger debugger) {
  lldb::SBCommandInterpreter interp = debugger.GetCommandInterpreter();
  const char *cmd = "process handle -p true -s false -n false SIGURG";
  lldb::SBTarget selected = debugger.GetSelectedTarget();
  uint32_t n = debugger.GetNumTargets();
  for (uint32_t i = 0; i < n; ++i) {
    lldb::SBTarget t = debugger.GetTargetAtIndex(i);
    debugger.SetSelectedTarget(t);
    lldb::SBCommandReturnObject ignored;
    interp.HandleCommand(cmd, ignored);
  }
  if (n == 0) {
    lldb::SBCommandReturnObject ignored;
    interp.HandleCommand(cmd, ignored);
  } else {
    debugger.SetSelectedTarget(selected);
  }
}

bool RegisterCommands(lldb::SBDebugger debugger) {
  QuietSigurgOnTargets(debugger);
  lldb::SBCommandInterpreter interp = debugger.GetCommandInterpreter();
  lldb::SBCommand root = interp.AddMultiwordCommand("gomap", kRootHelp);
  if (!root.IsValid())
    return false;
  // LLDB owns every SBCommandPluginInterface it is given (a shared_ptr in its
  // command object) and copies help and syntax.
  auto *console = HostIsLldbDap() ? new ConsoleGomap() : nullptr;
  for (const auto &r : kCommands) {
    Subcommand *impl = r.make().release();
    std::string syntax = std::string(r.syntax) + "\n" + OptionsHelp(impl->options());
    root.AddCommand(r.name, impl, r.help, syntax.c_str());
    if (console)
      console->Add(r.name, r.make());
  }
  if (console)
    interp.AddCommand("gomap", console, kRootHelp, "gomap SUBCOMMAND [ARGS...]");
  return true;
}

} // namespace gomap::plugin
