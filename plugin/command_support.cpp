// Shared machinery of the `gomap` LLDB subcommands.
#include "plugin/command_support.h"

#include <exception>

#include "lldb/API/SBUnixSignals.h"

namespace gomap::plugin {

static bool CheckHeader(MapTarget &mt, std::string *error);

const OptionSpec kJson{"json", 0, false, "print one JSON document (schema gomap/1)"};
const OptionSpec kType{"type", 't', true, "Go map type of an 0xADDR expression, e.g. 'map[string]int'"};
const OptionSpec kBuiltin{"builtin-layout", 0, false,
                          "use the built-in layout tables instead of the binary's DWARF"};
const OptionSpec kGoroutine{"goroutine", 'g', true, "goroutine id (not implemented yet)"};
const OptionSpec kFrame{"frame", 'f', true, "frame index (not implemented yet)"};

// Go's runtime preempts goroutines with SIGURG: let it through silently.
static void QuietSigurg(lldb::SBProcess process) {
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

static std::vector<std::string> Argv(char **command) {
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


// Resolves EXPR to a map and its layout, and checks the header is a map.
bool ResolveMapTarget(lldb::SBDebugger dbg, const ParsedArgs &args, MapTarget *mt,
                      std::string *error) {
  if (args.Has("goroutine") || args.Has("frame")) {
    *error = "goroutine/frame selection (-g/-f) is not implemented yet; "
             "name a package-level variable or an address";
    return false;
  }
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
static bool CheckHeader(MapTarget &mt, std::string *error) {
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

bool Subcommand::DoExecute(lldb::SBDebugger dbg, char **command,
                           lldb::SBCommandReturnObject &result) {
  // One catch-all at the boundary: never let anything escape into LLDB.
  try {
    ParsedArgs args;
    std::string error;
    if (!ParseArgs(Argv(command), options_, &args, &error) ||
        !CheckArity(args, &error)) {
      result.SetError(("gomap " + name_ + ": " + error).c_str());
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

bool Subcommand::CheckArity(const ParsedArgs &args, std::string *error) const {
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

} // namespace gomap::plugin
