// `gomap layout`: a map's physical structure (buckets and evacuation, or the
// directory, tables and groups), as strips and summary lines or JSON.
#include "commands/command_support.h"
#include "core/check.h"
#include "core/layout.h"

namespace gomap::commands {

namespace {

class LayoutCommand : public Subcommand {
public:
  LayoutCommand()
      : Subcommand(
            "layout",
            {kJson,
             kType,
             {"limit", 'n', true, "buckets / groups to draw and list (default 256)"},
             {"all", 'a', false, "draw and list every bucket / group"},
             kBuiltin,
             kGoroutine,
             kFrame,
             {"no-heap", 0, false, "do not mark the storage pointers from the Go heap's records"},
             kTimeLimit},
            1, 1) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    LayoutView view;
    if (!UintOption(args, "limit", &view.max_listed, error))
      return false;
    if (args.Has("all"))
      view.max_listed = UINT64_MAX;
    MapTarget mt;
    if (!ResolveMapTarget(host, args, &mt, error))
      return false;
    std::unique_ptr<WorkStop> stop = MakeWorkStop(host, args, error);
    if (!stop)
      return false;
    Limits limits;
    limits.stop = stop.get();
    MapLayoutReport r = WalkLayout(mt.ctx.gt->memory(), *mt.layout, mt.ref.header, limits);
    // Heap marks: what each storage pointer is (current, old, freed, ...).
    PointerCheck marks;
    if (!args.Has("no-heap")) {
      std::unique_ptr<heap::Mheap> heap = MakeHeap(mt.ctx, args.Has("builtin-layout"));
      marks = ClassifyLayoutPointers(*heap, r);
    }
    if (args.Has("json")) {
      Json layout = LayoutJson(r, *mt.layout, mt.ref.type, view);
      layout["pointers"] = marks.ran ? PointerCheckJson(marks) : Json(nullptr);
      PrintJson(result, Json{{"schema", "gomap/1"}, {"layout", layout}});
    } else {
      std::string text = LayoutText(r, *mt.layout, mt.ref.type, view);
      if (marks.ran) {
        text += PointerCheckText(marks);
        const size_t shown = std::min<size_t>(marks.findings.size(), 100);
        for (size_t i = 0; i < shown; ++i) {
          const auto &f = marks.findings[i];
          text += "  heap: " + f.where + " " + HexAddr(f.address) + ": " + f.verdict + " (" +
                  f.evidence + ")\n";
        }
        if (shown < marks.findings.size())
          text += "  (" + std::to_string(marks.findings.size() - shown) +
                  " more heap findings; --json lists 100)\n";
      }
      result.AppendMessage(text.c_str());
    }
    SetFindingsStatus(result, r.diags.HasErrors());
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewLayoutCommand() { return std::make_unique<LayoutCommand>(); }

} // namespace gomap::commands
