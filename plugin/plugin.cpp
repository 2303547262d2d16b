// Entry point of the native LLDB plugin: version check and registration.
#include <cstdio>
#include <string>

#include "lldb/API/SBDebugger.h"
#include "plugin/commands.h"

#ifndef GOMAP_LLDB_MAJOR
#error "GOMAP_LLDB_MAJOR must be defined by the build"
#endif

namespace lldb {
bool PluginInitialize(lldb::SBDebugger debugger);
}

bool lldb::PluginInitialize(lldb::SBDebugger debugger) {
  // The SB API resolves against the LLDB that loads us; refuse one we were not
  // built for instead of crashing later.
  std::string version = lldb::SBDebugger::GetVersionString();
  std::string want = "lldb version " + std::to_string(GOMAP_LLDB_MAJOR) + ".";
  if (version.find(want) == std::string::npos) {
    std::string first = version.substr(0, version.find('\n'));
    std::fprintf(stderr,
                 "gomap: this plugin was built for LLDB %d and cannot load into %s; "
                 "rebuild it with -DGOMAP_LLDB_MAJOR=<major>\n",
                 GOMAP_LLDB_MAJOR, first.c_str());
    return false;
  }
  return gomap::plugin::RegisterCommands(debugger);
}
