// Goroutines from the runtime's own records (runtime.allgs), with status, wait
// reason and a backtrace unwound with the binary's .debug_frame or, without
// DWARF, its pclntab — for goroutines on a thread and for parked ones alike,
// live and in cores.
#ifndef GOMAP_PLUGIN_GOROUTINES_H
#define GOMAP_PLUGIN_GOROUTINES_H

#include <cstdint>
#include <string>
#include <vector>

#include "lldb/API/SBProcess.h"
#include "plugin/go_dwarf.h"
#include "plugin/go_target.h"

namespace gomap::plugin {

struct GoFrame {
  uint64_t pc = 0;  // return address for callers, current pc for frame 0
  uint64_t sp = 0;  // SP inside this frame
  uint64_t cfa = 0; // canonical frame address (DW_OP_call_frame_cfa); 0 unknown
  SourceFrame source; // outermost function of this pc (inlined calls are separate frames)
  bool inlined = false; // a call inlined into the next (outer) frame
};

struct Goroutine {
  uint64_t g = 0; // address of the runtime.g
  int64_t id = 0;
  uint32_t status = 0;       // atomicstatus without _Gscan
  std::string status_name;   // "running", "runnable", "waiting", "syscall", ...
  std::string wait_reason;   // for waiting goroutines, as runtime.Stack prints it
  uint64_t thread_id = 0;    // OS thread (m.procid) when on a thread, else 0
  uint64_t stack_lo = 0, stack_hi = 0; // runtime.g stack bounds; 0 unknown
  std::vector<GoFrame> frames; // innermost first
  std::string unwind_error;  // why the backtrace stopped early, if it did
  // Index into frames of the first frame whose source is outside GOROOT (the
  // frame a user cares about), -1 when none.
  int user_frame = -1;
  // Where frame 0 came from: "sched" (saved context), "thread" (registers),
  // "syscall" (entersyscall), "signal" (a signal context on the gsignal stack).
  std::string context;
};

struct GoroutineOptions {
  uint64_t max_goroutines = 1u << 20;
  uint32_t max_frames = 256;
  // Use the pclntab, the built-in runtime.g table and a .bss scan for allgs
  // even when the binary has DWARF (a binary without DWARF always does).
  bool pclntab = false;
};

// What the listing was read with: "DWARF" or "pclntab" (code); "DWARF" or
// "built-in go1.NN table" (runtime.g); "DWARF" or ".bss scan" (allgs).
struct GoroutineSources {
  std::string code, g_layout, allgs;
};

// Lists every live goroutine (not dead or idle ones), in allgs order.
// false with *error when the runtime's records cannot be read at all.
bool ListGoroutines(GoTarget &gt, lldb::SBProcess process, const GoroutineOptions &opts,
                    bool with_frames, std::vector<Goroutine> *out, std::string *error,
                    GoroutineSources *sources = nullptr);

// The first frame outside GOROOT (the "user frame"), or null.
const GoFrame *UserFrame(const Goroutine &g);

} // namespace gomap::plugin

#endif
