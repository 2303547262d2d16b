// `gomap goroutines` and `gomap bt -g ID`: goroutines from runtime.allgs and
// their backtraces (plugin/goroutines.cpp), in text or gomap/1 JSON.
#include <sstream>

#include "commands/command_support.h"
#include "commands/goroutines.h"
#include "commands/selection.h"
#include "core/value.h"

namespace gomap::commands {

namespace {

Json FrameJson(const GoFrame &f, size_t index) {
  Json j = Json::object();
  j["index"] = index;
  j["function"] = f.source.function;
  j["file"] = f.source.file;
  j["line"] = f.source.line;
  j["pc"] = HexAddr(f.pc);
  j["sp"] = HexAddr(f.sp);
  j["inlined"] = f.inlined;
  return j;
}

Json GoroutineJson(const Goroutine &g, bool frames) {
  Json j = Json::object();
  j["id"] = g.id;
  j["address"] = HexAddr(g.g);
  j["status"] = g.status_name;
  j["wait_reason"] = g.wait_reason.empty() ? Json(nullptr) : Json(g.wait_reason);
  j["thread"] = g.thread_id ? Json(g.thread_id) : Json(nullptr);
  j["context"] = g.context;
  const GoFrame *u = UserFrame(g);
  j["user_frame"] = u ? FrameJson(*u, size_t(u - g.frames.data())) : Json(nullptr);
  if (frames) {
    Json fs = Json::array();
    for (size_t i = 0; i < g.frames.size(); ++i)
      fs.push_back(FrameJson(g.frames[i], i));
    j["frames"] = fs;
  }
  j["unwind_error"] = g.unwind_error.empty() ? Json(nullptr) : Json(g.unwind_error);
  return j;
}

const OptionSpec kPclntab{"pclntab", 0, false,
                          "read code names and frame sizes from the pclntab, runtime.g offsets "
                          "from the built-in tables and find allgs by scanning .bss, as for a "
                          "binary without DWARF"};

Json SourcesJson(const GoroutineSources &s) {
  return Json{{"code", s.code}, {"g_layout", s.g_layout}, {"allgs", s.allgs}};
}

// Goroutines need no names: they work on binaries without DWARF.
bool List(Host &host, const ParsedArgs &args, Context *ctx, std::vector<Goroutine> *gs,
          GoroutineSources *sources, std::string *error) {
  GoroutineOptions opts;
  opts.pclntab = args.Has("pclntab");
  return MakeGoroutineContext(host, ctx, gs, error, /*needs_names=*/false, &opts, sources);
}

std::string StateText(const Goroutine &g) {
  std::string s = g.wait_reason.empty() ? g.status_name : g.wait_reason;
  if (g.thread_id)
    s += ", thread " + std::to_string(g.thread_id);
  return s;
}

std::string Where(const GoFrame &f) {
  return f.source.file + ":" + std::to_string(f.source.line) + " " + f.source.function;
}

class GoroutinesCommand : public Subcommand {
public:
  GoroutinesCommand()
      : Subcommand("goroutines",
                   {kJson,
                    {"frames", 0, false, "include every goroutine's backtrace in --json"},
                    kPclntab},
                   0, 0) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    Context ctx;
    std::vector<Goroutine> gs;
    GoroutineSources sources;
    if (!List(host, args, &ctx, &gs, &sources, error))
      return false;
    if (args.Has("json")) {
      Json list = Json::array();
      for (const auto &g : gs)
        list.push_back(GoroutineJson(g, args.Has("frames")));
      PrintJson(
          result,
          Json{{"schema", "gomap/1"}, {"goroutines", list}, {"sources", SourcesJson(sources)}});
    } else {
      std::ostringstream os;
      for (const auto &g : gs) {
        const GoFrame *u = UserFrame(g);
        const GoFrame *top = g.frames.empty() ? nullptr : &g.frames.front();
        os << "  Goroutine " << g.id << " - ";
        if (u)
          os << "User: " << Where(*u) << " (" << HexAddr(u->pc) << ")";
        else if (top)
          os << "Runtime: " << Where(*top) << " (" << HexAddr(top->pc) << ")";
        else
          os << "(no frames)";
        os << " [" << StateText(g) << "]\n";
      }
      os << "[" << gs.size() << " goroutines]";
      if (sources.code != "DWARF")
        os << "\n(names and lines from the pclntab, runtime.g offsets from the " << sources.g_layout
           << ", allgs from a " << sources.allgs << ")";
      result.AppendMessage(os.str().c_str());
    }
    result.SetFindings(false);
    return true;
  }
};

class BacktraceCommand : public Subcommand {
public:
  BacktraceCommand() : Subcommand("bt", {kJson, kGoroutine, kPclntab}, 0, 0) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    Context ctx;
    std::vector<Goroutine> gs;
    GoroutineSources sources;
    if (!List(host, args, &ctx, &gs, &sources, error))
      return false;
    FrameChoice fc;
    if (!ChooseFrame(gs, *ctx.host, args, true, &fc, error))
      return false;
    const Goroutine *g = fc.g;
    // The debugger's own numbers for the frames of a goroutine on a thread.
    std::vector<int> lldb_index = HostFrameIndexes(*g, host);
    const std::string frame_key = host.Name() + "_frame";
    if (args.Has("json")) {
      Json j = GoroutineJson(*g, true);
      for (size_t i = 0; i < g->frames.size(); ++i)
        j["frames"][i][frame_key] = lldb_index[i] >= 0 ? Json(lldb_index[i]) : Json(nullptr);
      j["selected_frame"] = fc.frame_chosen ? Json(fc.frame) : Json(nullptr);
      PrintJson(result,
                Json{{"schema", "gomap/1"}, {"goroutine", j}, {"sources", SourcesJson(sources)}});
    } else {
      std::ostringstream os;
      os << "Goroutine " << g->id << " [" << StateText(*g) << "]";
      if (g->thread_id)
        os << " (frame numbers: gomap, then " << HostTitle(host) << "'s for thread " << g->thread_id
           << ")";
      os << "\n";
      for (size_t i = 0; i < g->frames.size(); ++i) {
        const GoFrame &f = g->frames[i];
        std::string mark = fc.frame_chosen && fc.frame == i ? "* " : "  ";
        std::string lldb = lldb_index[i] >= 0 ? "#" + std::to_string(lldb_index[i]) : "";
        os << mark << i << (i < 10 ? "  " : " ");
        if (g->thread_id)
          os << lldb << std::string(lldb.size() < 4 ? 4 - lldb.size() : 1, ' ');
        os << HexAddr(f.pc) << " in " << (f.source.function.empty() ? "?" : f.source.function)
           << (f.inlined ? " (inlined)" : "") << "\n     at " << f.source.file << ":"
           << f.source.line << "\n";
      }
      if (!g->unwind_error.empty())
        os << "(backtrace stopped: " << g->unwind_error << ")\n";
      result.AppendMessage(os.str().c_str());
    }
    result.SetFindings(false);
    return true;
  }
};

// `gomap goroutine [ID [K]]`: selects goroutine ID (and its frame K) for the
// commands that follow, like Delve's `goroutine ID` / `frame K`, until the
// process resumes; without ID, says which goroutine and frame are selected.
class GoroutineCommand : public Subcommand {
public:
  GoroutineCommand() : Subcommand("goroutine", {kJson}, 0, 2) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    Context ctx;
    std::vector<Goroutine> gs;
    if (!List(host, args, &ctx, &gs, nullptr, error))
      return false;
    ParsedArgs pick = args;
    if (!args.positional.empty())
      pick.options["goroutine"] = args.positional[0];
    if (args.positional.size() > 1)
      pick.options["frame"] = args.positional[1];
    FrameChoice fc;
    if (!ChooseFrame(gs, *ctx.host, pick, true, &fc, error))
      return false;
    if (!args.positional.empty())
      SelectGoroutine(*ctx.host, *fc.g, fc.frame);
    return Report(ctx, *fc.g, fc.frame, args, result);
  }

public:
  static bool Report(const Context &ctx, const Goroutine &g, size_t k, const ParsedArgs &args,
                     Result &result) {
    if (args.Has("json")) {
      Json j{{"goroutine", g.id}, {"frame", k}, {"status", g.status_name}};
      j["thread"] = g.thread_id ? Json(g.thread_id) : Json(nullptr);
      j["function"] = k < g.frames.size() ? g.frames[k].source.function : "";
      PrintJson(result, Json{{"schema", "gomap/1"}, {"selected", j}});
    } else {
      result.AppendMessage((DescribeFrame(g, k, *ctx.host) + " [" + StateText(g) + "]").c_str());
    }
    result.SetFindings(false);
    return true;
  }
};

// `gomap frame K`: selects frame K of the selected goroutine.
class FrameCommand : public Subcommand {
public:
  FrameCommand() : Subcommand("frame", {kJson, kGoroutine}, 1, 1) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    Context ctx;
    std::vector<Goroutine> gs;
    if (!List(host, args, &ctx, &gs, nullptr, error))
      return false;
    ParsedArgs pick = args;
    pick.options["frame"] = args.positional[0];
    FrameChoice fc;
    if (!ChooseFrame(gs, *ctx.host, pick, true, &fc, error))
      return false;
    SelectGoroutine(*ctx.host, *fc.g, fc.frame);
    return GoroutineCommand::Report(ctx, *fc.g, fc.frame, args, result);
  }
};

} // namespace

std::unique_ptr<Subcommand> NewGoroutinesCommand() { return std::make_unique<GoroutinesCommand>(); }
std::unique_ptr<Subcommand> NewBacktraceCommand() { return std::make_unique<BacktraceCommand>(); }
std::unique_ptr<Subcommand> NewGoroutineCommand() { return std::make_unique<GoroutineCommand>(); }
std::unique_ptr<Subcommand> NewFrameCommand() { return std::make_unique<FrameCommand>(); }

} // namespace gomap::commands
