// Go literals a user types as map keys (`m["sess-0"]`, `m[-1]`, `m[main.P{X: 1}]`),
// converted to a key type as the Go compiler converts a constant or composite
// literal: the syntax of go/scanner (go1.13+ number literals, Go escapes), the
// representability rules of go/constant (an untyped 300 does not fit a uint8, 1.0
// is an integer, NaN/Inf only through math.NaN()/math.Inf), composite literals
// keyed or positional as the spec's "Composite literals" section allows.
#ifndef GOMAP_CORE_GO_LITERAL_H
#define GOMAP_CORE_GO_LITERAL_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "types.h"

namespace gomap {

// A literal converted to a Go type: what one key compares equal to.
struct GoLiteral {
  enum class Kind : uint8_t {
    Zero,      // the zero value of `type` (omitted struct fields, array tail)
    Bool,      // b
    Int,       // i: signed integer kinds
    Uint,      // u: unsigned integer kinds, uintptr
    Float,     // re: float32 (already rounded to float32) and float64
    Complex,   // re, im
    String,    // s: the bytes
    Pointer,   // u: the address (pointer, chan, unsafe.Pointer); 0 is nil
    Struct,    // elems: one per field of type->fields, in order
    Array,     // elems: type->len of them
    Interface, // elems[0]: the dynamic value (its type is the dynamic type);
               // no elems: the nil interface
  };
  Kind kind = Kind::Zero;
  const Type *type = nullptr; // the Go type it was converted to
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double re = 0, im = 0;
  std::string s;
  std::vector<GoLiteral> elems;

  // True when a NaN float (or complex part) is anywhere inside: such a key
  // never compares equal to anything, as in Go.
  bool HasNaN() const;
};

// Finds a Go type by its name (for interface keys written as `main.P{1, 2}` or
// `main.ID(5)`). The frontends implement it over their debug info.
class TypeLookup {
public:
  virtual ~TypeLookup() = default;
  virtual const Type *ByName(const std::string &name) = 0;
};

// Why a key could not be parsed or converted: `syntax` is true when the text is
// not a Go literal at all (the frontends say "does not parse"), false when it is
// one of the wrong type or out of range.
struct LiteralError {
  bool syntax = false;
  std::string message; // "string literal not terminated", "42 is not a string"
  std::string path;    // where inside the key: "field X", "element 2"; empty at the top
};

// A parsed key with the types it owns (predeclared types an interface key's
// dynamic value needs, e.g. `int` for `m[42]` on map[any]V).
struct ParsedLiteral {
  GoLiteral value;
  std::shared_ptr<TypeTable> types;
};

// Parses `text` as a Go literal of type `t`. `lookup` (may be null) resolves
// named types written inside interface keys. false with *error.
bool ParseGoLiteral(std::string_view text, const Type *t, TypeLookup *lookup, ParsedLiteral *out,
                    LiteralError *error);

// The gomap/1 JSON value encoding of a literal (docs/json.md), as `show` would
// render an equal value: ints as numbers up to 2^53, floats with "NaN"/"+Inf",
// pointers {"ptr":"0x…"}, structs as objects, interfaces {"type","value"}.
nlohmann::ordered_json GoLiteralJson(const GoLiteral &lit);

// An EXPR ending in a key look-up, split: `c.byID["k"]` -> prefix `c.byID`, key
// `"k"`. Brackets inside string and rune literals do not count.
struct IndexSuffix {
  enum class Status {
    None,         // EXPR does not end in [...]
    Ok,           // prefix[key]
    Unterminated, // a '[' (or a literal inside it) is never closed: key holds the rest
  };
  Status status = Status::None;
  std::string prefix;
  std::string key;
};
IndexSuffix SplitIndexSuffix(std::string_view expr);

} // namespace gomap

#endif
