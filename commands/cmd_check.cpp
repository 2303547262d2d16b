// `gomap check`: integrity checks on one map (header, structure, every entry)
// and its iterators on the goroutine stacks, as diagnostics.
#include "commands/command_support.h"
#include "commands/triage_host.h"
#include "core/check.h"
#include "core/value.h"

namespace gomap::commands {

namespace {

std::string IteratorWhere(const MapIterator &it) {
  std::string s = "iterator at " + HexAddr(it.address);
  if (it.goroutine >= 0) {
    s += " (goroutine " + std::to_string(it.goroutine);
    if (it.frame >= 0)
      s += " frame " + std::to_string(it.frame) + " " + it.function;
    s += ")";
  }
  return s;
}

class CheckCommand : public Subcommand {
public:
  CheckCommand()
      : Subcommand(
            "check",
            {kJson,
             kType,
             kBuiltin,
             kGoroutine,
             kFrame,
             {"no-iterators", 0, false, "do not scan goroutine stacks for iterators over the map"},
             {"no-heap", 0, false, "do not classify the map's pointers against the Go heap"},
             kTimeLimit},
            1, 1) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    // A header that fails its invariants is a finding here, not a refusal.
    MapTarget mt;
    if (!ResolveMapRef(host, args, &mt, error))
      return false;
    GoTarget &gt = *mt.ctx.gt;
    // Every storage pointer classified against the heap's own records.
    std::unique_ptr<heap::Mheap> heap;
    if (!args.Has("no-heap"))
      heap = MakeHeap(mt.ctx, args.Has("builtin-layout"));
    std::unique_ptr<WorkStop> stop = MakeWorkStop(host, args, error);
    if (!stop)
      return false;
    Limits limits;
    limits.stop = stop.get();
    CheckReport r = CheckMap(gt.memory(), *mt.layout, mt.ref.header, limits, heap.get());
    r.header.address = mt.ref.header;

    // Iterators over this map (range loops, reflect.MapIter) on the stacks:
    // their findings (dangling-iterator, corrupt positions) belong to it.
    Json iters = Json::array();
    std::string scan_error;
    const bool scan = !args.Has("no-iterators") && r.header_ok && mt.ref.header != 0;
    if (scan && stop->tripped()) {
      scan_error = stop->Reason(); // the walk above already used the time
    } else if (scan) {
      std::vector<MapIterator> found;
      std::string stopped;
      if (IteratorsOfMap(host, args.Has("builtin-layout"), mt.ref.header, stop.get(), &found,
                         &stopped, &scan_error)) {
        if (!stopped.empty())
          r.diags.Add(DiagCode::Truncated, Severity::Warning, "iterator scan " + stopped,
                      mt.ref.header);
        for (const MapIterator &it : found) {
          const std::string where = IteratorWhere(it);
          DiagnosticSink prefixed;
          for (const Diagnostic &d : it.report.diags.items())
            prefixed.Add(d.code, d.severity, where + ": " + d.message, d.address);
          MergeDiagnostics(r.diags, prefixed);
          if (heap)
            CheckIterPointers(*heap, *mt.layout, it.report, where, &r);
          iters.push_back(
              Json{{"address", HexAddr(it.address)},
                   {"goroutine", it.goroutine >= 0 ? Json(it.goroutine) : Json(nullptr)},
                   {"frame", it.frame >= 0 ? Json(it.frame) : Json(nullptr)},
                   {"function", it.function},
                   {"relation", it.report.relation},
                   {"finished", it.report.finished}});
        }
      }
    }

    std::optional<ReachPath> name = NameByAddress(host, mt);
    if (args.Has("json")) {
      Json j = CheckJson(r, *mt.layout, mt.ref.type);
      Json out = Json::object();
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "ok") {
          out["iterators"] = scan && scan_error.empty() ? iters : Json(nullptr);
          if (!scan_error.empty())
            out["iterator_scan_error"] = scan_error;
        }
        out[it.key()] = *it;
      }
      Json doc{{"schema", "gomap/1"}, {"check", out}};
      if (name)
        doc["name"] = MapNameJson(*name);
      PrintJson(result, doc);
    } else {
      std::string text = CheckText(r, *mt.layout, mt.ref.type);
      if (name) { // after the verdict line
        size_t nl = text.find('\n');
        std::string line = "  path: " + MapNameLine(*name, mt);
        if (nl == std::string::npos)
          text += "\n" + line;
        else
          text.insert(nl + 1, line + "\n");
      }
      if (!iters.empty())
        text += "  " + std::to_string(iters.size()) + " iterator" + (iters.size() == 1 ? "" : "s") +
                " over this map on goroutine stacks\n";
      if (!scan_error.empty())
        text += "  (iterators not scanned: " + scan_error + ")\n";
      result.AppendMessage(text.c_str());
    }
    SetFindingsStatus(result, r.diags.HasErrors());
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewCheckCommand() { return std::make_unique<CheckCommand>(); }

} // namespace gomap::commands
