// Diagnostics: the closed set of findings a decoder or check reports, with coordinates.
#ifndef GOMAP_CORE_DIAGNOSTICS_H
#define GOMAP_CORE_DIAGNOSTICS_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gomap {

enum class Severity { Info, Warning, Error };

// Stable codes; their spelling (CodeName) is part of the JSON contract.
enum class DiagCode {
  Unreadable,         // target memory could not be read
  Implausible,        // a field fails an invariant (B > 63, bad pointer, ...)
  Inconsistent,       // count vs entries, used sums, ctrl/tophash vs position
  Cycle,              // overflow chain loops
  UnsupportedLayout,  // layout or Go version outside what we decode
  Truncated,          // a work limit stopped the walk early
  WritingFlagSet,     // a write was in progress
  StaleBucketPointer, // pointer into a bucket array/table the map no longer owns
  DanglingIterator,   // iterator whose map changed under it
  ConcurrentWriter,   // goroutine writing a map another goroutine accessed
  FormatterError,     // a user formatter failed; the default rendering was used
  MapChanged,         // info: the map grew / was cleared during a range (legal)
};

std::string_view CodeName(DiagCode code);
std::string_view SeverityName(Severity sev);

struct Diagnostic {
  DiagCode code;
  Severity severity;
  std::string message;  // one line, includes coordinates ("bucket 3, slot 5")
  uint64_t address = 0; // the target address the finding is about, 0 if none
};

// Collects diagnostics up to a cap; past the cap it counts what it dropped.
class DiagnosticSink {
public:
  explicit DiagnosticSink(size_t max = 100) : max_(max) {}
  void Add(DiagCode code, Severity sev, std::string message, uint64_t address = 0);
  const std::vector<Diagnostic> &items() const { return items_; }
  size_t dropped() const { return dropped_; }
  bool HasErrors() const;
  void Append(const DiagnosticSink &other);

private:
  size_t max_;
  std::vector<Diagnostic> items_;
  size_t dropped_ = 0;
};

} // namespace gomap

#endif
