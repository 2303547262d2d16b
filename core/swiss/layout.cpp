// Swiss map structure for `gomap layout`: the directory, each table once, and
// every group's ctrl bytes (full / empty / deleted), with tombstone totals.
// Mirrors internal/runtime/maps map.go, table.go and group.go (go1.24-1.27).
#include "core/layout.h"
#include "core/bulk.h"
#include "core/swiss/map.h"
#include "core/work_stop.h"

namespace gomap::swiss {

using detail::Hex;

namespace {

CtrlCounts CountCtrl(const uint8_t *g, uint64_t addr, const SwissLayout &s,
                     const std::string &where, DiagnosticSink &sink) {
  CtrlCounts c;
  const uint64_t ctrl = detail::LoadLE(g + s.ctrl_off, 8);
  for (unsigned i = 0; i < kGroupSlots; ++i) {
    const uint8_t b = CtrlByte(ctrl, i);
    if (CtrlFull(b))
      ++c.full;
    else if (b == kCtrlEmpty)
      ++c.empty;
    else if (b == kCtrlDeleted)
      ++c.deleted;
    else {
      ++c.invalid;
      sink.Add(DiagCode::Inconsistent, Severity::Warning,
               where + ", slot " + std::to_string(i) + ": invalid ctrl byte " + Hex(b),
               addr + s.ctrl_off + i);
    }
  }
  return c;
}

} // namespace

void WalkLayout(MemoryReader &mem, const MapLayout &layout, const Limits &limits,
                MapLayoutReport *out) {
  const SwissLayout &s = layout.swiss;
  const MapHeader &h = out->header;
  SwissLayoutReport &r = out->swiss;
  DiagnosticSink &sink = out->diags;
  if (s.group_size == 0 || s.group_size > 64 * 1024 || s.ctrl_off + 8 > s.group_size) {
    sink.Add(DiagCode::UnsupportedLayout, Severity::Error,
             "map at " + Hex(h.address) + ": group layout is not usable", h.address);
    return;
  }
  const int64_t dir_len = int64_t(h.Get("dirLen"));
  const uint64_t dir_ptr = h.Get("dirPtr");
  std::vector<uint8_t> buf(s.group_size);
  if (dir_len == 0) {
    r.small = true;
    if (dir_ptr == 0 || dir_ptr % 8 != 0)
      return;
    r.small_group.address = dir_ptr;
    out->pointers.push_back(HeldPointer{"small-group", "map.dirPtr (small group)", dir_ptr,
                                        s.group_size, true, 0, false, false});
    if (!mem.ReadExact(dir_ptr, buf.data(), buf.size())) {
      sink.Add(DiagCode::Unreadable, Severity::Error,
               "small group at " + Hex(dir_ptr) + ": unreadable", dir_ptr);
      return;
    }
    r.small_group.readable = true;
    r.small_group.ctrl = CountCtrl(buf.data(), dir_ptr, s, "small group", sink);
    r.totals = r.small_group.ctrl;
    if (r.small_group.ctrl.deleted)
      sink.Add(DiagCode::Inconsistent, Severity::Warning,
               "small group at " + Hex(dir_ptr) + ": " +
                   std::to_string(r.small_group.ctrl.deleted) +
                   " tombstones (deleteSmall never leaves any)",
               dir_ptr);
    return;
  }
  Directory d = ReadDirectory(mem, s, h, limits, sink);
  if (dir_ptr != 0)
    out->pointers.push_back(HeldPointer{"dirPtr", "map.dirPtr (directory)", dir_ptr,
                                        d.entries.size() * 8, true, 0, false, false});
  r.dir_entries = d.entries.size();
  out->truncated |= d.truncated;
  const uint64_t depth = h.Get("globalDepth");
  uint64_t groups_seen = 0;
  uint64_t ordinal = 0;
  bool stopped = false; // by Ctrl-C or the time limit
  for (const DirTable &dt : d.tables) {
    if (stopped)
      break;
    SwissTable st;
    st.dir = dt;
    const std::string where =
        "table " + std::to_string(ordinal++) + " (dir " + std::to_string(dt.first_dir) + ")";
    out->pointers.push_back(HeldPointer{"table", "dir " + std::to_string(dt.first_dir) + " table",
                                        dt.table.address, s.table.size, true, 0, false, dt.stale});
    if (!dt.readable) {
      r.tables.push_back(std::move(st));
      continue;
    }
    const uint64_t ngroups = CheckTable(dt.table, depth, where, sink);
    if (dt.table.groups_data != 0)
      out->pointers.push_back(HeldPointer{"groups", where + " groups.data", dt.table.groups_data,
                                          ngroups * s.group_size, true, 0, false, dt.stale});
    detail::ArrayReader groups(&mem, dt.table.groups_data, ngroups, s.group_size, 4 << 20);
    detail::UnreadableRun run("group", where + ", ");
    for (uint64_t g = 0; g < ngroups; ++g) {
      if (limits.stop && limits.stop->Stop()) {
        stopped = true;
        out->truncated = true;
        sink.Add(DiagCode::Truncated, Severity::Warning,
                 "map at " + Hex(h.address) + ": " +
                     limits.stop->At(where + ", group " + std::to_string(g) + " of " +
                                     std::to_string(ngroups)),
                 groups.AddressOf(g));
        break;
      }
      if (++groups_seen > limits.max_buckets) {
        out->truncated = true;
        sink.Add(DiagCode::Truncated, Severity::Warning,
                 "stopped after " + std::to_string(limits.max_buckets) + " groups (limit) at " +
                     where + ", group " + std::to_string(g),
                 groups.AddressOf(g));
        break;
      }
      SwissGroup sg;
      sg.address = groups.AddressOf(g);
      const uint8_t *bytes = groups.Get(g);
      if (bytes == nullptr) {
        run.Add(g, sg.address, sink);
        st.groups.push_back(sg);
        continue;
      }
      run.Flush(sink);
      sg.readable = true;
      sg.ctrl = CountCtrl(bytes, sg.address, s, where + ", group " + std::to_string(g), sink);
      st.ctrl.Add(sg.ctrl);
      st.groups.push_back(sg);
    }
    run.Flush(sink);
    const bool complete = st.groups.size() == ngroups && ngroups > 0;
    bool all_readable = complete;
    for (const auto &g : st.groups)
      all_readable &= g.readable;
    if (all_readable) {
      const std::string at = where + " at " + Hex(dt.table.address);
      if (st.ctrl.full != dt.table.used)
        sink.Add(DiagCode::Inconsistent, h.writing ? Severity::Warning : Severity::Error,
                 at + ": " + std::to_string(st.ctrl.full) +
                     " full ctrl bytes but table.used = " + std::to_string(dt.table.used),
                 dt.table.address);
      // used + growthLeft + tombstones == maxGrowthLeft(capacity) (table.go).
      const uint64_t budget = MaxGrowthLeft(dt.table.capacity);
      if (!h.writing && dt.table.capacity == ngroups * kGroupSlots &&
          dt.table.used + dt.table.growth_left + st.ctrl.deleted != budget)
        sink.Add(DiagCode::Inconsistent, Severity::Warning,
                 at + ": used " + std::to_string(dt.table.used) + " + growthLeft " +
                     std::to_string(dt.table.growth_left) + " + tombstones " +
                     std::to_string(st.ctrl.deleted) + " != " + std::to_string(budget) +
                     " for capacity " + std::to_string(dt.table.capacity),
                 dt.table.address);
    }
    r.totals.Add(st.ctrl);
    r.tables.push_back(std::move(st));
  }
}

} // namespace gomap::swiss
