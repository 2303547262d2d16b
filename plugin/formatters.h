// User formatters in LLDB: the Python registry gomap.formatters, reached through
// the interpreter LLDB itself embeds (docs/formatters.md).
#ifndef GOMAP_PLUGIN_FORMATTERS_H
#define GOMAP_PLUGIN_FORMATTERS_H

#include <memory>

#include "core/value.h"

namespace gomap::plugin {

// Puts the directory holding the `gomap` Python package on LLDB's sys.path, so
// that `command script import my_formatters.py` can `from gomap import
// formatters`. Does nothing when Python is not running; never throws.
void AddPythonPath();

// The formatters registered in gomap.formatters, or null when Python is not
// running, the registry was never imported, nothing is registered, or the
// plugin was built without Python. Never throws.
std::unique_ptr<ValueFormatter> UserFormatters();

} // namespace gomap::plugin

#endif
