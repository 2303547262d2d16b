// Crash triage of a Go process or core (`gomap scan`): which goroutine died of
// a map race and on which map — recovered from the map function's own
// arguments, as the runtime's traceback does — the map's name (the shortest
// path from a package or frame variable), every other goroutine racing on it
// with its evidence and role, the runtime's fatal error text, and `gomap
// check` of every map reached. Debugger-neutral: a frontend hands in the
// goroutines it unwound and implements TriageHost.
#ifndef GOMAP_CORE_TRIAGE_H
#define GOMAP_CORE_TRIAGE_H

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/check.h"
#include "core/diagnostics.h"
#include "core/goroutine.h"
#include "core/iter.h"
#include "core/location.h"
#include "core/map_args.h"
#include "core/map_calls.h"
#include "core/map_ops.h"
#include "core/map_state.h"
#include "core/reach.h"
#include "core/syncmap.h"

namespace gomap {

// A readable variable of a frame; its value is at `address` (in the overlay
// the host was given when it is not in the target's memory).
struct FrameValue {
  std::string name; // "t", "&m" (captured by reference)
  bool param = false;
  const Type *type = nullptr;
  uint64_t address = 0;
};

struct GlobalValue {
  std::string name; // "main.srv", "runtime.printBacklog"
  const Type *type = nullptr;
  uint64_t address = 0;
};

// What the triage needs from a debugger.
class TriageHost : public CodeReader {
public:
  virtual MemoryReader &memory() = 0;
  virtual TypeResolver &types() = 0;
  virtual MapLayoutProvider &maps() = 0;
  virtual std::optional<SyncMapLayout> SyncLayout(const Type *t) = 0;
  // runtime.hiter / internal/runtime/maps.Iter of this binary; null unknown.
  virtual const IterLayout *IterLayoutFor(MapImpl impl) = 0;
  // Variables of frame k of g (none for frames it cannot read).
  virtual std::vector<FrameValue> FrameValues(const Goroutine &g, size_t k,
                                              OverlayReader &overlay) = 0;
  // The general registers of g's innermost frame when g is on a thread.
  virtual std::vector<uint64_t> Registers(const Goroutine &g) = 0;
  // Package-level variables of every package, the runtime's included.
  virtual std::vector<GlobalValue> Globals() = 0;
  // The iterators over the map at `header` on the goroutine stacks (the scan
  // of `gomap iter`), each with where it is ("iterator at 0x… (goroutine 7
  // frame 2 main.f)").
  virtual std::vector<std::pair<std::string, IterReport>> Iterators(uint64_t header) = 0;
  // The Go heap of this stop, for classifying storage pointers; null when it
  // cannot be read (the checks then run without it).
  virtual heap::Mheap *Heap() { return nullptr; }
  virtual std::string GoVersion() = 0;
};

// One piece of evidence that a goroutine races on the map.
struct Evidence {
  int strength = 0; // 4 in a map function on it ... 1 its address on the stack
  std::string kind; // "map-argument", "stack-argument", "variable", "stack-word",
                    // "register", "same-line", "calls"
  std::string text; // "in runtime.mapassign_faststr on the map (spill slot CFA+0x8 of …)"
};

struct TriageGoroutine {
  const Goroutine *g = nullptr;
  MapOp op = MapOp::None;
  std::string role;         // read, write, delete, clear, iterate ("" unknown)
  std::string map_function; // outermost runtime map frame, "" when not inside one
  int user = -1;            // frame index of its user frame (the caller of map code)
  int first_map = -1;       // innermost runtime map frame
  bool crashed = false;     // a fatal frame inside the map operation
  std::string reason;       // "map operation", "same line", "references the map"
  std::vector<size_t> maps; // into TriageReport::maps: its map argument first
  RecoveredMap arg;         // header 0: not recovered (arg_why says why)
  std::string arg_why;
  std::vector<Evidence> evidence; // strongest first (racers only)
  std::vector<MapCallSite> calls; // map calls of its user frame on the map's type
  int strength = 0;
};

struct TriageMap {
  std::string name; // path (with where) or variable name
  const Type *type = nullptr;
  uint64_t address = 0;
  std::string path, where;
  uint64_t root_address = 0; // the package variable its path starts at, 0 for a frame root
  bool checked = false, header_ok = false;
  MapHeader header;
  MapState state;
  uint64_t walked = 0;
  bool truncated = false;
  PointerCheck pointers; // its storage and iterator pointers against the heap
  DiagnosticSink diags;
};

struct TriageOptions {
  size_t max_maps = 256;                // maps checked
  uint64_t max_stack_scan = 256 * 1024; // bytes of one stack scanned for the map's address
  ReachLimits naming;                   // the naming walk
  // The debugger's interrupt and --time-limit (null: none): polled per value
  // of the naming walk and before each map is checked; the maps not checked
  // are counted in a truncated finding.
  WorkStop *stop = nullptr;
};

struct TriageReport {
  std::string go_version;
  size_t goroutines = 0;
  std::string fatal;        // "concurrent map writes"; "" when not found
  std::string fatal_source; // "runtime.printBacklog", "the map function (…)"
  std::string race;         // "write/write", "read/write", "iterate/write", "" no crash
  std::vector<TriageGoroutine> touching; // goroutines in map code, racers
  int crash = -1;                        // index into touching
  std::vector<TriageMap> maps;
  bool truncated = false; // max_maps hit
  size_t checked = 0;     // maps checked (all of maps unless stopped)
  std::string stopped;    // "interrupted", "time limit of 2 s reached"; "" ran to its end
  ReachResult naming;
  DiagnosticSink findings{200};
};

// The shortest typed path to the map at `header`: from the package variables
// (gs null), or from every goroutine's frame variables (the runtime's
// excluded, user packages first). *walk (may be null): the walk's figures and
// caps hit.
std::optional<ReachPath> NameMap(TriageHost &host, const std::vector<Goroutine> *gs,
                                 uint64_t header, ReachResult *walk = nullptr,
                                 const ReachLimits &limits = {});

// Runs the triage over `gs` (`signalled`: the goroutine on the thread that
// took the fatal signal, or null).
TriageReport Triage(TriageHost &host, const std::vector<Goroutine> &gs, const Goroutine *signalled,
                    const TriageOptions &opts = {});

// The last "fatal error: …" line in the runtime's print backlog
// (runtime/print.go printBacklog, a ring of 512 bytes, next write at
// printBacklogIndex); "" when absent.
std::string FatalFromBacklog(const std::vector<uint8_t> &ring, uint64_t index);

// The fatal error a map function throws for its role: "concurrent map writes",
// "concurrent map read and map write", "concurrent map iteration and map write".
std::string FatalForRole(const std::string &role);

// `gomap scan --json`'s "scan" object and the text report (docs/json.md,
// docs/commands.md).
nlohmann::ordered_json TriageJson(const TriageReport &r);
std::string TriageText(const TriageReport &r);

} // namespace gomap

#endif
