// Entry of the plugin implementation: called by the loader (plugin/loader)
// once it has checked that the host LLDB is the one this library links.
#include "lldb/API/SBDebugger.h"
#include "plugin/commands.h"

extern "C" __attribute__((visibility("default"))) bool
gomap_plugin_initialize(void *sbdebugger) {
  return gomap::plugin::RegisterCommands(*static_cast<lldb::SBDebugger *>(sbdebugger));
}
