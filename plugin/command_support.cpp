// Shared machinery of the `gomap` LLDB subcommands.
#include "plugin/command_support.h"

#include <exception>

#include "lldb/API/SBSymbol.h"
#include "lldb/API/SBSymbolContextList.h"
#include "lldb/API/SBUnixSignals.h"
#include "plugin/frames.h"
#include "plugin/goroutines.h"
#include "plugin/selection.h"

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

std::unique_ptr<heap::Mheap> MakeHeap(Context &ctx, bool builtin,
                                      std::vector<heap::Region> extra) {
  GoTarget &gt = *ctx.gt;
  GoDwarf &d = gt.dwarf();
  std::string error;
  std::optional<heap::HeapLayout> layout;
  if (!builtin && d.HasDebugInfo())
    layout = heap::HeapLayoutFromTypes(d.TypeByName("runtime.mheap"),
                                       d.TypeByName("runtime.heapArena"),
                                       d.TypeByName("runtime.mspan"), &error);
  if (!layout)
    layout = heap::BuiltinHeapLayout(gt.version(), &error);
  uint64_t addr = 0;
  if (const GlobalVar *g = d.FindGlobal("runtime.mheap_"))
    addr = g->address;
  if (addr == 0) {
    lldb::SBSymbolContextList syms =
        ctx.target.FindSymbols("runtime.mheap_", lldb::eSymbolTypeAny);
    for (uint32_t i = 0; i < syms.GetSize() && addr == 0; ++i) {
      lldb::SBSymbol s = syms.GetContextAtIndex(i).GetSymbol();
      if (s.IsValid())
        addr = s.GetStartAddress().GetLoadAddress(ctx.target);
      if (addr == LLDB_INVALID_ADDRESS)
        addr = 0;
    }
  }
  std::vector<heap::Region> regions;
  for (const ImageSection &s : d.image().sections())
    if (s.size > 0 && !s.name.empty())
      regions.push_back(heap::Region{s.addr, s.addr + s.size,
                                     s.name == ".text" ? "code" : "global",
                                     "section " + s.name});
  for (auto &r : extra)
    regions.push_back(std::move(r));
  auto h = std::make_unique<heap::Mheap>(
      gt.memory(), layout ? *layout : heap::HeapLayout{}, addr,
      std::move(regions));
  if (!layout)
    h->SetUnavailable(error);
  else
    h->Load(); // its error() says why not
  return h;
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
  FrameChoice fc;
  if (!ChooseFrame(gs, ctx.process, args, !quiet, &fc, error))
    return nullptr;
  return fc.g;
}

// Resolves EXPR (args.positional[0]) to a map as Go scopes names, from the
// frame ChooseFrame picks (-g/-f, `gomap goroutine`, LLDB's selected thread and
// frame): that frame's variables, then its package's, then a qualified name.
// -g without -f searches that goroutine's frames, the innermost user frame
// first, for one that has the root name. With no goroutine on the selected
// thread, package-level variables only.
static bool ResolveExpr(Context &ctx, const ParsedArgs &args, MapRef *ref, std::string *error) {
  GoTarget &gt = *ctx.gt;
  const std::string &expr = args.positional[0];
  const std::string type = args.Get("type");
  bool is_addr = expr.rfind("0x", 0) == 0 || expr.rfind("0X", 0) == 0;
  bool select = args.Has("goroutine") || args.Has("frame");
  if (is_addr)
    return ResolveMap(gt, expr, type, nullptr, ref, error);
  std::string root;
  std::vector<PathStep> steps;
  if (!ParsePath(expr, &root, &steps, error))
    return false;
  std::vector<Goroutine> gs;
  std::string gerr;
  if (!ListGoroutines(gt, ctx.process, GoroutineOptions{}, true, &gs, &gerr)) {
    if (select) {
      *error = gerr;
      return false;
    }
    return ResolveMap(gt, expr, type, nullptr, ref, error);
  }
  FrameChoice fc;
  if (!ChooseFrame(gs, ctx.process, args, select, &fc, error)) {
    if (select || !error->empty())
      return false;
    return ResolveMap(gt, expr, type, nullptr, ref, error); // no goroutine here
  }
  const Goroutine &g = *fc.g;
  if (fc.source == "-g" && !fc.frame_chosen) {
    // User frames first (runtime frames have locals named m, c, t too), from
    // the innermost user frame outward, then the frames inside it.
    size_t first_user = g.user_frame >= 0 ? size_t(g.user_frame) : 0;
    std::vector<size_t> order;
    for (size_t k = first_user; k < g.frames.size(); ++k)
      order.push_back(k);
    for (size_t k = 0; k < first_user; ++k)
      order.push_back(k);
    for (size_t k : order) {
      FrameScope scope = MakeScope(gt, ctx.process, g, k);
      if (scope.Find(root))
        return ResolveMap(gt, expr, type, &scope, ref, error);
    }
  }
  FrameScope scope = MakeScope(gt, ctx.process, g, fc.frame);
  return ResolveMap(gt, expr, type, &scope, ref, error);
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
