// Goroutines from the runtime's own records (runtime.allgs), with status, wait
// reason and a backtrace unwound with the binary's .debug_frame or, without
// DWARF, its pclntab — for goroutines on a thread and for parked ones alike,
// live and in cores.
#ifndef GOMAP_COMMANDS_GOROUTINES_H
#define GOMAP_COMMANDS_GOROUTINES_H

#include <cstdint>
#include <string>
#include <vector>

#include "commands/go_target.h"
#include "commands/host.h"
#include "core/goroutine.h"
#include "dwarf/go_dwarf.h"

namespace gomap::commands {

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
bool ListGoroutines(GoTarget &gt, Host &host, const GoroutineOptions &opts, bool with_frames,
                    std::vector<Goroutine> *out, std::string *error,
                    GoroutineSources *sources = nullptr);

// The first frame outside GOROOT (the "user frame"), or null.
const GoFrame *UserFrame(const Goroutine &g);

} // namespace gomap::commands

#endif
