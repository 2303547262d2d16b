// Go type model helpers.
#include "types.h"

namespace gomap {

std::string_view KindName(Kind k) {
  static constexpr std::string_view kNames[] = {
      "Invalid", "Bool",      "Int",        "Int8",   "Int16",  "Int32",        "Int64",
      "Uint",    "Uint8",     "Uint16",     "Uint32", "Uint64", "Uintptr",      "Float32",
      "Float64", "Complex64", "Complex128", "Array",  "Chan",   "Func",         "Interface",
      "Map",     "Pointer",   "Slice",      "String", "Struct", "UnsafePointer"};
  size_t i = size_t(k);
  return i < sizeof kNames / sizeof kNames[0] ? kNames[i] : "Invalid";
}

bool IsDirectIface(const Type *t) {
  if (t == nullptr)
    return false;
  switch (t->kind) {
  case Kind::Pointer:
  case Kind::Chan:
  case Kind::Map:
  case Kind::Func:
  case Kind::UnsafePointer:
    return true;
  case Kind::Array:
    return t->len == 1 && IsDirectIface(t->elem);
  case Kind::Struct:
    return t->fields.size() == 1 && IsDirectIface(t->fields[0].type);
  default:
    return false;
  }
}

} // namespace gomap
