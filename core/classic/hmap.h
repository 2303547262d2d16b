// Classic bucketed Go maps: header decoding and the entry walk.
// Mirrors runtime/map.go (go1.19-1.23) and runtime/map_noswiss.go
// (go1.24-1.25).
#ifndef GOMAP_CORE_CLASSIC_HMAP_H
#define GOMAP_CORE_CLASSIC_HMAP_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/map.h"

namespace gomap::classic {

// tophash special values (runtime/map.go, unchanged go1.12-1.25).
constexpr uint8_t kEmptyRest = 0;
constexpr uint8_t kEmptyOne = 1;
constexpr uint8_t kEvacuatedX = 2;
constexpr uint8_t kEvacuatedY = 3;
constexpr uint8_t kEvacuatedEmpty = 4;
constexpr uint8_t kMinTopHash = 5;
constexpr uint64_t kBucketCnt = 8;

// hmap.flags bits.
constexpr uint8_t kFlagIterator = 1;
constexpr uint8_t kFlagOldIterator = 2;
constexpr uint8_t kFlagHashWriting = 4;
constexpr uint8_t kFlagSameSizeGrow = 8;

// The runtime's names of the bits set in hmap.flags (unknown bits as "0x..").
std::vector<std::string> FlagNames(uint8_t flags);

// True when tophash[0] marks a bucket as evacuated (runtime.evacuated).
inline bool Evacuated(uint8_t tophash0) { return tophash0 > kEmptyOne && tophash0 < kMinTopHash; }

// True when p lies inside the hmap at `hmap` (an overflow or bucket pointer
// aimed at the header itself).
bool PointsIntoHmap(uint64_t p, uint64_t hmap, uint64_t hmap_size);

// Reports (one per bucket) a full tophash after the emptyRest at slot j: the
// runtime never looks past emptyRest, so that entry is unreachable.
void FullAfterEmptyRest(const uint8_t *b, uint64_t baddr, const std::string &loc, uint64_t j,
                        DiagnosticSink &sink);

bool ReadHeader(MemoryReader &mem, const MapLayout &layout, uint64_t addr, MapHeader *out,
                DiagnosticSink &sink);

std::unique_ptr<EntryCursor> OpenEntries(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                                         const Limits &limits);

} // namespace gomap::classic

#endif
