// Entry of the plugin implementation: called by the loader (plugin/loader)
// once it has checked that the host LLDB is the one this library links.
#include "lldb/API/SBDebugger.h"
#include "plugin/commands.h"
#include "plugin/formatters.h"

extern "C" __attribute__((visibility("default"))) bool gomap_plugin_initialize(void *sbdebugger) {
  // Before any `command script import` of a formatter file needs it.
  gomap::plugin::AddPythonPath();
  return gomap::plugin::RegisterCommands(*static_cast<lldb::SBDebugger *>(sbdebugger));
}
