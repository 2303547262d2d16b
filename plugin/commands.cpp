// `gomap` subcommands for LLDB: version, show, header. Each command is a thin
// adapter: resolve EXPR, pick the layout, call the core, print text or JSON.
#include "plugin/commands.h"

#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/header_report.h"
#include "core/map.h"
#include "core/value.h"
#include "lldb/API/SBCommandInterpreter.h"
#include "lldb/API/SBCommandReturnObject.h"
#include "lldb/API/SBProcess.h"
#include "lldb/API/SBTarget.h"
#include "lldb/API/SBUnixSignals.h"
#include "plugin/args.h"
#include "plugin/expr.h"
#include "plugin/go_target.h"

#ifndef GOMAP_VERSION
#define GOMAP_VERSION "0.0.0"
#endif

namespace gomap::plugin {

namespace {

using Json = nlohmann::ordered_json;

const OptionSpec kJson{"json", 0, false, "print one JSON document (schema gomap/1)"};
const OptionSpec kType{"type", 't', true, "Go map type of an 0xADDR expression, e.g. 'map[string]int'"};
const OptionSpec kBuiltin{"builtin-layout", 0, false,
                          "use the built-in layout tables instead of the binary's DWARF"};
const OptionSpec kGoroutine{"goroutine", 'g', true, "goroutine id (not implemented yet)"};
const OptionSpec kFrame{"frame", 'f', true, "frame index (not implemented yet)"};

// Everything a command needs about the selected target, or an error.
struct Context {
  GoTarget *gt = nullptr;
  lldb::SBTarget target;
  lldb::SBProcess process;
};

// Go's runtime preempts goroutines with SIGURG: let it through silently.
void QuietSigurg(lldb::SBProcess process) {
  if (!process.IsValid())
    return;
  lldb::SBUnixSignals sigs = process.GetUnixSignals();
  int32_t sig = sigs.GetSignalNumberFromName("SIGURG");
  if (sig <= 0)
    return;
  sigs.SetShouldStop(sig, false);
  sigs.SetShouldNotify(sig, false);
  sigs.SetShouldSuppress(sig, false);
}

bool MakeContext(lldb::SBDebugger dbg, Context *ctx, std::string *error) {
  ctx->target = dbg.GetSelectedTarget();
  ctx->gt = GoTarget::Get(ctx->target, error);
  if (!ctx->gt)
    return false;
  ctx->process = ctx->target.GetProcess();
  if (!ctx->gt->Attach(ctx->process, error))
    return false;
  QuietSigurg(ctx->process);
  return true;
}

std::vector<std::string> Argv(char **command) {
  std::vector<std::string> out;
  for (char **p = command; p && *p; ++p)
    out.emplace_back(*p);
  return out;
}

void PrintJson(lldb::SBCommandReturnObject &result, const Json &doc) {
  result.AppendMessage(doc.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
}

// Reads a numeric option if present; false with *error when malformed.
bool UintOption(const ParsedArgs &args, const char *name, uint64_t *out, std::string *error) {
  if (!args.Has(name))
    return true;
  auto n = ParseUint(args.Get(name));
  if (!n) {
    *error = std::string("--") + name + " takes a number";
    return false;
  }
  *out = *n;
  return true;
}

// Success, or "success with error-level findings" (the CLI exits 1 on those).
void SetFindingsStatus(lldb::SBCommandReturnObject &result, bool has_errors) {
  result.SetStatus(has_errors ? lldb::eReturnStatusSuccessContinuingResult
                              : lldb::eReturnStatusSuccessFinishResult);
}

bool HasErrorDiagnostics(const Json &diags) {
  if (!diags.is_array())
    return false;
  for (const auto &d : diags)
    if (d.value("severity", "") == "error")
      return true;
  return false;
}

// Base for subcommands: option parsing, the catch-all boundary, help.
class Subcommand : public lldb::SBCommandPluginInterface {
public:
  Subcommand(std::string name, std::vector<OptionSpec> options, size_t min_args,
             size_t max_args)
      : name_(std::move(name)), options_(std::move(options)), min_args_(min_args),
        max_args_(max_args) {}

  bool DoExecute(lldb::SBDebugger dbg, char **command,
                 lldb::SBCommandReturnObject &result) override {
    // One catch-all at the boundary: never let anything escape into LLDB.
    try {
      ParsedArgs args;
      std::string error;
      if (!ParseArgs(Argv(command), options_, &args, &error) ||
          !CheckArity(args, &error)) {
        result.SetError(("gomap " + name_ + ": " + error).c_str());
        return false;
      }
      if (args.Has("goroutine") || args.Has("frame")) {
        result.SetError(("gomap " + name_ +
                         ": goroutine/frame selection (-g/-f) is not implemented yet; "
                         "name a package-level variable or an address")
                            .c_str());
        return false;
      }
      if (!Run(dbg, args, result, &error)) {
        result.SetError(("gomap " + name_ + ": " + error).c_str());
        return false;
      }
      return true;
    } catch (const std::exception &e) {
      result.SetError(("gomap " + name_ + ": internal error: " + e.what()).c_str());
    } catch (...) {
      result.SetError(("gomap " + name_ + ": internal error").c_str());
    }
    return false;
  }

  const std::vector<OptionSpec> &options() const { return options_; }

protected:
  virtual bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
                   lldb::SBCommandReturnObject &result, std::string *error) = 0;

private:
  bool CheckArity(const ParsedArgs &args, std::string *error) const {
    if (args.positional.size() < min_args_) {
      *error = "missing EXPR (a variable such as main.cache, or 0xADDR --type 'map[K]V')";
      return false;
    }
    if (args.positional.size() > max_args_) {
      *error = "unexpected argument '" + args.positional[max_args_] + "'";
      return false;
    }
    return true;
  }

  std::string name_;
  std::vector<OptionSpec> options_;
  size_t min_args_, max_args_;
};

// Resolves EXPR to a map and its layout, and checks the header is a map.
struct MapTarget {
  Context ctx;
  MapRef ref;
  const MapLayout *layout = nullptr;
  MapHeader header;
  DiagnosticSink header_diags;
};

bool CheckHeader(MapTarget &mt, std::string *error);

bool ResolveMapTarget(lldb::SBDebugger dbg, const ParsedArgs &args, MapTarget *mt,
                      std::string *error) {
  if (!MakeContext(dbg, &mt->ctx, error))
    return false;
  if (!ResolveMap(*mt->ctx.gt, args.positional[0], args.Get("type"), &mt->ref, error))
    return false;
  std::string why;
  mt->layout = mt->ctx.gt->LayoutFor(mt->ref.type, &why, args.Has("builtin-layout"));
  if (!mt->layout) {
    *error = "no layout for " + mt->ref.type->name + ": " + why;
    return false;
  }
  return CheckHeader(*mt, error);
}

// A header that cannot be read, or fails an invariant, means EXPR is not a
// usable map: say so in one line rather than print garbage.
bool CheckHeader(MapTarget &mt, std::string *error) {
  DiagnosticSink *sink = &mt.header_diags;
  bool ok = ReadHeader(mt.ctx.gt->memory(), *mt.layout, mt.ref.header, &mt.header, *sink);
  if (!ok) {
    *error = "cannot read a " + mt.ref.type->name + " header at " + HexAddr(mt.ref.header);
    for (const auto &d : sink->items())
      if (d.severity == Severity::Error) {
        *error += ": " + d.message;
        break;
      }
    return false;
  }
  for (const auto &d : sink->items())
    if (d.severity == Severity::Error && (d.code == DiagCode::Implausible ||
                                          d.code == DiagCode::Unreadable)) {
      *error = HexAddr(mt.ref.header) + " does not hold a valid " + mt.ref.type->name +
               " header: " + d.message;
      return false;
    }
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
    const DiagnosticSink &sink = mt.header_diags;
    if (args.Has("json")) {
      Json doc{{"schema", "gomap/1"},
               {"header", HeaderJson(mt.header, *mt.layout, mt.ref.type, sink)}};
      PrintJson(result, doc);
    } else {
      result.AppendMessage(HeaderText(mt.header, *mt.layout, mt.ref.type, sink).c_str());
    }
    SetFindingsStatus(result, sink.HasErrors());
    return true;
  }
};

class VersionCommand : public Subcommand {
public:
  VersionCommand() : Subcommand("version", {kJson}, 0, 0) {}

protected:
  bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
           lldb::SBCommandReturnObject &result, std::string *error) override {
    Json v{{"plugin", GOMAP_VERSION}, {"debugger", lldb::SBDebugger::GetVersionString()}};
    std::string why;
    Context ctx;
    if (dbg.GetSelectedTarget().IsValid() && MakeContext(dbg, &ctx, &why)) {
      GoDwarf &d = ctx.gt->dwarf();
      v["go_version"] = ctx.gt->version().raw;
      v["go_version_source"] = ctx.gt->version_source();
      // Structural, as Delve does: which runtime map header type the binary has.
      if (d.TypeByName("internal/runtime/maps.Map"))
        v["impl"] = "swiss";
      else if (d.TypeByName("runtime.hmap"))
        v["impl"] = "classic";
      else
        v["impl"] = nullptr;
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
                (v["impl"].is_string() ? v["impl"].get<std::string>() : "unknown") + "\n";
      else
        text += "target: " + (why.empty() ? std::string("none") : why) + "\n";
      result.AppendMessage(text.c_str());
    }
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  }
};

struct Registration {
  const char *name;
  Subcommand *impl;
  const char *help;
  const char *syntax;
};

} // namespace

bool RegisterCommands(lldb::SBDebugger debugger) {
  lldb::SBCommandInterpreter interp = debugger.GetCommandInterpreter();
  lldb::SBCommand root = interp.AddMultiwordCommand(
      "gomap", "Inspect Go maps: entries, headers and internals (gomap-inspector).");
  if (!root.IsValid())
    return false;
  // Commands live as long as the debugger; LLDB does not take ownership.
  static std::vector<Registration> regs = {
      {"version", new VersionCommand(),
       "Show the plugin, debugger and target Go versions and the map implementation.",
       "gomap version [--json]"},
      {"show", new ShowCommand(),
       "Show a Go map: a header line and its entries.",
       "gomap show EXPR [--limit N] [--offset K] [--all] [--json]\n"
       "EXPR: a package-level variable (main.cache, example.com/pkg.Var), a field path\n"
       "from one (main.cfg.byID, pointers followed), or 0xADDR --type 'map[K]V' where\n"
       "ADDR is the map value (the header pointer)."},
      {"header", new HeaderCommand(),
       "Show every field of a Go map's header, flags by name, Go version and layout source.",
       "gomap header EXPR [--json]"},
  };
  for (auto &r : regs) {
    std::string syntax = std::string(r.syntax) + "\n" + OptionsHelp(r.impl->options());
    root.AddCommand(r.name, r.impl, r.help, strdup(syntax.c_str()));
  }
  return true;
}

} // namespace gomap::plugin
