// Swiss-table directories: each table once, with its directory span and
// staleness. Mirrors the directory of internal/runtime/maps/map.go
// (go1.24-1.27): dirLen == 1<<globalDepth entries, a table with localDepth d
// filling 1<<(globalDepth-d) aligned entries from its index.
#include <unordered_map>

#include "core/bulk.h"
#include "core/swiss/map.h"

namespace gomap::swiss {

using detail::Hex;

uint64_t UnreadableDirTail(uint64_t claimed, uint64_t present, uint64_t dir_ptr,
                           DiagnosticSink &sink) {
  if (present >= claimed)
    return claimed;
  const uint64_t at = dir_ptr + present * 8;
  sink.Add(DiagCode::Unreadable, Severity::Error,
           (present + 1 == claimed
                ? "dir " + std::to_string(present)
                : "dirs " + std::to_string(present) + "-" + std::to_string(claimed - 1)) +
               " at " + Hex(at) + ": unreadable",
           at);
  return present;
}

Directory ReadDirectory(MemoryReader &mem, const SwissLayout &layout, const MapHeader &h,
                        const Limits &limits, DiagnosticSink &sink) {
  Directory d;
  const uint64_t dir_ptr = h.Get("dirPtr");
  const int64_t dir_len = int64_t(h.Get("dirLen"));
  const uint64_t depth = h.Get("globalDepth");
  if (dir_len <= 0 || dir_ptr == 0 || dir_ptr % 8 != 0)
    return d; // small map, or reported by ReadHeader
  uint64_t n = uint64_t(dir_len);
  if (depth <= 63)
    n = std::min(n, uint64_t(1) << depth);                    // the smaller of two claims
  n = UnreadableDirTail(n, h.buckets_present, dir_ptr, sink); // only what exists
  if (n > limits.max_dir_len) {
    d.truncated = true;
    sink.Add(DiagCode::Truncated, Severity::Warning,
             "map at " + Hex(h.address) + ": directory of " + std::to_string(n) +
                 " entries cut to " + std::to_string(limits.max_dir_len) + " (limit)",
             dir_ptr);
    n = limits.max_dir_len;
  }
  detail::ArrayReader dir(&mem, dir_ptr, n, 8);
  d.entries.assign(n, 0);
  d.readable.assign(n, 0);
  detail::UnreadableRun run("dir");
  for (uint64_t j = 0; j < n; ++j) {
    const uint8_t *p = dir.Get(j);
    if (p == nullptr) {
      run.Add(j, dir.AddressOf(j), sink);
      continue;
    }
    run.Flush(sink);
    d.entries[j] = detail::LoadLE(p, 8);
    d.readable[j] = 1;
  }
  run.Flush(sink);

  std::unordered_map<uint64_t, size_t> seen; // table address -> tables[i]
  for (uint64_t j = 0; j < n; ++j) {
    if (!d.readable[j])
      continue;
    const uint64_t t = d.entries[j];
    const std::string at = "dir " + std::to_string(j);
    if (t == 0 || t % 8 != 0) {
      sink.Add(DiagCode::Implausible, Severity::Error,
               at + ": table pointer " + Hex(t) + " is nil or not 8-byte aligned", t);
      continue;
    }
    auto it = seen.find(t);
    if (it != seen.end()) {
      DirTable &dt = d.tables[it->second];
      ++dt.refs;
      // An alias must continue the run that starts at the table's index.
      if (dt.readable && !dt.stale && dt.table.local_depth <= depth && depth <= 63 &&
          j - uint64_t(dt.table.index) >= (uint64_t(1) << (depth - dt.table.local_depth)))
        sink.Add(DiagCode::Inconsistent, Severity::Error,
                 at + ": table at " + Hex(t) + " (index " + std::to_string(dt.table.index) +
                     ", localDepth " + std::to_string(dt.table.local_depth) +
                     ") referenced outside its localDepth span",
                 t);
      continue;
    }
    seen.emplace(t, d.tables.size());
    DirTable dt;
    dt.first_dir = j;
    dt.refs = 1;
    dt.readable = ReadTable(mem, layout, t, &dt.table);
    if (!dt.readable) {
      dt.table.address = t;
      sink.Add(DiagCode::Unreadable, Severity::Error, at + ": table at " + Hex(t) + " unreadable",
               t);
      d.tables.push_back(dt);
      continue;
    }
    const int64_t k = dt.table.index;
    if (k == -1) {
      dt.stale = true;
      sink.Add(DiagCode::StaleBucketPointer, Severity::Error,
               at + ": table at " + Hex(t) + " is stale (index -1: replaced by a grow or split)",
               t);
    } else if (k < 0 || uint64_t(k) >= n || !d.readable[k] || d.entries[k] != t) {
      dt.stale = true;
      sink.Add(DiagCode::Inconsistent, Severity::Error,
               at + ": table at " + Hex(t) + " has index " + std::to_string(k) +
                   (k < 0 || uint64_t(k) >= n ? " outside the directory of " + std::to_string(n)
                                              : " where the directory holds " + Hex(d.entries[k])),
               t);
    } else if (uint64_t(k) != j) {
      // First seen before its own index: the entries between are wrong.
      sink.Add(DiagCode::Inconsistent, Severity::Error,
               at + ": table at " + Hex(t) + " has index " + std::to_string(k) +
                   " but is referenced first at dir " + std::to_string(j),
               t);
    } else if (dt.table.local_depth <= depth && depth <= 63 &&
               j % (uint64_t(1) << (depth - dt.table.local_depth)) != 0) {
      sink.Add(DiagCode::Inconsistent, Severity::Warning,
               at + ": table at " + Hex(t) + " with localDepth " +
                   std::to_string(dt.table.local_depth) + " starts at an unaligned directory index",
               t);
    }
    d.tables.push_back(dt);
  }
  // Each live table fills exactly 1<<(globalDepth-localDepth) entries.
  for (const DirTable &dt : d.tables) {
    if (!dt.readable || dt.stale || dt.table.local_depth > depth || depth > 63 || d.truncated)
      continue;
    const uint64_t span = uint64_t(1) << (depth - dt.table.local_depth);
    if (dt.refs != span)
      sink.Add(DiagCode::Inconsistent, Severity::Warning,
               "dir " + std::to_string(dt.first_dir) + ": table at " + Hex(dt.table.address) +
                   " with localDepth " + std::to_string(dt.table.local_depth) + " fills " +
                   std::to_string(dt.refs) + " directory entries, want " + std::to_string(span),
               dt.table.address);
  }
  return d;
}

} // namespace gomap::swiss
