// Swiss map iterators (maps.Iter): position, relation to the map, and the
// entries returned so far, replayed from the start offsets.
// Mirrors internal/runtime/maps/table.go Iter.Init/Iter.Next/nextDirIdx
// (go1.24-1.27; unchanged but for constant names).
#include "core/iter.h"
#include "core/bulk.h"
#include "core/go_format.h"
#include "core/swiss/map.h"

namespace gomap::swiss {

using detail::Hex;
using detail::LoadLE;

namespace {

// Full slots among logical entries [0, n) of a table whose groups are at
// `data`: entry e is physical slot (e + entry_offset) & (capacity-1)
// (Iter.Next). false when a group is unreadable.
bool CountTable(MemoryReader &mem, const SwissLayout &s, uint64_t data, uint64_t capacity,
                uint64_t entry_offset, uint64_t n, const std::string &where, DiagnosticSink &sink,
                uint64_t *out) {
  *out = 0;
  const uint64_t mask = capacity - 1;
  const uint64_t ngroups = capacity / kGroupSlots;
  detail::ArrayReader groups(&mem, data, ngroups, s.group_size, 4 << 20);
  n = std::min(n, capacity);
  for (uint64_t e = 0; e < n; ++e) {
    const uint64_t phys = (e + entry_offset) & mask;
    const uint8_t *g = groups.Get(phys / kGroupSlots);
    if (g == nullptr) {
      sink.Add(DiagCode::Unreadable, Severity::Error,
               where + ", group " + std::to_string(phys / kGroupSlots) + " at " +
                   Hex(groups.AddressOf(phys / kGroupSlots)) + ": unreadable",
               groups.AddressOf(phys / kGroupSlots));
      return false;
    }
    const uint64_t ctrl = LoadLE(g + s.ctrl_off, 8);
    if (CtrlFull(CtrlByte(ctrl, unsigned(phys % kGroupSlots))))
      ++*out;
  }
  return true;
}

// Iter.Next returns the entry in slot i of it.group: it.key = group.key(typ, i) and
// it.elem = group.elem(typ, i), each dereferenced when stored indirectly (table.go);
// it.group is not moved on before returning. Checked only while the iterator is current:
// over a grown table or a small map that grew, Next looks the key up again elsewhere.
// want_slot: the slot Next must have used (small maps: (entryIdx - 1 + entryOffset) % 8),
// or -1 when any slot will do (a table, where Next may skip ahead before returning).
// g: the group's bytes (s.group_size of them, read at `group`).
void CheckReturnedSlot(const SwissLayout &s, uint64_t group, const std::vector<uint8_t> &g,
                       uint64_t key, uint64_t elem, int want_slot, const std::string &where,
                       uint64_t iter, DiagnosticSink &sink) {
  auto slot_word = [&](uint64_t off) {
    return off + 8 <= g.size() ? LoadLE(g.data() + off, 8) : uint64_t(0);
  };
  int slot = -1;
  for (unsigned i = 0; i < kGroupSlots && slot < 0; ++i) {
    const uint64_t off = s.keys_off + i * s.key_stride;
    if (s.indirect_key ? slot_word(off) == key : group + off == key)
      slot = int(i);
  }
  if (slot < 0) {
    sink.Add(DiagCode::Inconsistent, Severity::Error,
             where + ": it.key = " + Hex(key) + " is not " +
                 (s.indirect_key ? "the key pointer of any slot" : "a key slot") + " of it.group " +
                 Hex(group),
             iter);
    return;
  }
  if (want_slot >= 0 && slot != want_slot) {
    sink.Add(DiagCode::Inconsistent, Severity::Error,
             where + ": it.key is slot " + std::to_string(slot) + " of it.group " + Hex(group) +
                 ", but entryIdx and entryOffset say slot " + std::to_string(want_slot),
             iter);
    return;
  }
  const uint64_t eoff = s.elems_off + uint64_t(slot) * s.elem_stride;
  const uint64_t want_elem = s.indirect_elem ? slot_word(eoff) : group + eoff;
  if (elem != want_elem)
    sink.Add(DiagCode::Inconsistent, Severity::Error,
             where + ": it.elem = " + Hex(elem) + " but slot " + std::to_string(slot) +
                 " of it.group " + Hex(group) + " holds its elem at " + Hex(want_elem),
             iter);
}

bool TableShapeOk(const TableHeader &t) {
  return detail::IsPowerOfTwo(t.capacity) && t.capacity >= kGroupSlots &&
         t.capacity <= (uint64_t(1) << 16) && t.groups_data != 0 && t.groups_data % 8 == 0;
}

} // namespace

void DecodeIter(MemoryReader &mem, const MapLayout &layout, const Limits &limits, IterReport *r) {
  auto get = [&](const char *n) {
    const HeaderValue *v = detail::FindValue(r->fields, n);
    return v ? v->value : 0;
  };
  const SwissLayout &s = layout.swiss;
  const std::string where = "maps.Iter at " + Hex(r->address);
  const uint64_t m = get("m"), tab = get("tab"), group = get("group.data");
  const uint64_t entry_offset = get("entryOffset"), dir_offset = get("dirOffset");
  const uint64_t entry_idx = get("entryIdx"), it_depth = get("globalDepth");
  const int64_t dir_idx = int64_t(get("dirIdx"));
  r->map = m;
  r->type = get("typ");
  r->started = m != 0; // Iter.Init leaves m nil for a nil or empty map
  r->finished = r->started && get("key") == 0;
  auto &pos = r->position;
  pos["entryOffset"] = entry_offset;
  pos["dirOffset"] = dir_offset;
  pos["dirIdx"] = dir_idx;
  pos["entryIdx"] = entry_idx;
  pos["tab"] = HexAddr(tab);
  pos["group"] = HexAddr(group);
  pos["globalDepth"] = it_depth;
  pos["clearSeq"] = get("clearSeq");
  if (!r->started)
    return;
  r->header_ok = swiss::ReadHeader(mem, layout, m, &r->header, r->diags);
  if (!r->header_ok) {
    r->diags.Add(DiagCode::DanglingIterator, Severity::Error,
                 where + ": its map it.m = " + Hex(m) + " is unreadable", m);
    return;
  }
  for (const auto &d : r->diags.items())
    if (d.code == DiagCode::Implausible && d.severity == Severity::Error) {
      r->diags.Add(DiagCode::DanglingIterator, Severity::Error,
                   where + ": it.m = " + Hex(m) + " does not hold a plausible maps.Map", m);
      return;
    }
  const MapHeader &hd = r->header;
  const int64_t dir_len = int64_t(hd.Get("dirLen"));
  const uint64_t depth = hd.Get("globalDepth");
  pos["map_dirLen"] = dir_len;
  pos["map_globalDepth"] = depth;
  pos["map_clearSeq"] = hd.Get("clearSeq");

  bool bad = false;
  auto implausible = [&](const std::string &msg) {
    r->diags.Add(DiagCode::Implausible, Severity::Error, where + ": " + msg, r->address);
    bad = true;
  };
  if (dir_idx < -1)
    implausible("dirIdx = " + std::to_string(dir_idx) + " < -1");
  if (it_depth > 63 || it_depth > depth)
    implausible("globalDepth = " + std::to_string(it_depth) +
                " > map globalDepth = " + std::to_string(depth) + " (the directory never shrinks)");
  if (dir_idx == -1 && entry_idx > kGroupSlots)
    implausible("entryIdx = " + std::to_string(entry_idx) + " > 8 in a small-map iteration");
  // nextDirIdx stops at 1 << globalDepth (the iterator's depth).
  if (dir_idx >= 0 && it_depth <= 63 &&
      uint64_t(dir_idx) > (uint64_t(1) << std::min<uint64_t>(it_depth, 62)))
    implausible("dirIdx = " + std::to_string(dir_idx) + " past the " +
                std::to_string(uint64_t(1) << std::min<uint64_t>(it_depth, 62)) +
                " directory entries of globalDepth " + std::to_string(it_depth));
  if (dir_idx >= 0 && dir_len <= 0)
    implausible("dirIdx = " + std::to_string(dir_idx) + " but the map has no directory (dirLen " +
                std::to_string(dir_len) + ")");

  // Relation to the map.
  std::vector<std::string> stale;
  if (get("clearSeq") != hd.Get("clearSeq"))
    stale.push_back("map was cleared since the iterator started (clearSeq " +
                    std::to_string(get("clearSeq")) + ", map " +
                    std::to_string(hd.Get("clearSeq")) + ")");
  if (dir_idx == -1 && dir_len > 0)
    stale.push_back("map grew from a small group into tables since the "
                    "iterator started");
  else if (dir_idx == -1 && group != hd.Get("dirPtr"))
    stale.push_back("iterator's group " + Hex(group) + " is not the map's small group " +
                    Hex(hd.Get("dirPtr")));
  if (dir_idx >= 0 && !bad && it_depth < depth)
    stale.push_back("directory grew (globalDepth " + std::to_string(it_depth) + " -> " +
                    std::to_string(depth) + ") since the last Next");
  TableHeader th;
  bool have_tab = false;
  if (dir_idx >= 0 && tab != 0 && !bad) {
    have_tab = tab % 8 == 0 && ReadTable(mem, s, tab, &th);
    if (!have_tab) {
      r->diags.Add(DiagCode::DanglingIterator, Severity::Error,
                   where + ": it.tab = " + Hex(tab) + " is unreadable", tab);
      bad = true;
    } else {
      pos["tab_index"] = th.index;
      pos["tab_capacity"] = th.capacity;
      pos["tab_localDepth"] = th.local_depth;
      if (th.index == -1)
        stale.push_back("its table " + Hex(tab) + " was replaced by a grow or split (index -1)");
    }
  }
  Directory dir;
  if (dir_len > 0 && !bad) {
    DiagnosticSink dsink(limits.max_diagnostics); // the map's own findings
    dir = ReadDirectory(mem, s, hd, limits, dsink);
    if (have_tab && th.index != -1) {
      bool referenced = false;
      for (uint64_t t : dir.entries)
        referenced |= t == tab;
      if (!referenced)
        stale.push_back("its table " + Hex(tab) + " is not referenced by the directory");
    }
  }
  r->relation = stale.empty() ? "current" : "stale";
  for (const auto &w : stale)
    r->reason += (r->reason.empty() ? "" : "; ") + w;
  // Iter.Next re-checks a replaced table against the current directory and
  // ends after a clear (clearSeq): legal, an info line.
  if (!stale.empty() && !r->finished)
    r->diags.Add(DiagCode::MapChanged, Severity::Info, where + ": " + r->reason, r->address);
  if (bad)
    return;

  // Iter.Next ends by storing key = elem = nil.
  if (r->finished && get("elem") != 0) {
    r->diags.Add(DiagCode::Inconsistent, Severity::Error,
                 where + ": key is nil but elem = " + Hex(get("elem")) +
                     ": not a finished iteration",
                 r->address);
    return;
  }
  if (r->finished) {
    r->returned_known = true;
    r->returned = r->returned_max = hd.len;
    r->exact = stale.empty();
    if (!r->exact)
      r->approximate = "iteration finished; the map changed since it started";
    return;
  }
  uint64_t returned = 0;
  if (dir_idx == -1) {
    // Small map at Init: slots (entryIdx + entryOffset) % 8 of one group.
    std::vector<uint8_t> g(s.group_size);
    if (group == 0 || group % 8 != 0 || !mem.ReadExact(group, g.data(), g.size())) {
      r->diags.Add(DiagCode::Unreadable, Severity::Error,
                   where + ": small group " + Hex(group) + " is unreadable", group);
      return;
    }
    const uint64_t ctrl = LoadLE(g.data() + s.ctrl_off, 8);
    for (uint64_t e = 0; e < entry_idx && e < kGroupSlots; ++e)
      if (CtrlFull(CtrlByte(ctrl, unsigned((e + entry_offset) % kGroupSlots))))
        ++returned;
    if (stale.empty() && entry_idx >= 1)
      CheckReturnedSlot(s, group, g, get("key"), get("elem"),
                        int((entry_idx - 1 + entry_offset) % kGroupSlots), where, r->address,
                        r->diags);
  } else {
    if (!have_tab) {
      r->diags.Add(DiagCode::Inconsistent, Severity::Error, where + ": key is set but tab is nil",
                   r->address);
      return;
    }
    if (!TableShapeOk(th)) {
      r->diags.Add(
          DiagCode::Implausible, Severity::Error,
          where + ": its table " + Hex(tab) + " has capacity " + std::to_string(th.capacity), tab);
      return;
    }
    // Iter.Next runs entryIdx up to entryMask + 1 = capacity in a table.
    if (entry_idx > th.capacity) {
      r->diags.Add(DiagCode::Implausible, Severity::Error,
                   where + ": entryIdx = " + std::to_string(entry_idx) + " > capacity " +
                       std::to_string(th.capacity) + " of it.tab " + Hex(tab),
                   r->address);
      return;
    }
    // Iter.Next keeps it.group on a group of it.tab (groups.group(typ, i)).
    if (group != 0) {
      const uint64_t ngroups = th.capacity / kGroupSlots;
      const uint64_t off = group - th.groups_data;
      if (group < th.groups_data || off % s.group_size != 0 || off / s.group_size >= ngroups)
        r->diags.Add(DiagCode::Inconsistent, Severity::Error,
                     where + ": group.data = " + Hex(group) + " is not one of the " +
                         std::to_string(ngroups) + " groups of it.tab " + Hex(tab) + " at " +
                         Hex(th.groups_data),
                     group);
      else if (std::vector<uint8_t> g(s.group_size);
               stale.empty() && mem.ReadExact(group, g.data(), g.size()))
        CheckReturnedSlot(s, group, g, get("key"), get("elem"), -1, where, r->address, r->diags);
    }
    // Tables before it.tab: logical directory indexes [0, dirIdx), each
    // table once, advancing by 1 << (globalDepth - localDepth) (nextDirIdx).
    // A pending directory growth is applied as Next would apply it.
    const uint64_t shift = depth - it_depth;
    const uint64_t d_end = shift < 64 ? uint64_t(dir_idx) << shift : 0;
    const uint64_t d_off = shift < 64 ? dir_offset << shift : 0;
    const uint64_t n = dir.entries.size();
    uint64_t steps = 0;
    for (uint64_t d = 0; d < d_end;) {
      if (n == 0 || ++steps > limits.max_dir_len) {
        r->diags.Add(DiagCode::Truncated, Severity::Warning, where + ": directory replay stopped",
                     r->address);
        return;
      }
      const uint64_t j = (d + d_off) & (n - 1);
      const uint64_t t = dir.entries[j];
      const DirTable *dt = nullptr;
      for (const DirTable &x : dir.tables)
        if (x.table.address == t)
          dt = &x;
      if (dt == nullptr || !dt->readable || dt->table.local_depth > depth) {
        r->diags.Add(DiagCode::Unreadable, Severity::Error,
                     where + ": dir " + std::to_string(j) + ": table " + Hex(t) +
                         " unusable during replay",
                     t);
        return;
      }
      if (dt->table.index != int64_t(j))
        stale.push_back("dir " + std::to_string(j) +
                        " is not a table's first entry (directory changed)");
      returned += dt->table.used;
      d += uint64_t(1) << (depth - dt->table.local_depth);
    }
    pos["tables_done"] = steps;
    uint64_t in_tab = 0;
    if (!CountTable(mem, s, th.groups_data, th.capacity, entry_offset, entry_idx,
                    "table " + Hex(tab), r->diags, &in_tab))
      return;
    returned += in_tab;
  }
  r->returned_known = true;
  r->returned = r->returned_max = returned;
  r->exact = stale.empty();
  if (!r->exact) {
    r->approximate = stale.front();
    for (size_t k = 1; k < stale.size(); ++k)
      r->approximate += "; " + stale[k];
    r->approximate += " (replayed over the current memory; the runtime "
                      "re-looks keys up and skips deleted ones)";
  }
}

} // namespace gomap::swiss
