// Go type model helpers.
#include "types.h"

namespace gomap {

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
