// `gomap check`: the structure walk and the entry walk over one map, their
// diagnostics merged, and the report's rendering (gomap/1 JSON and text).
#include "check.h"

#include <sstream>

#include "header_report.h"
#include "value.h"

namespace gomap {

using ojson = nlohmann::ordered_json;

void MergeDiagnostics(DiagnosticSink &into, const DiagnosticSink &from) {
  for (const Diagnostic &d : from.items()) {
    bool dup = false;
    for (const Diagnostic &e : into.items())
      if (e.code == d.code && e.severity == d.severity &&
          e.address == d.address && e.message == d.message) {
        dup = true;
        break;
      }
    if (!dup)
      into.Add(d.code, d.severity, d.message, d.address);
  }
}

CheckReport CheckMap(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                     const Limits &limits) {
  CheckReport r(limits.max_diagnostics);
  // The structure: header invariants, every bucket / group and chain.
  MapLayoutReport lr = WalkLayout(mem, layout, addr, limits);
  r.header = lr.header;
  r.header_ok = lr.header_ok;
  r.truncated = lr.truncated;
  MergeDiagnostics(r.diags, lr.diags);
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
  // found. The cursor stops itself at the same limits.
  std::unique_ptr<EntryCursor> cur = OpenEntries(mem, layout, addr, limits);
  MapEntry e;
  while (cur->Next(&e)) {
  }
  r.walked.entries = cur->yielded();
  r.truncated |= cur->truncated();
  MergeDiagnostics(r.diags, cur->diagnostics());
  return r;
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

ojson CheckJson(const CheckReport &r, const MapLayout &layout,
                const Type *map_type) {
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
  return ojson{{"address", HexAddr(r.header.address)},
               {"type", map_type ? map_type->name : std::string()},
               {"impl", std::string(ImplName(layout.impl))},
               {"go_version", layout.version.raw},
               {"layout_source", std::string(SourceName(layout.source))},
               {"len", UintJson(r.header.len)},
               {"walked", walked},
               {"truncated", r.truncated},
               {"ok", !r.diags.HasErrors()},
               {"diagnostics", diags},
               {"dropped_diagnostics", UintJson(r.diags.dropped())}};
}

std::string CheckText(const CheckReport &r, const MapLayout &layout,
                      const Type *map_type) {
  std::ostringstream os;
  os << TypeName(map_type) << " at " << HexAddr(r.header.address) << " ("
     << ImplName(layout.impl) << ", " << r.walked.entries << " entries walked"
     << (r.truncated ? ", truncated" : "") << "): ";
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
    os << "  " << SeverityName(d.severity) << " " << CodeName(d.code) << ": "
       << d.message << "\n";
  if (r.diags.dropped())
    os << "  (" << r.diags.dropped() << " more diagnostics)\n";
  return os.str();
}

} // namespace gomap
