// Streaming `gomap show`: the map object rendered entry by entry into an OutputStream, as
// JSON (gomap/1, docs/json.md) or text, without a document tree or a second copy.
#ifndef GOMAP_CORE_VALUE_STREAM_H
#define GOMAP_CORE_VALUE_STREAM_H

#include <cstdint>
#include <string>

#include "json_writer.h"
#include "value.h"

namespace gomap {

struct ShowOutput {
  bool json = false;
  int indent = 2;                 // JSON: spaces per level as nlohmann's dump(2); -1 compact
  bool document = true;           // JSON: {"schema":"gomap/1","map":…} and a final newline
  size_t chunk = size_t(1) << 16; // bytes handed to the stream at a time (about)
  // The map's name when the caller found one (a map given by address): text
  // " path=main.srv.sessions (WHERE)" on the header line, JSON document
  // "name": {"path", "where", "type"} after "map". where: "" for a package
  // variable; type: the map type the path holds it as.
  std::string path, where, type;
};

// "main.srv.sessions", "t.byID (goroutine 7, frame 2, main.f)", and
// " [holds a map[int64]int64]" after it when the path's type is not `given`
// (a wrong --type).
std::string MapNameText(const std::string &path, const std::string &where, const std::string &type,
                        const std::string &given);
// The header line's " path=…" of `how` for a map shown as `given` ("" without a path).
std::string MapNameSuffix(const ShowOutput &how, const std::string &given);

struct ShowSummary {
  bool has_errors = false; // an error-level diagnostic was reported
  bool truncated = false;  // entries were left out (offset/limit or a walk cap)
  uint64_t entries = 0;    // entries rendered
  uint64_t cut_values = 0; // values cut by a per-value limit
  uint64_t bytes = 0;      // bytes written
};

// Writes what `gomap show` prints for the map at addr: text (header line, one line
// per entry, diagnostics) or JSON. Entries go to `out` as they are rendered.
ShowSummary ShowMapWrite(MemoryReader &mem, const MapLayout &layout, const Type *map_type,
                         uint64_t addr, const ShowRequest &req, ValueRenderer &renderer,
                         const ShowOutput &how, OutputStream &out);

// One value in the gomap/1 encoding through w (key: pointers are not followed).
void WriteValueJson(ValueRenderer &renderer, JsonWriter &w, uint64_t addr, const Type *t,
                    bool key = false);
// One value as Go-like text appended to out.
void WriteValueText(ValueRenderer &renderer, std::string &out, uint64_t addr, const Type *t,
                    bool key = false);

// Bytes a scalar of t's kind occupies when the frontend left t->size unset or
// odd (shared by the renderer and the key look-up).
uint64_t ScalarSize(const Type *t);

} // namespace gomap

#endif
