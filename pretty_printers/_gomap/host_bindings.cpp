// The `gomap` commands (commands/) for a Python-side debugger: a Host whose
// methods are those of a Python object (pretty_printers/gomap/gdb_host.py for
// GDB), and a Result writing through a Python callable. GDB then runs the
// very code LLDB runs, with the same options, text and JSON.
#include "pretty_printers/_gomap/host_bindings.h"

#include <pybind11/stl.h>

#include <cstring>
#include <string>
#include <vector>

#include "commands/host.h"
#include "commands/registry.h"
#include "pretty_printers/_gomap/py_formatter.h"

namespace gomap::python {

namespace {

using commands::HostFrame;
using commands::HostThread;

// Every call into Python is guarded: a Python exception becomes "cannot"
// (false, 0, empty), except a KeyboardInterrupt, which is remembered so the
// command can end early and GDB can report it.
class PyHost final : public commands::Host {
public:
  explicit PyHost(py::object obj) : obj_(std::move(obj)) {}

  std::string Name() override { return Str("name", "gdb"); }
  std::string Version() override { return Str("version", "?"); }
  bool Executable(std::string *path, std::string *error) override {
    return Answer("executable", path, error);
  }
  bool Stopped(std::string *error) override {
    std::string unused;
    return Answer("stopped", &unused, error);
  }
  uint64_t ProcessId() override { return Uint("process_id"); }
  uint32_t StopId() override { return uint32_t(Uint("stop_id")); }

  size_t ReadMemory(uint64_t addr, void *dst, size_t n) override {
    if (n == 0 || interrupted_)
      return 0;
    try {
      py::object r = obj_.attr("read_memory")(addr, n);
      if (r.is_none())
        return 0;
      py::buffer_info info = py::buffer(r).request();
      size_t got = std::min(n, size_t(info.size * info.itemsize));
      std::memcpy(dst, info.ptr, got);
      return got;
    } catch (py::error_already_set &e) {
      Note(e);
      return 0;
    } catch (const std::exception &) {
      return 0;
    }
  }

  std::vector<HostThread> Threads() override {
    std::vector<HostThread> out;
    try {
      for (py::handle t : obj_.attr("threads")())
        out.push_back(Thread(t));
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return out;
  }

  bool Register(uint64_t thread, uint32_t regno, uint64_t *value) override {
    try {
      py::object r = obj_.attr("register")(thread, regno);
      if (r.is_none())
        return false;
      *value = r.cast<uint64_t>();
      return true;
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return false;
  }

  std::vector<HostFrame> Frames(uint64_t thread) override {
    std::vector<HostFrame> out;
    try {
      for (py::handle f : obj_.attr("frames")(thread)) {
        auto t = f.cast<py::tuple>();
        out.push_back({t[0].cast<uint64_t>(), t[1].cast<uint64_t>()});
      }
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return out;
  }

  bool Selected(HostThread *thread, uint32_t *frame) override {
    try {
      py::object r = obj_.attr("selected")();
      if (r.is_none())
        return false;
      auto t = r.cast<py::tuple>();
      *thread = Thread(t[0]);
      *frame = t[1].cast<uint32_t>();
      return true;
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return false;
  }

  bool Select(uint64_t thread, int frame) override {
    try {
      return obj_.attr("select")(thread, frame).cast<bool>();
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return false;
  }

  uint64_t SymbolAddress(const std::string &name) override {
    try {
      py::object r = obj_.attr("symbol_address")(name);
      return r.is_none() ? 0 : r.cast<uint64_t>();
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return 0;
  }

  std::unique_ptr<ValueFormatter> Formatters() override {
    try {
      py::object registry = obj_.attr("formatters")();
      auto f = std::make_unique<PyFormatter>(registry);
      if (f->active())
        return f;
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return nullptr;
  }

  void Prepare() override {
    try {
      obj_.attr("prepare")();
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
  }

  uint64_t MaxStringLength() override {
    try {
      if (!py::hasattr(obj_, "max_string_length"))
        return 0;
      py::object r = obj_.attr("max_string_length")();
      return r.is_none() ? 0 : r.cast<uint64_t>();
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return 0;
  }

  // GDB hands a Ctrl-C to Python (PyErr_SetInterrupt) while Python code runs;
  // a walk over cached memory makes no Python call that would raise it.
  bool Interrupted() override {
    if (!interrupted_ && PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      interrupted_ = true;
    }
    return interrupted_;
  }
  bool interrupted() const { return interrupted_; }
  // The output's write saw the Ctrl-C (gdb.write raises KeyboardInterrupt).
  void NoteInterrupt() { interrupted_ = true; }

private:
  static HostThread Thread(py::handle h) {
    auto t = h.cast<py::tuple>();
    return HostThread{t[0].cast<uint64_t>(), t[1].cast<uint32_t>(), t[2].cast<uint64_t>(),
                      t[3].cast<uint64_t>()};
  }
  void Note(py::error_already_set &e) {
    if (e.matches(PyExc_KeyboardInterrupt))
      interrupted_ = true;
  }
  std::string Str(const char *method, const char *fallback) {
    try {
      return obj_.attr(method)().cast<std::string>();
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return fallback;
  }
  uint64_t Uint(const char *method) {
    try {
      return obj_.attr(method)().cast<uint64_t>();
    } catch (py::error_already_set &e) {
      Note(e);
    } catch (const std::exception &) {
    }
    return 0;
  }
  // method() -> (ok, text): text is the answer when ok, else the error line.
  bool Answer(const char *method, std::string *out, std::string *error) {
    try {
      auto t = obj_.attr(method)().cast<py::tuple>();
      bool ok = t[0].cast<bool>();
      (ok ? *out : *error) = t[1].cast<std::string>();
      return ok;
    } catch (py::error_already_set &e) {
      Note(e);
      *error = std::string("internal error: ") + e.what();
    } catch (const std::exception &e) {
      *error = std::string("internal error: ") + e.what();
    }
    return false;
  }

  py::object obj_;
  bool interrupted_ = false;
};

// Output through write(str); AppendMessage as LLDB's (trailing whitespace
// trimmed, then one newline; nothing for an empty message).
class PyResult final : public commands::Result {
public:
  PyResult(py::object write, PyHost &host) : write_(std::move(write)), host_(host) {}
  void AppendMessage(std::string_view text) override {
    size_t end = text.find_last_not_of(" \t\n\r\f\v");
    if (end == std::string_view::npos)
      return;
    Write(text.substr(0, end + 1));
    Write("\n");
  }
  void Write(std::string_view bytes) override {
    if (bytes.empty() || failed_)
      return;
    try {
      // Invalid UTF-8 (raw bytes of a corrupt string) must not fail the write.
      PyObject *u = PyUnicode_DecodeUTF8(bytes.data(), Py_ssize_t(bytes.size()), "replace");
      if (u == nullptr)
        throw py::error_already_set();
      write_(py::reinterpret_steal<py::str>(u));
    } catch (py::error_already_set &e) {
      failed_ = true; // e.g. the user interrupted the pager: stop writing
      if (e.matches(PyExc_KeyboardInterrupt)) {
        interrupted_ = true;
        host_.NoteInterrupt(); // and the walk stops at its next poll
      }
    }
  }
  void SetFindings(bool has_errors) override { findings_ = has_errors; }
  bool findings() const { return findings_; }
  bool interrupted() const { return interrupted_; }

private:
  py::object write_;
  PyHost &host_;
  bool failed_ = false, findings_ = false, interrupted_ = false;
};

} // namespace

void AddCommandBindings(py::module_ &m) {
  m.def(
      "commands",
      []() {
        py::list out;
        for (const auto &r : commands::Registry())
          out.append(py::make_tuple(r.name, r.help, commands::CommandHelp(r)));
        return out;
      },
      "every `gomap` subcommand: [(name, one-line help, syntax and options)]");
  m.def(
      "run_command",
      [](const std::string &word, const std::vector<std::string> &argv, py::object host,
         py::object write) {
        std::string error;
        const commands::Registration *r = commands::FindCommand(word, &error);
        if (!r)
          return py::make_tuple(false, error, false, false);
        PyHost h(std::move(host));
        PyResult out(std::move(write), h);
        std::unique_ptr<commands::Subcommand> cmd = r->make();
        bool ok = cmd->Execute(h, argv, out, &error);
        return py::make_tuple(ok, error, out.findings(), h.interrupted() || out.interrupted());
      },
      py::arg("subcommand"), py::arg("argv"), py::arg("host"), py::arg("write"),
      "runs `gomap SUBCOMMAND ARGV...` over host (see gomap/gdb_host.py for its methods), "
      "writing the output through write(str); returns (ok, error line, has error "
      "findings, interrupted)");
}

} // namespace gomap::python
