// `gomap locals [-g ID] [-f K]`: the map-typed parameters and locals of one
// goroutine frame, with their length or why they are unavailable.
#include <sstream>

#include "core/value.h"
#include "plugin/command_support.h"
#include "plugin/frames.h"

namespace gomap::plugin {

namespace {

class LocalsCommand : public Subcommand {
public:
  LocalsCommand() : Subcommand("locals", {kJson, kGoroutine, kFrame}, 0, 0) {}

protected:
  bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
           lldb::SBCommandReturnObject &result, std::string *error) override {
    Context ctx;
    std::vector<Goroutine> gs;
    if (!MakeGoroutineContext(dbg, &ctx, &gs, error))
      return false;
    GoTarget &gt = *ctx.gt;
    const Goroutine *g = PickGoroutine(gs, ctx, args, false, error);
    if (!g)
      return false;
    uint64_t k = g->user_frame >= 0 ? uint64_t(g->user_frame) : 0;
    if (!UintOption(args, "frame", &k, error))
      return false;
    if (k >= g->frames.size()) {
      *error = "goroutine " + std::to_string(g->id) + " has " +
               std::to_string(g->frames.size()) + " frames; frame " + std::to_string(k) +
               " is out of range";
      return false;
    }
    FrameScope scope = MakeScope(gt, ctx.process, *g, k);
    Json vars = Json::array();
    std::ostringstream os;
    os << "goroutine " << g->id << ", frame " << k << " (" << scope.function << "):\n";
    size_t shown = 0;
    for (const auto &v : scope.vars) {
      std::string name = v.name[0] == '&' ? v.name.substr(1) : v.name;
      const Type *t = v.type && v.name[0] == '&' && v.type->kind == Kind::Pointer
                          ? v.type->elem
                          : v.type;
      if (!t || t->kind != Kind::Map)
        continue;
      ++shown;
      Json j = Json::object();
      j["name"] = name;
      j["type"] = t->name;
      j["kind"] = v.param ? "param" : "local";
      MapRef ref;
      std::string err;
      const MapLayout *layout = nullptr;
      MapHeader h;
      DiagnosticSink sink;
      bool ok = ResolveMap(gt, name, "", &scope, &ref, &err) &&
                (layout = gt.LayoutFor(ref.type, &err)) != nullptr &&
                ReadHeader(gt.memory(), *layout, ref.header, &h, sink);
      if (ok) {
        j["address"] = HexAddr(ref.header);
        j["len"] = h.len;
        j["error"] = nullptr;
        os << "  " << name << " (" << t->name << ", " << (v.param ? "param" : "local")
           << ") " << HexAddr(ref.header) << " len=" << h.len << "\n";
      } else {
        if (err.empty())
          err = "cannot read its header";
        j["address"] = nullptr;
        j["len"] = nullptr;
        j["error"] = err;
        os << "  " << name << " (" << t->name << ", " << (v.param ? "param" : "local")
           << ") " << err << "\n";
      }
      vars.push_back(j);
    }
    if (shown == 0)
      os << "  (no map variables" << (g->frames[k].inlined ? "; variables of inlined calls are not read yet" : "") << ")\n";
    if (args.Has("json")) {
      Json doc{{"schema", "gomap/1"},
               {"locals",
                {{"goroutine", g->id}, {"frame", k}, {"function", scope.function},
                 {"variables", vars}}}};
      PrintJson(result, doc);
    } else {
      result.AppendMessage(os.str().c_str());
    }
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewLocalsCommand() { return std::make_unique<LocalsCommand>(); }

} // namespace gomap::plugin
