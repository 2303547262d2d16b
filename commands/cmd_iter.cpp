// `gomap iter [EXPR]`: decode one map iterator (runtime.hiter, maps.Iter,
// reflect.MapIter), or find every map iterator on every goroutine stack by
// its signature (range-loop iterators are compiler temporaries without DWARF).
#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "commands/command_support.h"
#include "commands/frames.h"
#include "commands/goroutines.h"
#include "commands/selection.h"
#include "core/iter.h"
#include "core/iter_scan.h"
#include "core/value.h"

namespace gomap::commands {

namespace {

constexpr const char *kHiterName = "runtime.hiter";
constexpr const char *kSwissIterName = "internal/runtime/maps.Iter";
constexpr const char *kMapIterName = "reflect.MapIter";

using Found = FoundIterator;

class IterCommand : public Subcommand, public IterScanHost {
public:
  IterCommand()
      : Subcommand("iter",
                   {kJson,
                    {"type", 't', true,
                     "type of an 0xADDR expression: runtime.hiter, "
                     "internal/runtime/maps.Iter or reflect.MapIter"},
                    kBuiltin,
                    kGoroutine,
                    kFrame,
                    kTimeLimit},
                   0, 1) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    // The command object outlives targets: nothing cached survives a run.
    desc_cache_.clear();
    iter_layouts_.clear();
    owned_stop_ = MakeWorkStop(host, args, error);
    if (!owned_stop_)
      return false;
    stop_ = owned_stop_.get();
    if (!MakeContext(host, &ctx_, error))
      return false;
    builtin_ = args.Has("builtin-layout");
    std::vector<Goroutine> gs;
    std::string gerr;
    bool have_gs = ListGoroutines(*ctx_.gt, *ctx_.host, GoroutineOptions{}, true, &gs, &gerr);
    int64_t only = -1;
    if (args.Has("goroutine")) {
      uint64_t id = 0;
      if (!UintOption(args, "goroutine", &id, error))
        return false;
      only = int64_t(id);
      if (!have_gs) {
        *error = gerr;
        return false;
      }
      if (std::none_of(gs.begin(), gs.end(), [&](const Goroutine &g) { return g.id == only; })) {
        *error = "no goroutine " + std::to_string(id) + " (see 'gomap goroutines')";
        return false;
      }
    }
    std::vector<Found> found;
    Json scan = nullptr;
    if (!args.positional.empty()) {
      Found f;
      if (!ResolveIter(args, gs, only, &f, error))
        return false;
      found.push_back(f);
    } else {
      if (!have_gs) {
        *error = gerr;
        return false;
      }
      scan = Scan(gs, only, &found);
    }
    return Print(args, found, scan, result, error);
  }

public:
  // For `gomap check`: every iterator on every goroutine stack whose map is
  // `map_addr`, decoded (the same scan as `gomap iter` without EXPR).
  bool IteratorsOf(Host &host, bool builtin, uint64_t map_addr, WorkStop *stop,
                   std::vector<MapIterator> *out, std::string *stopped, std::string *error) {
    desc_cache_.clear();
    iter_layouts_.clear();
    stop_ = stop;
    std::vector<Goroutine> gs;
    if (!MakeGoroutineContext(host, &ctx_, &gs, error))
      return false;
    builtin_ = builtin;
    std::vector<Found> found;
    const Json st = Scan(gs, -1, &found);
    if (stopped && st["stopped"].is_string())
      *stopped = st["stopped"].get<std::string>();
    for (const Found &f : found) {
      std::string why;
      const MapLayout *ml = f.map_type ? ctx_.gt->LayoutFor(f.map_type, &why, builtin_) : nullptr;
      if (!ml)
        continue;
      IterReport r = DecodeIter(ctx_.gt->memory(), *ml, *IterLayoutFor(ml->impl), f.addr, limits());
      if (map_addr != kEveryMap && r.map != map_addr)
        continue;
      out->push_back(MapIterator{f.addr, f.goroutine, f.frame, f.function, std::move(r)});
    }
    return true;
  }

private:
  // Iterator layout for the map implementation, DWARF first.
  const IterLayout *IterLayoutFor(MapImpl impl) override {
    auto it = iter_layouts_.find(impl);
    if (it != iter_layouts_.end())
      return &it->second;
    std::optional<IterLayout> il;
    if (!builtin_) {
      const Type *t =
          ctx_.gt->dwarf().TypeByName(impl == MapImpl::Classic ? kHiterName : kSwissIterName);
      std::string why;
      if (t)
        il = IterLayoutFromType(t, impl, &why);
    }
    if (!il)
      il = BuiltinIterLayout(impl, ctx_.gt->version());
    return &iter_layouts_.emplace(impl, *il).first->second;
  }

  // The map type of a runtime type descriptor, or null (cached).
  const Type *MapTypeAt(uint64_t descriptor) override {
    if (descriptor == 0 || descriptor % 8 != 0)
      return nullptr;
    auto it = desc_cache_.find(descriptor);
    if (it != desc_cache_.end())
      return it->second;
    const Type *t = ctx_.gt->ByRuntimeType(descriptor);
    if (t && t->kind != Kind::Map)
      t = nullptr;
    desc_cache_.emplace(descriptor, t);
    return t;
  }

  // EXPR: a variable (or field path) of type runtime.hiter, maps.Iter,
  // reflect.MapIter or a pointer to one; or 0xADDR --type NAME.
  bool ResolveIter(const ParsedArgs &args, const std::vector<Goroutine> &gs, int64_t only, Found *f,
                   std::string *error) {
    GoTarget &gt = *ctx_.gt;
    const std::string &expr = args.positional[0];
    const Type *t = nullptr;
    uint64_t addr = 0;
    if (expr.rfind("0x", 0) == 0 || expr.rfind("0X", 0) == 0) {
      auto a = ParseUint(expr);
      if (!a) {
        *error = "bad address '" + expr + "'";
        return false;
      }
      addr = *a;
      std::string tn = args.Get("type");
      if (tn.empty()) {
        *error = "an address needs --type runtime.hiter, "
                 "internal/runtime/maps.Iter or reflect.MapIter";
        return false;
      }
      t = gt.dwarf().TypeByName(tn);
      if (!t) {
        // Without DWARF for the iterator type: the built-in layout.
        if (tn != kHiterName && tn != kSwissIterName) {
          *error = "no type '" + tn + "' in the binary's DWARF";
          return false;
        }
        return Describe(addr, tn, f, error);
      }
    } else if (!ResolveVar(args, gs, only, &t, &addr, f, error)) {
      return false;
    }
    if (t->kind == Kind::Pointer && t->elem) {
      uint64_t p = 0;
      if (!gt.memory().ReadPtr(addr, &p) || p == 0) {
        *error = expr + " is a nil or unreadable " + t->name;
        return false;
      }
      addr = p;
      t = t->elem;
    }
    return Describe(addr, t->name, f, error, t);
  }

  // Sets f->addr and f->map_type for an iterator-like value of type `name`.
  bool Describe(uint64_t addr, const std::string &name, Found *f, std::string *error,
                const Type *t = nullptr) {
    MemoryReader &mem = ctx_.gt->memory();
    uint64_t it = addr;
    if (name == kMapIterName) {
      const Field *hf = t ? t->FindField("hiter") : nullptr;
      const Field *mf = t ? t->FindField("m") : nullptr;
      if (!hf || !mf) {
        *error = "reflect.MapIter in the DWARF has no m/hiter fields";
        return false;
      }
      it = addr + hf->offset;
      f->via = "reflect.MapIter at " + HexAddr(addr);
    } else if (name != kHiterName && name != kSwissIterName) {
      *error = "'" + name +
               "' is not a map iterator (runtime.hiter, "
               "internal/runtime/maps.Iter, reflect.MapIter or a pointer to one)";
      return false;
    }
    // it.t / it.typ sits at offset 0x10 in every layout (checked against
    // DWARF).
    const MapImpl guess = name == kSwissIterName ? MapImpl::Swiss : MapImpl::Classic;
    const IterLayout *il = IterLayoutFor(name == kMapIterName ? ImplOfTarget() : guess);
    const StructField *tf = il->it.Find(il->impl == MapImpl::Classic ? "t" : "typ");
    uint64_t desc = 0;
    if (!tf || !mem.ReadPtr(it + tf->offset, &desc)) {
      *error = "cannot read the iterator at " + HexAddr(it);
      return false;
    }
    f->addr = it;
    f->map_type = MapTypeAt(desc);
    if (!f->map_type && desc != 0) {
      *error = "iterator at " + HexAddr(it) + ": its type pointer " + HexAddr(desc) +
               " is not a map type descriptor";
      return false;
    }
    if (f->via.empty())
      f->via = "expr";
    return true;
  }

  MapImpl ImplOfTarget() {
    std::string why;
    return DefaultImpl(ctx_.gt->version(), &why).value_or(MapImpl::Swiss);
  }

  bool ResolveVar(const ParsedArgs &args, const std::vector<Goroutine> &gs, int64_t only,
                  const Type **t, uint64_t *addr, Found *f, std::string *error) {
    GoTarget &gt = *ctx_.gt;
    const std::string &expr = args.positional[0];
    std::string path, where, err;
    OverlayReader mem(gt.memory());
    const bool select = only >= 0 || args.Has("frame");
    std::string root;
    std::vector<PathStep> steps;
    if (!ParsePath(expr, &root, &steps, error))
      return false;
    // Go's scoping from the selected frame: its variables shadow globals.
    FrameChoice fc;
    std::string ignored;
    if (!select && ChooseFrame(gs, *ctx_.host, args, false, &fc, &ignored)) {
      FrameScope scope = MakeScope(gt, *ctx_.host, *fc.g, fc.frame);
      if (scope.Find(root))
        return ResolveInFrame(gt, expr, scope, mem, *fc.g, fc.frame, t, addr, f, error);
    }
    if (!select && ResolvePath(gt, expr, nullptr, mem, t, addr, &path, &where, &err))
      return true;
    const Goroutine *sel = nullptr;
    if (only >= 0) {
      for (const auto &g : gs)
        if (g.id == only)
          sel = &g;
    } else {
      sel = SelectedGoroutine(gs, *ctx_.host);
    }
    std::vector<const Goroutine *> order;
    if (sel)
      order.push_back(sel);
    if (only < 0)
      for (const auto &g : gs)
        if (&g != sel)
          order.push_back(&g);
    for (const Goroutine *g : order) {
      std::vector<size_t> frames;
      if (args.Has("frame")) {
        uint64_t k = 0;
        if (!UintOption(args, "frame", &k, error))
          return false;
        frames.push_back(k);
      } else {
        size_t first = g->user_frame >= 0 ? size_t(g->user_frame) : 0;
        for (size_t k = first; k < g->frames.size(); ++k)
          frames.push_back(k);
      }
      for (size_t k : frames) {
        if (k >= g->frames.size())
          continue;
        FrameScope scope = MakeScope(gt, *ctx_.host, *g, k);
        if (scope.Find(root))
          return ResolveInFrame(gt, expr, scope, mem, *g, k, t, addr, f, error);
      }
    }
    *error = err.empty() ? "no variable named '" + root + "'" : err;
    return false;
  }

  // EXPR resolved in frame k of g (whose variables include its root).
  static bool ResolveInFrame(GoTarget &gt, const std::string &expr, const FrameScope &scope,
                             OverlayReader &mem, const Goroutine &g, size_t k, const Type **t,
                             uint64_t *addr, Found *f, std::string *error) {
    std::string path, where;
    if (!ResolvePath(gt, expr, &scope, mem, t, addr, &path, &where, error))
      return false;
    f->goroutine = g.id;
    f->frame = int(k);
    f->function = scope.function;
    if (*addr >= OverlayBase()) {
      *error = expr + " is held in registers; give its address";
      return false;
    }
    return true;
  }

  static uint64_t OverlayBase() { return 0xffff900000000000ull; }

  static void FrameOf(const Goroutine &g, uint64_t addr, Found *f) { FrameOfAddress(g, addr, f); }

  // IterScanHost
  MemoryReader &memory() override { return ctx_.gt->memory(); }
  const MapLayout *LayoutFor(const Type *mt) override {
    std::string why;
    return ctx_.gt->LayoutFor(mt, &why, builtin_);
  }
  uint64_t MapIterHiterOffset() override {
    if (const Type *mi = ctx_.gt->dwarf().TypeByName(kMapIterName))
      if (const Field *hf = mi->FindField("hiter"))
        return hf->offset;
    return 0;
  }

  Json Scan(const std::vector<Goroutine> &gs, int64_t only, std::vector<Found> *found) {
    IterScanLimits lim;
    lim.stop = stop_;
    IterScanStats st = ScanIterators(*this, gs, only, found, lim);
    return Json{{"goroutines", st.goroutines},
                {"bytes", st.bytes},
                {"words", st.words},
                {"hops", st.hops},
                {"truncated", st.truncated},
                {"stopped", st.stopped.empty() ? Json(nullptr) : Json(st.stopped)}};
  }

  // The decode's limits: the defaults, and the command's stop (the replay of a
  // long chain polls it per bucket).
  Limits limits() const {
    Limits l;
    l.stop = stop_;
    return l;
  }

  bool Print(const ParsedArgs &args, const std::vector<Found> &found, const Json &scan,
             Result &result, std::string *error) {
    MemoryReader &mem = ctx_.gt->memory();
    Json list = Json::array();
    std::string text;
    bool errors = false;
    for (const Found &f : found) {
      std::string why;
      const MapLayout *ml = f.map_type ? ctx_.gt->LayoutFor(f.map_type, &why, builtin_) : nullptr;
      if (!ml) {
        if (!args.positional.empty()) {
          *error = "iterator at " + HexAddr(f.addr) +
                   (f.map_type ? ": no layout for " + f.map_type->name + ": " + why
                               : ": not started (its type pointer is nil)");
          return false;
        }
        continue;
      }
      const IterLayout *il = IterLayoutFor(ml->impl);
      IterReport r = DecodeIter(mem, *ml, *il, f.addr, limits());
      errors |= r.diags.HasErrors();
      Json j{{"address", HexAddr(f.addr)},
             {"goroutine", f.goroutine >= 0 ? Json(f.goroutine) : Json(nullptr)},
             {"frame",
              f.frame >= 0 ? Json{{"index", f.frame}, {"function", f.function}} : Json(nullptr)},
             {"via", f.via},
             {"layout_source", std::string(SourceName(il->source))}};
      const Json ij = IterJson(r, f.map_type);
      for (auto it = ij.begin(); it != ij.end(); ++it)
        if (it.key() != "address")
          j[it.key()] = *it;
      list.push_back(j);
      std::string who = f.goroutine >= 0 ? "goroutine " + std::to_string(f.goroutine) : "";
      if (f.frame >= 0)
        who += " frame " + std::to_string(f.frame) + " (" + f.function + ")";
      if (found.size() == 1)
        text += (who.empty() ? "" : who + ": ") + IterText(r, f.map_type);
      else
        text += (who.empty() ? "" : who + ": ") + IterLine(r, f.map_type) + " [" + HexAddr(f.addr) +
                "]\n";
    }
    if (args.Has("json")) {
      Json doc{{"schema", "gomap/1"}, {"iterators", list}};
      if (!scan.is_null())
        doc["scan"] = scan;
      PrintJson(result, doc);
    } else {
      if (list.empty())
        text = "no map iterators found";
      if (!scan.is_null() && scan["stopped"].is_string())
        text += "\n(scan stopped: " + scan["stopped"].get<std::string>() + ")";
      else if (!scan.is_null() && scan.value("truncated", false))
        text += "\n(scan limits reached; some stacks were not scanned in full)";
      result.AppendMessage(text.c_str());
    }
    SetFindingsStatus(result, errors);
    return true;
  }

  Context ctx_;
  std::unique_ptr<WorkStop> owned_stop_; // this command's own (Run)
  WorkStop *stop_ = nullptr;             // the running command's (Ctrl-C, --time-limit)
  bool builtin_ = false;
  std::unordered_map<uint64_t, const Type *> desc_cache_;
  std::map<MapImpl, IterLayout> iter_layouts_;
};

} // namespace

bool IteratorsOfMap(Host &host, bool builtin, uint64_t map_addr, WorkStop *stop,
                    std::vector<MapIterator> *out, std::string *stopped, std::string *error) {
  IterCommand scanner;
  return scanner.IteratorsOf(host, builtin, map_addr, stop, out, stopped, error);
}

std::unique_ptr<Subcommand> NewIterCommand() { return std::make_unique<IterCommand>(); }

} // namespace gomap::commands
