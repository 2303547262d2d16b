// Why a command's long work ends early: the debugger's interrupt (Ctrl-C in
// LLDB or GDB, SBDebugger::RequestInterrupt) or the command's time limit
// (--time-limit). The walks poll it once per unit of work: a map entry
// (show), a map checked and a value reached (scan).
#ifndef GOMAP_CORE_WORK_STOP_H
#define GOMAP_CORE_WORK_STOP_H

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace gomap {

class WorkStop {
public:
  // interrupted: asks the debugger (may be empty); seconds <= 0: no time limit.
  WorkStop(std::function<bool()> interrupted, double seconds);

  // True once the interrupt was seen or the time limit passed, and from then
  // on. The clock and the debugger are asked on the first call and then every
  // kPollEvery calls, so a poll per map entry costs nothing measurable.
  bool Stop();
  bool tripped() const { return why_ != Why::None; }
  bool interrupted() const { return why_ == Why::Interrupted; }
  // "interrupted" or "time limit of 2 s reached" ("" while not tripped).
  std::string Reason() const;
  // What the user gives to go on: "--time-limit raises it" or "".
  std::string Hint() const;
  // Where the work ended, for a diagnostic: "interrupted at bucket 7" or "time
  // limit of 2 s reached at bucket 7; --time-limit raises it".
  std::string At(const std::string &where) const;
  double seconds() const { return seconds_; }

  static constexpr uint32_t kPollEvery = 64;

private:
  enum class Why { None, Interrupted, TimeLimit };
  std::function<bool()> interrupted_;
  double seconds_;
  std::chrono::steady_clock::time_point deadline_;
  uint32_t calls_ = 0;
  Why why_ = Why::None;
};

// A number of seconds as the user wrote it back: "2", "0.5", "1.25".
std::string SecondsText(double seconds);

} // namespace gomap

#endif
