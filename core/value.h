// Rendering Go values read from the target: Go-like text and the gomap/1 JSON encoding.
#ifndef GOMAP_CORE_VALUE_H
#define GOMAP_CORE_VALUE_H

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "diagnostic_json.h"
#include "diagnostics.h"
#include "go_format.h"
#include "map.h"
#include "target.h"
#include "types.h"

namespace gomap {

// What a ValueFormatter gets for one value. Valid only during the Format call.
struct FormatInput {
  const Type &type;     // the value's Go type (type.name is what formatters key on)
  uint64_t address = 0; // where the value is in the target
  std::string_view raw; // its bytes: min(type.size, kMaxFormatterBytes), all readable
  bool json = false;    // the --json form is being rendered (else text)
  // The renderer's own rendering of this value (this formatter not applied to
  // the value itself; nested values still go through formatters). Computed on
  // first call and cached.
  std::function<std::string()> default_text;
  std::function<nlohmann::ordered_json()> default_json;
};

// A formatter's answer.
struct FormatOutput {
  enum class Status { Declined, Formatted, Failed };
  Status status = Status::Declined; // Declined: render as usual
  std::string text;                 // Formatted, text form: printed verbatim
  nlohmann::ordered_json json;      // Formatted, JSON form
  std::string error;                // Failed: one line; the default is rendered
};

// User formatters by Go type name, consulted by ValueRenderer before it renders
// any value (map keys and values, struct fields, elements, interface payloads).
// Debugger-neutral: the frontends implement it over their scripting language.
class ValueFormatter {
public:
  virtual ~ValueFormatter() = default;
  // Cheap and called for every value: whether a formatter exists for t.
  virtual bool Handles(const Type &t) = 0;
  virtual FormatOutput Format(const FormatInput &in) = 0;
};

// Bytes of a value a formatter is handed at most (bigger values: the prefix).
constexpr uint64_t kMaxFormatterBytes = 4096;

struct RenderOptions {
  uint64_t max_string_bytes = 1 << 20; // longer strings are cut (text marks "...")
  int max_depth = 16;                  // nesting of structs/arrays/maps/pointers
  uint64_t max_elems = 4096;           // array/slice elements rendered
  uint64_t nested_map_entries = 64;    // entries rendered for a nested map
  // Pointer levels followed to their pointee along any path: text `&main.T{…}`,
  // JSON {"ptr":"0x…","elem":…}. 0: pointers are addresses only. A pointee
  // already being rendered on the path is not entered again (text
  // `(*T)(0x…) <cycle>`, JSON {"ptr":"0x…","cycle":true}). Map keys are never
  // followed: a pointer key's identity is its address.
  int pointer_depth = 0;
  // Work caps for one top-level value (a Json/Text call, or each key and each
  // value of the map ShowMap* shows): values rendered and string bytes read,
  // so that nested maps/slices cannot multiply into unbounded work (64 nested
  // map entries per level, 16 levels deep, ...). Never a cap on the entries of
  // the shown map: `--all` renders every one; a value past the cap is cut
  // where it happens ("..." / {"error":"render budget exhausted"}) and said
  // in a truncated diagnostic.
  uint64_t max_values = 1 << 20;
  uint64_t max_total_string_bytes = uint64_t(64) << 20;
};

class ValueRenderer {
public:
  ValueRenderer(MemoryReader &mem, TypeResolver *types, MapLayoutProvider *maps,
                RenderOptions options = {});

  // The JSON value encoding of DESIGN.md for the value of type t at addr.
  nlohmann::json Json(uint64_t addr, const Type *t);
  // The same with object keys in Go order (struct fields, the map object's
  // keys); nlohmann::json sorts keys, so frontends that print should use this.
  nlohmann::ordered_json JsonOrdered(uint64_t addr, const Type *t);
  // Go-like text: 1, "a\"b", main.P{X: 1, Y: 2}, map[string]int{"a": 1}.
  std::string Text(uint64_t addr, const Type *t);
  // The same for a map key: pointers inside are never followed.
  nlohmann::ordered_json KeyJsonOrdered(uint64_t addr, const Type *t);
  std::string KeyText(uint64_t addr, const Type *t);

  // Problems met while rendering (unreadable memory, unknown dynamic types).
  DiagnosticSink &diagnostics() { return diags_; }

  // User formatters (not owned; null: none). A formatted value renders as the
  // formatter's text, and in JSON as {"formatted": F, "raw": <default>}; a
  // formatter that fails leaves the default rendering and one formatter-error
  // diagnostic per type and top-level call.
  void set_formatter(ValueFormatter *formatter) { formatter_ = formatter; }

private:
  friend class RenderImpl;
  MemoryReader &mem_;
  TypeResolver *types_;
  MapLayoutProvider *maps_;
  RenderOptions options_;
  DiagnosticSink diags_;
  ValueFormatter *formatter_ = nullptr;
};

// What `gomap show` prints, built once and rendered as JSON or text.
class WorkStop;

struct ShowRequest {
  uint64_t offset = 0; // entries to skip
  uint64_t limit = 64; // entries to render (UINT64_MAX for --all)
  Limits limits;       // work caps of the walk
  // Bytes of streamed output (ShowMapWrite) after which no further entry is
  // rendered: the walk ends with a truncated diagnostic and "truncated": true.
  // It protects the debugger from a walk over garbage (a wrong --type: 1 MiB
  // strings from readable memory); 0: none.
  uint64_t max_output = uint64_t(4) << 30;
  // The debugger's interrupt and --time-limit, polled before each entry of
  // the top map (null: none): when it trips, the walk ends like the output
  // budget, with the reason in its truncated diagnostic.
  WorkStop *stop = nullptr;
};

// The gomap/1 map object:
// {"address","type","impl","len","entries":[{"key","value"}],"truncated","diagnostics"}
nlohmann::json ShowMapJson(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                           uint64_t addr, const ShowRequest &req, ValueRenderer &renderer);
// The same with keys in schema and Go field order (see JsonOrdered).
nlohmann::ordered_json ShowMapJsonOrdered(MemoryReader &mem, const MapLayout &layout,
                                          const Type *map_type, uint64_t addr,
                                          const ShowRequest &req, ValueRenderer &renderer);
// Text: a header line "(map[string]int) 0xc000012345 len=3 impl=swiss" and
// one entry per line `  "a": 1`, then "  ... (more entries; use --offset/--limit
// or --all)" when cut, then one line per diagnostic "  warning[code]: message".
std::string ShowMapText(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                        uint64_t addr, const ShowRequest &req, ValueRenderer &renderer);

// JSON of one diagnostic: {"code","severity","message","address"}.

} // namespace gomap

#endif
