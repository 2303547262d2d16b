// Swiss-table Go maps: maps.Map validation and a bounded walk over the small
// group or the directory's tables and their groups.
// Mirrors internal/runtime/maps/map.go and table.go (Iter.Next), go1.24-1.27.
#include "core/swiss/map.h"

#include <unordered_map>
#include <unordered_set>

#include "core/bulk.h"
#include "core/work_stop.h"

namespace gomap::swiss {

using detail::Hex;

std::vector<std::string> FlagNames(uint64_t writing, uint64_t tombstone_possible) {
  std::vector<std::string> names;
  if (writing != 0)
    names.emplace_back("writing");
  if (tombstone_possible != 0)
    names.emplace_back("tombstonePossible");
  return names;
}

bool ReadHeader(MemoryReader &mem, const MapLayout &layout, uint64_t addr, MapHeader *out,
                DiagnosticSink &sink) {
  std::string where;
  switch (detail::ReadHeaderFields(mem, layout.swiss.map, MapImpl::Swiss, "map", addr, out, sink,
                                   &where)) {
  case detail::HeaderRead::Nil:
    return true;
  case detail::HeaderRead::Unreadable:
    return false;
  case detail::HeaderRead::Ok:
    break;
  }
  const uint64_t used = out->Get("used");
  const uint64_t dir_ptr = out->Get("dirPtr");
  const int64_t dir_len = int64_t(out->Get("dirLen"));
  const uint64_t depth = out->Get("globalDepth");
  const uint64_t shift = out->Get("globalShift");
  const uint64_t writing = out->Get("writing");
  out->len = used;
  out->flag_names = FlagNames(writing, out->Get("tombstonePossible"));
  out->writing = writing != 0;
  if (out->writing)
    sink.Add(DiagCode::WritingFlagSet, Severity::Warning,
             where + ": writing = " + std::to_string(writing) +
                 ", a write was in progress; entries may be inconsistent",
             addr);

  if (int64_t(used) < 0)
    sink.Add(DiagCode::Implausible, Severity::Error,
             where + ": used = " + std::to_string(int64_t(used)) + " is negative", addr);
  if (dir_ptr % 8 != 0)
    sink.Add(DiagCode::Implausible, Severity::Error,
             where + ": dirPtr = " + Hex(dir_ptr) + " is not 8-byte aligned", addr);
  if (dir_len < 0) {
    sink.Add(DiagCode::Implausible, Severity::Error,
             where + ": dirLen = " + std::to_string(dir_len) + " is negative", addr);
  } else if (dir_len == 0) {
    // Small map: dirPtr is nil (nothing inserted yet) or one group.
    if (dir_ptr == 0 && int64_t(used) > 0)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": used = " + std::to_string(used) +
                   " but the small map has no group (dirPtr nil)",
               addr);
    if (used > kGroupSlots && int64_t(used) > 0)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": small map (dirLen 0) with used = " + std::to_string(used) + " > " +
                   std::to_string(kGroupSlots),
               addr);
    // A small map has no directory: globalDepth 0 (globalShift is 64 from
    // NewMap, 0 from NewEmptyMap; either is seen in real cores).
    if (depth != 0)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": small map (dirLen 0) with globalDepth = " + std::to_string(depth) +
                   " (want 0)",
               addr);
  } else {
    if (depth > 63)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": globalDepth = " + std::to_string(depth) + " > 63", addr);
    else if (uint64_t(dir_len) != uint64_t(1) << depth)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": dirLen = " + std::to_string(dir_len) + " does not match globalDepth = " +
                   std::to_string(depth) + " (want " + std::to_string(uint64_t(1) << depth) + ")",
               addr);
    if (depth <= 64 && shift != 64 - depth)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": globalShift = " + std::to_string(shift) + " but globalDepth = " +
                   std::to_string(depth) + " (want " + std::to_string(64 - depth) + ")",
               addr);
    if (dir_ptr == 0)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": dirLen = " + std::to_string(dir_len) + " but dirPtr is nil", addr);
    // The directory the header claims must exist before anything walks it.
    if (dir_ptr != 0 && dir_ptr % 8 == 0) {
      uint64_t n = uint64_t(dir_len);
      if (depth <= 63)
        n = std::min(n, uint64_t(1) << depth); // the smaller of two claims
      const uint64_t present = detail::ElementsPresent(mem, dir_ptr, n, 8);
      out->buckets_present = present;
      if (present < n)
        sink.Add(DiagCode::Implausible, Severity::Error,
                 where + ": dirLen = " + std::to_string(dir_len) + " claims " + std::to_string(n) +
                     " directory entries at " + Hex(dir_ptr) + ", but only " +
                     std::to_string(present) + " are in readable memory; walks cover those",
                 dir_ptr);
    }
    if (uint64_t(dir_len) <= (uint64_t(1) << 40) && used > uint64_t(dir_len) * kMaxTableCapacity &&
        int64_t(used) > 0)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": used = " + std::to_string(used) + " exceeds " + std::to_string(dir_len) +
                   " tables of at most " + std::to_string(kMaxTableCapacity) + " slots",
               addr);
  }
  return true;
}

namespace {

// Visits tables the way Iter.Next does (table.go): each table once, at the
// directory index equal to table.index; aliases (localDepth < globalDepth)
// are skipped. Slots are scanned in memory order, without the random offsets.
class Cursor final : public BatchCursor {
public:
  Cursor(MemoryReader &mem, const MapLayout &layout, uint64_t addr, const Limits &limits)
      : BatchCursor(limits), mem_(mem), layout_(layout), s_(layout_.swiss), limits_(limits),
        addr_(addr) {
    Open();
  }

private:
  void Open() {
    done_ = true;
    if (addr_ == 0)
      return;
    MapHeader h;
    if (!swiss::ReadHeader(mem_, layout_, addr_, &h, diags_))
      return;
    writing_ = h.writing;
    for (const char *name : {"used", "dirPtr", "dirLen", "globalDepth"}) {
      if (!h.Has(name)) {
        diags_.Add(DiagCode::UnsupportedLayout, Severity::Error,
                   "map at " + Hex(addr_) + ": layout has no field '" + name + "'", addr_);
        return;
      }
    }
    if (!GeometryOk())
      return;
    used_ = h.Get("used");
    const uint64_t dir_ptr = h.Get("dirPtr");
    const int64_t dir_len = int64_t(h.Get("dirLen"));
    depth_ = h.Get("globalDepth");
    // ReadHeader reported every bad value; here we only keep them from
    // driving the walk.
    // used == 0 is walked too (the runtime's Iter would not look): full slots
    // under used = 0 are a silent wrong answer unless found and reported.
    if (int64_t(used_) < 0 || dir_len < 0 || dir_ptr == 0 || dir_ptr % 8 != 0)
      return;
    done_ = false;
    if (dir_len == 0) {
      small_ = dir_ptr;
      return;
    }
    uint64_t n = uint64_t(dir_len);
    if (depth_ <= 63)
      n = std::min(n, uint64_t(1) << depth_); // the smaller of two claims
    else
      depth_ = 63;
    n = UnreadableDirTail(n, h.buckets_present, dir_ptr, diags_); // only what exists
    if (n > limits_.max_dir_len) {
      truncated_ = true;
      diags_.Add(DiagCode::Truncated, Severity::Warning,
                 "map at " + Hex(addr_) + ": directory of " + std::to_string(n) +
                     " entries cut to " + std::to_string(limits_.max_dir_len) + " (limit)",
                 dir_ptr);
      n = limits_.max_dir_len;
    }
    ReadDirectory(dir_ptr, n);
  }

  bool GeometryOk() {
    const uint64_t gs = s_.group_size;
    auto fits = [&](uint64_t off, uint64_t stride, uint64_t size) {
      return off + (kGroupSlots - 1) * stride + size <= gs;
    };
    bool ok = gs > 0 && gs <= 64 * 1024 && s_.ctrl_off + 8 <= gs &&
              fits(s_.keys_off, s_.key_stride, s_.key_size) &&
              fits(s_.elems_off, s_.elem_stride, s_.elem_size) &&
              (!s_.indirect_key || s_.key_size == 8) && (!s_.indirect_elem || s_.elem_size == 8);
    if (!ok)
      diags_.Add(DiagCode::UnsupportedLayout, Severity::Error,
                 "map at " + Hex(addr_) + ": group layout is not usable (size " +
                     std::to_string(gs) + ")",
                 addr_);
    return ok;
  }

  void ReadDirectory(uint64_t dir_ptr, uint64_t n) {
    detail::ArrayReader dir(&mem_, dir_ptr, n, 8);
    dir_.assign(n, 0);
    dir_ok_.assign(n, 0);
    detail::UnreadableRun run("dir");
    for (uint64_t j = 0; j < n; ++j) {
      const uint8_t *p = dir.Get(j);
      if (p == nullptr) {
        run.Add(j, dir.AddressOf(j), diags_);
        continue;
      }
      run.Flush(diags_);
      dir_[j] = detail::LoadLE(p, 8);
      dir_ok_[j] = 1;
    }
    run.Flush(diags_);
  }

  const TableHeader *Table(uint64_t t) {
    auto it = tables_.find(t);
    if (it == tables_.end()) {
      TableHeader th;
      bool ok = ReadTable(mem_, s_, t, &th);
      it = tables_.emplace(t, ok ? th : TableHeader{}).first;
      if (!ok)
        unreadable_tables_.insert(t);
    }
    return unreadable_tables_.count(t) ? nullptr : &it->second;
  }

  void Fill() override {
    while (pending_.empty() && !done_) {
      if (limits_.stop && limits_.stop->Stop()) {
        const std::string where =
            in_table_ ? "dir " + std::to_string(j_ - 1) + ", group " + std::to_string(g_)
                      : "dir " + std::to_string(j_);
        Stop("map at " + Hex(addr_) + ": " + limits_.stop->At(where), addr_);
        break;
      }
      if (small_ != 0) {
        WalkSmall();
        continue;
      }
      if (!in_table_) {
        if (j_ >= dir_.size()) {
          Finish();
          break;
        }
        VisitDir(j_++);
        continue;
      }
      if (g_ >= groups_.count()) {
        CloseTable();
        continue;
      }
      WalkGroup(g_++);
    }
  }

  // A small map: one group at dirPtr, no tables (map.go, dirLen == 0).
  void WalkSmall() {
    const uint64_t g = small_;
    small_ = 0;
    if (limits_.max_buckets == 0) {
      Stop("stopped before the small group (limit of 0 groups)", g);
      return;
    }
    std::vector<uint8_t> bytes(s_.group_size);
    if (!mem_.ReadExact(g, bytes.data(), bytes.size())) {
      diags_.Add(DiagCode::Unreadable, Severity::Error, "small group at " + Hex(g) + ": unreadable",
                 g);
    } else {
      found_ += ScanGroup(bytes.data(), g, s_, "small group", diags_, &pending_);
    }
    done_ = true;
    CheckCount();
  }

  void VisitDir(uint64_t j) {
    if (!dir_ok_[j])
      return; // reported with the directory
    const uint64_t t = dir_[j];
    const std::string at = "dir " + std::to_string(j);
    if (t == 0 || t % 8 != 0) {
      diags_.Add(DiagCode::Implausible, Severity::Error,
                 at + ": table pointer " + Hex(t) + " is nil or not 8-byte aligned", t);
      return;
    }
    const TableHeader *th = Table(t);
    if (th == nullptr) {
      if (reported_unreadable_.insert(t).second)
        diags_.Add(DiagCode::Unreadable, Severity::Error,
                   at + ": table at " + Hex(t) + " unreadable", t);
      return;
    }
    const uint64_t n = dir_.size();
    bool visit = false;
    if (th->index == int64_t(j)) {
      visit = true;
      CheckAliases(j, *th);
    } else if (th->index == -1) {
      diags_.Add(DiagCode::StaleBucketPointer, Severity::Error,
                 at + ": table at " + Hex(t) + " is stale (index -1: replaced by a grow or split)",
                 t);
      visit = true; // its entries are the best we have
    } else {
      const int64_t k = th->index;
      const bool k_ok = k >= 0 && uint64_t(k) < n && dir_ok_[k] && dir_[k] == t;
      const uint64_t span =
          th->local_depth <= depth_ ? uint64_t(1) << (depth_ - th->local_depth) : 0;
      const bool alias = k_ok && uint64_t(k) < j && j - uint64_t(k) < span;
      if (!alias) {
        diags_.Add(DiagCode::Inconsistent, Severity::Error,
                   at + ": table at " + Hex(t) + " has index " + std::to_string(k) +
                       (k_ok ? " outside its localDepth span"
                             : " where the directory holds another table"),
                   t);
        // Unless its own directory slot will visit it later, visit it here.
        visit = !(k_ok && uint64_t(k) > j);
      }
    }
    if (visit && visited_.insert(t).second)
      OpenTable(j, *th);
  }

  // A table with localDepth < globalDepth fills 2^(globalDepth-localDepth)
  // consecutive, aligned directory entries starting at its index (map.go).
  void CheckAliases(uint64_t j, const TableHeader &th) {
    if (th.local_depth > depth_)
      return; // reported by CheckTable
    const uint64_t span = uint64_t(1) << (depth_ - th.local_depth);
    if (j % span != 0) {
      diags_.Add(DiagCode::Inconsistent, Severity::Warning,
                 "dir " + std::to_string(j) + ": table at " + Hex(th.address) +
                     " with localDepth " + std::to_string(th.local_depth) +
                     " starts at an unaligned directory index",
                 th.address);
      return;
    }
    for (uint64_t k = j + 1; k < j + span && k < dir_.size(); ++k) {
      if (dir_ok_[k] && dir_[k] != th.address) {
        diags_.Add(DiagCode::Inconsistent, Severity::Warning,
                   "dir " + std::to_string(k) + ": expected table " + Hex(th.address) +
                       " (localDepth " + std::to_string(th.local_depth) + " from dir " +
                       std::to_string(j) + ") but found " + Hex(dir_[k]),
                   dir_[k]);
        return;
      }
    }
  }

  void OpenTable(uint64_t j, const TableHeader &th) {
    table_ = th;
    where_ = "table " + std::to_string(ordinal_++) + " (dir " + std::to_string(j) + ")";
    const uint64_t ngroups = CheckTable(th, depth_, where_, diags_);
    sum_used_ += th.used;
    // A whole table's groups in one read (at most 1024 slots, a few MiB).
    groups_ = detail::ArrayReader(&mem_, th.groups_data, ngroups, s_.group_size, 4 << 20);
    g_ = 0;
    table_found_ = 0;
    in_table_ = true;
    group_run_ = detail::UnreadableRun("group", where_ + ", ");
  }

  void WalkGroup(uint64_t g) {
    if (++groups_seen_ > limits_.max_buckets) {
      Stop("stopped after " + std::to_string(limits_.max_buckets) + " groups (limit) at " + where_ +
               ", group " + std::to_string(g),
           groups_.AddressOf(g));
      return;
    }
    const uint8_t *bytes = groups_.Get(g);
    if (bytes == nullptr) {
      group_run_.Add(g, groups_.AddressOf(g), diags_);
      return;
    }
    group_run_.Flush(diags_);
    uint64_t n = ScanGroup(bytes, groups_.AddressOf(g), s_, where_ + ", group " + std::to_string(g),
                           diags_, &pending_);
    table_found_ += n;
    found_ += n;
  }

  void CloseTable() {
    in_table_ = false;
    group_run_.Flush(diags_);
    if (table_found_ != table_.used)
      diags_.Add(DiagCode::Inconsistent, writing_ ? Severity::Warning : Severity::Error,
                 where_ + " at " + Hex(table_.address) + ": found " + std::to_string(table_found_) +
                     " entries but table.used = " + std::to_string(table_.used),
                 table_.address);
  }

  void Stop(const std::string &why, uint64_t addr) {
    truncated_ = true;
    done_ = true;
    group_run_.Flush(diags_);
    diags_.Add(DiagCode::Truncated, Severity::Warning, why, addr);
  }

  void Finish() {
    done_ = true;
    if (!truncated_ && sum_used_ != used_)
      diags_.Add(DiagCode::Inconsistent, writing_ ? Severity::Warning : Severity::Error,
                 "map at " + Hex(addr_) + ": tables' used sum to " + std::to_string(sum_used_) +
                     " but Map.used = " + std::to_string(used_),
                 addr_);
    CheckCount();
  }

  void CheckCount() {
    if (!truncated_ && found_ != used_)
      diags_.Add(DiagCode::Inconsistent, writing_ ? Severity::Warning : Severity::Error,
                 "map at " + Hex(addr_) + ": found " + std::to_string(found_) +
                     " entries but used = " + std::to_string(used_),
                 addr_);
  }

  MemoryReader &mem_;
  const MapLayout layout_; // owned copy: the caller's may not outlive us
  const SwissLayout &s_;
  Limits limits_;
  uint64_t addr_;
  bool done_ = false;
  bool writing_ = false;
  uint64_t used_ = 0;
  uint64_t depth_ = 0;
  uint64_t small_ = 0; // address of the small map's group, until walked
  std::vector<uint64_t> dir_;
  std::vector<uint8_t> dir_ok_;
  uint64_t j_ = 0;
  std::unordered_map<uint64_t, TableHeader> tables_;
  std::unordered_set<uint64_t> unreadable_tables_, reported_unreadable_, visited_;
  bool in_table_ = false;
  TableHeader table_;
  std::string where_;
  uint64_t ordinal_ = 0;
  detail::ArrayReader groups_;
  uint64_t g_ = 0;
  detail::UnreadableRun group_run_;
  uint64_t groups_seen_ = 0;
  uint64_t table_found_ = 0;
  uint64_t sum_used_ = 0;
  uint64_t found_ = 0;
};

} // namespace

std::unique_ptr<EntryCursor> OpenEntries(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                                         const Limits &limits) {
  return std::make_unique<Cursor>(mem, layout, addr, limits);
}

} // namespace gomap::swiss
