#include "core/map_ops.h"

#include <initializer_list>

namespace gomap {

namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool ContainsAny(std::string_view s, std::initializer_list<std::string_view> parts) {
  for (auto p : parts)
    if (s.find(p) != std::string_view::npos)
      return true;
  return false;
}

} // namespace

std::string_view MapOpName(MapOp op) {
  switch (op) {
  case MapOp::Read:
    return "read";
  case MapOp::Write:
    return "write";
  case MapOp::Iterate:
    return "iterate";
  case MapOp::None:
    break;
  }
  return "none";
}

MapOp MapOpOf(std::string_view f) {
  constexpr std::string_view kSwiss = "internal/runtime/maps.";
  const bool runtime = StartsWith(f, "runtime.");
  const bool swiss = StartsWith(f, kSwiss);
  if (!runtime && !swiss)
    return MapOp::None;
  std::string_view name = f.substr(runtime ? 8 : kSwiss.size());
  // Entry points (runtime.mapassign_faststr, maps.runtime_mapassign_faststr, ...).
  if (ContainsAny(name, {"mapassign", "mapdelete", "mapclear", "growWork", "evacuate", "hashGrow"}))
    return MapOp::Write;
  if (ContainsAny(name, {"mapiterinit", "mapiternext", "mapIterStart", "mapIterNext"}))
    return MapOp::Iterate;
  if (ContainsAny(name, {"mapaccess"}))
    return MapOp::Read;
  if (!swiss)
    return MapOp::None;
  // internal/runtime/maps methods below the entry points.
  if (ContainsAny(name, {"(*Iter)."}))
    return MapOp::Iterate;
  if (ContainsAny(name, {"putSlot", "PutSlot", "Delete", "delete", "Clear", "clear", "grow", "Grow",
                         "split", "rehash", "uncheckedPut", "Assign", "assign"}))
    return MapOp::Write;
  if (ContainsAny(name, {"Get", "get", "Access", "access"}))
    return MapOp::Read;
  return MapOp::None;
}

std::string_view MapRoleOf(std::string_view f) {
  MapOp op = MapOpOf(f);
  if (op == MapOp::Write) {
    if (ContainsAny(f, {"mapdelete", "Delete", "delete"}))
      return "delete";
    if (ContainsAny(f, {"mapclear", "Clear", "clear"}))
      return "clear";
  }
  return MapOpName(op);
}

bool IsFatalFunction(std::string_view f) {
  for (std::string_view n : {"runtime.fatal", "runtime.throw", "runtime.fatalthrow",
                             "runtime.fatalpanic", "internal/runtime/maps.fatal"})
    if (f == n)
      return true;
  return false;
}

} // namespace gomap
