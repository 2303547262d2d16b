// `gomap scan`: whole-process/core triage. Which goroutine died in a map
// operation and on which map, which other goroutines were in map operations or
// at the same source line, and `gomap check` (core/check.h) of every map
// reachable from package variables and from the user frames of those goroutines.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "core/check.h"
#include "core/location.h"
#include "core/map_args.h"
#include "core/map_ops.h"
#include "core/reach.h"
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
  std::string path;  // shortest path from a root ("main.srv.sessions"), "" unknown
  std::string where; // the path's root frame ("goroutine 7, frame 2, main.f"), "" for globals
};

// A goroutine that touches a map: inside a runtime map function, or at the
// source line where another goroutine died in one.
struct MapGoroutine {
  const Goroutine *g = nullptr;
  MapOp op = MapOp::None;
  std::string map_function; // outermost runtime map frame ("" when not inside one)
  int user = -1;            // frame index of the caller in user code
  int first_map = -1;       // frame index of the innermost runtime map frame
  bool crashed = false;     // a fatal frame inside the map operation
  std::string reason;       // "map operation", "same line"
  std::vector<size_t> maps; // indexes into the known maps: its map argument, then its stack's
  RecoveredMap arg;         // the map function's map argument (header 0: not recovered)
  std::string arg_why;      // why not
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
      if (mg.first_map < 0)
        mg.first_map = int(i);
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


// The standard library's and the runtime's packages: no dot in the first
// path element ("net/http", "sync"), except main.
bool IsStdPackage(const std::string &pkg) {
  if (pkg.empty() || pkg == "main")
    return false;
  size_t slash = pkg.find('/');
  return pkg.substr(0, slash).find('.') == std::string::npos && pkg != "gomapfixtures" &&
         pkg.rfind("gomapfixtures/", 0) != 0;
}

bool IsRuntimePackage(const std::string &pkg) {
  return pkg == "runtime" || pkg.rfind("runtime/", 0) == 0 || pkg.rfind("internal/", 0) == 0;
}

// The value of a pointer-sized variable of a frame, if it has one.
bool PointerVar(GoTarget &gt, const FrameScope &scope, const FrameVar &v, uint64_t *out) {
  if (!v.type || v.type->kind != Kind::Pointer || !v.has_location)
    return false;
  VarValue val = EvaluateLocation(v.expr, 8, scope.ctx, gt.memory());
  if (!val.ok)
    return false;
  if (val.in_memory)
    return gt.memory().ReadPtr(val.addr, out);
  if (val.bytes.size() < 8)
    return false;
  std::memcpy(out, val.bytes.data(), 8);
  return true;
}

std::string FrameWhere(const Goroutine &g, size_t k, const std::string &function) {
  return "goroutine " + std::to_string(g.id) + ", frame " + std::to_string(k) + ", " +
         function;
}

// The variables of frame k of g as naming roots of `tier`.
void FrameRoots(GoTarget &gt, lldb::SBProcess process, const Goroutine &g, size_t k, int tier,
                OverlayReader &overlay, std::vector<ReachRoot> *roots) {
  FrameScope scope = MakeScope(gt, process, g, k);
  for (const FrameVar &v : scope.vars) {
    if (!v.type || !v.has_location || v.name.empty() || v.name[0] == '.' || v.name[0] == '~')
      continue;
    VarValue val = EvaluateLocation(v.expr, v.type->size, scope.ctx, overlay);
    if (!val.ok)
      continue;
    uint64_t addr = val.in_memory ? val.addr : overlay.Add(std::move(val.bytes));
    // "&x": a variable captured by reference; the walk follows the pointer.
    std::string name = v.name[0] == '&' ? v.name.substr(1) : v.name;
    roots->push_back(ReachRoot{name, FrameWhere(g, k, scope.function), v.type, addr, tier});
  }
}

// The only map (of a plausible header) within two hops of the calling user
// frame's variables (`t.byID` when the map function's arguments are lost:
// mapaccess reads that fail before spilling them). false when none or several.
bool OnlyMapOfCaller(GoTarget &gt, lldb::SBProcess process, const MapGoroutine &mg,
                     RecoveredMap *out) {
  if (mg.user < 0)
    return false;
  OverlayReader overlay(gt.memory());
  std::vector<ReachRoot> roots;
  FrameRoots(gt, process, *mg.g, size_t(mg.user), 0, overlay, &roots);
  ReachEnv env{overlay, gt, gt, nullptr};
  ReachLimits lim;
  lim.all = true;
  lim.max_depth = 2;
  lim.max_objects = 4096;
  ReachResult res = NameMaps(env, roots, {}, lim);
  std::vector<const ReachPath *> usable;
  for (const ReachPath &p : res.found) {
    const MapLayout *layout = p.type ? gt.ForMapType(p.type) : nullptr;
    MapHeader h;
    DiagnosticSink sink;
    std::string err;
    if (layout && ReadUsableHeader(gt.memory(), *layout, p.type->name, p.map, &h, sink, &err))
      usable.push_back(&p);
  }
  if (usable.size() != 1 || res.truncated)
    return false;
  const std::string &fn = mg.g->frames[size_t(mg.user)].source.function;
  *out = RecoveredMap{usable[0]->map, usable[0]->type,
                      "the only map reachable from " + fn + "'s variables (" + usable[0]->path +
                          ")",
                      "that map's variable type"};
  return true;
}

// The map the goroutine's map function was called on, from its arguments
// (DWARF parameters, spill slots, then the caller's frame words), else the
// only map the calling user frame's variables reach.
bool RecoverCrashMap(GoTarget &gt, lldb::SBProcess process, const MapGoroutine &mg,
                     RecoveredMap *out, std::string *why) {
  const Goroutine &g = *mg.g;
  if (mg.first_map < 0)
    return false;
  int last_map = mg.user >= 0 ? mg.user - 1 : int(g.frames.size()) - 1;
  // deref: the words of a stack object a spill slot points at (mapiternext(it)
  // and (*Iter).Next take the iterator, which holds the map type and header).
  ArgTier dwarf, spill, deref, caller;
  caller.unique = true;
  for (int i = mg.first_map; i <= last_map; ++i) {
    const GoFrame &f = g.frames[size_t(i)];
    if (MapOpOf(f.source.function) == MapOp::None)
      continue;
    FrameScope scope = MakeScope(gt, process, g, size_t(i));
    for (const FrameVar &v : scope.vars) {
      if (!v.param || !v.type || v.type->kind != Kind::Pointer || !v.type->elem)
        continue;
      const std::string &tn = v.type->elem->name;
      bool is_type = tn.find("maptype") != std::string::npos ||
                     tn.find("MapType") != std::string::npos;
      bool is_map = tn == "runtime.hmap" || tn == "internal/runtime/maps.Map";
      bool is_iter = tn == "runtime.hiter" || tn == "internal/runtime/maps.Iter";
      uint64_t value = 0;
      if (is_iter && PointerVar(gt, scope, v, &value) && value) {
        for (const char *fn : {"t", "typ", "h", "m"})
          if (const Field *fld = v.type->elem->FindField(fn)) {
            uint64_t w = 0;
            if (gt.memory().ReadPtr(value + fld->offset, &w))
              (fn[0] == 't' ? dwarf.types : dwarf.headers)
                  .push_back(ArgWord{w, "DWARF " + v.name + "." + fn + " of " +
                                            f.source.function});
          }
        continue;
      }
      if ((is_type || is_map) && PointerVar(gt, scope, v, &value))
        (is_type ? dwarf.types : dwarf.headers)
            .push_back(ArgWord{value, "DWARF " + v.name + " of " + f.source.function});
    }
    if (!f.inlined && f.cfa) {
      auto words = SpillWords(gt.memory(), f.cfa, 4, f.source.function);
      spill.types.insert(spill.types.end(), words.begin(), words.end());
      spill.headers.insert(spill.headers.end(), words.begin(), words.end());
      for (const ArgWord &w : words)
        if (w.value >= g.stack_lo && w.value < g.stack_hi && w.value % 8 == 0) {
          auto behind = FrameWords(gt.memory(), w.value, w.value + 64, 8, "*(" + w.source + ")");
          deref.types.insert(deref.types.end(), behind.begin(), behind.end());
          deref.headers.insert(deref.headers.end(), behind.begin(), behind.end());
        }
    }
  }
  if (mg.user >= 0) {
    const GoFrame &u = g.frames[size_t(mg.user)];
    caller.headers = FrameWords(gt.memory(), u.sp, u.cfa, 512, u.source.function);
    caller.types = caller.headers;
  }
  if (RecoverMapArgument(gt.memory(), gt, gt, {dwarf, spill, deref, caller}, out, why))
    return true;
  return OnlyMapOfCaller(gt, process, mg, out);
}

// Roots for the naming walk, in tiers: package variables of user packages (0),
// then the variables of every goroutine's user frames (1) — a package path is
// the stabler name, a racer's own local the nearer one — then the standard
// library's package and frame variables (2); never the runtime's. Values in
// registers get synthetic addresses in `overlay`.
std::vector<ReachRoot> NamingRoots(GoTarget &gt, lldb::SBProcess process,
                                   const std::vector<Goroutine> &gs, OverlayReader &overlay) {
  std::vector<ReachRoot> roots;
  for (const GlobalVar &gv : gt.dwarf().globals()) {
    std::string pkg = PackageOf(gv.name);
    if (IsRuntimePackage(pkg) || gv.address == 0)
      continue;
    bool std_pkg = IsStdPackage(pkg);
    const Type *t = gt.dwarf().GlobalType(gv);
    if (t)
      roots.push_back(ReachRoot{gv.name, "", t, gv.address, std_pkg ? 2 : 0});
  }
  for (const auto &g : gs)
    for (size_t k = 0; k < g.frames.size(); ++k) {
      std::string pkg = PackageOf(g.frames[k].source.function);
      if (IsRuntimePackage(pkg))
        continue;
      FrameRoots(gt, process, g, k, IsStdPackage(pkg) ? 2 : 1, overlay, &roots);
    }
  return roots;
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
      maps.push_back(KnownMap{name, ref.type, ref.header, "", ""});
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
    // The map each map function was called on, from its arguments, named by
    // the shortest path from a package or frame variable.
    std::set<uint64_t> targets;
    for (auto &mg : touching)
      if (mg.first_map >= 0 && RecoverCrashMap(gt, ctx.process, mg, &mg.arg, &mg.arg_why))
        targets.insert(mg.arg.header);
    ReachResult reach;
    if (!targets.empty()) {
      OverlayReader overlay(gt.memory());
      std::vector<ReachRoot> roots = NamingRoots(gt, ctx.process, gs, overlay);
      ReachEnv env{overlay, gt, gt, [&gt](const Type *t) {
                     std::string why;
                     return gt.SyncLayoutFor(t, &why);
                   }};
      reach = NameMaps(env, roots, targets);
    }
    for (auto &mg : touching) {
      if (mg.arg.header == 0)
        continue;
      const ReachPath *rp = reach.Find(mg.arg.header);
      auto it = by_address.find(mg.arg.header);
      if (it == by_address.end()) {
        std::string name = rp ? rp->path + (rp->where.empty() ? "" : " (" + rp->where + ")")
                              : "a " + mg.arg.type->name + " not reached from any variable";
        add(name, MapRef{"", mg.arg.type, mg.arg.header, ""});
        it = by_address.find(mg.arg.header);
      }
      if (it != by_address.end() && rp) {
        maps[it->second].path = rp->path;
        maps[it->second].where = rp->where;
        if (rp->where.empty())
          maps[it->second].name = rp->path; // a package variable's path is its name
      }
    }
    for (auto &mg : touching) {
      std::vector<size_t> refs = StackReferences(gt.memory(), mg, by_address);
      if (auto it = by_address.find(mg.arg.header); mg.arg.header && it != by_address.end()) {
        mg.maps.push_back(it->second);
        refs.erase(std::remove(refs.begin(), refs.end(), it->second), refs.end());
      }
      mg.maps.insert(mg.maps.end(), refs.begin(), refs.end());
    }

    // gomap check of each map.
    DiagnosticSink findings;
    Json maps_json = Json::array();
    std::ostringstream os;
    std::vector<bool> writing(maps.size(), false);
    for (size_t i = 0; i < maps.size(); ++i) {
      const KnownMap &km = maps[i];
      Json j{{"name", km.name},
             {"path", km.path.empty() ? Json(nullptr) : Json(km.path)},
             {"where", km.where.empty() ? Json(nullptr) : Json(km.where)},
             {"type", km.type->name},
             {"address", HexAddr(km.address)}};
      std::string why;
      const MapLayout *layout = gt.LayoutFor(km.type, &why);
      DiagnosticSink sink;
      if (!layout) {
        sink.Add(DiagCode::UnsupportedLayout, Severity::Error, why, km.address);
      } else {
        // gomap check on it: header, structure and count, within the walk limits.
        CheckReport r = CheckMap(gt.memory(), *layout, km.address, Limits{});
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
        mj.push_back(Json{{"name", maps[m].name},
                          {"path", maps[m].path.empty() ? Json(nullptr) : Json(maps[m].path)},
                          {"where", maps[m].where.empty() ? Json(nullptr) : Json(maps[m].where)},
                          {"address", HexAddr(maps[m].address)}});
      touch_json.push_back(Json{
          {"goroutine", mg.g->id},
          {"status", mg.g->wait_reason.empty() ? mg.g->status_name : mg.g->wait_reason},
          {"reason", mg.reason},
          {"op", mg.op == MapOp::None ? Json(nullptr) : Json(std::string(MapOpName(mg.op)))},
          {"map_function", mg.map_function.empty() ? Json(nullptr) : Json(mg.map_function)},
          {"crashed", mg.crashed},
          {"user_frame", mg.user >= 0 ? FrameRef(mg.g->frames[mg.user]) : Json(nullptr)},
          {"maps", mj},
          {"map_argument",
           mg.arg.header ? Json{{"address", HexAddr(mg.arg.header)},
                                {"type", mg.arg.type->name},
                                {"source", mg.arg.source},
                                {"type_source", mg.arg.type_source}}
                         : Json(nullptr)}});
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
                       {"naming",
                        {{"objects", reach.objects},
                         {"bytes", reach.bytes},
                         {"truncated", reach.truncated},
                         {"cut", reach.cut.empty() ? Json(nullptr) : Json(reach.cut)}}},
                       {"diagnostics", diags}}}});
    } else {
      os << gt.version().raw << ": " << gs.size() << " goroutines, " << maps.size()
         << " maps checked" << (truncated ? " (stopped at " + std::to_string(kMaxMaps) + ")" : "")
         << "\n";
      if (reach.truncated)
        os << "naming walk stopped at its caps (" << reach.cut << ") after " << reach.objects
           << " values, " << reach.bytes << " bytes\n";
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
