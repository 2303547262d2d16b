// The user-formatter bridge (gomap.formatters) for the _gomap module and the
// LLDB plugin alike.
#ifndef GOMAP_PRETTY_PRINTERS_PY_FORMATTER_H
#define GOMAP_PRETTY_PRINTERS_PY_FORMATTER_H

#include <pybind11/pybind11.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/value.h"

namespace gomap::python {

namespace py = pybind11;

// ValueFormatter over the Python registry gomap.formatters (its bridge functions
// _any, _handles, _format): the one bridge of both debuggers, the _gomap module in
// GDB (which holds the GIL when it calls us) and the LLDB plugin (which does not:
// LLDB runs plugin commands without it), so every call takes the GIL.
class PyFormatter final : public ValueFormatter {
public:
  // Construct with the GIL held.
  explicit PyFormatter(py::object registry)
      : registry_(std::make_unique<py::object>(std::move(registry))) {
    if (registry_->is_none())
      return;
    try {
      active_ = registry_->attr("_any")().cast<bool>();
    } catch (const std::exception &) {
      active_ = false; // not a registry: no formatters
    }
  }
  ~PyFormatter() override {
    py::gil_scoped_acquire gil;
    registry_.reset();
  }
  PyFormatter(const PyFormatter &) = delete;
  PyFormatter &operator=(const PyFormatter &) = delete;

  bool active() const { return active_; }

  bool Handles(const Type &t) override {
    if (!active_)
      return false;
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
    using Json = nlohmann::ordered_json;
    FormatOutput out;
    py::gil_scoped_acquire gil;
    // The callbacks handed to Python refuse to run once this call returned.
    auto alive = std::make_shared<bool>(true);
    const FormatInput *inp = &in;
    auto check = [alive]() {
      if (!*alive)
        throw std::runtime_error("a gomap Value is only valid during its formatter call");
    };
    try {
      py::cpp_function text_fn([inp, check]() -> std::string {
        check();
        return inp->default_text();
      });
      py::cpp_function json_fn([inp, check]() -> std::string {
        check();
        return inp->default_json().dump(-1, ' ', false, Json::error_handler_t::replace);
      });
      py::tuple r = registry_->attr("_format")(in.type.name, std::string(KindName(in.type.kind)),
                                               in.address, py::bytes(in.raw.data(), in.raw.size()),
                                               in.json, text_fn, json_fn);
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
      std::string what = e.what();
      out = FormatOutput{};
      out.status = FormatOutput::Status::Failed;
      out.error = what.substr(0, what.find('\n'));
    }
    *alive = false;
    return out;
  }

private:
  std::unique_ptr<py::object> registry_;
  bool active_ = false;
  std::map<const Type *, bool> handles_;
};

} // namespace gomap::python

#endif
