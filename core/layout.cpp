// `gomap layout`: dispatch to the classic/swiss structure walkers, and the
// report's rendering (gomap/1 JSON and text with per-bucket/group strips).
#include "layout.h"

#include <cstdio>
#include <sstream>

#include "classic/hmap.h"
#include "header_report.h"
#include "value.h"

namespace gomap {

using ojson = nlohmann::ordered_json;

void TophashCounts::Add(const TophashCounts &o) {
  full += o.full;
  empty_one += o.empty_one;
  empty_rest += o.empty_rest;
  evacuated_x += o.evacuated_x;
  evacuated_y += o.evacuated_y;
  evacuated_empty += o.evacuated_empty;
}

void CtrlCounts::Add(const CtrlCounts &o) {
  full += o.full;
  empty += o.empty;
  deleted += o.deleted;
  invalid += o.invalid;
}

MapLayoutReport WalkLayout(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                           const Limits &limits) {
  MapLayoutReport r(limits.max_diagnostics);
  r.header_ok = ReadHeader(mem, layout, addr, &r.header, r.diags);
  if (!r.header_ok || addr == 0)
    return r;
  if (layout.impl == MapImpl::Classic)
    classic::WalkLayout(mem, layout, limits, &r);
  else
    swiss::WalkLayout(mem, layout, limits, &r);
  return r;
}

char ClassicStripChar(const ClassicBucket &b, bool old) {
  if (!b.readable)
    return '?';
  if (b.evacuated)
    return old ? 'E' : '!';
  if (b.tophash.Evacuation() > 0)
    return '!';
  if (b.overflow > 0)
    return '+';
  if (b.tophash.full == 0)
    return '.';
  return char('0' + std::min<uint64_t>(b.tophash.full, 8));
}

char SwissStripChar(const SwissGroup &g) {
  if (!g.readable)
    return '?';
  if (g.ctrl.invalid)
    return '!';
  if (g.ctrl.deleted)
    return 'x';
  if (g.ctrl.full == 0)
    return '.';
  return char('0' + std::min<uint64_t>(g.ctrl.full, 8));
}

namespace {

constexpr const char *kClassicLegend =
    "'.' empty  1-8 full slots  '+' has overflow buckets  'E' evacuated  "
    "'!' evacuation marker out of place  '?' unreadable";
constexpr const char *kSwissLegend = "'.' all empty  1-8 full slots  'x' has tombstones (deleted)  "
                                     "'!' invalid ctrl byte  '?' unreadable";

template <typename T, typename F>
std::string Strip(const std::vector<T> &items, uint64_t max, F ch) {
  std::string s;
  for (uint64_t i = 0; i < items.size() && i < max; ++i)
    s += ch(items[i]);
  return s;
}

ojson TophashJson(const TophashCounts &t) {
  return ojson{{"full", UintJson(t.full)},
               {"emptyOne", UintJson(t.empty_one)},
               {"emptyRest", UintJson(t.empty_rest)},
               {"evacuatedX", UintJson(t.evacuated_x)},
               {"evacuatedY", UintJson(t.evacuated_y)},
               {"evacuatedEmpty", UintJson(t.evacuated_empty)}};
}

ojson CtrlJson(const CtrlCounts &c) {
  ojson j{
      {"full", UintJson(c.full)}, {"empty", UintJson(c.empty)}, {"deleted", UintJson(c.deleted)}};
  if (c.invalid)
    j["invalid"] = UintJson(c.invalid);
  return j;
}

std::string TophashText(const TophashCounts &t) {
  std::ostringstream os;
  os << "full " << t.full << ", emptyOne " << t.empty_one << ", emptyRest " << t.empty_rest;
  if (t.Evacuation())
    os << ", evacuatedX " << t.evacuated_x << ", evacuatedY " << t.evacuated_y
       << ", evacuatedEmpty " << t.evacuated_empty;
  return os.str();
}

std::string TypeName(const Type *t) { return t ? t->name : "map"; }

// Lines of at most 64 strip characters, each prefixed with its first index.
void StripLines(std::ostream &os, const std::string &label, const std::string &strip,
                uint64_t total) {
  const size_t width = 64;
  for (size_t i = 0; i < strip.size() || i == 0; i += width) {
    char prefix[48];
    std::snprintf(prefix, sizeof prefix, "  %-11s %5zu  ", i == 0 ? label.c_str() : "", i);
    os << prefix << strip.substr(i, width) << "\n";
    if (strip.empty())
      break;
  }
  if (strip.size() < total)
    os << "  " << std::string(11, ' ') << "        ... " << (total - strip.size())
       << " more (--all or --limit N to show them)\n";
}

ojson ClassicJson(const MapLayoutReport &r, const LayoutView &v) {
  const ClassicLayoutReport &c = r.classic;
  ojson j = ojson::object();
  j["B"] = UintJson(c.b);
  j["bucket_size"] = UintJson(c.bucket_size);
  const uint64_t nb = c.b <= 63 ? uint64_t(1) << c.b : 0;
  auto list = [&](const std::vector<ClassicBucket> &bs, bool old) {
    ojson a = ojson::array();
    for (uint64_t i = 0; i < bs.size() && i < v.max_listed; ++i) {
      const ClassicBucket &b = bs[i];
      ojson o{
          {"index", UintJson(b.index)}, {"address", HexAddr(b.address)}, {"readable", b.readable}};
      if (b.readable) {
        o["tophash"] = TophashJson(b.tophash);
        o["overflow"] = UintJson(b.overflow);
        if (old) {
          o["evacuated"] = b.evacuated;
          o["x"] = UintJson(b.tophash.evacuated_x);
          o["y"] = UintJson(b.tophash.evacuated_y);
          o["x_bucket"] = UintJson(b.index);
          if (!c.same_size)
            o["y_bucket"] = UintJson(b.index + c.old_count);
        }
      }
      a.push_back(o);
    }
    return a;
  };
  j["buckets"] =
      ojson{{"address", HexAddr(r.header.Get("buckets"))},
            {"count", UintJson(nb)},
            {"walked", UintJson(c.buckets.size())},
            {"listed", UintJson(std::min<uint64_t>(c.buckets.size(), v.max_listed))},
            {"strip", Strip(c.buckets, v.max_listed,
                            [](const ClassicBucket &b) { return ClassicStripChar(b, false); })},
            {"tophash", TophashJson(c.totals)},
            {"overflow", ojson{{"buckets", UintJson(c.overflow_buckets)},
                               {"chains", UintJson(c.chains_with_overflow)},
                               {"longest", UintJson(c.longest_chain)}}},
            {"list", list(c.buckets, false)}};
  if (c.growing) {
    j["grow"] = ojson{
        {"kind", c.same_size ? "same-size" : "doubling"},
        {"nevacuate", UintJson(c.nevacuate)},
        {"old_buckets", UintJson(c.old_count)},
        {"evacuated", UintJson(c.old_evacuated)},
        {"to_x", UintJson(c.old_totals.evacuated_x)},
        {"to_y", UintJson(c.old_totals.evacuated_y)},
        {"old_overflow_buckets", UintJson(c.old_overflow_buckets)},
        {"oldbuckets",
         ojson{{"address", HexAddr(r.header.Get("oldbuckets"))},
               {"count", UintJson(c.old_count)},
               {"walked", UintJson(c.old.size())},
               {"listed", UintJson(std::min<uint64_t>(c.old.size(), v.max_listed))},
               {"strip", Strip(c.old, v.max_listed,
                               [](const ClassicBucket &b) { return ClassicStripChar(b, true); })},
               {"tophash", TophashJson(c.old_totals)},
               {"list", list(c.old, true)}}}};
  } else {
    j["grow"] = nullptr;
  }
  if (c.extra != 0) {
    auto len = [](int64_t l) -> ojson { return l < 0 ? ojson(nullptr) : ojson(IntJson(l)); };
    j["extra"] = ojson{
        {"address", HexAddr(c.extra)},
        {"readable", c.extra_readable},
        {"overflow", ojson{{"address", HexAddr(c.overflow_slice)}, {"len", len(c.overflow_len)}}},
        {"oldoverflow",
         ojson{{"address", HexAddr(c.oldoverflow_slice)}, {"len", len(c.oldoverflow_len)}}},
        {"nextOverflow", HexAddr(c.next_overflow)}};
  } else {
    j["extra"] = nullptr;
  }
  return j;
}

ojson TableJson(const SwissTable &t, const LayoutView &v, uint64_t *listed) {
  const swiss::TableHeader &h = t.dir.table;
  ojson j{{"address", HexAddr(h.address)}};
  j["readable"] = t.dir.readable;
  if (t.dir.readable) {
    j["used"] = UintJson(h.used);
    j["capacity"] = UintJson(h.capacity);
    j["growthLeft"] = UintJson(h.growth_left);
    j["localDepth"] = UintJson(h.local_depth);
    j["index"] = IntJson(h.index);
    j["groups"] = ojson{{"data", HexAddr(h.groups_data)}, {"lengthMask", UintJson(h.length_mask)}};
  }
  j["stale"] = t.dir.stale;
  j["dir"] = ojson{{"first", UintJson(t.dir.first_dir)}, {"count", UintJson(t.dir.refs)}};
  j["ctrl"] = CtrlJson(t.ctrl);
  j["tombstones"] = UintJson(t.ctrl.deleted);
  const uint64_t room = v.max_listed > *listed ? v.max_listed - *listed : 0;
  j["strip"] = Strip(t.groups, room, SwissStripChar);
  ojson gl = ojson::array();
  for (uint64_t g = 0; g < t.groups.size() && g < room; ++g) {
    const SwissGroup &sg = t.groups[g];
    gl.push_back(sg.readable ? ojson::array({sg.ctrl.full, sg.ctrl.empty, sg.ctrl.deleted})
                             : ojson(nullptr));
  }
  *listed += std::min<uint64_t>(room, t.groups.size());
  j["group_ctrl"] = gl; // [full, empty, deleted] per group; null unreadable
  return j;
}

ojson SwissJson(const MapLayoutReport &r, const LayoutView &v) {
  const SwissLayoutReport &s = r.swiss;
  ojson j = ojson::object();
  j["dirLen"] = IntJson(int64_t(r.header.Get("dirLen")));
  j["globalDepth"] = UintJson(r.header.Get("globalDepth"));
  if (s.small && s.small_group.address != 0)
    j["small_group"] = ojson{{"address", HexAddr(s.small_group.address)},
                             {"readable", s.small_group.readable},
                             {"ctrl", CtrlJson(s.small_group.ctrl)}};
  else
    j["small_group"] = nullptr;
  ojson tables = ojson::array();
  uint64_t listed = 0, stale = 0, groups = 0;
  for (const auto &t : s.tables) {
    tables.push_back(TableJson(t, v, &listed));
    stale += t.dir.stale;
    groups += t.groups.size();
  }
  j["tables"] = tables;
  j["totals"] = ojson{{"tables", UintJson(s.tables.size())},
                      {"stale_tables", UintJson(stale)},
                      {"groups", UintJson(groups)},
                      {"ctrl", CtrlJson(s.totals)},
                      {"tombstones", UintJson(s.totals.deleted)}};
  return j;
}

void ClassicText(std::ostream &os, const MapLayoutReport &r, const LayoutView &v) {
  const ClassicLayoutReport &c = r.classic;
  const uint64_t nb = c.b <= 63 ? uint64_t(1) << c.b : 0;
  os << "  B = " << c.b << ": " << nb << " buckets at " << HexAddr(r.header.Get("buckets"))
     << " (bucketsize " << c.bucket_size << "), count = " << r.header.Get("count")
     << ", flags = " << r.header.Get("flags");
  if (!r.header.flag_names.empty()) {
    os << " [";
    for (size_t i = 0; i < r.header.flag_names.size(); ++i)
      os << (i ? "|" : "") << r.header.flag_names[i];
    os << "]";
  }
  os << "\n";
  if (c.growing)
    os << "  grow: " << (c.same_size ? "same-size" : "doubling") << ", " << c.old_evacuated << "/"
       << c.old_count << " old buckets evacuated (nevacuate = " << c.nevacuate
       << ") from oldbuckets at " << HexAddr(r.header.Get("oldbuckets")) << "\n";
  else
    os << "  grow: none (oldbuckets nil)\n";
  StripLines(os, "buckets",
             Strip(c.buckets, v.max_listed,
                   [](const ClassicBucket &b) { return ClassicStripChar(b, false); }),
             nb);
  if (c.growing) {
    std::string strip = Strip(c.old, v.max_listed,
                              [](const ClassicBucket &b) { return ClassicStripChar(b, true); });
    StripLines(os, "oldbuckets", strip, c.old_count);
    if (c.nevacuate <= strip.size())
      os << "  " << std::string(11, ' ') << "        " << std::string(c.nevacuate, ' ')
         << "^ nevacuate\n";
  }
  os << "  legend: " << kClassicLegend << "\n";
  os << "  tophash (buckets): " << TophashText(c.totals) << "\n";
  if (c.growing) {
    os << "  tophash (oldbuckets): " << TophashText(c.old_totals) << "; " << c.old_overflow_buckets
       << " old overflow buckets\n";
    os << "  evacuated entries: " << c.old_totals.evacuated_x << " to X (same index)";
    if (!c.same_size)
      os << ", " << c.old_totals.evacuated_y << " to Y (index + " << c.old_count << ")";
    os << "\n";
  }
  os << "  overflow: " << c.overflow_buckets << " buckets in " << c.chains_with_overflow
     << " chains, longest " << c.longest_chain << "; noverflow = " << r.header.Get("noverflow")
     << "\n";
  if (c.extra != 0) {
    auto len = [](int64_t l) { return l < 0 ? std::string("-") : std::to_string(l); };
    os << "  extra at " << HexAddr(c.extra) << ": overflow len " << len(c.overflow_len)
       << ", oldoverflow len " << len(c.oldoverflow_len) << ", nextOverflow "
       << HexAddr(c.next_overflow) << "\n";
  } else {
    os << "  extra: nil\n";
  }
}

void SwissText(std::ostream &os, const MapLayoutReport &r, const LayoutView &v) {
  const SwissLayoutReport &s = r.swiss;
  if (s.small) {
    os << "  small map (dirLen 0): no tables; ";
    if (s.small_group.address == 0)
      os << "no group yet (dirPtr nil)\n";
    else
      os << "one group at " << HexAddr(s.small_group.address) << ": "
         << SwissStripChar(s.small_group) << " (full " << s.small_group.ctrl.full << ", empty "
         << s.small_group.ctrl.empty << ", deleted " << s.small_group.ctrl.deleted << ")\n";
    os << "  legend: " << kSwissLegend << "\n";
    return;
  }
  uint64_t stale = 0, groups = 0;
  for (const auto &t : s.tables) {
    stale += t.dir.stale;
    groups += t.groups.size();
  }
  os << "  directory at " << HexAddr(r.header.Get("dirPtr")) << ": dirLen "
     << int64_t(r.header.Get("dirLen")) << ", globalDepth " << r.header.Get("globalDepth") << "; "
     << s.tables.size() << " tables (" << stale << " stale), " << groups << " groups\n";
  os << "  ctrl bytes: full " << s.totals.full << ", empty " << s.totals.empty << ", deleted "
     << s.totals.deleted << " (tombstones)\n";
  uint64_t listed = 0, ordinal = 0;
  for (const auto &t : s.tables) {
    const swiss::TableHeader &h = t.dir.table;
    char line[256];
    if (!t.dir.readable) {
      std::snprintf(line, sizeof line, "  table %2llu at %s: unreadable\n",
                    static_cast<unsigned long long>(ordinal++), HexAddr(h.address).c_str());
      os << line;
      continue;
    }
    const uint64_t last = t.dir.first_dir + (t.dir.refs ? t.dir.refs - 1 : 0);
    std::string dirs = std::to_string(t.dir.first_dir);
    if (last != t.dir.first_dir)
      dirs += "-" + std::to_string(last);
    std::snprintf(
        line, sizeof line,
        "  table %2llu at %s dir %-7s index %lld localDepth %llu: used "
        "%llu/%llu growthLeft %llu tombstones %llu%s\n",
        static_cast<unsigned long long>(ordinal++), HexAddr(h.address).c_str(), dirs.c_str(),
        static_cast<long long>(h.index), static_cast<unsigned long long>(h.local_depth),
        static_cast<unsigned long long>(h.used), static_cast<unsigned long long>(h.capacity),
        static_cast<unsigned long long>(h.growth_left),
        static_cast<unsigned long long>(t.ctrl.deleted), t.dir.stale ? " [stale]" : "");
    os << line;
    const uint64_t room = v.max_listed > listed ? v.max_listed - listed : 0;
    if (room > 0) {
      StripLines(os, "groups", Strip(t.groups, room, SwissStripChar), t.groups.size());
      listed += std::min<uint64_t>(room, t.groups.size());
    }
  }
  if (listed < groups)
    os << "  (group strips cut at " << v.max_listed
       << " groups; --all or --limit N to show more)\n";
  os << "  legend: " << kSwissLegend << "\n";
}

} // namespace

ojson LayoutJson(const MapLayoutReport &r, const MapLayout &layout, const Type *map_type,
                 const LayoutView &view) {
  ojson j{{"address", HexAddr(r.header.address)},
          {"type", TypeName(map_type)},
          {"impl", std::string(ImplName(layout.impl))},
          {"go_version", layout.version.raw},
          {"layout_source", std::string(SourceName(layout.source))},
          {"len", UintJson(r.header.len)},
          {"fields", HeaderFieldsJson(r.header)},
          {"flags", r.header.flag_names}};
  if (layout.impl == MapImpl::Classic)
    j["classic"] = ClassicJson(r, view);
  else
    j["swiss"] = SwissJson(r, view);
  j["truncated"] = r.truncated;
  ojson diags = ojson::array();
  for (const auto &d : r.diags.items())
    diags.push_back(DiagnosticJson(d));
  j["diagnostics"] = diags;
  return j;
}

std::string LayoutText(const MapLayoutReport &r, const MapLayout &layout, const Type *map_type,
                       const LayoutView &view) {
  std::ostringstream os;
  os << "(" << TypeName(map_type) << ") " << HexAddr(r.header.address) << " len=" << r.header.len
     << " impl=" << ImplName(layout.impl) << " " << layout.version.raw
     << " layout=" << SourceName(layout.source) << "\n";
  if (r.header.address == 0)
    os << "  nil map\n";
  else if (r.header_ok && layout.impl == MapImpl::Classic)
    ClassicText(os, r, view);
  else if (r.header_ok)
    SwissText(os, r, view);
  if (r.truncated)
    os << "  (walk stopped by a work limit)\n";
  for (const auto &d : r.diags.items())
    os << "  " << SeverityName(d.severity) << "[" << CodeName(d.code) << "]: " << d.message << "\n";
  return os.str();
}

} // namespace gomap
