// _gomap: the decoding core as a Python extension module; the target is reached only
// through a Python callable read(addr, n) -> bytes, so one module serves GDB, LLDB and images.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/header_report.h"
#include "core/map.h"
#include "core/map_layout.h"
#include "core/types.h"
#include "core/value.h"
#include "core/value_stream.h"
#include "core/version.h"
#include "pretty_printers/_gomap/host_bindings.h"
#include "pretty_printers/_gomap/py_formatter.h"

namespace py = pybind11;

namespace gomap::python {

namespace {

using Json = nlohmann::ordered_json;

// A user-facing failure with a one-line message (GomapError in Python).
class GomapError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// MemoryReader over a Python callable. Short or empty bytes mean unreadable;
// an exception raised by the callable is an unreadable range too (the core
// must never see a Python exception), but a KeyboardInterrupt is remembered so
// that the caller can stop.
class PyReader final : public MemoryReader {
public:
  explicit PyReader(py::object read) : read_(std::move(read)) {}

  size_t Read(uint64_t addr, void *dst, size_t n) override {
    if (n == 0 || interrupted_)
      return 0;
    try {
      py::object r = read_(addr, n);
      if (r.is_none())
        return 0;
      std::string_view bytes;
      py::buffer_info info;
      if (py::isinstance<py::bytes>(r)) {
        char *data = nullptr;
        Py_ssize_t len = 0;
        if (PyBytes_AsStringAndSize(r.ptr(), &data, &len) != 0)
          throw py::error_already_set();
        bytes = std::string_view(data, size_t(len));
      } else {
        info = py::buffer(r).request();
        bytes = std::string_view(static_cast<const char *>(info.ptr),
                                 size_t(info.size * info.itemsize));
      }
      size_t got = std::min(n, bytes.size());
      std::memcpy(dst, bytes.data(), got);
      return got;
    } catch (py::error_already_set &e) {
      if (e.matches(PyExc_KeyboardInterrupt))
        interrupted_ = true;
      return 0;
    } catch (const std::exception &) {
      return 0; // a non-buffer return value: treat as unreadable
    }
  }
  bool interrupted() const { return interrupted_; }

private:
  py::object read_;
  bool interrupted_ = false;
};

Json DiagList(const DiagnosticSink &sink) {
  Json out = Json::array();
  for (const auto &d : sink.items())
    out.push_back(DiagnosticJson(d));
  return out;
}

std::string Dump(const Json &j) {
  // The LLDB plugin's PrintJson: two-space indent, invalid UTF-8 replaced.
  return j.dump(2, ' ', false, Json::error_handler_t::replace);
}

// One decoding session over a type table and a memory reader: a command or a
// print. Memory is cached for the session's lifetime, so make a new one after
// the target ran.
class Session final : public TypeResolver, public MapLayoutProvider {
public:
  Session(py::object table, py::object read, const std::string &version, py::object resolve,
          py::object formatters)
      : table_obj_(std::move(table)), reader_(std::move(read)), cache_(reader_),
        version_(GoVersion::Parse(version)), resolve_(std::move(resolve)),
        formatter_(std::move(formatters)) {}

  MemoryReader &memory() { return cache_; }
  // The user formatters, null when none are registered.
  ValueFormatter *formatter() { return formatter_.active() ? &formatter_ : nullptr; }
  // A renderer over this session, with the user formatters; pointers followed
  // `depth` levels (RenderOptions::pointer_depth).
  ValueRenderer Renderer(int depth = 0) {
    RenderOptions opts;
    opts.pointer_depth = std::max(0, std::min(depth, 64));
    ValueRenderer r(memory(), this, this, opts);
    r.set_formatter(formatter());
    return r;
  }
  const GoVersion &version() const { return version_; }
  bool interrupted() const { return reader_.interrupted(); }

  const Type *ByRuntimeType(uint64_t descriptor) override {
    if (resolve_.is_none() || descriptor == 0)
      return nullptr;
    auto it = dynamic_.find(descriptor);
    if (it != dynamic_.end())
      return it->second;
    const Type *t = nullptr;
    try {
      py::object r = resolve_(descriptor);
      if (!r.is_none())
        t = r.cast<const Type *>();
    } catch (py::error_already_set &) {
      t = nullptr; // an unknown dynamic type; the renderer reports it
    } catch (const py::cast_error &) {
      t = nullptr;
    }
    dynamic_[descriptor] = t;
    return t;
  }

  const MapLayout *ForMapType(const Type *map_type) override {
    std::string why;
    return LayoutFor(map_type, &why, false);
  }

  // The layout of map_type, by the policy every frontend shares (LayoutCache).
  const MapLayout *LayoutFor(const Type *map_type, std::string *why, bool builtin) {
    return layouts_.Get(map_type, version_, builtin, why);
  }

private:
  py::object table_obj_; // keeps the Type objects alive
  PyReader reader_;
  CachedReader cache_;
  GoVersion version_;
  py::object resolve_;
  PyFormatter formatter_;
  LayoutCache layouts_;
  std::map<uint64_t, const Type *> dynamic_;
};

// Pointer levels for `show`: an explicit --depth, else 1 for text and 0 for JSON.
int DepthFor(int depth, bool json) { return depth >= 0 ? depth : json ? 0 : 1; }

// A bounded lazy walk: yields (key_addr, elem_addr).
class Cursor {
public:
  Cursor(py::object session, std::unique_ptr<EntryCursor> c)
      : session_obj_(std::move(session)), cursor_(std::move(c)) {}

  py::tuple Next() {
    MapEntry e;
    if (!cursor_->Next(&e))
      throw py::stop_iteration();
    return py::make_tuple(e.key_addr, e.elem_addr);
  }
  bool truncated() const { return cursor_->truncated(); }
  uint64_t yielded() const { return cursor_->yielded(); }
  std::string diagnostics() const { return Dump(DiagList(cursor_->diagnostics())); }

private:
  py::object session_obj_;
  std::unique_ptr<EntryCursor> cursor_;
};

// EXPR resolved to a map: its type, layout and a header that passed its checks.
class MapHandle {
public:
  MapHandle(py::object session_obj, const Type *type, uint64_t addr, bool builtin)
      : session_obj_(std::move(session_obj)), type_(type),
        session_(session_obj_.cast<Session *>()) {
    if (!type || type->kind != Kind::Map)
      throw GomapError("'" + (type ? type->name : std::string("?")) + "' is not a map type");
    std::string why;
    layout_ = session_->LayoutFor(type, &why, builtin);
    if (!layout_)
      throw GomapError("no layout for " + type->name + ": " + why);
    CheckHeader(addr);
  }

  uint64_t address() const { return header_.address; }
  uint64_t len() const { return header_.len; }
  std::string impl() const { return std::string(ImplName(layout_->impl)); }
  std::string source() const { return std::string(SourceName(layout_->source)); }
  const std::string &type_name() const { return type_->name; }
  bool writing() const { return header_.writing; }
  std::string header_diagnostics() const { return Dump(DiagList(header_diags_)); }

  std::string ShowJson(uint64_t offset, uint64_t limit, int depth) {
    ValueRenderer renderer = session_->Renderer(DepthFor(depth, true));
    ShowRequest req;
    req.offset = offset;
    req.limit = limit;
    Json m =
        ShowMapJsonOrdered(session_->memory(), *layout_, type_, header_.address, req, renderer);
    return Dump(Json{{"schema", "gomap/1"}, {"map", m}});
  }
  std::string HeaderJsonText() const {
    return Dump(Json{{"schema", "gomap/1"},
                     {"header", HeaderJson(header_, *layout_, type_, header_diags_)}});
  }
  Cursor Entries(uint64_t max_entries) {
    Limits limits;
    limits.max_entries = max_entries;
    return Cursor(session_obj_, OpenEntries(session_->memory(), *layout_, header_.address, limits));
  }

private:
  // The same checks and one-line errors as the LLDB plugin (core ReadUsableHeader).
  void CheckHeader(uint64_t addr) {
    std::string error;
    if (!ReadUsableHeader(session_->memory(), *layout_, type_->name, addr, &header_, header_diags_,
                          &error))
      throw GomapError(error);
  }

  py::object session_obj_;
  const Type *type_;
  Session *session_;
  const MapLayout *layout_ = nullptr;
  MapHeader header_;
  DiagnosticSink header_diags_;
};

const Type *OptType(const py::object &o) { return o.is_none() ? nullptr : o.cast<const Type *>(); }

} // namespace

} // namespace gomap::python

using namespace gomap;
using namespace gomap::python;

PYBIND11_MODULE(_gomap, m) {
  m.doc() = "gomap-inspector decoding core (Go maps: classic hmap and swiss tables)";
  py::register_exception<GomapError>(m, "GomapError", PyExc_RuntimeError);

  py::enum_<Kind>(m, "Kind")
      .value("Invalid", Kind::Invalid)
      .value("Bool", Kind::Bool)
      .value("Int", Kind::Int)
      .value("Int8", Kind::Int8)
      .value("Int16", Kind::Int16)
      .value("Int32", Kind::Int32)
      .value("Int64", Kind::Int64)
      .value("Uint", Kind::Uint)
      .value("Uint8", Kind::Uint8)
      .value("Uint16", Kind::Uint16)
      .value("Uint32", Kind::Uint32)
      .value("Uint64", Kind::Uint64)
      .value("Uintptr", Kind::Uintptr)
      .value("Float32", Kind::Float32)
      .value("Float64", Kind::Float64)
      .value("Complex64", Kind::Complex64)
      .value("Complex128", Kind::Complex128)
      .value("Array", Kind::Array)
      .value("Chan", Kind::Chan)
      .value("Func", Kind::Func)
      .value("Interface", Kind::Interface)
      .value("Map", Kind::Map)
      .value("Pointer", Kind::Pointer)
      .value("Slice", Kind::Slice)
      .value("String", Kind::String)
      .value("Struct", Kind::Struct)
      .value("UnsafePointer", Kind::UnsafePointer);

  // Type objects are owned by their TypeTable; Python holds non-owning views
  // that keep the table alive.
  py::class_<Type, std::unique_ptr<Type, py::nodelete>>(m, "Type")
      .def_readwrite("kind", &Type::kind)
      .def_readwrite("name", &Type::name)
      .def_readwrite("size", &Type::size)
      .def_readwrite("align", &Type::align)
      .def_readwrite("len", &Type::len)
      .def_readwrite("nonempty_iface", &Type::nonempty_iface)
      .def_readwrite("runtime_type", &Type::runtime_type)
      .def_property(
          "elem", [](const Type &t) { return t.elem; },
          [](Type &t, py::object o) { t.elem = OptType(o); }, py::return_value_policy::reference)
      .def_property(
          "key", [](const Type &t) { return t.key; },
          [](Type &t, py::object o) { t.key = OptType(o); }, py::return_value_policy::reference)
      .def_property(
          "map_header", [](const Type &t) { return t.map_header; },
          [](Type &t, py::object o) { t.map_header = OptType(o); },
          py::return_value_policy::reference)
      .def(
          "add_field",
          [](Type &t, std::string name, uint64_t offset, py::object type, bool embedded) {
            t.fields.push_back(Field{std::move(name), offset, OptType(type), embedded});
          },
          py::arg("name"), py::arg("offset"), py::arg("type"), py::arg("embedded") = false)
      .def_property_readonly("fields",
                             [](const Type &t) {
                               py::list out;
                               for (const auto &f : t.fields)
                                 out.append(py::make_tuple(f.name, f.offset, f.embedded));
                               return out;
                             })
      .def(
          "copy_from",
          [](Type &t, const Type &other) {
            std::string name = t.name;
            t = other;
            t.name = name;
          },
          "become a copy of another type, keeping this name (Go named types)")
      .def("__repr__", [](const Type &t) {
        return "<gomap.Type " + t.name + " size=" + std::to_string(t.size) + ">";
      });

  py::class_<TypeTable>(m, "TypeTable")
      .def(py::init<>())
      .def(
          "new",
          [](TypeTable &tt, Kind kind, std::string name, uint64_t size, uint64_t align) {
            return tt.New(kind, std::move(name), size, align);
          },
          py::arg("kind"), py::arg("name"), py::arg("size") = 0, py::arg("align") = 1,
          py::return_value_policy::reference_internal)
      .def("__len__", &TypeTable::size);

  py::class_<Session>(m, "Session")
      .def(py::init<py::object, py::object, const std::string &, py::object, py::object>(),
           py::arg("table"), py::arg("read"), py::arg("version"), py::arg("resolve") = py::none(),
           py::arg("formatters") = py::none(),
           "read(addr, n) -> bytes (short/empty = unreadable); version e.g. 'go1.24.3'; "
           "resolve(descriptor_addr) -> Type|None for interface dynamic types; "
           "formatters: the gomap.formatters registry module (or None)")
      .def_property_readonly("has_formatters", [](Session &s) { return s.formatter() != nullptr; })
      .def_property_readonly("version", [](const Session &s) { return s.version().raw; })
      .def_property_readonly("version_known", [](const Session &s) { return s.version().Known(); })
      .def_property_readonly("unsupported",
                             [](const Session &s) {
                               return s.version().Known() ? CheckSupported(s.version())
                                                          : std::string();
                             })
      .def(
          "open_map",
          [](py::object self, const Type *map_type, uint64_t addr, bool builtin) {
            return MapHandle(self, map_type, addr, builtin);
          },
          py::arg("map_type"), py::arg("addr"), py::arg("builtin") = false,
          "resolve a map value (the header pointer); raises GomapError in one line")
      .def(
          "layout",
          [](Session &s, const Type *map_type, bool builtin) {
            std::string why;
            const MapLayout *l = s.LayoutFor(map_type, &why, builtin);
            if (!l)
              throw GomapError("no layout for " + (map_type ? map_type->name : "?") + ": " + why);
            return py::dict(py::arg("impl") = std::string(ImplName(l->impl)),
                            py::arg("source") = std::string(SourceName(l->source)));
          },
          py::arg("map_type"), py::arg("builtin") = false)
      .def(
          "render_text",
          [](Session &s, const Type *t, uint64_t addr) {
            ValueRenderer r = s.Renderer();
            std::string text = r.Text(addr, t);
            return py::make_tuple(text, Dump(DiagList(r.diagnostics())));
          },
          "(text, JSON array text of the diagnostics) of the value of type t at addr")
      .def(
          "read",
          [](Session &s, uint64_t addr, size_t n) {
            std::string buf(n, '\0');
            size_t got = s.memory().Read(addr, buf.data(), n);
            buf.resize(got);
            return py::bytes(buf);
          },
          "read through the session's cache");

  py::class_<MapHandle>(m, "Map")
      .def_property_readonly("address", &MapHandle::address)
      .def_property_readonly("len", &MapHandle::len)
      .def_property_readonly("impl", &MapHandle::impl)
      .def_property_readonly("layout_source", &MapHandle::source)
      .def_property_readonly("type_name", &MapHandle::type_name)
      .def_property_readonly("writing", &MapHandle::writing)
      .def_property_readonly("header_diagnostics", &MapHandle::header_diagnostics,
                             "JSON array text of the header's diagnostics")
      .def("show_json", &MapHandle::ShowJson, py::arg("offset") = 0, py::arg("limit") = 64,
           py::arg("depth") = -1,
           "the `gomap show --json` document, as the LLDB plugin prints it; depth: "
           "pointer levels followed (-1: the default, 0 for JSON)")
      .def("header_json", &MapHandle::HeaderJsonText)
      .def("entries", &MapHandle::Entries, py::arg("max_entries") = UINT64_MAX,
           "a lazy bounded cursor yielding (key_addr, elem_addr)");

  py::class_<Cursor>(m, "Cursor")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &Cursor::Next)
      .def_property_readonly("truncated", &Cursor::truncated)
      .def_property_readonly("yielded", &Cursor::yielded)
      .def_property_readonly("diagnostics", &Cursor::diagnostics,
                             "JSON array text of the walk's diagnostics");

  AddCommandBindings(m);

  m.attr("ALL") = py::int_(UINT64_MAX);
  m.attr("PYTHON") = py::str(PY_VERSION);
#ifndef GOMAP_VERSION
#define GOMAP_VERSION "0.0.0"
#endif
  m.attr("VERSION") = py::str(GOMAP_VERSION);
}
