// The `gomap` command tree for LLDB: registration in one place.
#ifndef GOMAP_PLUGIN_COMMANDS_H
#define GOMAP_PLUGIN_COMMANDS_H

#include "lldb/API/SBDebugger.h"

namespace gomap::plugin {

// Adds `gomap` and its subcommands to the debugger's interpreter.
bool RegisterCommands(lldb::SBDebugger debugger);

} // namespace gomap::plugin

#endif
