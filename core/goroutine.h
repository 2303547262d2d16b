// A goroutine as the runtime records it (runtime.g: id, status, wait reason,
// stack bounds) with the backtrace a frontend unwound for it. The frontends
// (the LLDB plugin today) fill it; the triage (core/triage.h) reads it.
#ifndef GOMAP_CORE_GOROUTINE_H
#define GOMAP_CORE_GOROUTINE_H

#include <cstdint>
#include <string>
#include <vector>

#include "core/code_info.h"

namespace gomap {

struct GoFrame {
  uint64_t pc = 0;      // return address for callers, current pc for frame 0
  uint64_t sp = 0;      // SP inside this frame
  uint64_t cfa = 0;     // canonical frame address (DW_OP_call_frame_cfa); 0 unknown
  SourceFrame source;   // outermost function of this pc (inlined calls are separate frames)
  bool inlined = false; // a call inlined into the next (outer) frame
};

struct Goroutine {
  uint64_t g = 0; // address of the runtime.g
  int64_t id = 0;
  uint32_t status = 0;                 // atomicstatus without _Gscan
  std::string status_name;             // "running", "runnable", "waiting", "syscall", ...
  std::string wait_reason;             // for waiting goroutines, as runtime.Stack prints it
  uint64_t thread_id = 0;              // OS thread (m.procid) when on a thread, else 0
  uint64_t stack_lo = 0, stack_hi = 0; // runtime.g stack bounds; 0 unknown
  std::vector<GoFrame> frames;         // innermost first
  std::string unwind_error;            // why the backtrace stopped early, if it did
  // Index into frames of the first frame whose source is outside GOROOT (the
  // frame a user cares about), -1 when none.
  int user_frame = -1;
  // Where frame 0 came from: "sched" (saved context), "thread" (registers),
  // "syscall" (entersyscall), "signal" (a signal context on the gsignal stack).
  std::string context;
};

} // namespace gomap

#endif
