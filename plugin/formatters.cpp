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

namespace py = pybind11;

namespace gomap::plugin {

namespace {

using Json = nlohmann::ordered_json;
constexpr const char *kRegistry = "gomap.formatters";

bool HasRegistry(const std::string &dir) {
  struct stat st;
  return !dir.empty() &&
         stat((dir + "/gomap/formatters.py").c_str(), &st) == 0;
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
  if (dladdr(reinterpret_cast<void *>(&AddPythonPath), &info) != 0 &&
      info.dli_fname != nullptr) {
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

std::string FirstLine(const std::string &s) { return s.substr(0, s.find('\n')); }

// ValueFormatter over gomap.formatters' bridge (_any, _handles, _format); the
// same protocol as PyFormatter in pretty_printers/_gomap/module.cpp, plus the
// GIL, which LLDB does not hold while it runs a plugin command.
class LldbFormatter final : public ValueFormatter {
public:
  // Called with the GIL held.
  explicit LldbFormatter(py::object registry)
      : registry_(std::make_unique<py::object>(std::move(registry))) {}
  ~LldbFormatter() override {
    py::gil_scoped_acquire gil;
    registry_.reset();
  }

  bool Handles(const Type &t) override {
    auto it = handles_.find(&t);
    if (it != handles_.end())
      return it->second;
    bool h = false;
    {
      py::gil_scoped_acquire gil;
      try {
        h = registry_->attr("_handles")(t.name).cast<bool>();
      } catch (const std::exception &) {
        h = false; // a broken registry formats nothing
      }
    }
    handles_[&t] = h;
    return h;
  }

  FormatOutput Format(const FormatInput &in) override {
    FormatOutput out;
    py::gil_scoped_acquire gil;
    // The callbacks handed to Python refuse to run once this call returned.
    auto alive = std::make_shared<bool>(true);
    const FormatInput *inp = &in;
    auto check = [alive]() {
      if (!*alive)
        throw std::runtime_error(
            "a gomap Value is only valid during its formatter call");
    };
    try {
      py::cpp_function text_fn([inp, check]() -> std::string {
        check();
        return inp->default_text();
      });
      py::cpp_function json_fn([inp, check]() -> std::string {
        check();
        return inp->default_json().dump(-1, ' ', false,
                                        Json::error_handler_t::replace);
      });
      py::tuple r = registry_->attr("_format")(
          in.type.name, std::string(KindName(in.type.kind)), in.address,
          py::bytes(in.raw.data(), in.raw.size()), in.json, text_fn, json_fn);
      std::string status = r[0].cast<std::string>();
      std::string payload = r[1].cast<std::string>();
      if (status == "formatted") {
        out.status = FormatOutput::Status::Formatted;
        if (in.json)
          out.json = Json::parse(payload);
        else
          out.text = std::move(payload);
      } else if (status == "failed") {
        out.status = FormatOutput::Status::Failed;
        out.error = std::move(payload);
      }
    } catch (const std::exception &e) {
      out = FormatOutput{};
      out.status = FormatOutput::Status::Failed;
      out.error = FirstLine(e.what());
    }
    *alive = false;
    return out;
  }

private:
  std::unique_ptr<py::object> registry_;
  std::map<const Type *, bool> handles_;
};

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
      if (!registry.attr("_any")().cast<bool>())
        return nullptr;
      return std::make_unique<LldbFormatter>(std::move(registry));
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
