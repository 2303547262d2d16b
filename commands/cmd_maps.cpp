// `gomap show` and `gomap header`: a map's entries, and its header fields.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "commands/command_support.h"
#include "commands/triage_host.h"
#include "core/go_literal.h"
#include "core/header_report.h"
#include "core/map_lookup.h"
#include "core/map_state.h"
#include "core/syncmap.h"
#include "core/value.h"
#include "core/value_stream.h"

namespace gomap::commands {

namespace {

// EXPR resolved to a sync.Map, decoded.
struct SyncTarget {
  Context ctx;
  uint64_t address = 0;
  std::optional<SyncMapLayout> layout;
};

// true when EXPR names a sync.Map (then *ok says whether it could be decoded).
bool TrySyncMap(Host &host, const ParsedArgs &args, SyncTarget *st, bool *ok, std::string *error) {
  *ok = false;
  if (!MakeContext(host, &st->ctx, error)) {
    error->clear(); // the map path reports it
    return false;
  }
  const Type *t = nullptr;
  bool matched = false;
  if (!ResolveSyncMap(*st->ctx.gt, args.positional[0], args.Get("type"), &st->address, &t, &matched,
                      error))
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

// Named types for interface keys written as main.P{1, 2}, from the binary's DWARF.
class DwarfTypeLookup final : public TypeLookup {
public:
  explicit DwarfTypeLookup(GoTarget &gt) : gt_(gt) {}
  const Type *ByName(const std::string &name) override { return gt_.dwarf().TypeByName(name); }

private:
  GoTarget &gt_;
};

// The most pointer levels --depth follows (the renderer's nesting limit caps it too).
constexpr uint64_t kMaxDepth = 64;

// Pointer levels to follow: --depth N, else 1 for text (as Delve's print) and 0
// for --json (the stable {"ptr": …} encoding).
bool DepthOption(const ParsedArgs &args, RenderOptions *opts, std::string *error) {
  uint64_t depth = args.Has("json") ? 0 : 1;
  if (!UintOption(args, "depth", &depth, error))
    return false;
  opts->pointer_depth = int(std::min(depth, kMaxDepth));
  return true;
}

// The longest string --max-string accepts (the work budget of one value).
constexpr uint64_t kMaxStringCap = RenderOptions{}.max_total_string_bytes;

// Bytes of each string rendered: --max-string N, else for text the debugger's
// own cap (LLDB target.max-string-summary-length, GDB print characters/elements)
// and for --json the renderer's 1 MiB, which scripts rely on.
bool StringOption(Host &host, const ParsedArgs &args, RenderOptions *opts, std::string *error) {
  uint64_t n = opts->max_string_bytes;
  if (!args.Has("json")) {
    uint64_t own = host.MaxStringLength();
    if (own)
      n = std::min(own, n);
  }
  if (!UintOption(args, "max-string", &n, error))
    return false;
  if (n == 0 || n > kMaxStringCap) {
    *error = "--max-string: between 1 and " + std::to_string(kMaxStringCap) + " bytes";
    return false;
  }
  opts->max_string_bytes = n;
  return true;
}

// `gomap show 'EXPR[KEY]'` when EXPR is a map: one entry. *handled is false when
// EXPR is not a map but an array or slice (then EXPR[KEY] is indexing, which the
// caller resolves as before).
bool RunLookup(Host &host, const ParsedArgs &args, const IndexSuffix &sx, const RenderOptions &opts,
               Result &result, bool *handled, std::string *error) {
  *handled = true;
  ParsedArgs prefix_args = args;
  prefix_args.positional[0] = sx.prefix;
  SyncTarget st;
  bool sync_ok = false;
  if (TrySyncMap(host, prefix_args, &st, &sync_ok, error)) {
    *error = sx.prefix +
             " is a sync.Map: key look-ups are for Go maps only so far ('gomap "
             "show " +
             sx.prefix + "' lists its entries)";
    return false;
  }
  error->clear();
  MapTarget mt;
  if (!ResolveMapTarget(host, prefix_args, &mt, error)) {
    const Type *vt = mt.ref.value_type;
    for (int hops = 0; vt && vt->kind == Kind::Pointer && hops < 8; ++hops)
      vt = vt->elem;
    if (vt && (vt->kind == Kind::Array || vt->kind == Kind::Slice)) {
      if (sx.status != IndexSuffix::Status::Ok || !ParseUint(sx.key)) {
        *error = sx.prefix + " is a " + mt.ref.value_type->name +
                 ": its index must be a "
                 "non-negative integer, not " +
                 sx.key;
        return false;
      }
      *handled = false; // shards[3]: indexing, resolved as before
      error->clear();
      return true;
    }
    if (vt && vt->kind != Kind::Map)
      *error = sx.prefix + " is a " + mt.ref.value_type->name + ", not a map: [" + sx.key +
               "] looks a key up in a map (arrays and slices take an integer index)";
    return false;
  }
  GoTarget &gt = *mt.ctx.gt;
  DwarfTypeLookup names(gt);
  ParsedLiteral key;
  if (!ParseMapKey(sx.key, mt.ref.type, *mt.layout, &names, &key, error)) {
    const Type *kt = mt.layout->key ? mt.layout->key : mt.ref.type->key;
    // `gomap show m["k"]` unquoted reaches us as m[k]: a bare word for a string key.
    bool word = !sx.key.empty() &&
                (std::isalpha(static_cast<unsigned char>(sx.key[0])) || sx.key[0] == '_') &&
                sx.key != "true" && sx.key != "false" && sx.key != "nil";
    if (kt && kt->kind == Kind::String && word)
      *error += "; " + HostTitle(host) +
                " drops unquoted double quotes: quote the whole EXPR, e.g. gomap show '" +
                sx.prefix + "[\"" + sx.key + "\"]'";
    return false;
  }
  if (sx.status == IndexSuffix::Status::Unterminated) {
    *error = "key " + sx.key + " does not parse: missing ']' after the key";
    return false;
  }
  LookupResult r =
      LookupKey(gt.memory(), *mt.layout, mt.ref.type, mt.ref.header, key.value, &gt, Limits{});
  ValueRenderer renderer(gt.memory(), &gt, &gt, opts);
  std::unique_ptr<ValueFormatter> formatters = host.Formatters();
  renderer.set_formatter(formatters.get());
  if (args.Has("json")) {
    Json doc = LookupJson(r, key.value, renderer);
    PrintJson(result, Json{{"schema", "gomap/1"}, {"lookup", doc}});
    SetFindingsStatus(result, HasErrorDiagnostics(doc["diagnostics"]));
  } else {
    std::string text = LookupText(r, args.positional[0], renderer);
    result.AppendMessage(text.c_str());
    SetFindingsStatus(result, text.find("error[") != std::string::npos);
  }
  return true;
}

// `show` output straight to a FILE* (--output), in the chunks the renderer hands over.
class FileOutput final : public OutputStream {
public:
  explicit FileOutput(FILE *f) : f_(f) {}
  void Write(std::string_view bytes) override {
    if (!failed_ && std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size())
      failed_ = true;
  }
  bool failed() const { return failed_; }

private:
  FILE *f_;
  bool failed_ = false;
};

// `show` output into the command's result, chunk by chunk (no copy of the whole
// document on our side; the debugger may keep its own).
class ResultOutput final : public OutputStream {
public:
  explicit ResultOutput(Result &result) : result_(result) {}
  void Write(std::string_view bytes) override { result_.Write(bytes); }

private:
  Result &result_;
};

// Streams a map's `show` into --output FILE ("-": the debugger process's standard
// output), else into the result. false with *error when FILE cannot be written.
bool WriteShow(Host &host, const ParsedArgs &args, GoTarget &gt, MapTarget &mt,
               const ShowRequest &req, ValueRenderer &renderer, Result &result,
               std::string *error) {
  ShowOutput how;
  how.json = args.Has("json");
  if (std::optional<ReachPath> name = NameByAddress(host, mt)) {
    how.path = name->path;
    how.where = name->where;
    how.type = name->type ? name->type->name : "";
  }
  ShowSummary summary;
  if (args.Has("output")) {
    const std::string path = args.Get("output");
    bool to_stdout = path == "-";
    FILE *f = to_stdout ? stdout : std::fopen(path.c_str(), "w");
    if (f == nullptr) {
      *error = "cannot write " + path + ": " + std::strerror(errno);
      return false;
    }
    if (to_stdout)
      std::fflush(stdout);
    FileOutput out(f);
    summary =
        ShowMapWrite(gt.memory(), *mt.layout, mt.ref.type, mt.ref.header, req, renderer, how, out);
    bool failed = out.failed() || std::fflush(f) != 0;
    if (!to_stdout)
      failed = std::fclose(f) != 0 || failed;
    if (failed) {
      *error = "cannot write " + path + ": " + std::strerror(errno);
      return false;
    }
  } else {
    ResultOutput out(result);
    summary =
        ShowMapWrite(gt.memory(), *mt.layout, mt.ref.type, mt.ref.header, req, renderer, how, out);
  }
  SetFindingsStatus(result, summary.has_errors);
  return true;
}

class ShowCommand : public Subcommand {
public:
  ShowCommand()
      : Subcommand("show",
                   {kJson,
                    kType,
                    {"limit", 'n', true, "entries to show (default 64)"},
                    {"offset", 0, true, "entries to skip first"},
                    {"all", 'a', false, "show every entry"},
                    {"depth", 'd', true,
                     "pointer levels to follow to the pointee (default 1; 0 with --json)"},
                    {"max-string", 0, true,
                     "bytes of each string (default: the debugger's string limit; 1 MiB "
                     "with --json)"},
                    {"max-output", 0, true,
                     "bytes of output after which no more entries are shown (default 4 GiB; "
                     "0: none)"},
                    {"output", 'o', true,
                     "write the map to FILE as it is rendered ('-': the debugger's stdout)"},
                    kTimeLimit,
                    kBuiltin,
                    kGoroutine,
                    kFrame},
                   1, kMaxWords) {}

protected:
  // An unquoted EXPR[KEY] with spaces reaches us in pieces: m[main.P{X: 1, Y: 2}].
  static constexpr size_t kMaxWords = 64;

  bool Run(Host &host, const ParsedArgs &args_in, Result &result, std::string *error) override {
    ParsedArgs args = args_in;
    if (args.positional.size() > 1) {
      if (SplitIndexSuffix(args.positional[0]).status != IndexSuffix::Status::Unterminated) {
        *error = "unexpected argument '" + args.positional[1] + "'";
        return false;
      }
      for (size_t i = 1; i < args.positional.size(); ++i)
        args.positional[0] += " " + args.positional[i];
      args.positional.resize(1);
    }
    ShowRequest req;
    if (!UintOption(args, "limit", &req.limit, error) ||
        !UintOption(args, "offset", &req.offset, error))
      return false;
    if (args.Has("all"))
      req.limit = UINT64_MAX;
    if (!UintOption(args, "max-output", &req.max_output, error))
      return false;
    std::unique_ptr<WorkStop> stop = MakeWorkStop(host, args, error);
    if (!stop)
      return false;
    req.stop = stop.get();
    RenderOptions opts;
    if (!DepthOption(args, &opts, error) || !StringOption(host, args, &opts, error))
      return false;
    IndexSuffix sx = SplitIndexSuffix(args.positional[0]);
    if (sx.status != IndexSuffix::Status::None) {
      bool handled = false;
      if (!RunLookup(host, args, sx, opts, result, &handled, error))
        return false;
      if (handled)
        return true;
    }
    SyncTarget st;
    bool ok = false;
    if (TrySyncMap(host, args, &st, &ok, error)) {
      if (!ok)
        return false;
      GoTarget &gt = *st.ctx.gt;
      Limits limits = req.limits;
      limits.stop = req.stop; // the decode polls it per bucket / trie node
      SyncMapReport r = DecodeSyncMap(gt.memory(), *st.layout, st.address, limits);
      ValueRenderer renderer(gt.memory(), &gt, &gt, opts);
      std::unique_ptr<ValueFormatter> formatters = host.Formatters();
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
    if (!ResolveMapTarget(host, args, &mt, error))
      return false;
    GoTarget &gt = *mt.ctx.gt;
    ValueRenderer renderer(gt.memory(), &gt, &gt, opts);
    std::unique_ptr<ValueFormatter> formatters = host.Formatters();
    renderer.set_formatter(formatters.get());
    return WriteShow(host, args, gt, mt, req, renderer, result, error);
  }
};

class HeaderCommand : public Subcommand {
public:
  HeaderCommand() : Subcommand("header", {kJson, kType, kBuiltin, kGoroutine, kFrame}, 1, 1) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    SyncTarget st;
    bool ok = false;
    if (TrySyncMap(host, args, &st, &ok, error)) {
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
    if (!ResolveMapTarget(host, args, &mt, error))
      return false;
    DiagnosticSink &sink = mt.header_diags;
    const HeaderExtras extras =
        DescribeMap(mt.ctx.gt->memory(), *mt.layout, mt.header, Limits{}, sink);
    std::optional<ReachPath> name = NameByAddress(host, mt);
    if (args.Has("json")) {
      Json doc{{"schema", "gomap/1"},
               {"header", HeaderJson(mt.header, *mt.layout, mt.ref.type, sink, &extras)}};
      if (name)
        doc["name"] = MapNameJson(*name);
      PrintJson(result, doc);
    } else {
      std::string text = HeaderText(mt.header, *mt.layout, mt.ref.type, sink, &extras);
      if (name)
        text.insert(std::min(text.find('\n'), text.size()), " path=" + MapNameLine(*name, mt));
      result.AppendMessage(text.c_str());
    }
    SetFindingsStatus(result, sink.HasErrors());
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewShowCommand() { return std::make_unique<ShowCommand>(); }
std::unique_ptr<Subcommand> NewHeaderCommand() { return std::make_unique<HeaderCommand>(); }

} // namespace gomap::commands
