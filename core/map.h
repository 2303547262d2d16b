// Decoding entry points shared by every frontend: map headers and entry cursors.
// Dispatches to classic/ (runtime/map.go) and swiss/ (internal/runtime/maps).
#ifndef GOMAP_CORE_MAP_H
#define GOMAP_CORE_MAP_H

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "map_layout.h"
#include "target.h"

namespace gomap {

class WorkStop;

// Work caps for one walk; passed in, never global.
struct Limits {
  uint64_t max_entries = std::numeric_limits<uint64_t>::max(); // entries yielded
  uint64_t max_buckets = uint64_t(1) << 24; // classic buckets incl. overflow / swiss groups
  uint64_t max_chain = uint64_t(1) << 16;   // overflow buckets followed from one bucket
  uint64_t max_dir_len = uint64_t(1) << 20; // swiss directory entries
  size_t max_diagnostics = 100;
  // Ctrl-C and --time-limit: polled per bucket / group by the entry cursors and
  // the layout walks (show polls per entry itself and leaves this unset).
  WorkStop *stop = nullptr;
};

// One live entry: where its key and value are (after following indirect slots).
struct MapEntry {
  uint64_t key_addr = 0;
  uint64_t elem_addr = 0;
};

// A bounded, lazy walk over a map's live entries.
class EntryCursor {
public:
  virtual ~EntryCursor() = default;
  // Advances to the next live entry. false at the end, or when a limit or an
  // unrecoverable error stopped the walk (see truncated() and diagnostics()).
  virtual bool Next(MapEntry *out) = 0;
  const DiagnosticSink &diagnostics() const { return diags_; }
  // True when a work limit (not the end of the map) stopped the walk.
  bool truncated() const { return truncated_; }
  uint64_t yielded() const { return yielded_; }

protected:
  explicit EntryCursor(size_t max_diags) : diags_(max_diags) {}
  DiagnosticSink diags_;
  bool truncated_ = false;
  uint64_t yielded_ = 0;
};

// A cursor that decodes a batch of entries at a time (a bucket chain, a
// group) into a queue; Next() hands them out and enforces max_entries.
class BatchCursor : public EntryCursor {
public:
  bool Next(MapEntry *out) final;

protected:
  explicit BatchCursor(const Limits &limits)
      : EntryCursor(limits.max_diagnostics), max_entries_(limits.max_entries) {}
  // Appends the next batch to pending_; leaves it empty at the end of the walk.
  virtual void Fill() = 0;
  std::deque<MapEntry> pending_;

private:
  uint64_t max_entries_;
};

// A header field's value, under its runtime name.
struct HeaderValue {
  std::string name;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t value = 0;
};

struct MapHeader {
  uint64_t address = 0; // the map pointer (0 for a nil map)
  MapImpl impl = MapImpl::Classic;
  uint64_t len = 0;                    // count (classic) / used (swiss)
  std::vector<HeaderValue> fields;     // every header field, layout order
  std::vector<std::string> flag_names; // classic: iterator, oldIterator, hashWriting, sameSizeGrow;
                                       // swiss: writing, tombstonePossible
  bool writing = false;                // a write was in progress
  // Classic: how many of the 2^B buckets the header claims lie in readable
  // memory; swiss: how many of the directory entries dirLen/globalDepth claim
  // (ReadHeader probes for them; walks cover no more). 0 otherwise.
  uint64_t buckets_present = 0;

  // Value of a field by runtime name; `fallback` when absent.
  uint64_t Get(std::string_view name, uint64_t fallback = 0) const {
    for (const auto &f : fields)
      if (f.name == name)
        return f.value;
    return fallback;
  }
  bool Has(std::string_view name) const {
    for (const auto &f : fields)
      if (f.name == name)
        return true;
    return false;
  }
};

// Reads and validates the header at `addr`. A nil map (addr == 0) gives an
// empty header and true. false only when the header itself is unreadable;
// implausible fields are reported to `sink` and still returned.
bool ReadHeader(MemoryReader &mem, const MapLayout &layout, uint64_t addr, MapHeader *out,
                DiagnosticSink &sink);

// ReadHeader, then decides whether the header is usable as a `type_name`:
// false with a one-line *error when it cannot be read or fails an invariant
// (the frontends refuse such an EXPR rather than print garbage).
bool ReadUsableHeader(MemoryReader &mem, const MapLayout &layout, const std::string &type_name,
                      uint64_t addr, MapHeader *out, DiagnosticSink &sink, std::string *error);

// Opens a bounded walk over the live entries of the map at `addr`.
// `mem` must outlive the cursor. Never returns null.
std::unique_ptr<EntryCursor> OpenEntries(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                                         const Limits &limits);

} // namespace gomap

#endif
