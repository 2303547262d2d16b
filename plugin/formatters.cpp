// User formatters in LLDB through pybind11 embed inside LLDB's own Python: the
// GIL is taken for every call; the interpreter is never initialised or
// finalised here, and without it the plugin works without formatters.
#include "plugin/formatters.h"

#if GOMAP_WITH_PYTHON

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <utility>
#include <vector>

#include <pybind11/embed.h>

#include "pretty_printers/_gomap/py_formatter.h"

namespace py = pybind11;

namespace gomap::plugin {

namespace {

constexpr const char *kRegistry = "gomap.formatters";

bool HasRegistry(const std::string &dir) {
  struct stat st;
  return !dir.empty() && stat((dir + "/gomap/formatters.py").c_str(), &st) == 0;
}

// Where the `gomap` package is: $GOMAP_PYTHON_DIR, the source tree this plugin
// was built from, or pretty_printers/ two levels above the plugin library.
std::string PythonDir() {
  std::vector<std::string> candidates;
  if (const char *env = std::getenv("GOMAP_PYTHON_DIR"))
    candidates.emplace_back(env);
#ifdef GOMAP_PYTHON_SOURCE_DIR
  candidates.emplace_back(GOMAP_PYTHON_SOURCE_DIR);
#endif
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&AddPythonPath), &info) != 0 && info.dli_fname != nullptr) {
    std::string self = info.dli_fname;
    size_t slash = self.rfind('/');
    if (slash != std::string::npos)
      candidates.push_back(self.substr(0, slash) + "/../../pretty_printers");
  }
  for (const auto &c : candidates)
    if (HasRegistry(c))
      return c;
  return "";
}

// With the GIL held.
void AddPythonPathLocked() {
  std::string dir = PythonDir();
  if (dir.empty())
    return;
  py::list path = py::module_::import("sys").attr("path");
  for (const auto &p : path)
    if (py::isinstance<py::str>(p) && p.cast<std::string>() == dir)
      return;
  path.insert(0, dir);
}

} // namespace

void AddPythonPath() {
  if (!Py_IsInitialized())
    return;
  try {
    py::gil_scoped_acquire gil;
    try {
      AddPythonPathLocked();
    } catch (const std::exception &) {
      // sys.path could not be changed: users add the directory themselves.
      PyErr_Clear();
    }
  } catch (...) {
    // Never let anything escape into LLDB's plugin loader.
  }
}

std::unique_ptr<ValueFormatter> UserFormatters() {
  if (!Py_IsInitialized())
    return nullptr;
  try {
    py::gil_scoped_acquire gil;
    try {
      AddPythonPathLocked();
      // Only a registry someone imported can hold formatters: never import it.
      py::dict modules = py::module_::import("sys").attr("modules");
      if (!modules.contains(kRegistry))
        return nullptr;
      py::object registry = modules[kRegistry];
      auto f = std::make_unique<python::PyFormatter>(std::move(registry));
      if (!f->active())
        return nullptr;
      return f;
    } catch (const std::exception &) {
      PyErr_Clear();
      return nullptr; // Python trouble: no formatters, the command still runs
    }
  } catch (...) {
    return nullptr;
  }
}

} // namespace gomap::plugin

#else // !GOMAP_WITH_PYTHON

namespace gomap::plugin {
void AddPythonPath() {}
std::unique_ptr<ValueFormatter> UserFormatters() { return nullptr; }
} // namespace gomap::plugin

#endif
