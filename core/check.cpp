// `gomap check`: the structure walk and the entry walk over one map, their
// diagnostics merged, and the report's rendering (gomap/1 JSON and text).
#include "check.h"

#include <sstream>

#include "bulk.h"
#include "header_report.h"
#include "value.h"
#include "work_stop.h"

namespace gomap {

using ojson = nlohmann::ordered_json;

void MergeDiagnostics(DiagnosticSink &into, const DiagnosticSink &from) {
  for (const Diagnostic &d : from.items()) {
    bool dup = false;
    for (const Diagnostic &e : into.items())
      if (e.code == d.code && e.severity == d.severity && e.address == d.address &&
          e.message == d.message) {
        dup = true;
        break;
      }
    if (!dup)
      into.Add(d.code, d.severity, d.message, d.address);
  }
}

namespace {

// What a bad pointer is, in words.
std::string Phrase(const std::string &verdict, uint64_t size) {
  if (verdict == "freed")
    return "points at freed memory";
  if (verdict == "reused")
    return "points into a live object that cannot be it (needs " + std::to_string(size) +
           " bytes at an object's start)";
  if (verdict == "unswept")
    return "points at an object the last GC did not mark (dead, not yet "
           "swept)";
  if (verdict == "unmapped")
    return "points at unmapped memory";
  if (verdict == "not-heap")
    return "points outside the heap";
  return verdict;
}

bool Bad(const std::string &v) {
  return v == "freed" || v == "reused" || v == "unswept" || v == "unmapped" || v == "not-heap";
}

// The walks' own stale-bucket-pointer findings (swiss index -1), with the
// heap's evidence appended.
DiagnosticSink Annotate(const DiagnosticSink &from, const std::map<uint64_t, std::string> &notes,
                        size_t max) {
  DiagnosticSink out(max);
  for (const Diagnostic &d : from.items()) {
    auto it = d.code == DiagCode::StaleBucketPointer ? notes.find(d.address) : notes.end();
    out.Add(d.code, d.severity, it == notes.end() ? d.message : d.message + "; " + it->second,
            d.address);
  }
  return out;
}

// Classifies every pointer of the layout walk; returns the annotations of
// pointers the walk already called stale.
// Its own findings go to *sink, which the caller adds after the walks'
// (so that they cannot crowd the structure's findings out of the cap).
std::map<uint64_t, std::string> ClassifyHeld(heap::Mheap &heap, const MapLayoutReport &lr,
                                             CheckReport *r, DiagnosticSink *sink) {
  std::map<uint64_t, std::string> notes;
  PointerCheck &pc = r->pointers;
  pc.ran = true;
  if (!heap.ok()) {
    pc.unavailable = heap.error();
    return notes;
  }
  uint64_t unknown = 0;
  std::string first_unknown;
  for (const HeldPointer &p : lr.pointers) {
    heap::PointerInfo info = heap.ClassifyPointer(p.address);
    std::string v = heap::Verdict(info, heap::Expect{p.size, p.base, p.stride}, nullptr);
    // The evidence in words only where a finding needs it (the usual
    // verdict of ~all pointers of a big map is a plain "current").
    const std::string why = (v == "fits" && !p.stale) || v == "stack" || v == "nil"
                                ? std::string()
                                : heap::Evidence(info);
    if (v == "fits")
      v = p.stale ? "stale-alive" : (p.old ? "old" : "current");
    ++pc.classified;
    ++pc.verdicts[v];
    if (v == "unknown" && unknown++ == 0)
      first_unknown = p.where + " " + detail::Hex(p.address) + ": " + why;
    if (v != "current" && v != "old" && v != "stack" && v != "nil")
      pc.findings.push_back(PointerCheck::Finding{p.role, p.where, v, why, p.address, info});
    if (p.stale) {
      notes[p.address] =
          (v == "stale-alive" ? "still allocated (stale but alive): " : "heap: " + v + ", ") + why;
      continue;
    }
    if (!Bad(v))
      continue;
    const std::string at = p.where + " " + detail::Hex(p.address) +
                           (p.old ? " (old storage of the grow in progress)" : "");
    if (v == "not-heap")
      sink->Add(DiagCode::Implausible, Severity::Error, at + ": " + Phrase(v, p.size) + ": " + why,
                p.address);
    else
      sink->Add(DiagCode::StaleBucketPointer, v == "unswept" ? Severity::Warning : Severity::Error,
                at + ": " + Phrase(v, p.size) + ": " + why, p.address);
  }
  if (unknown)
    sink->Add(DiagCode::Unreadable, Severity::Warning,
              "heap records unreadable for " + std::to_string(unknown) +
                  " pointers; first: " + first_unknown);
  return notes;
}

} // namespace

CheckReport CheckMap(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                     const Limits &limits, heap::Mheap *heap) {
  CheckReport r(limits.max_diagnostics);
  // The structure: header invariants, every bucket / group and chain.
  MapLayoutReport lr = WalkLayout(mem, layout, addr, limits);
  r.header = lr.header;
  r.header_ok = lr.header_ok;
  r.truncated = lr.truncated;
  std::map<uint64_t, std::string> notes;
  DiagnosticSink heap_diags(limits.max_diagnostics);
  if (heap && r.header_ok && addr != 0)
    notes = ClassifyHeld(*heap, lr, &r, &heap_diags);
  MergeDiagnostics(r.diags, Annotate(lr.diags, notes, limits.max_diagnostics));
  if (!r.header_ok || addr == 0)
    return r;
  if (layout.impl == MapImpl::Classic) {
    const ClassicLayoutReport &c = lr.classic;
    r.walked.buckets = c.buckets.size();
    r.walked.overflow_buckets = c.overflow_buckets;
    r.walked.oldbuckets = c.old.size();
    r.walked.old_overflow_buckets = c.old_overflow_buckets;
  } else {
    const SwissLayoutReport &s = lr.swiss;
    r.walked.dir_entries = s.dir_entries;
    r.walked.tables = s.tables.size();
    r.walked.groups = s.small ? (s.small_group.address != 0 ? 1 : 0) : 0;
    for (const SwissTable &t : s.tables)
      r.walked.groups += t.groups.size();
  }
  // Every entry, in the runtime's order, nothing rendered: the count (classic
  // count; swiss used per table and their sum vs Map.used) against what was
  // found. The cursor stops itself at the same limits; after a stop (Ctrl-C,
  // the time limit) in the structure walk it does not start.
  if (!limits.stop || !limits.stop->tripped()) {
    std::unique_ptr<EntryCursor> cur = OpenEntries(mem, layout, addr, limits);
    MapEntry e;
    while (cur->Next(&e)) {
    }
    r.walked.entries = cur->yielded();
    r.truncated |= cur->truncated();
    MergeDiagnostics(r.diags, Annotate(cur->diagnostics(), notes, limits.max_diagnostics));
  }
  MergeDiagnostics(r.diags, heap_diags);
  return r;
}

void CheckIterPointers(heap::Mheap &heap, const MapLayout &layout, const IterReport &it,
                       const std::string &where, CheckReport *r) {
  if (!heap.ok() || !it.started || !it.header_ok)
    return;
  auto get = [&](const char *n) {
    const HeaderValue *v = detail::FindValue(it.fields, n);
    return v ? v->value : 0;
  };
  PointerCheck &pc = r->pointers;
  const MapHeader &h = it.header;
  // One pointer: its verdict, counted; a bad one is a dangling-iterator.
  auto one = [&](const char *field, uint64_t addr, const heap::Expect &e,
                 const std::string &legal) {
    if (addr == 0)
      return;
    heap::PointerInfo info = heap.ClassifyPointer(addr);
    std::string why;
    std::string v = heap::Verdict(info, e, &why);
    if (v == "fits")
      v = legal;
    ++pc.classified;
    ++pc.verdicts[v];
    const std::string at = where + ": it." + field + " " + detail::Hex(addr);
    if (v != "current" && v != "old" && v != "stack")
      pc.findings.push_back(
          PointerCheck::Finding{std::string("iterator.") + field, at, v, why, addr, info});
    if (v == "stale-alive")
      r->diags.Add(DiagCode::MapChanged, Severity::Info,
                   at +
                       ": no longer the map's storage, still allocated (kept "
                       "alive by this iterator; the runtime finishes the "
                       "range correctly): " +
                       why,
                   addr);
    else if (Bad(v))
      r->diags.Add(DiagCode::DanglingIterator, v == "unswept" ? Severity::Warning : Severity::Error,
                   at + ": " + Phrase(v, e.size) + ": " + why, addr);
  };
  if (layout.impl == MapImpl::Classic) {
    const uint64_t bs = layout.classic.bucket_size;
    const uint64_t itb = get("buckets"), b = get("B");
    const uint64_t hb = h.Get("buckets"), hob = h.Get("oldbuckets");
    if (b > 63 || bs == 0)
      return;
    const uint64_t nb = uint64_t(1) << b;
    one("buckets", itb, heap::Expect{nb * bs, true, 0},
        itb == hb    ? "current"
        : itb == hob ? "old"
                     : "stale-alive");
    const uint64_t bptr = get("bptr");
    auto in = [&](uint64_t base, uint64_t n) {
      return base != 0 && bptr >= base && bptr < base + n * bs;
    };
    const uint64_t hB = h.Get("B");
    const bool cur = hB <= 63 && in(hb, uint64_t(1) << hB);
    const bool old = hB <= 63 && hB > 0 && in(hob, uint64_t(1) << hB);
    // bptr may be an overflow bucket (a bucket of its own or preallocated).
    one("bptr", bptr, heap::Expect{bs, false, bs},
        cur           ? "current"
        : old         ? "old"
        : in(itb, nb) ? "stale-alive"
                      : "current");
    return;
  }
  const SwissLayout &s = layout.swiss;
  const uint64_t tab = get("tab"), group = get("group.data");
  const bool current = it.relation == "current";
  one("tab", tab, heap::Expect{s.table.size, true, 0}, current ? "current" : "stale-alive");
  // A small map's group is its dirPtr; a table's group is its groups.data.
  one("group.data", group, heap::Expect{s.group_size, false, s.group_size},
      current || (group != 0 && group == h.Get("dirPtr")) ? "current" : "stale-alive");
}

namespace {

std::string TypeName(const Type *t) { return t ? t->name : "map"; }

struct Tally {
  size_t errors = 0, warnings = 0, infos = 0;
};

Tally Count(const DiagnosticSink &s) {
  Tally t;
  for (const Diagnostic &d : s.items()) {
    if (d.severity == Severity::Error)
      ++t.errors;
    else if (d.severity == Severity::Warning)
      ++t.warnings;
    else
      ++t.infos;
  }
  return t;
}

std::string Plural(size_t n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

} // namespace

ojson PointerCheckJson(const PointerCheck &pc) {
  ojson verdicts = ojson::object();
  for (const auto &[k, n] : pc.verdicts)
    verdicts[k] = UintJson(n);
  ojson findings = ojson::array();
  for (size_t i = 0; i < pc.findings.size() && i < 100; ++i) {
    const auto &f = pc.findings[i];
    findings.push_back(ojson{{"role", f.role},
                             {"where", f.where},
                             {"address", HexAddr(f.address)},
                             {"verdict", f.verdict},
                             {"evidence", f.evidence},
                             {"heap", heap::PointerJson(f.info)}});
  }
  return ojson{
      {"available", pc.unavailable.empty()},
      {"reason", pc.unavailable.empty() ? ojson(nullptr) : ojson(pc.unavailable)},
      {"classified", UintJson(pc.classified)},
      {"verdicts", verdicts},
      {"findings", findings},
      {"dropped_findings", UintJson(pc.findings.size() > 100 ? pc.findings.size() - 100 : 0)}};
}

std::string PointerCheckText(const PointerCheck &pc) {
  std::ostringstream os;
  if (!pc.unavailable.empty()) {
    os << "  (heap not read: " << pc.unavailable << ")\n";
    return os.str();
  }
  os << "  pointers: " << pc.classified << " classified";
  for (const auto &[k, n] : pc.verdicts)
    os << ", " << n << " " << k;
  os << "\n";
  return os.str();
}

PointerCheck ClassifyLayoutPointers(heap::Mheap &heap, const MapLayoutReport &lr) {
  CheckReport r;
  DiagnosticSink ignored(0); // the marks carry the verdicts
  ClassifyHeld(heap, lr, &r, &ignored);
  return r.pointers;
}

ojson CheckJson(const CheckReport &r, const MapLayout &layout, const Type *map_type) {
  ojson walked{{"entries", UintJson(r.walked.entries)}};
  if (layout.impl == MapImpl::Classic) {
    walked["buckets"] = UintJson(r.walked.buckets);
    walked["overflow_buckets"] = UintJson(r.walked.overflow_buckets);
    walked["oldbuckets"] = UintJson(r.walked.oldbuckets);
    walked["old_overflow_buckets"] = UintJson(r.walked.old_overflow_buckets);
  } else {
    walked["dir_entries"] = UintJson(r.walked.dir_entries);
    walked["tables"] = UintJson(r.walked.tables);
    walked["groups"] = UintJson(r.walked.groups);
  }
  ojson diags = ojson::array();
  for (const Diagnostic &d : r.diags.items())
    diags.push_back(DiagnosticJson(d));
  ojson pointers = r.pointers.ran ? PointerCheckJson(r.pointers) : ojson(nullptr);
  return ojson{{"address", HexAddr(r.header.address)},
               {"type", map_type ? map_type->name : std::string()},
               {"impl", std::string(ImplName(layout.impl))},
               {"go_version", layout.version.raw},
               {"layout_source", std::string(SourceName(layout.source))},
               {"len", UintJson(r.header.len)},
               {"walked", walked},
               {"truncated", r.truncated},
               {"pointers", pointers},
               {"ok", !r.diags.HasErrors()},
               {"diagnostics", diags},
               {"dropped_diagnostics", UintJson(r.diags.dropped())}};
}

std::string CheckText(const CheckReport &r, const MapLayout &layout, const Type *map_type) {
  std::ostringstream os;
  os << TypeName(map_type) << " at " << HexAddr(r.header.address) << " (" << ImplName(layout.impl)
     << ", " << r.walked.entries << " entries walked" << (r.truncated ? ", truncated" : "")
     << "): ";
  const Tally t = Count(r.diags);
  if (t.errors + t.warnings + t.infos == 0) {
    os << "OK";
  } else {
    std::string sep;
    if (t.errors)
      os << Plural(t.errors, "error"), sep = ", ";
    if (t.warnings)
      os << sep << Plural(t.warnings, "warning"), sep = ", ";
    if (t.infos)
      os << sep << t.infos << " info";
  }
  os << "\n";
  for (const Diagnostic &d : r.diags.items())
    os << "  " << SeverityName(d.severity) << " " << CodeName(d.code) << ": " << d.message << "\n";
  if (r.pointers.ran)
    os << PointerCheckText(r.pointers);
  if (r.diags.dropped())
    os << "  (" << r.diags.dropped() << " more diagnostics)\n";
  return os.str();
}

} // namespace gomap
