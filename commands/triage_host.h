// The triage's view of a stopped target (core/triage.h TriageHost) over the
// commands' Host: the goroutines' frame variables and registers, the binary's
// code and globals, the iterator stack scan and the heap model. `scan` runs the
// triage through it; show/header/check name a map given by address with it.
#ifndef GOMAP_COMMANDS_TRIAGE_HOST_H
#define GOMAP_COMMANDS_TRIAGE_HOST_H

#include <cstring>
#include <map>
#include <memory>
#include <utility>

#include "commands/command_support.h"
#include "commands/frames.h"
#include "core/location.h"
#include "core/triage.h"

namespace gomap::commands {

class CommandTriageHost final : public TriageHost {
public:
  // stop (may be null): the command's Ctrl-C / --time-limit, for the iterator scan.
  CommandTriageHost(Host &host, Context &ctx, WorkStop *stop = nullptr)
      : host_(host), ctx_(ctx), gt_(*ctx.gt), stop_(stop) {}

  MemoryReader &memory() override { return gt_.memory(); }
  TypeResolver &types() override { return gt_; }
  MapLayoutProvider &maps() override { return gt_; }
  std::optional<SyncMapLayout> SyncLayout(const Type *t) override {
    std::string why;
    return gt_.SyncLayoutFor(t, &why);
  }
  std::string GoVersion() override { return gt_.version().raw; }

  const IterLayout *IterLayoutFor(MapImpl impl) override {
    auto it = iter_layouts_.find(impl);
    if (it != iter_layouts_.end())
      return &it->second;
    const Type *t = gt_.dwarf().TypeByName(impl == MapImpl::Classic ? "runtime.hiter"
                                                                    : "internal/runtime/maps.Iter");
    std::string why;
    std::optional<IterLayout> il = t ? IterLayoutFromType(t, impl, &why) : std::nullopt;
    if (!il)
      il = BuiltinIterLayout(impl, gt_.version());
    return &iter_layouts_.emplace(impl, *il).first->second;
  }

  std::vector<FrameValue> FrameValues(const Goroutine &g, size_t k,
                                      OverlayReader &overlay) override {
    auto key = std::make_pair(&g, k);
    if (auto it = values_.find(key); it != values_.end())
      return it->second;
    std::vector<FrameValue> out;
    FrameScope scope = MakeScope(gt_, *ctx_.host, g, k);
    for (const FrameVar &v : scope.vars) {
      if (!v.type || !v.has_location)
        continue;
      VarValue val = EvaluateLocation(v.expr, v.type->size, scope.ctx, overlay);
      if (!val.ok)
        continue;
      uint64_t addr = val.in_memory ? val.addr : overlay.Add(std::move(val.bytes));
      out.push_back(FrameValue{v.name, v.param, v.type, addr});
    }
    return values_.emplace(key, std::move(out)).first->second;
  }

  std::vector<uint64_t> Registers(const Goroutine &g) override {
    std::vector<uint64_t> regs;
    if (g.thread_id == 0 || g.frames.empty())
      return regs;
    FrameScope scope = MakeScope(gt_, *ctx_.host, g, 0);
    if (!scope.ctx.reg)
      return regs;
    for (uint32_t r = 0; r <= 16; ++r) { // DWARF amd64: rax … r15, rip
      uint64_t v = 0;
      if (scope.ctx.reg(r, &v))
        regs.push_back(v);
    }
    return regs;
  }

  std::vector<GlobalValue> Globals() override {
    if (globals_.empty())
      for (const GlobalVar &gv : gt_.dwarf().globals())
        if (gv.address)
          if (const Type *t = gt_.dwarf().GlobalType(gv))
            globals_.push_back(GlobalValue{gv.name, t, gv.address});
    return globals_;
  }

  std::vector<std::pair<std::string, IterReport>> Iterators(uint64_t header) override {
    if (!iterators_scanned_) {
      iterators_scanned_ = true;
      std::string err;
      IteratorsOfMap(host_, false, kEveryMap, stop_, &iterators_, nullptr, &err);
    }
    std::vector<std::pair<std::string, IterReport>> out;
    for (const MapIterator &it : iterators_) {
      if (it.report.map != header)
        continue;
      std::string where = "iterator at " + HexAddr(it.address);
      if (it.goroutine >= 0)
        where += " (goroutine " + std::to_string(it.goroutine) +
                 (it.frame >= 0 ? " frame " + std::to_string(it.frame) + " " + it.function : "") +
                 ")";
      out.emplace_back(where, it.report);
    }
    return out;
  }

  heap::Mheap *Heap() override {
    if (!heap_made_) {
      heap_made_ = true;
      heap_ = MakeHeap(ctx_, false); // one model for the whole scan: its span cache is shared
    }
    return heap_.get(); // not ok(): the checks say why the heap was not read
  }

  std::optional<Function> FunctionAt(uint64_t pc) override {
    std::string err;
    Pclntab *tab = gt_.pclntab(&err);
    if (!tab)
      return std::nullopt;
    auto f = tab->FuncAt(pc);
    if (!f)
      return std::nullopt;
    return Function{f->entry, f->end, tab->FuncName(*f)};
  }

  size_t ReadCode(uint64_t addr, void *dst, size_t n) override {
    for (const ImageSection &s : gt_.dwarf().image().sections())
      if (s.data && addr >= s.addr && addr - s.addr < s.size) {
        size_t m = std::min<uint64_t>(n, s.size - (addr - s.addr));
        std::memcpy(dst, s.data + (addr - s.addr), m);
        return m;
      }
    return gt_.memory().Read(addr, dst, n);
  }

  std::vector<SourceFrame> Symbolize(uint64_t pc) override { return gt_.dwarf().Symbolize(pc); }

private:
  Host &host_;
  Context &ctx_;
  GoTarget &gt_;
  WorkStop *stop_;
  std::map<MapImpl, IterLayout> iter_layouts_;
  std::map<std::pair<const Goroutine *, size_t>, std::vector<FrameValue>> values_;
  std::vector<GlobalValue> globals_;
  bool iterators_scanned_ = false;
  bool heap_made_ = false;
  std::unique_ptr<heap::Mheap> heap_;
  std::vector<MapIterator> iterators_;
};

// The name of a map given by address (`show 0xADDR --type T`, header, check):
// the shortest path from a package variable, else from a goroutine's frame
// variables (the goroutines are unwound only then). nullopt when EXPR is a
// name (it names the map itself), the map is nil, or no root reaches it.
std::optional<ReachPath> NameByAddress(Host &host, MapTarget &mt);
// Its JSON, {"path", "where", "type"}, and its text (MapNameText).
Json MapNameJson(const ReachPath &p);
std::string MapNameLine(const ReachPath &p, const MapTarget &mt);

} // namespace gomap::commands

#endif
