// EXPR resolution for `gomap` commands: a local or parameter of a goroutine's
// frame, a package-level variable, field paths with automatic dereference
// (`c.byID`, `main.cfg.byID`, `(*p).m`), indexing (`shards[3].m`), or
// `0xADDR --type 'map[K]V'`.
#ifndef GOMAP_COMMANDS_EXPR_H
#define GOMAP_COMMANDS_EXPR_H

#include <cstdint>
#include <string>
#include <vector>

#include "commands/go_target.h"
#include "core/location.h"
#include "core/types.h"
#include "dwarf/go_dwarf.h"

namespace gomap::commands {

struct MapRef {
  std::string expr;
  const Type *type = nullptr; // Kind::Map
  uint64_t header = 0;        // the map value: *hmap / *maps.Map (0 = nil map)
  std::string where;          // "goroutine 6, frame 3 (main.recvLeaf)" for locals
  // The type EXPR resolved to, also when it is not a map (ResolveMap then
  // fails); null when EXPR did not resolve. `show 'x[KEY]'` uses it to tell a
  // key look-up from array/slice indexing.
  const Type *value_type = nullptr;
};

// One frame of one goroutine whose variables EXPR may name.
struct FrameScope {
  int64_t goroutine = 0;
  size_t frame = 0;
  std::string function;
  std::vector<FrameVar> vars;
  FrameContext ctx;
  const FrameVar *Find(const std::string &name) const; // also "&name" (captured by reference)
};

// One step of an EXPR path.
struct PathStep {
  std::string field; // empty for an index step
  bool index = false;
  uint64_t at = 0;
};

// Splits EXPR into its root name and steps: "(*c).byID" -> c, .byID;
// "shards[3].m" -> shards, [3], .m. false with *error when malformed.
bool ParsePath(const std::string &expr, std::string *root, std::vector<PathStep> *steps,
               std::string *error);

// Resolves `expr` to a map. `type_name` is the --type option ("" if absent).
// The root resolves as in Go: with `scope`, that frame's variables first
// (locals, params, closure captures), then package-level variables of the
// frame's package, then a qualified name as written; without, main's then
// as written.
// false with a one-line *error (with suggestions where it can).
bool ResolveMap(GoTarget &gt, const std::string &expr, const std::string &type_name,
                const FrameScope *scope, MapRef *out, std::string *error);

// Resolves a variable (of `scope`, else package-level) and its field/index
// path to the value's type and address; values held in registers get a
// synthetic address served by `mem`. `where` names the frame for locals.
bool ResolvePath(GoTarget &gt, const std::string &expr, const FrameScope *scope, OverlayReader &mem,
                 const Type **type, uint64_t *addr, std::string *path, std::string *where,
                 std::string *error);

// The package of a Go function name: "main" for main.(*T).m,
// "example.com/x/pkg" for example.com/x/pkg.F.func1.
std::string PackageOf(const std::string &function);

// "; map variables: a, b" for a not-found error: the frame's map variables and
// map fields of its variables first, then its package's, then other user
// packages' (never the standard library's), each group by closeness to `name`.
std::string MapHints(GoTarget &gt, const FrameScope *scope, const std::string &name);

// Names of the map-typed variables of a frame (for suggestions and `locals`).
std::vector<std::string> MapVariables(const FrameScope &scope);

// If `expr` names a sync.Map (a variable or field of type sync.Map or
// *sync.Map, or 0xADDR --type sync.Map), sets *matched and resolves it to the
// sync.Map's address. false when not matched or on error (*error set only
// when matched).
bool ResolveSyncMap(GoTarget &gt, const std::string &expr, const std::string &type_name,
                    uint64_t *addr, const Type **type, bool *matched, std::string *error);

} // namespace gomap::commands

#endif
