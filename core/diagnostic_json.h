// The gomap/1 JSON of one diagnostic: {"code","severity","message","address"}
// (docs/json.md), for every document that carries diagnostics.
#ifndef GOMAP_CORE_DIAGNOSTIC_JSON_H
#define GOMAP_CORE_DIAGNOSTIC_JSON_H

#include <nlohmann/json.hpp>

#include "core/diagnostics.h"

namespace gomap {

nlohmann::ordered_json DiagnosticJson(const Diagnostic &d);

} // namespace gomap

#endif
