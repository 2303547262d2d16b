// The `gomap` subcommands, their help and syntax: one table both debuggers
// register from (plugin/commands.cpp for LLDB, pretty_printers/gomap for GDB).
#ifndef GOMAP_COMMANDS_REGISTRY_H
#define GOMAP_COMMANDS_REGISTRY_H

#include <memory>
#include <string>
#include <vector>

#include "commands/command_support.h"

namespace gomap::commands {

struct Registration {
  const char *name;
  std::unique_ptr<Subcommand> (*make)();
  const char *help;   // one line
  const char *syntax; // usage, then prose; the options' help follows (OptionsHelp)
};

// Every subcommand, in the order `help gomap` lists them.
const std::vector<Registration> &Registry();

// The subcommand named `word` or uniquely abbreviated by it (as LLDB resolves
// a container's subcommands); null with *error ("unknown subcommand 'x'; one
// of: ...", or ambiguous).
const Registration *FindCommand(const std::string &word, std::string *error);

// `syntax` followed by the option table: the help text of a subcommand.
std::string CommandHelp(const Registration &r);

constexpr const char *kRootHelp =
    "Inspect Go maps: entries, headers and internals (gomap-inspector).";

} // namespace gomap::commands

#endif
