// `gomap pointer ADDR`: what an address is, from the Go heap's own records
// (core/heap/mheap.h): unmapped, code, a global, a goroutine stack, free heap
// pages, or an object of an in-use span and whether its slot is allocated;
// and, when a map in a package variable (or --map EXPR) holds it, whose bucket
// array / table / group it is.
#include <algorithm>

#include "commands/command_support.h"
#include "commands/goroutines.h"
#include "core/heap/mheap.h"
#include "core/layout.h"
#include "core/value.h"

namespace gomap::commands {

namespace {

constexpr size_t kMaxOwnerMaps = 256;

struct Owner {
  std::string map, type, role, where, storage;
  uint64_t map_address = 0, pointer = 0;
};

class PointerCommand : public Subcommand {
public:
  PointerCommand()
      : Subcommand("pointer",
                   {kJson,
                    kBuiltin,
                    {"map", 'm', true, "also look for ADDR in the storage of this map EXPR"},
                    {"no-owners", 0, false, "do not look for the map that holds ADDR"}},
                   1, 1) {}

protected:
  bool Run(Host &host, const ParsedArgs &args, Result &result, std::string *error) override {
    std::optional<uint64_t> addr = ParseUint(args.positional[0]);
    if (!addr) {
      *error = "gomap pointer: ADDR must be a number (0x... or decimal), not '" +
               args.positional[0] + "'";
      return false;
    }
    Context ctx;
    std::vector<Goroutine> gs;
    std::string gerr;
    // Goroutine stacks name a stack address; without them it is still
    // "stack" (a manual span) from the heap's records.
    GoroutineOptions gopts;
    if (!MakeContext(host, &ctx, error, /*needs_names=*/false))
      return false;
    std::vector<heap::Region> stacks;
    if (ListGoroutines(*ctx.gt, *ctx.host, gopts, false, &gs, &gerr))
      for (const Goroutine &g : gs)
        if (g.stack_lo != 0 && g.stack_hi > g.stack_lo)
          stacks.push_back(heap::Region{g.stack_lo, g.stack_hi, "stack",
                                        "goroutine " + std::to_string(g.id) + " stack"});
    std::unique_ptr<heap::Mheap> h = MakeHeap(ctx, args.Has("builtin-layout"), std::move(stacks));
    heap::PointerInfo info = h->ClassifyPointer(*addr);

    // Whose storage: the maps in package variables (and --map).
    std::vector<Owner> owners;
    bool owners_cut = false;
    GoTarget &gt = *ctx.gt;
    if (!args.Has("no-owners") && gt.HasNames()) {
      std::vector<std::pair<std::string, MapRef>> maps;
      if (args.Has("map")) {
        MapRef ref;
        if (!ResolveMap(gt, args.Get("map"), "", nullptr, &ref, error))
          return false;
        maps.emplace_back(args.Get("map"), ref);
      }
      for (const std::string &name : gt.dwarf().MapGlobals()) {
        if (maps.size() >= kMaxOwnerMaps) {
          owners_cut = true;
          break;
        }
        MapRef ref;
        std::string err;
        if (ResolveMap(gt, name, "", nullptr, &ref, &err) && ref.header != 0)
          maps.emplace_back(name, ref);
      }
      const uint64_t a = *addr;
      for (const auto &[name, ref] : maps) {
        std::string why;
        const MapLayout *layout = gt.LayoutFor(ref.type, &why, args.Has("builtin-layout"));
        if (!layout)
          continue;
        MapLayoutReport lr = WalkLayout(gt.memory(), *layout, ref.header, Limits{});
        for (const HeldPointer &p : lr.pointers)
          if (a >= p.address && a < p.address + std::max<uint64_t>(p.size, 1)) {
            owners.push_back(Owner{name, ref.type->name, p.role, p.where,
                                   p.stale ? "stale"
                                   : p.old ? "old"
                                           : "current",
                                   ref.header, p.address});
            break;
          }
      }
    }

    if (args.Has("json")) {
      Json j = heap::PointerJson(info);
      Json ow = Json::array();
      for (const Owner &o : owners)
        ow.push_back(Json{{"map", o.map},
                          {"type", o.type},
                          {"map_address", HexAddr(o.map_address)},
                          {"role", o.role},
                          {"where", o.where},
                          {"pointer", HexAddr(o.pointer)},
                          {"storage", o.storage}});
      j["owners"] = ow;
      j["owners_truncated"] = owners_cut;
      j["heap"] = Json{{"available", h->ok()},
                       {"reason", h->ok() ? Json(nullptr) : Json(h->error())},
                       {"layout_source", h->layout().source},
                       {"mheap", HexAddr(h->address())},
                       {"sweepgen", h->sweepgen()}};
      PrintJson(result, Json{{"schema", "gomap/1"}, {"pointer", j}});
    } else {
      std::string text = HexAddr(*addr) + ": " + heap::Evidence(info) + "\n";
      for (const Owner &o : owners)
        text += "  " + o.role + " of " + o.map + " (" + o.type + " at " + HexAddr(o.map_address) +
                "), " + o.where + ", " + o.storage + " storage\n";
      if (owners_cut)
        text +=
            "  (owners searched in the first " + std::to_string(kMaxOwnerMaps) + " maps only)\n";
      if (!h->ok())
        text += "  (heap not read: " + h->error() + ")\n";
      result.AppendMessage(text.c_str());
    }
    result.SetFindings(false);
    return true;
  }
};

} // namespace

std::unique_ptr<Subcommand> NewPointerCommand() { return std::make_unique<PointerCommand>(); }

} // namespace gomap::commands
