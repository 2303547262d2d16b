// Shared machinery of the `gomap` LLDB subcommands: the Subcommand base (option
// parsing, the catch-all boundary), target context, map resolution, output.
#ifndef GOMAP_COMMANDS_COMMAND_SUPPORT_H
#define GOMAP_COMMANDS_COMMAND_SUPPORT_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands/args.h"
#include "commands/expr.h"
#include "commands/go_target.h"
#include "commands/host.h"
#include "core/diagnostics.h"
#include "core/goroutine.h"
#include "core/heap/mheap.h"
#include "core/iter.h"
#include "core/map.h"
#include "core/work_stop.h"

namespace gomap::commands {

using Json = nlohmann::ordered_json;

// Options several subcommands share.
extern const OptionSpec kJson;
extern const OptionSpec kType;
extern const OptionSpec kBuiltin;
extern const OptionSpec kGoroutine;
extern const OptionSpec kFrame;
extern const OptionSpec kTimeLimit;

// Everything a command needs about the selected target.
struct Context {
  GoTarget *gt = nullptr;
  Host *host = nullptr;
};

// The selected target as a Go target with a process; false with *error.
// `needs_names`: the command resolves variables or types, so a binary without
// DWARF is refused (goroutines, bt and version work from the pclntab).
bool MakeContext(Host &host, Context *ctx, std::string *error, bool needs_names = true);

struct GoroutineOptions;
struct GoroutineSources;
// MakeContext, then every goroutine with its backtrace (plugin/goroutines.h);
// false with *error. `opts` null: the default options.
bool MakeGoroutineContext(Host &host, Context *ctx, std::vector<Goroutine> *gs, std::string *error,
                          bool needs_names = true, const GoroutineOptions *opts = nullptr,
                          GoroutineSources *sources = nullptr);

void PrintJson(Result &result, const Json &doc);
// "LLDB", "GDB": the debugger's name as prose writes it.
std::string HostTitle(Host &host);
// Reads a numeric option if present; false with *error when malformed.
bool UintOption(const ParsedArgs &args, const char *name, uint64_t *out, std::string *error);
// The command's stop: the debugger's interrupt (Host::Interrupted) and
// --time-limit SECONDS; null with *error when the option is malformed.
std::unique_ptr<WorkStop> MakeWorkStop(Host &host, const ParsedArgs &args, std::string *error);
// Success, or "success with error-level findings" (the CLI exits 1 on those).
void SetFindingsStatus(Result &result, bool has_errors);
bool HasErrorDiagnostics(const Json &diags);

// Base for subcommands: option parsing, arity, the catch-all boundary. The
// debugger adapters (plugin/, pretty_printers/_gomap) call Execute.
class Subcommand {
public:
  Subcommand(std::string name, std::vector<OptionSpec> options, size_t min_args, size_t max_args)
      : name_(std::move(name)), options_(std::move(options)), min_args_(min_args),
        max_args_(max_args) {}
  virtual ~Subcommand() = default;

  // Parses `argv` (the words after the subcommand's name) and runs. false
  // with *error: one line, "gomap NAME: ..." (nothing was printed).
  bool Execute(Host &host, const std::vector<std::string> &argv, Result &result,
               std::string *error);
  const std::string &name() const { return name_; }
  const std::vector<OptionSpec> &options() const { return options_; }

protected:
  virtual bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) = 0;

private:
  bool CheckArity(const ParsedArgs &args, std::string *error) const;

  std::string name_;
  std::vector<OptionSpec> options_;
  size_t min_args_, max_args_;
};

// The goroutine -g names, else the one `gomap goroutine` selected at this
// stop, else the one on LLDB's selected thread (plugin/selection.h); null
// with *error (none when `quiet` and there is no -g).
const Goroutine *PickGoroutine(const std::vector<Goroutine> &gs, const Context &ctx,
                               const ParsedArgs &args, bool quiet, std::string *error);

// EXPR resolved to a map with its layout and a header that passed its checks.
struct MapTarget {
  Context ctx;
  MapRef ref;
  const MapLayout *layout = nullptr;
  MapHeader header;
  DiagnosticSink header_diags;
};

// Resolves args.positional[0] (and --type, --builtin-layout) to a map; a header
// that cannot be read or fails an invariant is an error in one line.
bool ResolveMapTarget(Host &host, const ParsedArgs &args, MapTarget *mt, std::string *error);
// ResolveMapTarget without reading the header (mt->header stays empty): for
// `gomap check`, which reports a corrupt header as findings instead.
bool ResolveMapRef(Host &host, const ParsedArgs &args, MapTarget *mt, std::string *error);

// An iterator found on a goroutine stack, decoded (plugin/cmd_iter.cpp).
struct MapIterator {
  uint64_t address = 0;
  int64_t goroutine = -1;
  int frame = -1;
  std::string function;
  IterReport report;
};
// Every iterator on every goroutine stack over the map at `map_addr` (the
// stack scan of `gomap iter`), or over any map for kEveryMap; false with
// *error when goroutines cannot be listed. `stop` (may be null) ends the scan
// early; *stopped (may be null) then says where.
constexpr uint64_t kEveryMap = ~uint64_t(0);
bool IteratorsOfMap(Host &host, bool builtin, uint64_t map_addr, WorkStop *stop,
                    std::vector<MapIterator> *out, std::string *stopped, std::string *error);

// The Go heap of this stop (core/heap/mheap.h): runtime.mheap_ by its DWARF
// variable or symbol, layouts from the binary's DWARF types (or the built-in
// table with `builtin` or without them), the binary's sections as code and
// globals plus `extra` regions (goroutine stacks). Never null; ok() false
// with error() when the heap's records cannot be read. Lives for one command.
std::unique_ptr<heap::Mheap> MakeHeap(Context &ctx, bool builtin,
                                      std::vector<heap::Region> extra = {});

// Subcommand factories (one file each; registered in commands.cpp).
std::unique_ptr<Subcommand> NewVersionCommand();
std::unique_ptr<Subcommand> NewShowCommand();
std::unique_ptr<Subcommand> NewHeaderCommand();
std::unique_ptr<Subcommand> NewGoroutinesCommand();
std::unique_ptr<Subcommand> NewBacktraceCommand();
std::unique_ptr<Subcommand> NewGoroutineCommand();
std::unique_ptr<Subcommand> NewFrameCommand();
std::unique_ptr<Subcommand> NewLocalsCommand();
std::unique_ptr<Subcommand> NewLayoutCommand();
std::unique_ptr<Subcommand> NewIterCommand();
std::unique_ptr<Subcommand> NewCheckCommand();
std::unique_ptr<Subcommand> NewScanCommand();
std::unique_ptr<Subcommand> NewPointerCommand();

} // namespace gomap::commands

#endif
