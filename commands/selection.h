// Which goroutine and frame a `gomap` command means: -g/-f, else a selection
// made with `gomap goroutine`/`gomap frame` at this stop, else LLDB's own
// selected thread and frame (GDB's in GDB). gomap's frame numbers are its own
// (inlined calls and frames of parked goroutines included); each is matched
// to the debugger's frame of the same pc and CFA so that both numbers can be
// shown side by side.
#ifndef GOMAP_COMMANDS_SELECTION_H
#define GOMAP_COMMANDS_SELECTION_H

#include <cstdint>
#include <string>
#include <vector>

#include "commands/args.h"
#include "commands/goroutines.h"
#include "commands/host.h"

namespace gomap::commands {

// The debugger's frame index for each frame of `g` on the thread g runs on,
// -1 where the debugger has no frame with that pc and CFA.
std::vector<int> HostFrameIndexes(const Goroutine &g, Host &host);

struct FrameChoice {
  const Goroutine *g = nullptr;
  size_t frame = 0;
  // A frame was named (-f, gomap frame, or LLDB's selected frame other than
  // the stop's frame 0); false: no frame was asked for, and `frame` is the
  // default (the first frame outside GOROOT).
  bool frame_chosen = false;
  std::string source; // "-g", "gomap goroutine", "LLDB's selected thread"
};

// The goroutine and frame the command is about; false with *error (empty
// *error when nothing selects a goroutine and `need` is false).
bool ChooseFrame(const std::vector<Goroutine> &gs, Host &host, const ParsedArgs &args, bool need,
                 FrameChoice *out, std::string *error);

// Remembers goroutine `id` (and frame `k`) for the following commands, until
// the process resumes or LLDB's own thread/frame selection changes; when the
// goroutine runs on a thread, LLDB's selection follows it.
void SelectGoroutine(Host &host, const Goroutine &g, size_t k);

// One line naming a frame: "goroutine 7, frame 2 (lldb frame #4): main.run at
// main.go:33" (in GDB "gdb frame #4").
std::string DescribeFrame(const Goroutine &g, size_t k, Host &host);

// "goroutine 7 has 5 frames; frame 9 is out of range (see 'gomap bt -g 7')"
std::string FrameRangeError(const Goroutine &g, uint64_t k);

} // namespace gomap::commands

#endif
