// Swiss-table groups: control bytes and slot addressing.
// Mirrors internal/runtime/maps/group.go (go1.24-1.27, incl. 1.27
// mapsplitgroup).
#include "core/bulk.h"
#include "core/swiss/map.h"

namespace gomap::swiss {

using detail::Hex;
using detail::LoadLE;

uint64_t ScanGroup(const uint8_t *g, uint64_t group_addr, const SwissLayout &s,
                   const std::string &where, DiagnosticSink &sink, std::deque<MapEntry> *out) {
  const uint64_t ctrl = LoadLE(g + s.ctrl_off, 8);
  uint64_t found = 0;
  for (unsigned i = 0; i < kGroupSlots; ++i) {
    const uint8_t c = CtrlByte(ctrl, i);
    if (!CtrlFull(c)) {
      if (c != kCtrlEmpty && c != kCtrlDeleted)
        sink.Add(DiagCode::Inconsistent, Severity::Warning,
                 where + ", slot " + std::to_string(i) + ": invalid ctrl byte " + Hex(c),
                 group_addr + s.ctrl_off + i);
      continue;
    }
    // group.go: key(i) = KeysOff + i*KeyStride, elem(i) = ElemsOff +
    // i*ElemStride (1.24-1.26 spell it groupSlotsOffset + i*SlotSize [+
    // ElemOff]).
    const uint64_t koff = s.keys_off + i * s.key_stride;
    const uint64_t eoff = s.elems_off + i * s.elem_stride;
    MapEntry e{group_addr + koff, group_addr + eoff};
    if (s.indirect_key)
      e.key_addr = LoadLE(g + koff, 8);
    if (s.indirect_elem)
      e.elem_addr = LoadLE(g + eoff, 8);
    if (e.key_addr == 0 || e.elem_addr == 0) {
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ", slot " + std::to_string(i) + ": nil indirect " +
                   (e.key_addr == 0 ? "key" : "elem") + " pointer",
               group_addr + (e.key_addr == 0 ? koff : eoff));
      continue;
    }
    out->push_back(e);
    ++found;
  }
  return found;
}

} // namespace gomap::swiss
