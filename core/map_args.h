// The map a runtime map function was called on, recovered from its frame as
// the runtime's own traceback does: the map-type and map-header arguments
// (DWARF parameters, the register-ABI spill slots at the callee's CFA, then
// the caller's frame words), each candidate checked as a plausible header of a
// map whose type is a map-type argument. mapassign*/mapaccess*/mapdelete*
// (t *maptype, h *hmap, ...) in runtime/map*.go go1.19-go1.25, and
// internal/runtime/maps (typ *abi.SwissMapType, m *Map, ...) / (m *Map, typ
// ...) methods go1.24-go1.27.
#ifndef GOMAP_CORE_MAP_ARGS_H
#define GOMAP_CORE_MAP_ARGS_H

#include <cstdint>
#include <string>
#include <vector>

#include "map_layout.h"
#include "target.h"
#include "types.h"

namespace gomap {

// A word that may be an argument, and where it was found ("DWARF h of
// runtime.mapassign_faststr", "spill slot CFA+0x8 of ...", "caller frame sp+0x28").
struct ArgWord {
  uint64_t value = 0;
  std::string source;
};

// Candidates in order of trust. Within a tier the first header that checks
// out wins; a tier marked `unique` (words of the caller's frame, which may
// hold other maps of the same type) counts only when it has exactly one.
struct ArgTier {
  std::vector<ArgWord> types;   // words that may be the map type descriptor
  std::vector<ArgWord> headers; // words that may be the map header
  bool unique = false;
};

struct RecoveredMap {
  uint64_t header = 0;
  const Type *type = nullptr; // Kind::Map
  std::string source;         // where the header word was found
  std::string type_source;    // where the type descriptor was found
  uint64_t type_word = 0;     // the map type descriptor's address
  // Set when no candidate checked out and this is the first tier's (the DWARF
  // parameters') header: readable, of a candidate type, but failing an
  // invariant — a corrupt map on the crash path. Says which.
  std::string implausible;
};

// The spill area of a register-ABI (go1.17+ amd64) callee: `n` words from its CFA.
std::vector<ArgWord> SpillWords(MemoryReader &mem, uint64_t cfa, size_t n,
                                const std::string &function);
// The words of a frame [sp, cfa), at most `max` of them.
std::vector<ArgWord> FrameWords(MemoryReader &mem, uint64_t sp, uint64_t cfa, size_t max,
                                const std::string &function);

// Types are tried from every tier up to and including the header's, and a
// type first found in a later tier is tried on the earlier tiers' headers
// again, in tier order (a type found behind a spilled iterator pointer also
// checks the spill slots' words). When none checks out, the first tier's
// first readable header of a candidate type is returned with `implausible`
// set. false with *why when there is no candidate at all.
bool RecoverMapArgument(MemoryReader &mem, TypeResolver &types, MapLayoutProvider &maps,
                        const std::vector<ArgTier> &tiers, RecoveredMap *out, std::string *why);

} // namespace gomap

#endif
