#include "core/work_stop.h"

#include <cstdio>

namespace gomap {

WorkStop::WorkStop(std::function<bool()> interrupted, double seconds)
    : interrupted_(std::move(interrupted)), seconds_(seconds > 0 ? seconds : 0) {
  if (seconds_ > 0)
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(seconds_));
}

bool WorkStop::Stop() {
  if (why_ != Why::None)
    return true;
  if (calls_++ % kPollEvery != 0)
    return false;
  if (interrupted_ && interrupted_())
    why_ = Why::Interrupted;
  else if (seconds_ > 0 && std::chrono::steady_clock::now() >= deadline_)
    why_ = Why::TimeLimit;
  return why_ != Why::None;
}

std::string WorkStop::Reason() const {
  switch (why_) {
  case Why::Interrupted:
    return "interrupted";
  case Why::TimeLimit:
    return "time limit of " + SecondsText(seconds_) + " s reached";
  case Why::None:
    break;
  }
  return "";
}

std::string WorkStop::Hint() const {
  return why_ == Why::TimeLimit ? "--time-limit raises it" : "";
}

std::string WorkStop::At(const std::string &where) const {
  const std::string hint = Hint();
  return Reason() + " at " + where + (hint.empty() ? "" : "; " + hint);
}

std::string SecondsText(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", seconds);
  std::string s(buf);
  while (!s.empty() && s.back() == '0')
    s.pop_back();
  if (!s.empty() && s.back() == '.')
    s.pop_back();
  return s;
}

} // namespace gomap
