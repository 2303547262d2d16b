// The pre-streaming (tree-building) renderer, for comparison in tests only.
#ifndef GOMAP_TESTS_UNIT_REFERENCE_VALUE_H
#define GOMAP_TESTS_UNIT_REFERENCE_VALUE_H

#include <string>

#include "core/value.h"

namespace gomap::reference {

// What the old RenderImpl took from a ValueRenderer.
struct Parts {
  MemoryReader &mem;
  TypeResolver *types;
  MapLayoutProvider *maps;
  const RenderOptions &options;
  DiagnosticSink &diags;
  ValueFormatter *formatter = nullptr;
};

nlohmann::ordered_json ShowJson(const Parts &p, const MapLayout &layout, const Type *map_type,
                                uint64_t addr, const ShowRequest &req);
std::string ShowText(const Parts &p, const MapLayout &layout, const Type *map_type, uint64_t addr,
                     const ShowRequest &req);
nlohmann::ordered_json ValueJson(const Parts &p, uint64_t addr, const Type *t);
std::string ValueText(const Parts &p, uint64_t addr, const Type *t);

} // namespace gomap::reference

#endif
