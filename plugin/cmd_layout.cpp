// `gomap layout`: a map's physical structure (buckets and evacuation, or the
// directory, tables and groups), as strips and summary lines or JSON.
#include "core/layout.h"
#include "plugin/command_support.h"

namespace gomap::plugin {

namespace {

class LayoutCommand : public Subcommand {
public:
  LayoutCommand()
      : Subcommand("layout",
                   {kJson, kType,
                    {"limit", 'n', true,
                     "buckets / groups to draw and list (default 256)"},
                    {"all", 'a', false, "draw and list every bucket / group"},
                    kBuiltin, kGoroutine, kFrame},
                   1, 1) {}

protected:
  bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
           lldb::SBCommandReturnObject &result, std::string *error) override {
    LayoutView view;
    if (!UintOption(args, "limit", &view.max_listed, error))
      return false;
    if (args.Has("all"))
      view.max_listed = UINT64_MAX;
    MapTarget mt;
    if (!ResolveMapTarget(dbg, args, &mt, error))
      return false;
    MapLayoutReport r =
        WalkLayout(mt.ctx.gt->memory(), *mt.layout, mt.ref.header, Limits{});
    if (args.Has("json")) {
      Json doc{{"schema", "gomap/1"},
               {"layout", LayoutJson(r, *mt.layout, mt.ref.type, view)}};
      PrintJson(result, doc);
    } else {
      result.AppendMessage(LayoutText(r, *mt.layout, mt.ref.type, view).c_str());
    }
    SetFindingsStatus(result, r.diags.HasErrors());
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewLayoutCommand() { return std::make_unique<LayoutCommand>(); }

} // namespace gomap::plugin
