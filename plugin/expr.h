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

} // namespace gomap::plugin

#endif
