// Which runtime functions operate on maps (runtime/map*.go go1.19-go1.25,
// internal/runtime/maps go1.24-go1.27), so that a goroutine's backtrace says
// whether it was reading, writing or iterating a map, and whether it died in
// the runtime's own fatal error.
#ifndef GOMAP_CORE_MAP_OPS_H
#define GOMAP_CORE_MAP_OPS_H

#include <string_view>

namespace gomap {

enum class MapOp { None, Read, Write, Iterate };

std::string_view MapOpName(MapOp op); // "read", "write", "iterate", "none"

// What the runtime function `function` (a pclntab/DWARF name) does to a map.
MapOp MapOpOf(std::string_view function);

// What a map function does, finer than MapOp: "read", "write", "delete",
// "clear", "iterate" ("none" for other functions).
std::string_view MapRoleOf(std::string_view function);

// runtime.fatal / throw / fatalthrow / fatalpanic and internal/runtime/maps.fatal:
// how "concurrent map writes" and other fatal errors end.
bool IsFatalFunction(std::string_view function);

} // namespace gomap

#endif
