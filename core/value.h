// Rendering Go values read from the target: Go-like text and the gomap/1 JSON encoding.
#ifndef GOMAP_CORE_VALUE_H
#define GOMAP_CORE_VALUE_H

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
#include "map.h"
#include "target.h"
#include "types.h"

namespace gomap {

// Gives the layout of a map type met while rendering (nested maps).
class MapLayoutProvider {
public:
  virtual ~MapLayoutProvider() = default;
  // nullptr when the layout is unknown; the renderer then reports it.
  virtual const MapLayout *ForMapType(const Type *map_type) = 0;
};

struct RenderOptions {
  uint64_t max_string_bytes = 1 << 20; // longer strings are cut (text marks "...")
  int max_depth = 16;                  // nesting of structs/arrays/maps/pointers
  uint64_t max_elems = 4096;           // array/slice elements rendered
  uint64_t nested_map_entries = 64;    // entries rendered for a nested map
  bool follow_pointers = false;        // text: pointers as addresses only
};

class ValueRenderer {
public:
  ValueRenderer(MemoryReader &mem, TypeResolver *types, MapLayoutProvider *maps,
                RenderOptions options = {});

  // The JSON value encoding of DESIGN.md for the value of type t at addr.
  nlohmann::json Json(uint64_t addr, const Type *t);
  // Go-like text: 1, "a\"b", main.P{X: 1, Y: 2}, map[string]int{"a": 1}.
  std::string Text(uint64_t addr, const Type *t);

  // Problems met while rendering (unreadable memory, unknown dynamic types).
  DiagnosticSink &diagnostics() { return diags_; }

private:
  friend class RenderImpl;
  MemoryReader &mem_;
  TypeResolver *types_;
  MapLayoutProvider *maps_;
  RenderOptions options_;
  DiagnosticSink diags_;
};

// What `gomap show` prints, built once and rendered as JSON or text.
struct ShowRequest {
  uint64_t offset = 0;  // entries to skip
  uint64_t limit = 64;  // entries to render (UINT64_MAX for --all)
  Limits limits;        // work caps of the walk
};

// The gomap/1 map object:
// {"address","type","impl","len","entries":[{"key","value"}],"truncated","diagnostics"}
nlohmann::json ShowMapJson(MemoryReader &mem, const MapLayout &layout,
                           const Type *map_type, uint64_t addr,
                           const ShowRequest &req, ValueRenderer &renderer);
// Text: a header line "(map[string]int) 0xc000012345 len=3 impl=swiss" and
// one entry per line `  "a": 1`, then "... (N more)" when cut, then diagnostics.
std::string ShowMapText(MemoryReader &mem, const MapLayout &layout,
                        const Type *map_type, uint64_t addr,
                        const ShowRequest &req, ValueRenderer &renderer);

// JSON of one diagnostic: {"code","severity","message","address"}.
nlohmann::json DiagnosticJson(const Diagnostic &d);
std::string HexAddr(uint64_t addr); // "0x1234"

} // namespace gomap

#endif
