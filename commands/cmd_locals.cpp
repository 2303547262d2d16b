// `gomap locals [-g ID] [-f K]`: every variable of one goroutine frame that
// holds a map — itself, or through struct fields and pointers a few levels
// down (c.byID) — with its length, or why it is unavailable (optimized out,
// nil pointer on the way, unreadable).
#include <sstream>

#include "commands/command_support.h"
#include "commands/frames.h"
#include "commands/selection.h"
#include "core/value.h"

namespace gomap::commands {

namespace {

constexpr int kMaxDepth = 3;      // struct/pointer steps below a variable
constexpr size_t kMaxPaths = 256; // map paths listed per frame

// Paths below `path` (of type t) whose type is a map, by the static types.
void MapPaths(const std::string &path, const Type *t, int depth,
              std::vector<std::pair<std::string, const Type *>> *out) {
  if (!t || out->size() >= kMaxPaths)
    return;
  if (t->kind == Kind::Map) {
    out->emplace_back(path, t);
    return;
  }
  if (depth >= kMaxDepth)
    return;
  if (t->kind == Kind::Pointer)
    MapPaths(path, t->elem, depth + 1, out);
  else if (t->kind == Kind::Struct)
    for (const auto &f : t->fields)
      MapPaths(path + "." + f.name, f.type, depth + 1, out);
}

class LocalsCommand : public Subcommand {
public:
  LocalsCommand() : Subcommand("locals", {kJson, kGoroutine, kFrame}, 0, 0) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    Context ctx;
    std::vector<Goroutine> gs;
    if (!MakeGoroutineContext(host, &ctx, &gs, error))
      return false;
    GoTarget &gt = *ctx.gt;
    FrameChoice fc;
    if (!ChooseFrame(gs, *ctx.host, args, true, &fc, error))
      return false;
    const Goroutine *g = fc.g;
    size_t k = fc.frame;
    FrameScope scope = MakeScope(gt, *ctx.host, *g, k);
    Json vars = Json::array();
    std::ostringstream os;
    os << DescribeFrame(*g, k, *ctx.host) << "\n";
    size_t shown = 0;
    for (const auto &v : scope.vars) {
      bool by_ref = v.name[0] == '&';
      std::string name = by_ref ? v.name.substr(1) : v.name;
      const Type *t = by_ref && v.type && v.type->kind == Kind::Pointer ? v.type->elem : v.type;
      std::vector<std::pair<std::string, const Type *>> paths;
      MapPaths(name, t, 0, &paths);
      for (const auto &[path, mt] : paths) {
        ++shown;
        Json j = Json::object();
        j["name"] = path;
        j["type"] = mt->name;
        j["kind"] = v.param ? "param" : "local";
        MapRef ref;
        std::string err;
        const MapLayout *layout = nullptr;
        MapHeader h;
        DiagnosticSink sink;
        bool ok = ResolveMap(gt, path, "", &scope, &ref, &err) &&
                  (layout = gt.LayoutFor(ref.type, &err)) != nullptr &&
                  ReadHeader(gt.memory(), *layout, ref.header, &h, sink);
        os << "  " << path << " (" << mt->name << ", " << (v.param ? "param" : "local") << ") ";
        if (ok) {
          j["address"] = HexAddr(ref.header);
          j["len"] = h.len;
          j["error"] = nullptr;
          os << HexAddr(ref.header) << " len=" << h.len << "\n";
        } else {
          if (err.empty())
            err = "cannot read its header";
          j["address"] = nullptr;
          j["len"] = nullptr;
          j["error"] = err;
          os << "unavailable: " << err << "\n";
        }
        vars.push_back(j);
      }
    }
    if (shown == 0)
      os << "  (no variables holding maps"
         << (g->frames[k].inlined ? "; variables of inlined calls are not read yet" : "") << ")\n";
    if (args.Has("json")) {
      Json doc{{"schema", "gomap/1"},
               {"locals",
                {{"goroutine", g->id},
                 {"frame", k},
                 {"function", scope.function},
                 {"variables", vars}}}};
      PrintJson(result, doc);
    } else {
      result.AppendMessage(os.str().c_str());
    }
    result.SetFindings(false);
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewLocalsCommand() { return std::make_unique<LocalsCommand>(); }

} // namespace gomap::commands
