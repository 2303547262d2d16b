// Names and collection of diagnostics.
#include "diagnostics.h"

namespace gomap {

std::string_view CodeName(DiagCode code) {
  switch (code) {
  case DiagCode::Unreadable:
    return "unreadable";
  case DiagCode::Implausible:
    return "implausible";
  case DiagCode::Inconsistent:
    return "inconsistent";
  case DiagCode::Cycle:
    return "cycle";
  case DiagCode::UnsupportedLayout:
    return "unsupported-layout";
  case DiagCode::Truncated:
    return "truncated";
  case DiagCode::WritingFlagSet:
    return "writing-flag-set";
  case DiagCode::StaleBucketPointer:
    return "stale-bucket-pointer";
  case DiagCode::DanglingIterator:
    return "dangling-iterator";
  case DiagCode::ConcurrentWriter:
    return "concurrent-writer";
  case DiagCode::FormatterError:
    return "formatter-error";
  case DiagCode::MapChanged:
    return "map-changed";
  }
  return "unknown";
}

std::string_view SeverityName(Severity sev) {
  switch (sev) {
  case Severity::Info:
    return "info";
  case Severity::Warning:
    return "warning";
  case Severity::Error:
    return "error";
  }
  return "unknown";
}

void DiagnosticSink::Add(DiagCode code, Severity sev, std::string message, uint64_t address) {
  if (items_.size() >= max_) {
    ++dropped_;
    return;
  }
  items_.push_back(Diagnostic{code, sev, std::move(message), address});
}

bool DiagnosticSink::HasErrors() const {
  for (const auto &d : items_)
    if (d.severity == Severity::Error)
      return true;
  return false;
}

void DiagnosticSink::Append(const DiagnosticSink &other) {
  for (const auto &d : other.items_)
    Add(d.code, d.severity, d.message, d.address);
  dropped_ += other.dropped_;
}

} // namespace gomap
