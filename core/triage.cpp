// Crash triage (see triage.h).
#include "core/triage.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "core/map.h"
#include "core/runtime_g.h"
#include "core/value.h"
#include "core/work_stop.h"

namespace gomap {

namespace {

using ojson = nlohmann::ordered_json;

// The standard library's and the runtime's packages: no dot in the first
// path element ("net/http", "sync"), except main and the fixtures' module.
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

// "main.(*T).m" -> "main", "example.com/a/b.F.func1" -> "example.com/a/b".
std::string PackageOfName(const std::string &fn) {
  size_t slash = fn.rfind('/');
  size_t dot = fn.find('.', slash == std::string::npos ? 0 : slash);
  return dot == std::string::npos ? fn : fn.substr(0, dot);
}

bool IsUserFunction(const std::string &fn) {
  std::string pkg = PackageOfName(fn);
  return !IsRuntimePackage(pkg) && !IsStdPackage(pkg);
}

std::string Where(const GoFrame &f) {
  size_t slash = f.source.file.rfind('/');
  std::string file = slash == std::string::npos ? f.source.file : f.source.file.substr(slash + 1);
  return file + ":" + std::to_string(f.source.line) + " " + f.source.function;
}

std::string Line(const SourceFrame &s) {
  size_t slash = s.file.rfind('/');
  return (slash == std::string::npos ? s.file : s.file.substr(slash + 1)) + ":" +
         std::to_string(s.line);
}

std::string FrameWhere(const Goroutine &g, size_t k) {
  return "goroutine " + std::to_string(g.id) + ", frame " + std::to_string(k) + ", " +
         g.frames[k].source.function;
}

// The variables of frame k of g as walk roots ("&x", captured by reference:
// the walk follows the pointer; compiler temporaries are left out).
std::vector<ReachRoot> FrameRootsOf(TriageHost &host, const Goroutine &g, size_t k, int tier,
                                    OverlayReader &overlay) {
  std::vector<ReachRoot> roots;
  for (const FrameValue &v : host.FrameValues(g, k, overlay)) {
    if (!v.type || v.name.empty() || v.name[0] == '.' || v.name[0] == '~')
      continue;
    std::string name = v.name[0] == '&' ? v.name.substr(1) : v.name;
    roots.push_back(ReachRoot{name, FrameWhere(g, k), v.type, v.address, tier});
  }
  return roots;
}

// Package variables of user packages (tier 0) and the standard library's (2);
// never the runtime's.
std::vector<ReachRoot> GlobalRoots(TriageHost &host) {
  std::vector<ReachRoot> roots;
  for (const GlobalValue &gv : host.Globals()) {
    std::string pkg = PackageOfName(gv.name);
    if (IsRuntimePackage(pkg) || gv.address == 0 || !gv.type)
      continue;
    roots.push_back(ReachRoot{gv.name, "", gv.type, gv.address, IsStdPackage(pkg) ? 2 : 0});
  }
  return roots;
}

// Every goroutine's frame variables: user frames (tier 1), the standard
// library's (2); never the runtime's.
std::vector<ReachRoot> GoroutineRoots(TriageHost &host, const std::vector<Goroutine> &gs,
                                      OverlayReader &overlay) {
  std::vector<ReachRoot> roots;
  for (const Goroutine &g : gs)
    for (size_t k = 0; k < g.frames.size(); ++k) {
      std::string pkg = PackageOfName(g.frames[k].source.function);
      if (IsRuntimePackage(pkg))
        continue;
      auto fr = FrameRootsOf(host, g, k, IsStdPackage(pkg) ? 2 : 1, overlay);
      roots.insert(roots.end(), fr.begin(), fr.end());
    }
  return roots;
}

// Not executing user code: parked on a channel, a lock, a timer, the network.
// A goroutine the scheduler preempted is still between two of its statements.
bool Blocked(const Goroutine &g) {
  if (g.status != kGwaiting)
    return false;
  return g.wait_reason != "preempted" && !g.wait_reason.empty();
}

// The outermost runtime map frame (the entry point user code called) and
// whether a fatal frame lies inside it.
TriageGoroutine Classify(const Goroutine &g) {
  TriageGoroutine mg;
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
  if (mg.op != MapOp::None) {
    mg.reason = "map operation";
    mg.role = std::string(MapRoleOf(mg.map_function));
  }
  return mg;
}

// The words of g's stack from frame 0's SP up to `hi` (or its stack top).
std::vector<uint64_t> StackWords(MemoryReader &mem, const Goroutine &g, uint64_t hi,
                                 uint64_t max_bytes, uint64_t *lo_out) {
  std::vector<uint64_t> words;
  if (g.frames.empty() || g.frames.front().sp == 0)
    return words;
  uint64_t lo = g.frames.front().sp & ~uint64_t(7);
  if (hi == 0)
    hi = g.stack_hi;
  if (hi <= lo)
    return words;
  hi = std::min(hi, lo + max_bytes);
  words.resize((hi - lo) / 8);
  words.resize(mem.Read(lo, words.data(), words.size() * 8) / 8);
  if (lo_out)
    *lo_out = lo;
  return words;
}

std::string Hex(uint64_t v) { return HexAddr(v); }

class Triager {
public:
  Triager(TriageHost &host, const std::vector<Goroutine> &gs, const Goroutine *signalled,
          const TriageOptions &opts)
      : host_(host), gs_(gs), signalled_(signalled), opts_(opts), overlay_(host.memory()) {}

  TriageReport Run();

private:
  // --- the map function's map argument
  bool RecoverArgument(TriageGoroutine &mg);
  bool OnlyMapOfCaller(const TriageGoroutine &mg, RecoveredMap *out);
  std::vector<ReachRoot> FrameRoots(const Goroutine &g, size_t k, int tier);
  // --- maps
  size_t AddMap(const std::string &name, const Type *type, uint64_t header);
  void KnownMaps();
  void NameTargets();
  // --- racers
  void Racers(size_t target);
  bool Reaches(const Goroutine &g, uint64_t header, Evidence *ev);
  bool OnStack(const Goroutine &g, uint64_t header, Evidence *ev);
  std::vector<MapCallSite> CallsOn(const Goroutine &g, uint64_t type_word, int *frame,
                                   std::vector<uint64_t> *globals);
  // --- findings
  void CheckMaps();
  void Verdict();
  void FatalText();

  TriageHost &host_;
  const std::vector<Goroutine> &gs_;
  const Goroutine *signalled_;
  TriageOptions opts_;
  OverlayReader overlay_;
  TriageReport r_;
  std::map<uint64_t, size_t> by_address_;
};

std::vector<ReachRoot> Triager::FrameRoots(const Goroutine &g, size_t k, int tier) {
  return FrameRootsOf(host_, g, k, tier, overlay_);
}

// The only map (of a plausible header) within two hops of the calling user
// frame's variables (`t.byID` when the map function's arguments are lost:
// mapaccess reads that fail before spilling them). false when none or several.
bool Triager::OnlyMapOfCaller(const TriageGoroutine &mg, RecoveredMap *out) {
  if (mg.user < 0)
    return false;
  std::vector<ReachRoot> roots = FrameRoots(*mg.g, size_t(mg.user), 0);
  ReachEnv env{overlay_, host_.types(), host_.maps(), nullptr};
  ReachLimits lim;
  lim.all = true;
  lim.max_depth = 2;
  lim.max_objects = 4096;
  ReachResult res = NameMaps(env, roots, {}, lim);
  std::vector<const ReachPath *> usable;
  for (const ReachPath &p : res.found) {
    const MapLayout *layout = p.type ? host_.maps().ForMapType(p.type) : nullptr;
    MapHeader h;
    DiagnosticSink sink;
    std::string err;
    if (layout && ReadUsableHeader(host_.memory(), *layout, p.type->name, p.map, &h, sink, &err))
      usable.push_back(&p);
  }
  if (usable.size() != 1 || res.truncated)
    return false;
  const std::string &fn = mg.g->frames[size_t(mg.user)].source.function;
  *out =
      RecoveredMap{usable[0]->map,
                   usable[0]->type,
                   "the only map reachable from " + fn + "'s variables (" + usable[0]->path + ")",
                   "that map's variable type",
                   0,
                   ""};
  return true;
}

// The map the goroutine's map function was called on: its DWARF parameters
// (the header, the type, or an iterator holding both), the register-ABI spill
// slots at each map frame's CFA, the iterator a spilled stack pointer points
// at, then the calling frame's words (where exactly one must check out); else
// the only map the calling user frame's variables reach.
bool Triager::RecoverArgument(TriageGoroutine &mg) {
  const Goroutine &g = *mg.g;
  if (mg.first_map < 0)
    return false;
  int last_map = mg.user >= 0 ? mg.user - 1 : int(g.frames.size()) - 1;
  ArgTier dwarf, spill, deref, caller;
  caller.unique = true;
  MemoryReader &mem = host_.memory();
  // `what` names the iterator: "DWARF it of f" -> "DWARF it.h of f".
  auto iter_words = [&](uint64_t it, const std::string &name, const std::string &of,
                        ArgTier *tier) {
    for (MapImpl impl : {MapImpl::Classic, MapImpl::Swiss}) {
      const IterLayout *il = host_.IterLayoutFor(impl);
      if (!il)
        continue;
      for (const char *fn : {"t", "typ", "h", "m"})
        if (const StructField *f = il->it.Find(fn)) {
          uint64_t w = 0;
          if (mem.ReadPtr(it + f->offset, &w))
            (fn[0] == 't' ? tier->types : tier->headers)
                .push_back(ArgWord{w, name + "." + fn + of});
        }
    }
  };
  for (int i = mg.first_map; i <= last_map; ++i) {
    const GoFrame &f = g.frames[size_t(i)];
    if (MapOpOf(f.source.function) == MapOp::None)
      continue;
    for (const FrameValue &v : host_.FrameValues(g, size_t(i), overlay_)) {
      if (!v.param || !v.type || v.type->kind != Kind::Pointer || !v.type->elem)
        continue;
      const std::string &tn = v.type->elem->name;
      bool is_type =
          tn.find("maptype") != std::string::npos || tn.find("MapType") != std::string::npos;
      bool is_map = tn == "runtime.hmap" || tn == "internal/runtime/maps.Map";
      bool is_iter = tn == "runtime.hiter" || tn == "internal/runtime/maps.Iter";
      uint64_t value = 0;
      if (!(is_type || is_map || is_iter) || !overlay_.ReadPtr(v.address, &value) || !value)
        continue;
      std::string of = " of " + f.source.function;
      if (is_iter)
        iter_words(value, "DWARF " + v.name, of, &dwarf);
      else
        (is_type ? dwarf.types : dwarf.headers).push_back(ArgWord{value, "DWARF " + v.name + of});
    }
    if (!f.inlined && f.cfa) {
      auto words = SpillWords(mem, f.cfa, 4, f.source.function);
      spill.types.insert(spill.types.end(), words.begin(), words.end());
      spill.headers.insert(spill.headers.end(), words.begin(), words.end());
      // mapiternext(it) and (*Iter).Next take the iterator, which lives on
      // the stack of a range loop and holds the map type and header.
      if (mg.op == MapOp::Iterate)
        for (const ArgWord &w : words)
          if (w.value >= g.stack_lo && w.value < g.stack_hi && w.value % 8 == 0)
            iter_words(w.value, "iterator *(" + w.source + ")", "", &deref);
    }
  }
  if (mg.user >= 0) {
    const GoFrame &u = g.frames[size_t(mg.user)];
    caller.headers = FrameWords(mem, u.sp, u.cfa, 512, u.source.function);
    caller.types = caller.headers;
  }
  if (RecoverMapArgument(mem, host_.types(), host_.maps(), {dwarf, spill, deref, caller}, &mg.arg,
                         &mg.arg_why))
    return true;
  return OnlyMapOfCaller(mg, &mg.arg);
}

size_t Triager::AddMap(const std::string &name, const Type *type, uint64_t header) {
  if (header == 0 || !type)
    return SIZE_MAX;
  if (auto it = by_address_.find(header); it != by_address_.end())
    return it->second;
  if (r_.maps.size() >= opts_.max_maps) {
    r_.truncated = true;
    return SIZE_MAX;
  }
  by_address_[header] = r_.maps.size();
  TriageMap m;
  m.name = name;
  m.type = type;
  m.address = header;
  r_.maps.push_back(std::move(m));
  return r_.maps.size() - 1;
}

// Maps of user packages' variables and of every goroutine's user frames (a
// map variable holds the header pointer), up to max_maps.
void Triager::KnownMaps() {
  MemoryReader &mem = host_.memory();
  for (const GlobalValue &gv : host_.Globals()) {
    std::string pkg = PackageOfName(gv.name);
    if (!gv.type || gv.type->kind != Kind::Map || IsRuntimePackage(pkg) || IsStdPackage(pkg))
      continue;
    uint64_t h = 0;
    if (mem.ReadPtr(gv.address, &h) && h) {
      size_t i = AddMap(gv.name, gv.type, h);
      if (i != SIZE_MAX && r_.maps[i].root_address == 0)
        r_.maps[i].root_address = gv.address;
    }
  }
  // The goroutines in map code first: their maps must not fall past the cap.
  std::vector<std::pair<const Goroutine *, size_t>> frames;
  for (const TriageGoroutine &mg : r_.touching)
    if (mg.user >= 0)
      frames.push_back({mg.g, size_t(mg.user)});
  for (const Goroutine &g : gs_)
    for (size_t k = 0; k < g.frames.size(); ++k)
      if (IsUserFunction(g.frames[k].source.function) && !g.frames[k].inlined)
        frames.push_back({&g, k});
  for (const auto &[g, k] : frames) {
    if (r_.truncated)
      break; // the cap is hit: reading more frames names nothing
    for (const FrameValue &v : host_.FrameValues(*g, k, overlay_)) {
      if (!v.type || v.type->kind != Kind::Map || v.name.empty() || v.name[0] == '.')
        continue;
      uint64_t h = 0;
      if (overlay_.ReadPtr(v.address, &h) && h)
        AddMap((v.name[0] == '&' ? v.name.substr(1) : v.name) + " (goroutine " +
                   std::to_string(g->id) + ", frame " + std::to_string(k) + ")",
               v.type, h);
    }
  }
}

// Names each map function's map argument by the shortest path from a root:
// package variables of user packages (tier 0), every goroutine's user frames
// (1), the standard library's (2); never the runtime's.
void Triager::NameTargets() {
  std::set<uint64_t> targets;
  for (const TriageGoroutine &mg : r_.touching)
    if (mg.arg.header)
      targets.insert(mg.arg.header);
  if (targets.empty())
    return;
  std::vector<ReachRoot> roots = GlobalRoots(host_);
  std::vector<ReachRoot> frames = GoroutineRoots(host_, gs_, overlay_);
  roots.insert(roots.end(), frames.begin(), frames.end());
  ReachEnv env{overlay_, host_.types(), host_.maps(),
               [this](const Type *t) { return host_.SyncLayout(t); }};
  ReachLimits naming = opts_.naming;
  if (!naming.stop)
    naming.stop = opts_.stop;
  r_.naming = NameMaps(env, roots, targets, naming);
  for (TriageGoroutine &mg : r_.touching) {
    if (!mg.arg.header)
      continue;
    const ReachPath *rp = r_.naming.Find(mg.arg.header);
    size_t i = by_address_.count(mg.arg.header) ? by_address_[mg.arg.header] : SIZE_MAX;
    if (i == SIZE_MAX) {
      std::string name = rp ? rp->path + (rp->where.empty() ? "" : " (" + rp->where + ")")
                            : "a " + mg.arg.type->name + " not reached from any variable";
      i = AddMap(name, mg.arg.type, mg.arg.header);
    }
    if (i != SIZE_MAX && rp) {
      r_.maps[i].path = rp->path;
      r_.maps[i].where = rp->where;
      if (rp->where.empty())
        r_.maps[i].root_address = roots[rp->root].address;
      if (rp->where.empty())
        r_.maps[i].name = rp->path; // a package variable's path is its name
    }
  }
}

// A typed path from one of g's user frames' variables to the map.
bool Triager::Reaches(const Goroutine &g, uint64_t header, Evidence *ev) {
  std::vector<ReachRoot> roots;
  for (size_t k = 0; k < g.frames.size(); ++k)
    if (IsUserFunction(g.frames[k].source.function)) {
      auto fr = FrameRoots(g, k, 0);
      roots.insert(roots.end(), fr.begin(), fr.end());
    }
  if (roots.empty())
    return false;
  ReachEnv env{overlay_, host_.types(), host_.maps(),
               [this](const Type *t) { return host_.SyncLayout(t); }};
  ReachLimits lim;
  lim.max_depth = 6;
  lim.max_objects = 20000;
  lim.max_bytes = 8ull << 20;
  ReachResult res = NameMaps(env, roots, {header}, lim);
  const ReachPath *p = res.Find(header);
  if (!p)
    return false;
  *ev = Evidence{3, "variable",
                 "its variable " + roots[p->root].name + " reaches the map as " + p->path + " (" +
                     p->where + ")"};
  return true;
}

// The frame of g whose [sp, CFA) holds `at`, as ", frame k f" ("" when none).
std::string FrameOf(const Goroutine &g, uint64_t at) {
  for (size_t k = 0; k < g.frames.size(); ++k)
    if (g.frames[k].cfa && at < g.frames[k].cfa)
      return ", frame " + std::to_string(k) + " " + g.frames[k].source.function;
  return "";
}

// The map's header address in g's registers or stack words, or — one hop —
// in the first bytes of an object a word near the top of its stack points at
// (a spilled receiver `c` whose field `c.m` is the map).
bool Triager::OnStack(const Goroutine &g, uint64_t header, Evidence *ev) {
  std::vector<uint64_t> regs = host_.Registers(g);
  for (size_t i = 0; i < regs.size(); ++i)
    if (regs[i] == header) {
      *ev = Evidence{2, "register", "the map's address is in a register of its thread"};
      return true;
    }
  uint64_t lo = 0;
  std::vector<uint64_t> words = StackWords(host_.memory(), g, 0, opts_.max_stack_scan, &lo);
  for (size_t i = 0; i < words.size(); ++i)
    if (words[i] == header) {
      uint64_t at = lo + i * 8;
      *ev = Evidence{2, "stack-word",
                     "the map's address is on its stack at " + Hex(at) + FrameOf(g, at)};
      return true;
    }
  constexpr size_t kHopWords = 512;  // the top 4 KiB of the stack
  constexpr size_t kObjectWords = 8; // the first 64 bytes of the object
  std::set<uint64_t> seen;
  for (size_t i = 0; i < words.size() && i < kHopWords; ++i) {
    uint64_t p = words[i];
    if (p < 0x1000 || p >= (uint64_t(1) << 47) || p % 8 != 0 ||
        (p >= g.stack_lo && p < g.stack_hi) || !seen.insert(p).second)
      continue;
    uint64_t obj[kObjectWords];
    size_t got = host_.memory().Read(p, obj, sizeof obj) / 8;
    for (size_t j = 0; j < got; ++j)
      if (obj[j] == header) {
        uint64_t at = lo + i * 8;
        *ev = Evidence{2, "stack-word",
                       "a pointer on its stack at " + Hex(at) + FrameOf(g, at) + " is to " +
                           Hex(p) + ", which holds the map's address at +" + Hex(j * 8)};
        return true;
      }
  }
  return false;
}

// The map calls still ahead of g's innermost user frames (and of their user
// callees) that pass the map's type (or a type the code does not show).
std::vector<MapCallSite> Triager::CallsOn(const Goroutine &g, uint64_t type_word, int *frame,
                                          std::vector<uint64_t> *globals) {
  int seen = 0;
  for (size_t k = 0; k < g.frames.size() && seen < 3; ++k) {
    if (!IsUserFunction(g.frames[k].source.function) || g.frames[k].inlined)
      continue;
    ++seen;
    uint64_t pc = g.frames[k].pc - (k > 0 ? 1 : 0);
    std::vector<uint64_t> refs;
    std::vector<MapCallSite> calls = FindMapCalls(host_, pc, &IsUserFunction, {}, &refs);
    calls.erase(std::remove_if(calls.begin(), calls.end(),
                               [&](const MapCallSite &c) {
                                 return !c.ahead ||
                                        (type_word && c.type_word && c.type_word != type_word);
                               }),
                calls.end());
    if (!calls.empty()) {
      *frame = int(k);
      *globals = std::move(refs);
      return calls;
    }
  }
  return {};
}

std::string CallsText(const std::vector<MapCallSite> &calls) {
  std::string s;
  std::set<std::string> seen;
  for (const MapCallSite &c : calls) {
    std::string one = c.callee + " at " + Line(c.where);
    if (!seen.insert(one).second)
      continue;
    if (seen.size() > 4) {
      s += ", …";
      break;
    }
    s += (s.empty() ? "" : ", ") + one;
  }
  return s;
}

std::string RoleOfCalls(const std::vector<MapCallSite> &calls) {
  for (const char *want : {"write", "delete", "clear", "iterate", "read"})
    for (const MapCallSite &c : calls)
      if (c.role == want)
        return want;
  return "";
}

// Every goroutine racing on maps[target], with its evidence: inside a map
// function on it; else not parked, referring to it (a variable's typed path,
// its address on the stack or in a register) or at the crashing call's line,
// and running code that calls map functions on its type.
void Triager::Racers(size_t target) {
  const TriageMap &m = r_.maps[target];
  uint64_t type_word = 0;
  for (const TriageGoroutine &mg : r_.touching)
    if (mg.arg.header == m.address && mg.arg.type_word)
      type_word = mg.arg.type_word;
  const TriageGoroutine *crash = r_.crash >= 0 ? &r_.touching[size_t(r_.crash)] : nullptr;
  for (TriageGoroutine &mg : r_.touching) {
    if (mg.op == MapOp::None)
      continue;
    if (mg.arg.header == m.address) {
      mg.evidence.push_back(Evidence{4, "map-argument",
                                     std::string(mg.crashed ? "died" : "is") + " in " +
                                         mg.map_function + " on the map (" + mg.arg.source + ")"});
    } else if (mg.arg.header == 0) {
      Evidence ev;
      uint64_t hi = mg.user >= 0 ? mg.g->frames[size_t(mg.user)].cfa : 0;
      uint64_t lo = 0;
      auto words = StackWords(host_.memory(), *mg.g, hi, opts_.max_stack_scan, &lo);
      if (std::find(words.begin(), words.end(), m.address) != words.end())
        mg.evidence.push_back(
            Evidence{3, "stack-argument",
                     "is in " + mg.map_function + " and the map's address is among its arguments"});
    }
    if (!mg.evidence.empty() && mg.maps.empty())
      mg.maps.push_back(target);
  }
  // Goroutines outside map code, and those in map code on another map (a
  // lookup in the outer map of a map of maps): their frames and code.
  std::vector<TriageGoroutine> found;
  for (const Goroutine &g : gs_) {
    TriageGoroutine *in_code = nullptr;
    for (TriageGoroutine &mg : r_.touching)
      if (mg.g == &g)
        in_code = &mg;
    if ((in_code && !in_code->evidence.empty()) || Blocked(g) || g.frames.empty())
      continue;
    TriageGoroutine mg;
    mg.g = &g;
    Evidence ref;
    bool same_line = false;
    if (crash && crash->user >= 0 && !in_code) {
      const GoFrame &line = crash->g->frames[size_t(crash->user)];
      for (size_t i = 0; i < g.frames.size(); ++i)
        if (g.frames[i].source.function == line.source.function &&
            g.frames[i].source.file == line.source.file &&
            g.frames[i].source.line == line.source.line) {
          same_line = true;
          mg.user = int(i);
          mg.evidence.push_back(
              Evidence{3, "same-line", "at the crashing call's line (" + Where(g.frames[i]) + ")"});
          break;
        }
    }
    if (Reaches(g, m.address, &ref) || OnStack(g, m.address, &ref))
      mg.evidence.push_back(ref);
    int frame = -1;
    std::vector<uint64_t> globals;
    mg.calls = CallsOn(g, type_word, &frame, &globals);
    if (!mg.calls.empty() && m.root_address &&
        std::find(globals.begin(), globals.end(), m.root_address) != globals.end())
      mg.evidence.push_back(Evidence{2, "code",
                                     g.frames[size_t(frame)].source.function +
                                         " reads the package variable " + m.path + " starts at"});
    bool has_ref = std::any_of(mg.evidence.begin(), mg.evidence.end(),
                               [](const Evidence &e) { return e.kind != "same-line"; });
    if (!same_line && (!has_ref || mg.calls.empty()))
      continue; // no reference, or no code that operates on the map ahead
    if (!mg.calls.empty())
      mg.evidence.push_back(Evidence{
          1, "calls", g.frames[size_t(frame)].source.function + " calls " + CallsText(mg.calls)});
    if (in_code) {
      in_code->role = RoleOfCalls(mg.calls); // what it does to this map
      in_code->evidence = std::move(mg.evidence);
      in_code->calls = std::move(mg.calls);
      in_code->reason = "map operation; references the map";
      in_code->maps.push_back(target);
      continue;
    }
    if (mg.user < 0)
      mg.user = frame;
    mg.role = same_line && crash ? crash->role : RoleOfCalls(mg.calls);
    mg.reason = same_line ? "same line" : "references the map";
    mg.maps.push_back(target);
    found.push_back(std::move(mg));
  }
  for (TriageGoroutine &mg : found)
    r_.touching.push_back(std::move(mg));
  for (TriageGoroutine &mg : r_.touching) {
    std::stable_sort(mg.evidence.begin(), mg.evidence.end(),
                     [](const Evidence &a, const Evidence &b) { return a.strength > b.strength; });
    mg.strength = 0;
    for (const Evidence &e : mg.evidence)
      mg.strength += e.strength;
  }
}

void Triager::CheckMaps() {
  for (TriageMap &m : r_.maps) {
    if (opts_.stop && opts_.stop->Stop()) {
      r_.stopped = opts_.stop->Reason();
      std::string hint = opts_.stop->Hint();
      r_.findings.Add(DiagCode::Truncated, Severity::Warning,
                      "scan stopped (" + r_.stopped +
                          "): " + std::to_string(r_.maps.size() - r_.checked) + " of " +
                          std::to_string(r_.maps.size()) + " maps not checked" +
                          (hint.empty() ? "" : "; " + hint),
                      0);
      return;
    }
    ++r_.checked;
    const MapLayout *layout = host_.maps().ForMapType(m.type);
    if (!layout) {
      m.diags.Add(DiagCode::UnsupportedLayout, Severity::Error, "no layout for " + m.type->name,
                  m.address);
      continue;
    }
    heap::Mheap *heap = host_.Heap();
    Limits limits;
    limits.stop = opts_.stop; // a huge map's check stops too
    CheckReport cr = CheckMap(host_.memory(), *layout, m.address, limits, heap);
    m.checked = true;
    m.header_ok = cr.header_ok;
    m.truncated = cr.truncated;
    if (cr.header_ok) {
      m.header = cr.header;
      m.walked = cr.walked.entries;
      DiagnosticSink scratch;
      m.state = DescribeMap(host_.memory(), *layout, cr.header, Limits{}, scratch).state;
      // Its iterators' findings, as `gomap check` reports them.
      for (const auto &[where, it] : host_.Iterators(m.address)) {
        DiagnosticSink prefixed;
        for (const Diagnostic &d : it.diags.items())
          prefixed.Add(d.code, d.severity, where + ": " + d.message, d.address);
        MergeDiagnostics(cr.diags, prefixed);
        if (heap)
          CheckIterPointers(*heap, *layout, it, where, &cr);
      }
    }
    m.pointers = cr.pointers;
    m.diags.Append(cr.diags);
    for (const Diagnostic &d : m.diags.items())
      r_.findings.Add(d.code, d.severity, m.name + ": " + d.message, d.address);
  }
}

void Triager::FatalText() {
  std::vector<uint8_t> ring;
  uint64_t index = 0;
  bool have_ring = false, have_index = false;
  for (const GlobalValue &gv : host_.Globals()) {
    if (gv.name == "runtime.printBacklog" && gv.type && gv.type->size > 0 &&
        gv.type->size <= 4096) {
      ring.resize(gv.type->size);
      have_ring = host_.memory().Read(gv.address, ring.data(), ring.size()) == ring.size();
    } else if (gv.name == "runtime.printBacklogIndex") {
      have_index = host_.memory().ReadPtr(gv.address, &index);
    }
  }
  if (have_ring && have_index) {
    r_.fatal = FatalFromBacklog(ring, index);
    if (!r_.fatal.empty())
      r_.fatal_source = "runtime.printBacklog";
  }
  if (r_.fatal.empty() && r_.crash >= 0) {
    const TriageGoroutine &c = r_.touching[size_t(r_.crash)];
    r_.fatal = FatalForRole(c.role);
    r_.fatal_source = "what " + c.map_function + " throws";
  }
}

void Triager::Verdict() {
  if (r_.crash < 0) {
    // No crash: two goroutines inside map code on one map, one of them writing.
    std::map<size_t, std::vector<const TriageGoroutine *>> on_map;
    for (const TriageGoroutine &mg : r_.touching)
      if (mg.op != MapOp::None && !mg.maps.empty())
        on_map[mg.maps.front()].push_back(&mg);
    for (const auto &[m, list] : on_map) {
      bool any_write = std::any_of(list.begin(), list.end(),
                                   [](const TriageGoroutine *x) { return x->op == MapOp::Write; });
      if (list.size() < 2 || !any_write)
        continue;
      std::string ids;
      for (const auto *x : list)
        ids += (ids.empty() ? "" : ", ") + std::to_string(x->g->id) + " (" + x->role + ")";
      r_.findings.Add(DiagCode::ConcurrentWriter, Severity::Error,
                      r_.maps[m].name + " (" + Hex(r_.maps[m].address) +
                          ") is in map code on goroutines " + ids + " at once",
                      r_.maps[m].address);
    }
    return;
  }
  const TriageGoroutine &c = r_.touching[size_t(r_.crash)];
  if (r_.fatal.find("iteration") != std::string::npos || (r_.fatal.empty() && c.role == "iterate"))
    r_.race = "iterate/write";
  else if (r_.fatal.find("read") != std::string::npos || (r_.fatal.empty() && c.role == "read"))
    r_.race = "read/write";
  else
    r_.race = "write/write";
  std::string on = c.maps.empty() ? std::string("a map scan could not identify")
                                  : r_.maps[c.maps.front()].name + " (" +
                                        Hex(r_.maps[c.maps.front()].address) + ")";
  std::string others;
  for (const TriageGoroutine &mg : r_.touching)
    if (&mg != &c && !mg.evidence.empty())
      others += (others.empty() ? "" : "; ") + std::string("goroutine ") +
                std::to_string(mg.g->id) + " " + (mg.role.empty() ? "?" : mg.role) +
                (mg.user >= 0 ? " at " + Where(mg.g->frames[size_t(mg.user)]) : "") + " (" +
                mg.evidence.front().text + ")";
  r_.findings.Add(
      DiagCode::ConcurrentWriter, Severity::Error,
      (r_.fatal.empty() ? "concurrent map access" : r_.fatal) + " (" + r_.race + "): goroutine " +
          std::to_string(c.g->id) + " died in " + c.map_function + " (" + c.role + ") on " + on +
          (others.empty() ? "; no other goroutine shows evidence of racing on it" : "; " + others),
      c.maps.empty() ? 0 : r_.maps[c.maps.front()].address);
}

TriageReport Triager::Run() {
  r_.go_version = host_.GoVersion();
  r_.goroutines = gs_.size();
  for (const Goroutine &g : gs_) {
    TriageGoroutine mg = Classify(g);
    if (mg.op != MapOp::None)
      r_.touching.push_back(std::move(mg));
  }
  // Both racing writers may have detected the race. The one that died is on
  // the thread that took the fatal signal (the selected thread of a core),
  // else one still running the fatal path (the other may be parked before it).
  auto rank = [&](const TriageGoroutine &m) {
    return (m.g == signalled_ ? 2 : 0) + (m.g->status == kGrunning ? 1 : 0);
  };
  for (size_t i = 0; i < r_.touching.size(); ++i)
    if (r_.touching[i].crashed &&
        (r_.crash < 0 || rank(r_.touching[i]) > rank(r_.touching[size_t(r_.crash)])))
      r_.crash = int(i);
  for (TriageGoroutine &mg : r_.touching)
    RecoverArgument(mg);
  KnownMaps();
  NameTargets();
  for (TriageGoroutine &mg : r_.touching)
    if (mg.arg.header)
      if (auto it = by_address_.find(mg.arg.header); it != by_address_.end())
        mg.maps.push_back(it->second);
  // Goroutines in map code whose map argument was not recovered: the known
  // maps whose address is among their arguments.
  for (TriageGoroutine &mg : r_.touching) {
    if (mg.op == MapOp::None || !mg.maps.empty())
      continue;
    uint64_t hi = mg.user >= 0 ? mg.g->frames[size_t(mg.user)].cfa : 0;
    auto words = StackWords(host_.memory(), *mg.g, hi, opts_.max_stack_scan, nullptr);
    for (uint64_t w : words)
      if (auto it = by_address_.find(w);
          it != by_address_.end() &&
          std::find(mg.maps.begin(), mg.maps.end(), it->second) == mg.maps.end())
        mg.maps.push_back(it->second);
  }
  if (r_.crash >= 0) {
    const TriageGoroutine &c = r_.touching[size_t(r_.crash)];
    if (!c.maps.empty())
      Racers(c.maps.front());
  }
  FatalText();
  CheckMaps();
  Verdict();
  return std::move(r_);
}

ojson FrameJson(const GoFrame &f) {
  return ojson{{"function", f.source.function}, {"file", f.source.file}, {"line", f.source.line}};
}

ojson MapRefJson(const TriageMap &m) {
  return ojson{{"name", m.name},
               {"path", m.path.empty() ? ojson(nullptr) : ojson(m.path)},
               {"where", m.where.empty() ? ojson(nullptr) : ojson(m.where)},
               {"address", Hex(m.address)}};
}

ojson GoroutineJson(const TriageReport &r, const TriageGoroutine &mg) {
  ojson maps = ojson::array();
  for (size_t m : mg.maps)
    maps.push_back(MapRefJson(r.maps[m]));
  ojson ev = ojson::array();
  for (const Evidence &e : mg.evidence)
    ev.push_back(ojson{{"kind", e.kind}, {"strength", e.strength}, {"text", e.text}});
  ojson calls = ojson::array();
  for (const MapCallSite &c : mg.calls)
    calls.push_back(ojson{{"function", c.callee},
                          {"role", c.role},
                          {"file", c.where.file},
                          {"line", c.where.line},
                          {"via", c.via}});
  const Goroutine &g = *mg.g;
  return ojson{{"goroutine", g.id},
               {"status", g.wait_reason.empty() ? g.status_name : g.wait_reason},
               {"reason", mg.reason},
               {"op", mg.op == MapOp::None ? ojson(nullptr) : ojson(std::string(MapOpName(mg.op)))},
               {"role", mg.role.empty() ? ojson(nullptr) : ojson(mg.role)},
               {"map_function", mg.map_function.empty() ? ojson(nullptr) : ojson(mg.map_function)},
               {"crashed", mg.crashed},
               {"user_frame", mg.user >= 0 ? FrameJson(g.frames[size_t(mg.user)]) : ojson(nullptr)},
               {"maps", maps},
               {"map_argument",
                mg.arg.header
                    ? ojson{{"address", Hex(mg.arg.header)},
                            {"type", mg.arg.type->name},
                            {"source", mg.arg.source},
                            {"type_source", mg.arg.type_source},
                            {"implausible", mg.arg.implausible.empty() ? ojson(nullptr)
                                                                       : ojson(mg.arg.implausible)}}
                    : ojson(nullptr)},
               {"strength", mg.strength},
               {"evidence", ev},
               {"calls", calls}};
}

// Racers of the crash map, strongest evidence first, the crash first.
std::vector<const TriageGoroutine *> RacersOf(const TriageReport &r) {
  std::vector<const TriageGoroutine *> out;
  if (r.crash < 0)
    return out;
  const TriageGoroutine &c = r.touching[size_t(r.crash)];
  out.push_back(&c);
  for (const TriageGoroutine &mg : r.touching)
    if (&mg != &c && !mg.evidence.empty())
      out.push_back(&mg);
  std::stable_sort(
      out.begin() + 1, out.end(),
      [](const TriageGoroutine *a, const TriageGoroutine *b) { return a->strength > b->strength; });
  return out;
}

} // namespace

std::string FatalFromBacklog(const std::vector<uint8_t> &ring, uint64_t index) {
  if (ring.empty())
    return "";
  index %= ring.size();
  std::string text(ring.begin() + long(index), ring.end());
  text.append(ring.begin(), ring.begin() + long(index));
  const std::string marker = "fatal error: ";
  size_t at = text.rfind(marker);
  if (at == std::string::npos)
    return "";
  size_t start = at + marker.size();
  size_t end = text.find('\n', start);
  if (end == std::string::npos)
    return ""; // cut by the ring's end: not the whole line
  std::string line = text.substr(start, end - start);
  for (char ch : line)
    if (static_cast<unsigned char>(ch) < 0x20)
      return "";
  return line;
}

std::string FatalForRole(const std::string &role) {
  if (role == "read")
    return "concurrent map read and map write";
  if (role == "iterate")
    return "concurrent map iteration and map write";
  return "concurrent map writes";
}

std::optional<ReachPath> NameMap(TriageHost &host, const std::vector<Goroutine> *gs,
                                 uint64_t header, ReachResult *walk, const ReachLimits &limits) {
  OverlayReader overlay(host.memory());
  std::vector<ReachRoot> roots = gs ? GoroutineRoots(host, *gs, overlay) : GlobalRoots(host);
  ReachEnv env{overlay, host.types(), host.maps(),
               [&host](const Type *t) { return host.SyncLayout(t); }};
  ReachResult res = NameMaps(env, roots, {header}, limits);
  std::optional<ReachPath> out;
  if (const ReachPath *p = res.Find(header))
    out = *p;
  if (walk)
    *walk = std::move(res);
  return out;
}

TriageReport Triage(TriageHost &host, const std::vector<Goroutine> &gs, const Goroutine *signalled,
                    const TriageOptions &opts) {
  return Triager(host, gs, signalled, opts).Run();
}

ojson TriageJson(const TriageReport &r) {
  ojson touch = ojson::array();
  for (const TriageGoroutine &mg : r.touching)
    touch.push_back(GoroutineJson(r, mg));
  ojson maps = ojson::array();
  for (const TriageMap &m : r.maps) {
    ojson j = MapRefJson(m);
    j.erase("address");
    j["type"] = m.type->name;
    j["address"] = Hex(m.address);
    if (m.header_ok) {
      j["impl"] = std::string(ImplName(m.header.impl));
      j["len"] = m.header.len;
      j["walked"] = m.walked;
      j["state"] = StateJson(m.state);
    }
    j["truncated"] = m.truncated;
    j["writing"] = m.header_ok && m.header.writing;
    if (m.pointers.ran)
      j["pointers"] = PointerCheckJson(m.pointers);
    ojson d = ojson::array();
    for (const Diagnostic &x : m.diags.items())
      d.push_back(DiagnosticJson(x));
    j["diagnostics"] = d;
    maps.push_back(j);
  }
  ojson verdict = nullptr;
  if (r.crash >= 0) {
    const TriageGoroutine &c = r.touching[size_t(r.crash)];
    ojson vm = nullptr;
    if (!c.maps.empty()) {
      const TriageMap &m = r.maps[c.maps.front()];
      vm = MapRefJson(m);
      vm["type"] = m.type->name;
      vm["len"] = m.header_ok ? ojson(m.header.len) : ojson(nullptr);
      vm["state"] = m.header_ok ? StateJson(m.state) : ojson(nullptr);
    }
    ojson racers = ojson::array();
    for (const TriageGoroutine *mg : RacersOf(r)) {
      ojson ev = ojson::array();
      for (const Evidence &e : mg->evidence)
        ev.push_back(e.text);
      racers.push_back(
          ojson{{"goroutine", mg->g->id},
                {"role", mg->role.empty() ? ojson(nullptr) : ojson(mg->role)},
                {"crashed", mg->crashed},
                {"at", mg->user >= 0 ? FrameJson(mg->g->frames[size_t(mg->user)]) : ojson(nullptr)},
                {"strength", mg->strength},
                {"evidence", ev}});
    }
    verdict =
        ojson{{"fatal", r.fatal.empty() ? ojson(nullptr) : ojson(r.fatal)},
              {"fatal_source", r.fatal_source.empty() ? ojson(nullptr) : ojson(r.fatal_source)},
              {"race", r.race},
              {"map", vm},
              {"racers", racers}};
  }
  ojson diags = ojson::array();
  for (const Diagnostic &d : r.findings.items())
    diags.push_back(DiagnosticJson(d));
  return ojson{{"go_version", r.go_version},
               {"goroutines", r.goroutines},
               {"verdict", verdict},
               {"crash", r.crash >= 0 ? touch[size_t(r.crash)] : ojson(nullptr)},
               {"map_goroutines", touch},
               {"maps", maps},
               {"truncated", r.truncated},
               {"checked", r.checked},
               {"stopped", r.stopped.empty() ? ojson(nullptr) : ojson(r.stopped)},
               {"naming",
                {{"objects", r.naming.objects},
                 {"bytes", r.naming.bytes},
                 {"truncated", r.naming.truncated},
                 {"cut", r.naming.cut.empty() ? ojson(nullptr) : ojson(r.naming.cut)}}},
               {"diagnostics", diags}};
}

std::string TriageText(const TriageReport &r) {
  std::ostringstream os;
  if (r.crash >= 0) {
    const TriageGoroutine &c = r.touching[size_t(r.crash)];
    os << "fatal error: " << (r.fatal.empty() ? "?" : r.fatal) << "  (" << r.race << "; from "
       << r.fatal_source << ")\n";
    if (c.maps.empty()) {
      os << "map: not identified (" << (c.arg_why.empty() ? "no argument recovered" : c.arg_why)
         << ")\n";
    } else {
      const TriageMap &m = r.maps[c.maps.front()];
      os << "map: " << m.name << " " << Hex(m.address) << " " << m.type->name;
      if (m.header_ok)
        os << ", " << ImplName(m.header.impl) << ", len " << m.header.len << ", "
           << StateText(m.state);
      if (!c.arg.implausible.empty())
        os << "; its header fails a check: " << c.arg.implausible;
      os << "\n";
    }
    os << "racers:\n";
    for (const TriageGoroutine *mg : RacersOf(r)) {
      os << "  goroutine " << mg->g->id << " " << (mg->role.empty() ? "?" : mg->role);
      if (mg->user >= 0)
        os << " at " << Where(mg->g->frames[size_t(mg->user)]);
      os << "\n";
      for (const Evidence &e : mg->evidence)
        os << "      " << e.text << "\n";
    }
    if (RacersOf(r).size() < 2)
      os << "  (no other goroutine shows evidence of racing on it)\n";
    os << "details:\n";
  } else {
    os << "verdict: no goroutine died in a map operation"
       << (r.fatal.empty() ? "" : " (the runtime's last fatal error: " + r.fatal + ")") << "\n";
  }
  os << r.go_version << ": " << r.goroutines << " goroutines, " << r.checked << " maps checked"
     << (r.checked < r.maps.size() ? " of " + std::to_string(r.maps.size()) : "")
     << (r.truncated ? " (stopped at the cap)" : "") << "\n";
  if (r.naming.truncated)
    os << "naming walk stopped (" << r.naming.cut << ") after " << r.naming.objects << " values, "
       << r.naming.bytes << " bytes\n";
  if (r.crash >= 0) {
    const TriageGoroutine &c = r.touching[size_t(r.crash)];
    os << "crash: goroutine " << c.g->id << " died in " << c.map_function << " (" << c.role << ")"
       << (c.user >= 0 ? ", called at " + Where(c.g->frames[size_t(c.user)]) : "")
       << (c.arg.header ? ", map argument from " + c.arg.source : "") << "\n";
  }
  std::vector<const TriageGoroutine *> in_code;
  for (const TriageGoroutine &mg : r.touching)
    if (mg.op != MapOp::None)
      in_code.push_back(&mg);
  if (!in_code.empty()) {
    os << "goroutines in map code:\n";
    for (const TriageGoroutine *mg : in_code)
      os << "  goroutine " << mg->g->id << " ["
         << (mg->g->wait_reason.empty() ? mg->g->status_name : mg->g->wait_reason) << "] "
         << mg->role << " in " << mg->map_function << (mg->crashed ? " (in fatal)" : "")
         << (mg->user >= 0 ? ", " + Where(mg->g->frames[size_t(mg->user)]) : "")
         << (mg->maps.empty() ? "" : ", map " + r.maps[mg->maps.front()].name) << "\n";
  }
  for (const TriageMap &m : r.maps)
    if (m.header_ok && m.header.writing)
      os << "map " << m.name << " " << Hex(m.address) << ": writing flag set\n";
  if (r.findings.items().empty())
    os << "no findings\n";
  for (const Diagnostic &d : r.findings.items())
    os << SeverityName(d.severity) << "[" << CodeName(d.code) << "]: " << d.message << "\n";
  return os.str();
}

} // namespace gomap
