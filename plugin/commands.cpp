// The `gomap` command tree for LLDB: every subcommand is registered here.
#include "plugin/commands.h"

#include <cstring>
#include <string>
#include <vector>

#include "lldb/API/SBCommandInterpreter.h"
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
     "EXPR: a local or parameter (counts; with -g, of that goroutine's frames, the\n"
     "innermost user frame first; -f picks the frame), a package-level variable\n"
     "(main.cache, example.com/pkg.Var), a field path or index from either\n"
     "(c.byID, (*p).m, shards[3].m; pointers followed), or 0xADDR --type 'map[K]V'\n"
     "where ADDR is the map value (the header pointer)."},
    {"header", NewHeaderCommand,
     "Show every field of a Go map's header, flags by name, Go version and layout source.",
     "gomap header EXPR [-g ID] [-f K] [--json]"},
    {"goroutines", NewGoroutinesCommand,
     "List goroutines from the runtime's records: id, state, user frame.",
     "gomap goroutines [--json [--frames]]"},
    {"bt", NewBacktraceCommand, "Show the backtrace of one goroutine.",
     "gomap bt -g ID [--json]"},
    {"locals", NewLocalsCommand,
     "List the map-typed parameters and locals of a goroutine frame, with their length.",
     "gomap locals [-g ID] [-f K] [--json]\n"
     "Default: the goroutine on the selected thread, and its first frame outside GOROOT."},
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
    {"scan", NewScanCommand,
     "Triage a process or core: the goroutine that died in a map operation and its map, "
     "other goroutines in map code or at the same line, and header checks of every map in "
     "package variables and in those goroutines' frames.",
     "gomap scan [--json]"},
};
} // namespace

bool RegisterCommands(lldb::SBDebugger debugger) {
  lldb::SBCommandInterpreter interp = debugger.GetCommandInterpreter();
  lldb::SBCommand root = interp.AddMultiwordCommand(
      "gomap", "Inspect Go maps: entries, headers and internals (gomap-inspector).");
  if (!root.IsValid())
    return false;
  for (const auto &r : kCommands) {
    // Commands and their help live as long as the debugger; LLDB does not
    // take ownership of either.
    Subcommand *impl = r.make().release();
    std::string syntax = std::string(r.syntax) + "\n" + OptionsHelp(impl->options());
    root.AddCommand(r.name, impl, r.help, strdup(syntax.c_str()));
  }
  return true;
}

} // namespace gomap::plugin
