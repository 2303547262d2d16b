// The goroutine and frame a command means, and gomap's own selection.
#include "commands/selection.h"

#include <map>

namespace gomap::commands {

namespace {

// A `gomap goroutine` selection, valid at one stop of one process while the debugger's
// own selection stays where it was left.
struct Selection {
  uint32_t stop_id = 0;
  int64_t goroutine = 0;
  size_t frame = 0;
  uint64_t host_thread = 0;
  uint32_t host_frame = 0;
};

std::map<uint64_t, Selection> &Selections() {
  static std::map<uint64_t, Selection> by_process; // process unique id -> selection
  return by_process;
}

void HostSelection(Host &host, uint64_t *thread, uint32_t *frame) {
  HostThread th;
  *frame = 0;
  *thread = host.Selected(&th, frame) ? th.id : 0;
}

const Selection *CurrentSelection(Host &host) {
  auto it = Selections().find(host.ProcessId());
  if (it == Selections().end())
    return nullptr;
  uint64_t thread = 0;
  uint32_t frame = 0;
  HostSelection(host, &thread, &frame);
  const Selection &s = it->second;
  if (s.stop_id != host.StopId() || s.host_thread != thread || s.host_frame != frame) {
    Selections().erase(it); // resumed, or the user moved LLDB's selection
    return nullptr;
  }
  return &s;
}

const Goroutine *ById(const std::vector<Goroutine> &gs, int64_t id) {
  for (const auto &g : gs)
    if (g.id == id)
      return &g;
  return nullptr;
}

size_t DefaultFrame(const Goroutine &g) { return g.user_frame >= 0 ? size_t(g.user_frame) : 0; }

bool FrameOption(const Goroutine &g, const ParsedArgs &args, FrameChoice *out, std::string *error) {
  auto k = ParseUint(args.Get("frame"));
  if (!k) {
    *error = "--frame takes a number";
    return false;
  }
  if (*k >= g.frames.size()) {
    *error = FrameRangeError(g, *k);
    return false;
  }
  out->frame = *k;
  out->frame_chosen = true;
  return true;
}

} // namespace

std::vector<int> HostFrameIndexes(const Goroutine &g, Host &host) {
  std::vector<int> out(g.frames.size(), -1);
  if (g.thread_id == 0)
    return out;
  std::vector<HostFrame> frames = host.Frames(g.thread_id);
  size_t next = 0; // frames match in order
  for (uint32_t i = 0; i < frames.size() && next < g.frames.size(); ++i) {
    uint64_t pc = frames[i].pc, cfa = frames[i].cfa;
    for (size_t k = next; k < g.frames.size(); ++k) {
      const GoFrame &gf = g.frames[k];
      if (gf.pc == pc && (gf.cfa == 0 || cfa == 0 || gf.cfa == cfa)) {
        out[k] = int(i);
        next = k + 1;
        break;
      }
    }
  }
  return out;
}

std::string FrameRangeError(const Goroutine &g, uint64_t k) {
  return "goroutine " + std::to_string(g.id) + " has " + std::to_string(g.frames.size()) +
         " frames; frame " + std::to_string(k) + " is out of range (see 'gomap bt -g " +
         std::to_string(g.id) + "')";
}

bool ChooseFrame(const std::vector<Goroutine> &gs, Host &host, const ParsedArgs &args, bool need,
                 FrameChoice *out, std::string *error) {
  *out = FrameChoice();
  if (args.Has("goroutine")) {
    auto id = ParseUint(args.Get("goroutine"));
    if (!id) {
      *error = "--goroutine takes a number";
      return false;
    }
    out->g = ById(gs, int64_t(*id));
    if (!out->g) {
      *error = "no goroutine " + std::to_string(*id) + " (" + std::to_string(gs.size()) +
               " live goroutines; see 'gomap goroutines')";
      return false;
    }
    out->source = "-g";
    out->frame = DefaultFrame(*out->g);
    return !args.Has("frame") || FrameOption(*out->g, args, out, error);
  }
  if (const Selection *s = CurrentSelection(host)) {
    if ((out->g = ById(gs, s->goroutine))) {
      out->source = "gomap goroutine";
      out->frame = s->frame < out->g->frames.size() ? s->frame : DefaultFrame(*out->g);
      out->frame_chosen = true;
      return !args.Has("frame") || FrameOption(*out->g, args, out, error);
    }
  }
  HostThread th;
  uint32_t selected = 0;
  bool have_thread = host.Selected(&th, &selected);
  for (const auto &g : gs)
    if (have_thread && g.thread_id != 0 && g.thread_id == th.id)
      out->g = &g;
  if (!out->g) {
    if (need)
      *error = have_thread
                   ? "thread #" + std::to_string(th.index) + " (tid " + std::to_string(th.id) +
                         ") runs no goroutine; select one with 'gomap goroutine ID' or "
                         "give -g ID (see 'gomap goroutines')"
                   : "no thread is selected; give -g ID (see 'gomap goroutines')";
    return false;
  }
  out->source = host.Name() == "lldb" ? "LLDB's selected thread" : "GDB's selected thread";
  out->frame = DefaultFrame(*out->g);
  if (args.Has("frame"))
    return FrameOption(*out->g, args, out, error);
  // LLDB's selected frame, as gomap numbers it. Frame 0 of a stop inside the
  // runtime (a crash, a signal, a futex) means "no frame chosen yet": the
  // first frame outside GOROOT is what the user is after.
  std::vector<int> host_index = HostFrameIndexes(*out->g, host);
  for (size_t k = 0; k < host_index.size(); ++k) {
    if (host_index[k] != int(selected))
      continue;
    if (selected == 0 && out->g->user_frame > int(k))
      break;
    out->frame = k;
    out->frame_chosen = true;
    break;
  }
  return true;
}

void SelectGoroutine(Host &host, const Goroutine &g, size_t k) {
  if (g.thread_id != 0) {
    std::vector<int> idx = HostFrameIndexes(g, host);
    host.Select(g.thread_id, k < idx.size() ? idx[k] : -1);
  }
  Selection s;
  s.stop_id = host.StopId();
  s.goroutine = g.id;
  s.frame = k;
  HostSelection(host, &s.host_thread, &s.host_frame);
  Selections()[host.ProcessId()] = s;
}

std::string DescribeFrame(const Goroutine &g, size_t k, Host &host) {
  std::string out = "goroutine " + std::to_string(g.id) + ", frame " + std::to_string(k);
  if (g.thread_id != 0) {
    std::vector<int> idx = HostFrameIndexes(g, host);
    if (k < idx.size() && idx[k] >= 0)
      out += " (" + host.Name() + " frame #" + std::to_string(idx[k]) + ")";
  }
  if (k < g.frames.size()) {
    const GoFrame &f = g.frames[k];
    out += ": " + (f.source.function.empty() ? std::string("?") : f.source.function);
    if (!f.source.file.empty())
      out += " at " + f.source.file + ":" + std::to_string(f.source.line);
  }
  return out;
}

} // namespace gomap::commands
