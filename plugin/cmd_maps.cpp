// `gomap show` and `gomap header`: a map's entries, and its header fields.
#include "core/header_report.h"
#include "core/map_state.h"
#include "core/value.h"
#include "plugin/command_support.h"

namespace gomap::plugin {

namespace {

class ShowCommand : public Subcommand {
public:
  ShowCommand()
      : Subcommand("show",
                   {kJson, kType,
                    {"limit", 'n', true, "entries to show (default 64)"},
                    {"offset", 0, true, "entries to skip first"},
                    {"all", 'a', false, "show every entry"},
                    kBuiltin, kGoroutine, kFrame},
                   1, 1) {}

protected:
  bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
           lldb::SBCommandReturnObject &result, std::string *error) override {
    ShowRequest req;
    if (!UintOption(args, "limit", &req.limit, error) ||
        !UintOption(args, "offset", &req.offset, error))
      return false;
    if (args.Has("all"))
      req.limit = UINT64_MAX;
    MapTarget mt;
    if (!ResolveMapTarget(dbg, args, &mt, error))
      return false;
    GoTarget &gt = *mt.ctx.gt;
    ValueRenderer renderer(gt.memory(), &gt, &gt);
    if (args.Has("json")) {
      Json m = ShowMapJsonOrdered(gt.memory(), *mt.layout, mt.ref.type, mt.ref.header,
                                  req, renderer);
      PrintJson(result, Json{{"schema", "gomap/1"}, {"map", m}});
      SetFindingsStatus(result, HasErrorDiagnostics(m["diagnostics"]));
    } else {
      std::string text = ShowMapText(gt.memory(), *mt.layout, mt.ref.type,
                                     mt.ref.header, req, renderer);
      result.AppendMessage(text.c_str());
      SetFindingsStatus(result, text.find("error[") != std::string::npos);
    }
    return true;
  }
};

class HeaderCommand : public Subcommand {
public:
  HeaderCommand() : Subcommand("header", {kJson, kType, kBuiltin, kGoroutine, kFrame}, 1, 1) {}

protected:
  bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
           lldb::SBCommandReturnObject &result, std::string *error) override {
    MapTarget mt;
    if (!ResolveMapTarget(dbg, args, &mt, error))
      return false;
    DiagnosticSink &sink = mt.header_diags;
    const HeaderExtras extras =
        DescribeMap(mt.ctx.gt->memory(), *mt.layout, mt.header, Limits{}, sink);
    if (args.Has("json")) {
      Json doc{{"schema", "gomap/1"},
               {"header", HeaderJson(mt.header, *mt.layout, mt.ref.type, sink, &extras)}};
      PrintJson(result, doc);
    } else {
      result.AppendMessage(
          HeaderText(mt.header, *mt.layout, mt.ref.type, sink, &extras).c_str());
    }
    SetFindingsStatus(result, sink.HasErrors());
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewShowCommand() { return std::make_unique<ShowCommand>(); }
std::unique_ptr<Subcommand> NewHeaderCommand() { return std::make_unique<HeaderCommand>(); }

} // namespace gomap::plugin
