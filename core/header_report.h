// The `gomap header` report: every header field under its runtime name, flags
// by name, implementation, Go version and where the layout came from.
#ifndef GOMAP_CORE_HEADER_REPORT_H
#define GOMAP_CORE_HEADER_REPORT_H

#include <string>

#include <nlohmann/json.hpp>

#include "diagnostics.h"
#include "map.h"
#include "map_layout.h"
#include "map_state.h"
#include "types.h"

namespace gomap {

// {"address","type","impl","go_version","layout_source","nil","len",
//  "fields":{...},"flags":[...],"load_factor":{...},"state":{...},
//  "diagnostics":[...]}; pointer fields as "0x…" strings. load_factor and
// state only when `extras` is given.
nlohmann::ordered_json HeaderJson(const MapHeader &h, const MapLayout &layout, const Type *map_type,
                                  const DiagnosticSink &diags,
                                  const HeaderExtras *extras = nullptr);
std::string HeaderText(const MapHeader &h, const MapLayout &layout, const Type *map_type,
                       const DiagnosticSink &diags, const HeaderExtras *extras = nullptr);

// The "fields" object of the header report: every field under its runtime
// name; pointers "0x…", dirLen/index signed.
nlohmann::ordered_json HeaderFieldsJson(const MapHeader &h);

// JSON number for an integer per the gomap/1 encoding (decimal string past 2^53).
nlohmann::json IntJson(int64_t v);
nlohmann::json UintJson(uint64_t v);

} // namespace gomap

#endif
