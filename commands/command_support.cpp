// Shared machinery of the `gomap` subcommands.
#include "commands/command_support.h"

#include <cctype>
#include <cstdlib>
#include <exception>

#include "commands/frames.h"
#include "commands/goroutines.h"
#include "commands/selection.h"

namespace gomap::commands {

static bool CheckHeader(MapTarget &mt, std::string *error);

const OptionSpec kJson{"json", 0, false, "print one JSON document (schema gomap/1)"};
const OptionSpec kType{"type", 't', true,
                       "Go map type of an 0xADDR expression, e.g. 'map[string]int'"};
const OptionSpec kBuiltin{"builtin-layout", 0, false,
                          "use the built-in layout tables instead of the binary's DWARF"};
const OptionSpec kGoroutine{"goroutine", 'g', true, "goroutine id (see gomap goroutines)"};
const OptionSpec kFrame{"frame", 'f', true, "frame index (see gomap bt -g ID)"};
const OptionSpec kTimeLimit{"time-limit", 0, true,
                            "seconds after which the work stops, said so (default: none; "
                            "Ctrl-C stops it too)"};

bool MakeContext(Host &host, Context *ctx, std::string *error, bool needs_names) {
  ctx->host = &host;
  std::string path;
  if (!host.Executable(&path, error))
    return false;
  ctx->gt = GoTarget::Get(path, error);
  if (!ctx->gt)
    return false;
  if (needs_names && !ctx->gt->HasNames()) {
    *error = ctx->gt->NoNamesError();
    return false;
  }
  if (!ctx->gt->Attach(host, error))
    return false;
  host.Prepare();
  return true;
}

std::unique_ptr<heap::Mheap> MakeHeap(Context &ctx, bool builtin, std::vector<heap::Region> extra) {
  GoTarget &gt = *ctx.gt;
  GoDwarf &d = gt.dwarf();
  std::string error;
  std::optional<heap::HeapLayout> layout;
  if (!builtin && d.HasDebugInfo())
    layout =
        heap::HeapLayoutFromTypes(d.TypeByName("runtime.mheap"), d.TypeByName("runtime.heapArena"),
                                  d.TypeByName("runtime.mspan"), &error);
  if (layout) {
    // go1.25+ has the type (empty without the Green Tea GC); older releases do not.
    if (const Type *imb = d.TypeByName("runtime.spanInlineMarkBits")) {
      if (!heap::SetInlineMarksFromType(&*layout, imb)) {
        error = "runtime.spanInlineMarkBits has no marks field";
        layout.reset();
      }
    } else {
      layout->inline_marks = heap::GreenTeaGC(gt.version());
    }
  }
  if (!layout)
    layout = heap::BuiltinHeapLayout(gt.version(), &error);
  uint64_t addr = 0;
  if (const GlobalVar *g = d.FindGlobal("runtime.mheap_"))
    addr = g->address;
  if (addr == 0)
    addr = ctx.host->SymbolAddress("runtime.mheap_");
  std::vector<heap::Region> regions;
  for (const ImageSection &s : d.image().sections())
    if (s.size > 0 && !s.name.empty())
      regions.push_back(heap::Region{s.addr, s.addr + s.size, s.name == ".text" ? "code" : "global",
                                     "section " + s.name});
  for (auto &r : extra)
    regions.push_back(std::move(r));
  auto h = std::make_unique<heap::Mheap>(gt.memory(), layout ? *layout : heap::HeapLayout{}, addr,
                                         std::move(regions));
  if (!layout)
    h->SetUnavailable(error);
  else
    h->Load(); // its error() says why not
  return h;
}

bool MakeGoroutineContext(Host &host, Context *ctx, std::vector<Goroutine> *gs, std::string *error,
                          bool needs_names, const GoroutineOptions *opts,
                          GoroutineSources *sources) {
  return MakeContext(host, ctx, error, needs_names) &&
         ListGoroutines(*ctx->gt, host, opts ? *opts : GoroutineOptions{}, true, gs, error,
                        sources);
}

void PrintJson(Result &result, const Json &doc) {
  result.AppendMessage(doc.dump(2, ' ', false, Json::error_handler_t::replace));
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

// The longest --time-limit (a day): past it, a number is more likely a mistake.
constexpr double kMaxTimeLimit = 86400;

std::unique_ptr<WorkStop> MakeWorkStop(Host &host, const ParsedArgs &args, std::string *error) {
  double seconds = 0;
  if (args.Has("time-limit")) {
    const std::string v = args.Get("time-limit");
    char *end = nullptr;
    seconds = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !(seconds > 0) || seconds > kMaxTimeLimit) {
      *error = "--time-limit takes a number of seconds, more than 0 and at most 86400";
      return nullptr;
    }
  }
  return std::make_unique<WorkStop>([&host] { return host.Interrupted(); }, seconds);
}

// Success, or "success with error-level findings" (the CLI exits 1 on those).
std::string HostTitle(Host &host) {
  std::string s = host.Name();
  for (char &c : s)
    c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void SetFindingsStatus(Result &result, bool has_errors) { result.SetFindings(has_errors); }

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
  if (!ChooseFrame(gs, *ctx.host, args, !quiet, &fc, error))
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
  if (!ListGoroutines(gt, *ctx.host, GoroutineOptions{}, true, &gs, &gerr)) {
    if (select) {
      *error = gerr;
      return false;
    }
    return ResolveMap(gt, expr, type, nullptr, ref, error);
  }
  FrameChoice fc;
  if (!ChooseFrame(gs, *ctx.host, args, select, &fc, error)) {
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
      FrameScope scope = MakeScope(gt, *ctx.host, g, k);
      if (scope.Find(root))
        return ResolveMap(gt, expr, type, &scope, ref, error);
    }
  }
  FrameScope scope = MakeScope(gt, *ctx.host, g, fc.frame);
  return ResolveMap(gt, expr, type, &scope, ref, error);
}

// Resolves EXPR to a map and its layout, and checks the header is a map.
bool ResolveMapTarget(Host &host, const ParsedArgs &args, MapTarget *mt, std::string *error) {
  return ResolveMapRef(host, args, mt, error) && CheckHeader(*mt, error);
}

bool ResolveMapRef(Host &host, const ParsedArgs &args, MapTarget *mt, std::string *error) {
  if (!MakeContext(host, &mt->ctx, error))
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

bool Subcommand::Execute(Host &host, const std::vector<std::string> &argv, Result &result,
                         std::string *error) {
  // One catch-all at the boundary: nothing escapes into the debugger.
  try {
    ParsedArgs args;
    if (!ParseArgs(argv, options_, &args, error) || !CheckArity(args, error) ||
        !Run(host, args, result, error)) {
      *error = "gomap " + name_ + ": " + *error;
      return false;
    }
    return true;
  } catch (const std::exception &e) {
    *error = "gomap " + name_ + ": internal error: " + e.what();
  } catch (...) {
    *error = "gomap " + name_ + ": internal error";
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

} // namespace gomap::commands
