// EXPR resolution for `gomap` commands: package-level variables with field
// paths (`main.cfg.byID`), or `0xADDR --type 'map[K]V'`.
#ifndef GOMAP_PLUGIN_EXPR_H
#define GOMAP_PLUGIN_EXPR_H

#include <cstdint>
#include <string>

#include "core/types.h"
#include "plugin/go_target.h"

namespace gomap::plugin {

struct MapRef {
  std::string expr;
  const Type *type = nullptr; // Kind::Map
  uint64_t header = 0;        // the map value: *hmap / *maps.Map (0 = nil map)
};

// Resolves `expr` to a map. `type_name` is the --type option ("" if absent).
// false with a one-line *error (with suggestions where it can).
bool ResolveMap(GoTarget &gt, const std::string &expr, const std::string &type_name,
                MapRef *out, std::string *error);

// Resolves a package-level variable with an optional field path (pointers
// followed) to its type and address. false with a one-line *error.
bool ResolveValue(GoTarget &gt, const std::string &expr, const Type **type,
                  uint64_t *addr, std::string *path, std::string *error);

// If `expr` names a sync.Map (a variable or field of type sync.Map or
// *sync.Map, or 0xADDR --type sync.Map), sets *matched and resolves it to the
// sync.Map's address. false when not matched or on error (*error set only
// when matched).
bool ResolveSyncMap(GoTarget &gt, const std::string &expr, const std::string &type_name,
                    uint64_t *addr, const Type **type, bool *matched, std::string *error);

} // namespace gomap::plugin

#endif
