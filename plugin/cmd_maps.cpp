// `gomap show` and `gomap header`: a map's entries, and its header fields.
#include "core/header_report.h"
#include "core/map_state.h"
#include "core/syncmap.h"
#include "core/value.h"
#include "plugin/command_support.h"
#include "plugin/formatters.h"

namespace gomap::plugin {

namespace {

// EXPR resolved to a sync.Map, decoded.
struct SyncTarget {
  Context ctx;
  uint64_t address = 0;
  std::optional<SyncMapLayout> layout;
};

// true when EXPR names a sync.Map (then *ok says whether it could be decoded).
bool TrySyncMap(lldb::SBDebugger dbg, const ParsedArgs &args, SyncTarget *st, bool *ok,
                std::string *error) {
  *ok = false;
  if (!MakeContext(dbg, &st->ctx, error)) {
    error->clear(); // the map path reports it
    return false;
  }
  const Type *t = nullptr;
  bool matched = false;
  if (!ResolveSyncMap(*st->ctx.gt, args.positional[0], args.Get("type"), &st->address, &t,
                      &matched, error))
    return matched;
  std::string why;
  st->layout = st->ctx.gt->SyncLayoutFor(t, &why);
  if (!st->layout) {
    *error = "cannot decode sync.Map: " + why;
    return true;
  }
  *ok = true;
  return true;
}

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
    SyncTarget st;
    bool ok = false;
    if (TrySyncMap(dbg, args, &st, &ok, error)) {
      if (!ok)
        return false;
      GoTarget &gt = *st.ctx.gt;
      SyncMapReport r = DecodeSyncMap(gt.memory(), *st.layout, st.address, req.limits);
      ValueRenderer renderer(gt.memory(), &gt, &gt);
      std::unique_ptr<ValueFormatter> formatters = UserFormatters();
      renderer.set_formatter(formatters.get());
      if (args.Has("json")) {
        Json m = SyncMapShowJson(r, *st.layout, req, renderer);
        PrintJson(result, Json{{"schema", "gomap/1"}, {"map", m}});
        SetFindingsStatus(result, HasErrorDiagnostics(m["diagnostics"]));
      } else {
        result.AppendMessage(SyncMapShowText(r, *st.layout, req, renderer).c_str());
        SetFindingsStatus(result, r.diags.HasErrors());
      }
      return true;
    }
    MapTarget mt;
    if (!ResolveMapTarget(dbg, args, &mt, error))
      return false;
    GoTarget &gt = *mt.ctx.gt;
    ValueRenderer renderer(gt.memory(), &gt, &gt);
    std::unique_ptr<ValueFormatter> formatters = UserFormatters();
    renderer.set_formatter(formatters.get());
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
    SyncTarget st;
    bool ok = false;
    if (TrySyncMap(dbg, args, &st, &ok, error)) {
      if (!ok)
        return false;
      GoTarget &gt = *st.ctx.gt;
      SyncMapReport r = DecodeSyncMap(gt.memory(), *st.layout, st.address, Limits{});
      if (args.Has("json"))
        PrintJson(result, Json{{"schema", "gomap/1"},
                               {"header", SyncMapHeaderJson(r, *st.layout, gt.version())}});
      else
        result.AppendMessage(SyncMapHeaderText(r, *st.layout, gt.version()).c_str());
      SetFindingsStatus(result, r.diags.HasErrors());
      return true;
    }
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
