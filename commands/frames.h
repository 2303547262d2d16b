// Selecting a goroutine frame for EXPR: -g/-f, or the goroutine on LLDB's
// selected thread, and the frame's variables and registers.
#ifndef GOMAP_COMMANDS_FRAMES_H
#define GOMAP_COMMANDS_FRAMES_H

#include <string>
#include <vector>

#include "commands/expr.h"
#include "commands/goroutines.h"

namespace gomap::commands {

// The variables of frame `k` of `g` (inlined frames have none we can read
// yet), with the frame's CFA and, for the innermost frame of a goroutine
// running on a thread, that thread's registers.
FrameScope MakeScope(GoTarget &gt, Host &host, const Goroutine &g, size_t k);

// The goroutine running on LLDB's selected thread, or null.
const Goroutine *SelectedGoroutine(const std::vector<Goroutine> &gs, Host &host);

} // namespace gomap::commands

#endif
