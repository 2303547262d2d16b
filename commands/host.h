// What the `gomap` commands need from a debugger, and where their output goes.
// The commands (this directory) are debugger-neutral: the LLDB plugin
// (plugin/lldb_host.cpp) and the GDB module (pretty_printers/_gomap) each
// implement Host and Result over their own API, so that both run the same
// code and print the same bytes.
#ifndef GOMAP_COMMANDS_HOST_H
#define GOMAP_COMMANDS_HOST_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace gomap::commands {

// A thread of the process as the debugger lists it.
struct HostThread {
  uint64_t id = 0;         // OS thread id (LLDB's thread ID, GDB's LWP)
  uint32_t index = 0;      // the debugger's own number ("thread #3")
  uint64_t pc = 0, sp = 0; // of its innermost frame
};

// A frame of a thread as the debugger numbers it (index = its frame number).
struct HostFrame {
  uint64_t pc = 0;
  uint64_t cfa = 0; // 0 unknown
};

class Host {
public:
  virtual ~Host() = default;
  // "lldb" or "gdb": names the debugger's own frame numbers in the output
  // ("(lldb frame #4)", JSON "lldb_frame").
  virtual std::string Name() = 0;
  // The debugger's version line (`gomap version`).
  virtual std::string Version() = 0;
  // The selected target's executable; false with *error (in the debugger's
  // own terms: how to create a target).
  virtual bool Executable(std::string *path, std::string *error) = 0;
  // true when there is a process (live or core) stopped and readable; false
  // with *error saying what it is instead (none, running, exited).
  virtual bool Stopped(std::string *error) = 0;
  // A number naming the process (the same for one process all session long)
  // and one naming its current stop (changes at every resume; a core's never
  // changes). What was read at one stop is never used at another.
  virtual uint64_t ProcessId() = 0;
  virtual uint32_t StopId() = 0;
  // Target memory (the process's; the executable's file is consulted by the
  // caller); the number of bytes read from addr on, 0 when unreadable.
  virtual size_t ReadMemory(uint64_t addr, void *dst, size_t n) = 0;
  virtual std::vector<HostThread> Threads() = 0;
  // DWARF register `regno` (x86-64 numbering, 0-16) of the innermost frame of
  // thread `thread`.
  virtual bool Register(uint64_t thread, uint32_t regno, uint64_t *value) = 0;
  // The debugger's frames of `thread`, innermost first.
  virtual std::vector<HostFrame> Frames(uint64_t thread) = 0;
  // The debugger's selected thread and its selected frame; false when none.
  virtual bool Selected(HostThread *thread, uint32_t *frame) = 0;
  // Makes `thread` the debugger's selected thread and, when frame >= 0, its
  // frame `frame` the selected frame.
  virtual bool Select(uint64_t thread, int frame) = 0;
  // Load address of an ELF symbol (for globals DWARF lacks); 0 when unknown.
  virtual uint64_t SymbolAddress(const std::string &name) = 0;
  // The user's formatters (docs/formatters.md), or null.
  virtual std::unique_ptr<ValueFormatter> Formatters() = 0;
  // Called once per command that reads the process (LLDB: let SIGURG pass).
  virtual void Prepare() {}
  // The debugger's own cap on the characters of a string it prints (LLDB:
  // target.max-string-summary-length; GDB: print characters, else print
  // elements); 0 when unlimited. The default of `show`'s text output.
  virtual uint64_t MaxStringLength() { return 0; }
  // The user asked the running command to stop (LLDB: Ctrl-C or
  // SBDebugger::RequestInterrupt; GDB: Ctrl-C). Polled by long walks.
  virtual bool Interrupted() { return false; }
};

// The output of one command. Both debuggers get the same bytes.
class Result {
public:
  virtual ~Result() = default;
  // One message: trailing whitespace trimmed, then a newline; an empty one
  // prints nothing (LLDB's CommandReturnObject::AppendMessage).
  virtual void AppendMessage(std::string_view text) = 0;
  // Raw bytes, for output streamed as it is rendered.
  virtual void Write(std::string_view bytes) = 0;
  // The command succeeded but reported error-level findings (the headless CLI
  // exits 1 on those).
  virtual void SetFindings(bool has_errors) = 0;
};

} // namespace gomap::commands

#endif
