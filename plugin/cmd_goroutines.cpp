// `gomap goroutines` and `gomap bt -g ID`: goroutines from runtime.allgs and
// their backtraces (plugin/goroutines.cpp), in text or gomap/1 JSON.
#include <sstream>

#include "core/value.h"
#include "plugin/command_support.h"
#include "plugin/goroutines.h"

namespace gomap::plugin {

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
bool List(lldb::SBDebugger dbg, const ParsedArgs &args, Context *ctx, std::vector<Goroutine> *gs,
          GoroutineSources *sources, std::string *error) {
  GoroutineOptions opts;
  opts.pclntab = args.Has("pclntab");
  return MakeGoroutineContext(dbg, ctx, gs, error, /*needs_names=*/false, &opts, sources);
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
                   {kJson, {"frames", 0, false, "include every goroutine's backtrace in --json"},
                    kPclntab},
                   0, 0) {}

protected:
  bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
           lldb::SBCommandReturnObject &result, std::string *error) override {
    Context ctx;
    std::vector<Goroutine> gs;
    GoroutineSources sources;
    if (!List(dbg, args, &ctx, &gs, &sources, error))
      return false;
    if (args.Has("json")) {
      Json list = Json::array();
      for (const auto &g : gs)
        list.push_back(GoroutineJson(g, args.Has("frames")));
      PrintJson(result, Json{{"schema", "gomap/1"},
                             {"goroutines", list},
                             {"sources", SourcesJson(sources)}});
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
        os << "\n(names and lines from the pclntab, runtime.g offsets from the "
           << sources.g_layout << ", allgs from a " << sources.allgs << ")";
      result.AppendMessage(os.str().c_str());
    }
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  }
};

class BacktraceCommand : public Subcommand {
public:
  BacktraceCommand() : Subcommand("bt", {kJson, kGoroutine, kPclntab}, 0, 0) {}

protected:
  bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
           lldb::SBCommandReturnObject &result, std::string *error) override {
    uint64_t id = 0;
    if (!args.Has("goroutine")) {
      *error = "which goroutine? give -g ID (ids as listed by 'gomap goroutines')";
      return false;
    }
    if (!UintOption(args, "goroutine", &id, error))
      return false;
    Context ctx;
    std::vector<Goroutine> gs;
    GoroutineSources sources;
    if (!List(dbg, args, &ctx, &gs, &sources, error))
      return false;
    const Goroutine *g = nullptr;
    for (const auto &x : gs)
      if (uint64_t(x.id) == id)
        g = &x;
    if (!g) {
      *error = "no goroutine " + std::to_string(id) + " (" + std::to_string(gs.size()) +
               " live goroutines; see 'gomap goroutines')";
      return false;
    }
    if (args.Has("json")) {
      PrintJson(result, Json{{"schema", "gomap/1"},
                             {"goroutine", GoroutineJson(*g, true)},
                             {"sources", SourcesJson(sources)}});
    } else {
      std::ostringstream os;
      os << "Goroutine " << g->id << " [" << StateText(*g) << "]\n";
      for (size_t i = 0; i < g->frames.size(); ++i) {
        const GoFrame &f = g->frames[i];
        os << i << (i < 10 ? "  " : " ") << HexAddr(f.pc) << " in "
           << (f.source.function.empty() ? "?" : f.source.function)
           << (f.inlined ? " (inlined)" : "") << "\n   at " << f.source.file << ":"
           << f.source.line << "\n";
      }
      if (!g->unwind_error.empty())
        os << "(backtrace stopped: " << g->unwind_error << ")\n";
      result.AppendMessage(os.str().c_str());
    }
    result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewGoroutinesCommand() {
  return std::make_unique<GoroutinesCommand>();
}
std::unique_ptr<Subcommand> NewBacktraceCommand() { return std::make_unique<BacktraceCommand>(); }

} // namespace gomap::plugin
