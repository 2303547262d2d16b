// Go type model: what the decoders and the renderer know about a Go type.
// Built by a frontend (from DWARF in the LLDB plugin, from gdb.Type in GDB, by
// hand in unit tests); the core never parses debug info itself.
#ifndef GOMAP_CORE_TYPES_H
#define GOMAP_CORE_TYPES_H

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gomap {

// Numbering follows internal/abi.Kind (go1.21+; runtime kind constants before).
enum class Kind : uint8_t {
  Invalid = 0,
  Bool,
  Int,
  Int8,
  Int16,
  Int32,
  Int64,
  Uint,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Uintptr,
  Float32,
  Float64,
  Complex64,
  Complex128,
  Array,
  Chan,
  Func,
  Interface,
  Map,
  Pointer,
  Slice,
  String,
  Struct,
  UnsafePointer,
};

struct Type;

struct Field {
  std::string name;
  uint64_t offset = 0;
  const Type *type = nullptr;
  bool embedded = false;
};

struct Type {
  Kind kind = Kind::Invalid;
  std::string name; // Go spelling: "int", "main.Point", "map[string]int", "*main.T"
  uint64_t size = 0;
  uint64_t align = 1;
  const Type *elem = nullptr;  // Pointer, Slice, Array, Chan: element; Map: value type
  const Type *key = nullptr;   // Map: key type
  uint64_t len = 0;            // Array: element count
  std::vector<Field> fields;   // Struct (also the physical layout of slices, strings, ifaces)
  bool nonempty_iface = false; // Interface: true for iface (itab), false for eface
  // Map: the struct the map pointer points at (hash<K,V> / map<K,V>), if known.
  const Type *map_header = nullptr;
  // Address of the runtime type descriptor in the target, 0 when unknown.
  uint64_t runtime_type = 0;

  const Field *FindField(const std::string &n) const {
    for (const auto &f : fields)
      if (f.name == n)
        return &f;
    return nullptr;
  }
};

// Owns Type objects; pointers stay valid for the table's lifetime.
class TypeTable {
public:
  Type *New() {
    types_.push_back(std::make_unique<Type>());
    return types_.back().get();
  }
  Type *New(Kind kind, std::string name, uint64_t size, uint64_t align) {
    Type *t = New();
    t->kind = kind;
    t->name = std::move(name);
    t->size = size;
    t->align = align;
    return t;
  }
  size_t size() const { return types_.size(); }

private:
  std::deque<std::unique_ptr<Type>> types_;
};

// Finds the Go type whose runtime descriptor is at `descriptor` (for interface
// dynamic types). Returns nullptr when unknown.
class TypeResolver {
public:
  virtual ~TypeResolver() = default;
  virtual const Type *ByRuntimeType(uint64_t descriptor) = 0;
};

// The Kind's spelling: "Uint64", "Struct", "UnsafePointer" (the enumerator names).
std::string_view KindName(Kind k);

// True when values of t are stored directly in an interface's data word
// (cmd/compile/internal/types.IsDirectIface).
bool IsDirectIface(const Type *t);

} // namespace gomap

#endif
