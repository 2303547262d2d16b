// `gomap scan`: whole-process/core triage. Which goroutine died in a map
// operation and on which map, which other goroutines were in map operations or
// at the same source line, and `gomap check` (core/check.h) of every map
// reachable from package variables and from the user frames of those goroutines.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/check.h"
#include "core/map_ops.h"
#include "core/runtime_g.h"
#include "core/value.h"
#include "plugin/command_support.h"
#include "plugin/expr.h"
#include "plugin/frames.h"
#include "plugin/goroutines.h"

namespace gomap::plugin {

namespace {

constexpr size_t kMaxMaps = 256;
constexpr uint64_t kMaxStackScan = 256 * 1024;

struct KnownMap {
  std::string name; // "main.sessions" or "m (goroutine 6, frame 3)"
  const Type *type = nullptr;
  uint64_t address = 0;
};

// A goroutine that touches a map: inside a runtime map function, or at the
// source line where another goroutine died in one.
struct MapGoroutine {
  const Goroutine *g = nullptr;
  MapOp op = MapOp::None;
  std::string map_function; // outermost runtime map frame ("" when not inside one)
  int user = -1;            // frame index of the caller in user code
  bool crashed = false;     // a fatal frame inside the map operation
  std::string reason;       // "map operation", "same line"
  std::vector<size_t> maps; // indexes into the known maps its stack references
};

Json FrameRef(const GoFrame &f) {
  return Json{{"function", f.source.function}, {"file", f.source.file}, {"line", f.source.line}};
}

std::string Where(const GoFrame &f) {
  size_t slash = f.source.file.rfind('/');
  std::string file = slash == std::string::npos ? f.source.file : f.source.file.substr(slash + 1);
  return file + ":" + std::to_string(f.source.line) + " " + f.source.function;
}

// The outermost runtime map frame (the entry point user code called) and
// whether a fatal frame lies inside it.
MapGoroutine Classify(const Goroutine &g) {
  MapGoroutine mg;
  mg.g = &g;
  bool fatal = false;
  for (size_t i = 0; i < g.frames.size(); ++i) {
    const std::string &fn = g.frames[i].source.function;
    if (IsFatalFunction(fn))
      fatal = true;
    MapOp op = MapOpOf(fn);
    if (op != MapOp::None) {
      mg.op = op;
      mg.map_function = fn;
      mg.crashed = fatal;
      mg.user = i + 1 < g.frames.size() ? int(i + 1) : -1;
    } else if (mg.op != MapOp::None) {
      break; // left the runtime's map code
    }
  }
  if (mg.op != MapOp::None)
    mg.reason = "map operation";
  return mg;
}

// Known map headers whose address appears in the goroutine's stack between
// frame 0 and its user frame's CFA (spilled arguments of the map function).
std::vector<size_t> StackReferences(MemoryReader &mem, const MapGoroutine &mg,
                                    const std::map<uint64_t, size_t> &by_address) {
  std::vector<size_t> out;
  const Goroutine &g = *mg.g;
  if (g.frames.empty())
    return out;
  uint64_t lo = g.frames.front().sp;
  uint64_t hi = mg.user >= 0 && g.frames[mg.user].cfa ? g.frames[mg.user].cfa : g.stack_hi;
  if (hi <= lo || lo == 0)
    return out;
  hi = std::min(hi, lo + kMaxStackScan);
  std::vector<uint64_t> words((hi - lo) / 8);
  size_t got = mem.Read(lo, words.data(), words.size() * 8) / 8;
  std::set<size_t> seen;
  for (size_t i = 0; i < got; ++i)
    if (auto it = by_address.find(words[i]); it != by_address.end() && seen.insert(it->second).second)
      out.push_back(it->second);
  return out;
}

class ScanCommand : public Subcommand {
public:
  ScanCommand() : Subcommand("scan", {kJson}, 0, 0) {}

protected:
  bool Run(lldb::SBDebugger dbg, const ParsedArgs &args,
           lldb::SBCommandReturnObject &result, std::string *error) override {
    Context ctx;
    std::vector<Goroutine> gs;
    if (!MakeGoroutineContext(dbg, &ctx, &gs, error))
      return false;
    GoTarget &gt = *ctx.gt;

    // Goroutines inside runtime map code.
    std::vector<MapGoroutine> touching;
    const MapGoroutine *crash = nullptr;
    for (const auto &g : gs) {
      MapGoroutine mg = Classify(g);
      if (mg.op != MapOp::None)
        touching.push_back(mg);
    }
    // Both racing writers may have detected the race. The one that died is on
    // the thread that took the fatal signal (LLDB's selected thread in a core),
    // else one still running the fatal path (the other may be parked before it).
    const Goroutine *signalled = SelectedGoroutine(gs, ctx.process);
    auto pick_crash = [&]() -> const MapGoroutine * {
      const MapGoroutine *best = nullptr;
      auto rank = [&](const MapGoroutine &m) {
        return (m.g == signalled ? 2 : 0) + (m.g->status == kGrunning ? 1 : 0);
      };
      for (const auto &mg : touching)
        if (mg.crashed && (!best || rank(mg) > rank(*best)))
          best = &mg;
      return best;
    };
    crash = pick_crash();
    // Goroutines at the line where the crashing one called into the map code
    // (the other writer is rarely inside the runtime when the core is taken).
    if (crash && crash->user >= 0) {
      const GoFrame &line = crash->g->frames[crash->user];
      for (const auto &g : gs) {
        bool listed = std::any_of(touching.begin(), touching.end(),
                                  [&](const MapGoroutine &m) { return m.g == &g; });
        if (listed)
          continue;
        for (size_t i = 0; i < g.frames.size(); ++i)
          if (g.frames[i].source.function == line.source.function &&
              g.frames[i].source.file == line.source.file &&
              g.frames[i].source.line == line.source.line) {
            MapGoroutine mg;
            mg.g = &g;
            mg.user = int(i);
            mg.reason = "same line";
            touching.push_back(mg);
            break;
          }
      }
      crash = pick_crash(); // touching may have moved
    }

    // Maps reachable from package variables and from those goroutines' user frames.
    std::vector<KnownMap> maps;
    std::map<uint64_t, size_t> by_address;
    bool truncated = false;
    auto add = [&](const std::string &name, const MapRef &ref) {
      if (ref.header == 0 || by_address.count(ref.header))
        return;
      if (maps.size() >= kMaxMaps) {
        truncated = true;
        return;
      }
      by_address[ref.header] = maps.size();
      maps.push_back(KnownMap{name, ref.type, ref.header});
    };
    for (const std::string &name : gt.dwarf().MapGlobals()) {
      MapRef ref;
      std::string err;
      if (ResolveMap(gt, name, "", nullptr, &ref, &err))
        add(name, ref);
    }
    for (const auto &mg : touching) {
      if (mg.user < 0)
        continue;
      FrameScope scope = MakeScope(gt, ctx.process, *mg.g, size_t(mg.user));
      for (const std::string &v : MapVariables(scope)) {
        MapRef ref;
        std::string err;
        if (ResolveMap(gt, v, "", &scope, &ref, &err))
          add(v + " (goroutine " + std::to_string(mg.g->id) + ", frame " +
                  std::to_string(mg.user) + ")",
              ref);
      }
    }
    for (auto &mg : touching)
      mg.maps = StackReferences(gt.memory(), mg, by_address);

    // gomap check of each map, its storage pointers classified against the
    // heap (one heap model for the whole scan: its span cache is shared).
    std::unique_ptr<heap::Mheap> heap = MakeHeap(ctx, false);
    DiagnosticSink findings;
    Json maps_json = Json::array();
    std::ostringstream os;
    std::vector<bool> writing(maps.size(), false);
    for (size_t i = 0; i < maps.size(); ++i) {
      const KnownMap &km = maps[i];
      Json j{{"name", km.name}, {"type", km.type->name}, {"address", HexAddr(km.address)}};
      std::string why;
      const MapLayout *layout = gt.LayoutFor(km.type, &why);
      DiagnosticSink sink;
      if (!layout) {
        sink.Add(DiagCode::UnsupportedLayout, Severity::Error, why, km.address);
      } else {
        // gomap check on it: header, structure and count, within the walk limits.
        CheckReport r =
            CheckMap(gt.memory(), *layout, km.address, Limits{}, heap.get());
        if (r.header_ok) {
          j["impl"] = std::string(ImplName(r.header.impl));
          j["len"] = r.header.len;
          j["walked"] = r.walked.entries;
          writing[i] = r.header.writing;
        }
        j["truncated"] = r.truncated;
        sink.Append(r.diags);
      }
      j["writing"] = writing[i];
      Json diags = Json::array();
      for (const auto &d : sink.items()) {
        diags.push_back(DiagnosticJson(d));
        findings.Add(d.code, d.severity, km.name + ": " + d.message, d.address);
      }
      j["diagnostics"] = diags;
      maps_json.push_back(j);
    }

    // Concurrent writers: the runtime's own verdict (a goroutine died inside a
    // map write) plus the other goroutines on that map or at that line.
    auto map_name = [&](const MapGoroutine &mg) -> std::string {
      if (mg.maps.empty())
        return "an unidentified map";
      const KnownMap &km = maps[mg.maps.front()];
      return km.name + " (" + HexAddr(km.address) + ")";
    };
    if (crash) {
      std::string others;
      for (const auto &mg : touching)
        if (&mg != crash) {
          others += (others.empty() ? "" : "; ") + std::string("goroutine ") +
                    std::to_string(mg.g->id) + " " +
                    (mg.reason == "same line" ? std::string("at the same line")
                     : mg.crashed             ? "also died in " + mg.map_function
                                              : "in " + mg.map_function) +
                    (mg.user >= 0 ? " (" + Where(mg.g->frames[mg.user]) + ")" : "");
        }
      findings.Add(DiagCode::ConcurrentWriter, Severity::Error,
                   "goroutine " + std::to_string(crash->g->id) + " died in " +
                       crash->map_function + " (" + std::string(MapOpName(crash->op)) +
                       ") on " + map_name(*crash) +
                       (others.empty() ? "; no other goroutine is in map code now"
                                       : "; " + others),
                   crash->maps.empty() ? 0 : maps[crash->maps.front()].address);
    } else {
      // No crash: two goroutines inside map code on one map, one of them writing.
      std::map<size_t, std::vector<const MapGoroutine *>> on_map;
      for (const auto &mg : touching)
        for (size_t m : mg.maps)
          on_map[m].push_back(&mg);
      for (const auto &[m, list] : on_map) {
        bool any_write = std::any_of(list.begin(), list.end(), [](const MapGoroutine *x) {
          return x->op == MapOp::Write;
        });
        if (list.size() < 2 || !any_write)
          continue;
        std::string ids;
        for (const auto *x : list)
          ids += (ids.empty() ? "" : ", ") + std::to_string(x->g->id) + " (" +
                 std::string(MapOpName(x->op)) + ")";
        findings.Add(DiagCode::ConcurrentWriter, Severity::Error,
                     maps[m].name + " (" + HexAddr(maps[m].address) +
                         ") is in map code on goroutines " + ids + " at once",
                     maps[m].address);
      }
    }

    Json touch_json = Json::array();
    for (const auto &mg : touching) {
      Json mj = Json::array();
      for (size_t m : mg.maps)
        mj.push_back(Json{{"name", maps[m].name}, {"address", HexAddr(maps[m].address)}});
      touch_json.push_back(Json{
          {"goroutine", mg.g->id},
          {"status", mg.g->wait_reason.empty() ? mg.g->status_name : mg.g->wait_reason},
          {"reason", mg.reason},
          {"op", mg.op == MapOp::None ? Json(nullptr) : Json(std::string(MapOpName(mg.op)))},
          {"map_function", mg.map_function.empty() ? Json(nullptr) : Json(mg.map_function)},
          {"crashed", mg.crashed},
          {"user_frame", mg.user >= 0 ? FrameRef(mg.g->frames[mg.user]) : Json(nullptr)},
          {"maps", mj}});
    }
    Json diags = Json::array();
    for (const auto &d : findings.items())
      diags.push_back(DiagnosticJson(d));

    if (args.Has("json")) {
      PrintJson(result,
                Json{{"schema", "gomap/1"},
                     {"scan",
                      {{"go_version", gt.version().raw},
                       {"goroutines", gs.size()},
                       {"crash", crash ? touch_json[size_t(crash - touching.data())]
                                       : Json(nullptr)},
                       {"map_goroutines", touch_json},
                       {"maps", maps_json},
                       {"truncated", truncated},
                       {"diagnostics", diags}}}});
    } else {
      os << gt.version().raw << ": " << gs.size() << " goroutines, " << maps.size()
         << " maps checked" << (truncated ? " (stopped at " + std::to_string(kMaxMaps) + ")" : "")
         << "\n";
      if (crash)
        os << "crash: goroutine " << crash->g->id << " died in " << crash->map_function << " ("
           << MapOpName(crash->op) << ") on " << map_name(*crash)
           << (crash->user >= 0 ? ", called at " + Where(crash->g->frames[crash->user]) : "")
           << "\n";
      if (!touching.empty()) {
        os << "goroutines in map code" << (crash ? " or at the crashing line" : "") << ":\n";
        for (const auto &mg : touching)
          os << "  goroutine " << mg.g->id << " ["
             << (mg.g->wait_reason.empty() ? mg.g->status_name : mg.g->wait_reason) << "] "
             << (mg.reason == "same line" ? std::string("at the same line")
                                          : std::string(MapOpName(mg.op)) + " in " +
                                                mg.map_function +
                                                (mg.crashed ? " (in fatal)" : ""))
             << (mg.user >= 0 ? ", " + Where(mg.g->frames[mg.user]) : "")
             << (mg.maps.empty() ? "" : ", map " + maps[mg.maps.front()].name) << "\n";
      }
      for (size_t i = 0; i < maps.size(); ++i)
        if (writing[i])
          os << "map " << maps[i].name << " " << HexAddr(maps[i].address)
             << ": writing flag set\n";
      if (findings.items().empty())
        os << "no findings\n";
      for (const auto &d : findings.items())
        os << SeverityName(d.severity) << "[" << CodeName(d.code) << "]: " << d.message << "\n";
      result.AppendMessage(os.str().c_str());
    }
    SetFindingsStatus(result, findings.HasErrors());
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewScanCommand() { return std::make_unique<ScanCommand>(); }

} // namespace gomap::plugin
