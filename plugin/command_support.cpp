// Shared machinery of the `gomap` LLDB subcommands.
#include "plugin/command_support.h"

#include <exception>

#include "lldb/API/SBUnixSignals.h"
#include "plugin/frames.h"
#include "plugin/goroutines.h"

namespace gomap::plugin {

static bool CheckHeader(MapTarget &mt, std::string *error);

const OptionSpec kJson{"json", 0, false, "print one JSON document (schema gomap/1)"};
const OptionSpec kType{"type", 't', true, "Go map type of an 0xADDR expression, e.g. 'map[string]int'"};
const OptionSpec kBuiltin{"builtin-layout", 0, false,
                          "use the built-in layout tables instead of the binary's DWARF"};
const OptionSpec kGoroutine{"goroutine", 'g', true, "goroutine id (see gomap goroutines)"};
const OptionSpec kFrame{"frame", 'f', true, "frame index (see gomap bt -g ID)"};

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

bool MakeContext(lldb::SBDebugger dbg, Context *ctx, std::string *error, bool needs_names) {
  ctx->target = dbg.GetSelectedTarget();
  ctx->gt = GoTarget::Get(ctx->target, error);
  if (!ctx->gt)
    return false;
  if (needs_names && !ctx->gt->HasNames()) {
    *error = ctx->gt->NoNamesError();
    return false;
  }
  ctx->process = ctx->target.GetProcess();
  if (!ctx->gt->Attach(ctx->process, error))
    return false;
  QuietSigurg(ctx->process);
  return true;
}

bool MakeGoroutineContext(lldb::SBDebugger dbg, Context *ctx, std::vector<Goroutine> *gs,
                          std::string *error, bool needs_names, const GoroutineOptions *opts,
                          GoroutineSources *sources) {
  return MakeContext(dbg, ctx, error, needs_names) &&
         ListGoroutines(*ctx->gt, ctx->process, opts ? *opts : GoroutineOptions{}, true, gs,
                        error, sources);
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


const Goroutine *PickGoroutine(const std::vector<Goroutine> &gs, const Context &ctx,
                               const ParsedArgs &args, bool quiet, std::string *error) {
  if (args.Has("goroutine")) {
    uint64_t id = 0;
    if (!UintOption(args, "goroutine", &id, error))
      return nullptr;
    for (const auto &x : gs)
      if (uint64_t(x.id) == id)
        return &x;
    *error = "no goroutine " + std::to_string(id) + " (see 'gomap goroutines')";
    return nullptr;
  }
  const Goroutine *g = SelectedGoroutine(gs, ctx.process);
  if (!g && !quiet)
    *error = "no goroutine runs on the selected thread; give -g ID";
  return g;
}

// Resolves EXPR (args.positional[0]) to a map: in the frame -g/-f select; with
// -g alone, in the innermost frame of that goroutine that has the root name;
// with neither, a package-level variable first, then the goroutine on LLDB's
// selected thread.
static bool ResolveExpr(Context &ctx, const ParsedArgs &args, MapRef *ref, std::string *error) {
  GoTarget &gt = *ctx.gt;
  const std::string &expr = args.positional[0];
  const std::string type = args.Get("type");
  bool is_addr = expr.rfind("0x", 0) == 0 || expr.rfind("0X", 0) == 0;
  bool select = args.Has("goroutine") || args.Has("frame");
  if (is_addr)
    return ResolveMap(gt, expr, type, nullptr, ref, error);
  if (!select && ResolveMap(gt, expr, type, nullptr, ref, error))
    return true;
  std::string root;
  std::vector<PathStep> steps;
  std::string perr;
  if (!ParsePath(expr, &root, &steps, &perr)) {
    *error = perr;
    return false;
  }
  std::vector<Goroutine> gs;
  std::string gerr;
  if (!ListGoroutines(gt, ctx.process, GoroutineOptions{}, true, &gs, &gerr)) {
    if (select)
      *error = gerr;
    return false; // keep the package-level error otherwise
  }
  const Goroutine *g = PickGoroutine(gs, ctx, args, !select, error);
  if (!g)
    return false; // without -g/-f, the package-level error stands
  if (args.Has("frame")) {
    uint64_t k = 0;
    if (!UintOption(args, "frame", &k, error))
      return false;
    if (k >= g->frames.size()) {
      *error = "goroutine " + std::to_string(g->id) + " has " +
               std::to_string(g->frames.size()) + " frames; frame " + std::to_string(k) +
               " is out of range (see 'gomap bt -g " + std::to_string(g->id) + "')";
      return false;
    }
    FrameScope scope = MakeScope(gt, ctx.process, *g, k);
    error->clear();
    return ResolveMap(gt, expr, type, &scope, ref, error);
  }
  // User frames first (runtime frames have locals named m, c, t too), from
  // the innermost user frame outward, then the frames inside it.
  std::vector<size_t> order;
  size_t first_user = g->user_frame >= 0 ? size_t(g->user_frame) : 0;
  for (size_t k = first_user; k < g->frames.size(); ++k)
    order.push_back(k);
  for (size_t k = 0; k < first_user; ++k)
    order.push_back(k);
  for (size_t k : order) {
    FrameScope scope = MakeScope(gt, ctx.process, *g, k);
    if (scope.Find(root)) {
      error->clear();
      return ResolveMap(gt, expr, type, &scope, ref, error);
    }
  }
  // Not a variable of any frame: a package-level variable is valid anywhere.
  if (select) {
    std::string gerr2;
    if (ResolveMap(gt, expr, type, nullptr, ref, &gerr2))
      return true;
  }
  if (select || error->empty()) {
    std::string names;
    for (size_t k = 0; k < g->frames.size(); ++k)
      for (const auto &n : MapVariables(MakeScope(gt, ctx.process, *g, k)))
        names += (names.empty() ? "" : ", ") + n + " (frame " + std::to_string(k) + ")";
    *error = "no variable named '" + root + "' in any frame of goroutine " +
             std::to_string(g->id) + "; map variables: " + (names.empty() ? "none" : names);
  }
  return false;
}

// Resolves EXPR to a map and its layout, and checks the header is a map.
bool ResolveMapTarget(lldb::SBDebugger dbg, const ParsedArgs &args, MapTarget *mt,
                      std::string *error) {
  return ResolveMapRef(dbg, args, mt, error) && CheckHeader(*mt, error);
}

bool ResolveMapRef(lldb::SBDebugger dbg, const ParsedArgs &args, MapTarget *mt,
                   std::string *error) {
  if (!MakeContext(dbg, &mt->ctx, error))
    return false;
  if (!ResolveExpr(mt->ctx, args, &mt->ref, error))
    return false;
  std::string why;
  mt->layout = mt->ctx.gt->LayoutFor(mt->ref.type, &why, args.Has("builtin-layout"));
  if (!mt->layout) {
    *error = "no layout for " + mt->ref.type->name + ": " + why;
    return false;
  }
  return true;
}

// A header that cannot be read, or fails an invariant, means EXPR is not a
// usable map: say so in one line rather than print garbage.
static bool CheckHeader(MapTarget &mt, std::string *error) {
  return ReadUsableHeader(mt.ctx.gt->memory(), *mt.layout, mt.ref.type->name, mt.ref.header,
                          &mt.header, mt.header_diags, error);
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
