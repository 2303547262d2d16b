// The `gomap` command table.
#include "commands/registry.h"

namespace gomap::commands {

const std::vector<Registration> &Registry() {
  static const std::vector<Registration> kCommands = {
      {"version", NewVersionCommand,
       "Show the plugin, debugger and target Go versions and the map implementation.",
       "gomap version [--json]"},
      {"show", NewShowCommand, "Show a Go map: a header line and its entries.",
       "gomap show EXPR [-g ID] [-f K] [--limit N] [--offset K] [--all] [--depth N]\n"
       "           [--max-string N] [--max-output BYTES] [--time-limit S] [--json]\n"
       "EXPR resolves as Go scopes names, from the selected frame (the debugger's, or\n"
       "'gomap goroutine'/'gomap frame'; -g/-f override): its locals, parameters and closure\n"
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
       "Show the backtrace of one goroutine (default: the selected one), with the debugger's "
       "frame numbers beside gomap's when it runs on a thread.",
       "gomap bt [-g ID] [--json]\n"
       "Without -g: the goroutine selected with 'gomap goroutine', else the one on the\n"
       "debugger's selected thread. '*' marks the selected frame."},
      {"goroutine", NewGoroutineCommand,
       "Select a goroutine (and a frame of it) for the commands that follow, until the "
       "process resumes; without ID, show the selection.",
       "gomap goroutine [ID [K]] [--json]\n"
       "Like Delve's 'goroutine ID'. When goroutine ID runs on a thread, the debugger's\n"
       "selected thread and frame follow; its own thread and frame selection afterwards\n"
       "(LLDB: 'thread select', 'frame select', 'up', 'down'; GDB: 'thread', 'frame',\n"
       "'up', 'down') takes over again."},
      {"frame", NewFrameCommand,
       "Select frame K (gomap's numbering, see 'gomap bt') of the selected goroutine.",
       "gomap frame K [-g ID] [--json]"},
      {"locals", NewLocalsCommand,
       "List the variables of a goroutine frame that hold maps, with their length.",
       "gomap locals [-g ID] [-f K] [--json]\n"
       "Lists every variable of the frame holding a map, itself or through struct fields\n"
       "and pointers (c.byID), with its length or why it is unavailable. Default: the\n"
       "selected goroutine and frame (the debugger's selected frame; a stop inside the runtime\n"
       "means the first frame outside GOROOT)."},
      {"layout", NewLayoutCommand,
       "Show a Go map's physical structure: classic buckets, overflow chains and evacuation; "
       "swiss directory, tables and groups.",
       "gomap layout EXPR [-g ID] [-f K] [--limit N] [--all] [--time-limit S] [--json]"},
      {"check", NewCheckCommand,
       "Check one Go map's integrity: header invariants, buckets / tables and "
       "groups, count vs entries walked, and its iterators on goroutine stacks.",
       "gomap check EXPR [-g ID] [-f K] [--no-iterators] [--time-limit S] [--json]\n"
       "Walks every entry and the whole physical structure (within the work caps)\n"
       "and prints a summary line and one line per diagnostic."},
      {"iter", NewIterCommand,
       "Decode a Go map iterator, or find every map iterator on every goroutine stack.",
       "gomap iter [EXPR] [-g ID] [-f K] [--time-limit S] [--json]\n"
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
       "gomap scan [--time-limit S] [--json]"},
  };
  return kCommands;
}

const Registration *FindCommand(const std::string &word, std::string *error) {
  std::string names;
  for (const auto &r : Registry())
    names += (names.empty() ? "" : ", ") + std::string(r.name);
  if (word.empty()) {
    *error = "gomap: give a subcommand: " + names;
    return nullptr;
  }
  const Registration *found = nullptr;
  int matches = 0;
  for (const auto &r : Registry()) {
    std::string name = r.name;
    if (name == word)
      return &r;
    if (name.compare(0, word.size(), word) == 0) {
      found = &r;
      ++matches;
    }
  }
  if (matches == 1)
    return found;
  *error = "gomap: " + std::string(matches ? "ambiguous" : "unknown") + " subcommand '" + word +
           "'; one of: " + names;
  return nullptr;
}

std::string CommandHelp(const Registration &r) {
  std::unique_ptr<Subcommand> impl = r.make();
  return std::string(r.syntax) + "\n" + OptionsHelp(impl->options());
}

} // namespace gomap::commands
