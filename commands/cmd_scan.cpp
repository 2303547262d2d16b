// `gomap scan`: whole-process/core triage (core/triage.h) over the goroutines
// the commands unwound, through CommandTriageHost (commands/triage_host.h).
#include "commands/command_support.h"
#include "commands/goroutines.h"
#include "commands/triage_host.h"
#include "core/triage.h"

namespace gomap::commands {

namespace {

class ScanCommand : public Subcommand {
public:
  ScanCommand() : Subcommand("scan", {kJson, kTimeLimit}, 0, 0) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    std::unique_ptr<WorkStop> stop = MakeWorkStop(host, args, error);
    if (!stop)
      return false;
    Context ctx;
    std::vector<Goroutine> gs;
    if (!MakeGoroutineContext(host, &ctx, &gs, error))
      return false;
    CommandTriageHost triage_host(host, ctx, stop.get());
    TriageOptions opts;
    opts.stop = stop.get();
    TriageReport r = Triage(triage_host, gs, SelectedGoroutine(gs, *ctx.host), opts);
    if (args.Has("json"))
      PrintJson(result, Json{{"schema", "gomap/1"}, {"scan", TriageJson(r)}});
    else
      result.AppendMessage(TriageText(r).c_str());
    SetFindingsStatus(result, r.findings.HasErrors());
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewScanCommand() { return std::make_unique<ScanCommand>(); }

} // namespace gomap::commands
