// Decoding entry points: dispatch on the map implementation to classic/ or
// swiss/.
#include "map.h"

#include "core/go_format.h"

#include "core/classic/hmap.h"
#include "core/swiss/map.h"

namespace gomap {

bool ReadHeader(MemoryReader &mem, const MapLayout &layout, uint64_t addr, MapHeader *out,
                DiagnosticSink &sink) {
  switch (layout.impl) {
  case MapImpl::Classic:
    return classic::ReadHeader(mem, layout, addr, out, sink);
  case MapImpl::Swiss:
    return swiss::ReadHeader(mem, layout, addr, out, sink);
  }
  sink.Add(DiagCode::UnsupportedLayout, Severity::Error, "unknown map implementation", addr);
  return false;
}

std::unique_ptr<EntryCursor> OpenEntries(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                                         const Limits &limits) {
  if (layout.impl == MapImpl::Swiss)
    return swiss::OpenEntries(mem, layout, addr, limits);
  return classic::OpenEntries(mem, layout, addr, limits);
}

bool BatchCursor::Next(MapEntry *out) {
  if (pending_.empty())
    Fill();
  if (pending_.empty())
    return false;
  if (yielded_ >= max_entries_) {
    truncated_ = true;
    return false;
  }
  *out = pending_.front();
  pending_.pop_front();
  ++yielded_;
  return true;
}

bool ReadUsableHeader(MemoryReader &mem, const MapLayout &layout, const std::string &type_name,
                      uint64_t addr, MapHeader *out, DiagnosticSink &sink, std::string *error) {
  if (!ReadHeader(mem, layout, addr, out, sink)) {
    *error = "cannot read a " + type_name + " header at " + HexAddr(addr);
    for (const auto &d : sink.items())
      if (d.severity == Severity::Error) {
        *error += ": " + d.message;
        break;
      }
    return false;
  }
  for (const auto &d : sink.items())
    if (d.severity == Severity::Error &&
        (d.code == DiagCode::Implausible || d.code == DiagCode::Unreadable)) {
      *error = HexAddr(addr) + " does not hold a valid " + type_name + " header: " + d.message;
      return false;
    }
  return true;
}

} // namespace gomap
