// Key look-ups, `m["sess-0"]`: the key equality of runtime.mapaccess2
// (runtime/map.go, go1.18–go1.25 classic; internal/runtime/maps.(*Map).getWithKey,
// go1.24–go1.27 swiss) over the map's entries, and the look-up's text and JSON.
#ifndef GOMAP_CORE_MAP_LOOKUP_H
#define GOMAP_CORE_MAP_LOOKUP_H

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
#include "go_literal.h"
#include "map.h"
#include "types.h"
#include "value.h"

namespace gomap {

// One key in memory against a literal, under Go's == for the key type
// (runtime/alg.go): strings by content, floats by value (+0 == -0, NaN never
// equal), interfaces by dynamic type then value, structs field by field
// (blank fields ignored), arrays element by element.
enum class KeyCompare { Equal, NotEqual, Unreadable, UnknownType };
KeyCompare CompareKey(MemoryReader &mem, uint64_t addr, const Type *t, const GoLiteral &lit,
                      TypeResolver *types);

// Parses `text` as a key of the map type, with errors in one line as the
// frontends print them: "key 42 is not a string (map[string]int has string keys)",
// "key \"abc does not parse: string literal not terminated".
bool ParseMapKey(std::string_view text, const Type *map_type, const MapLayout &layout,
                 TypeLookup *lookup, ParsedLiteral *out, std::string *error);

struct LookupResult {
  uint64_t address = 0; // the map header (0: nil map)
  std::string type;     // map[K]V
  MapImpl impl = MapImpl::Classic;
  bool header_ok = true;
  uint64_t len = 0;
  const Type *key_type = nullptr;
  const Type *elem_type = nullptr;
  bool nan = false; // the key holds a NaN: it matches nothing; nothing walked
  bool found = false;
  MapEntry entry;          // when found: where the key and its value are
  uint64_t walked = 0;     // entries compared
  uint64_t unreadable = 0; // entries whose key could not be read (or typed)
  bool truncated = false;  // a work limit stopped the walk before the map's end
  DiagnosticSink diags;
};

// Finds the entry whose key equals `key` by walking the map's entries (the
// bounded cursor of OpenEntries, no hashing: the hash seed and algorithm are
// the runtime's), stopping at the first match.
LookupResult LookupKey(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                       uint64_t addr, const GoLiteral &key, TypeResolver *types,
                       const Limits &limits);

// The gomap/1 look-up object (docs/json.md):
// {"map":{"address","type","impl","len"},"key","found","value","walked",
//  "truncated","note","diagnostics"}; the key and value as `show` renders them.
nlohmann::ordered_json LookupJson(const LookupResult &r, const GoLiteral &key,
                                  ValueRenderer &renderer);
// Text: `EXPR = VALUE`, or `EXPR: no such key (map has N entries)`, then one
// line per diagnostic `  warning[code]: message`.
std::string LookupText(const LookupResult &r, const std::string &expr, ValueRenderer &renderer);

} // namespace gomap

#endif
