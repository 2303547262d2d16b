// `gomap version`: plugin, debugger and target versions, map implementation.
#include "commands/command_support.h"

#ifndef GOMAP_VERSION
#define GOMAP_VERSION "0.0.0"
#endif

namespace gomap::commands {

namespace {

class VersionCommand : public Subcommand {
public:
  VersionCommand() : Subcommand("version", {kJson}, 0, 0) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    Json v{{"plugin", GOMAP_VERSION}, {"debugger", host.Version()}};
    std::string why, path, no_target;
    Context ctx;
    if (host.Executable(&path, &no_target) &&
        MakeContext(host, &ctx, &why, /*needs_names=*/false)) {
      GoDwarf &d = ctx.gt->dwarf();
      v["go_version"] = ctx.gt->version().raw;
      v["go_version_source"] = ctx.gt->version_source();
      v["debug_info"] = ctx.gt->HasNames();
      // Structural, as Delve does: which runtime map header type the binary
      // has; without DWARF, what the release and its experiments default to.
      std::string unused;
      if (d.TypeByName("internal/runtime/maps.Map"))
        v["impl"] = "swiss";
      else if (d.TypeByName("runtime.hmap"))
        v["impl"] = "classic";
      else if (auto impl =
                   ctx.gt->HasNames() ? std::nullopt : DefaultImpl(ctx.gt->version(), &unused))
        v["impl"] = std::string(ImplName(*impl));
      else
        v["impl"] = nullptr;
      if (!ctx.gt->HasNames())
        v["target_error"] = ctx.gt->NoNamesError();
    } else {
      v["go_version"] = nullptr;
      v["impl"] = nullptr;
      if (!why.empty())
        v["target_error"] = why;
    }
    if (args.Has("json")) {
      PrintJson(result, Json{{"schema", "gomap/1"}, {"version", v}});
    } else {
      std::string text = "gomap-inspector " + std::string(GOMAP_VERSION) + "\n" +
                         "debugger: " + v["debugger"].get<std::string>() + "\n";
      if (v["go_version"].is_string())
        text += "target: " + v["go_version"].get<std::string>() + " (" +
                v["go_version_source"].get<std::string>() + "), map implementation: " +
                (v["impl"].is_string() ? v["impl"].get<std::string>() : "unknown") + "\n" +
                (v.contains("target_error") ? v["target_error"].get<std::string>() + "\n" : "");
      else
        text += "target: " + (why.empty() ? std::string("none") : why) + "\n";
      result.AppendMessage(text.c_str());
    }
    result.SetFindings(false);
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewVersionCommand() { return std::make_unique<VersionCommand>(); }

} // namespace gomap::commands
