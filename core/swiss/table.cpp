// Swiss-table tables: header decoding and the invariants of table.go.
// Mirrors internal/runtime/maps/table.go (go1.24-1.27).
#include "core/bulk.h"
#include "core/swiss/map.h"

namespace gomap::swiss {

using detail::Hex;
using detail::IsPowerOfTwo;

bool ReadTable(MemoryReader &mem, const SwissLayout &layout, uint64_t addr, TableHeader *out) {
  std::vector<HeaderValue> vals;
  if (!detail::ReadStruct(mem, layout.table, addr, &vals))
    return false;
  const HeaderValue *f[7];
  const char *names[7] = {"used",  "capacity",    "growthLeft",       "localDepth",
                          "index", "groups.data", "groups.lengthMask"};
  for (int i = 0; i < 7; ++i)
    if ((f[i] = detail::FindValue(vals, names[i])) == nullptr)
      return false;
  out->address = addr;
  out->used = f[0]->value;
  out->capacity = f[1]->value;
  out->growth_left = f[2]->value;
  out->local_depth = f[3]->value;
  out->index = int64_t(f[4]->value);
  out->groups_data = f[5]->value;
  out->length_mask = f[6]->value;
  return true;
}

uint64_t MaxGrowthLeft(uint64_t capacity) {
  if (capacity == 0)
    return 0;
  if (capacity <= kGroupSlots)
    return capacity - 1; // one empty slot terminates probing
  return capacity * kMaxAvgGroupLoad / kGroupSlots;
}

uint64_t CheckTable(const TableHeader &t, uint64_t global_depth, const std::string &where,
                    DiagnosticSink &sink) {
  const std::string at = where + " at " + Hex(t.address);
  const uint64_t n = t.length_mask + 1; // 0 when lengthMask is all ones
  const bool n_ok = IsPowerOfTwo(n);
  const bool shape_ok = n_ok && n <= (uint64_t(1) << 40) && t.capacity == n * kGroupSlots;
  if (!n_ok)
    sink.Add(DiagCode::Implausible, Severity::Error,
             at + ": groups.lengthMask = " + Hex(t.length_mask) +
                 ", lengthMask+1 is not a power of two",
             t.address);
  else if (!shape_ok)
    sink.Add(DiagCode::Implausible, Severity::Error,
             at + ": capacity = " + std::to_string(t.capacity) + " but " + std::to_string(n) +
                 " groups (lengthMask+1) hold " + std::to_string(n * kGroupSlots) + " slots",
             t.address);
  if (t.capacity > kMaxTableCapacity)
    sink.Add(DiagCode::Implausible, Severity::Warning,
             at + ": capacity = " + std::to_string(t.capacity) + " > " +
                 std::to_string(kMaxTableCapacity),
             t.address);
  if (t.used > t.capacity)
    sink.Add(DiagCode::Implausible, Severity::Error,
             at + ": used = " + std::to_string(t.used) +
                 " > capacity = " + std::to_string(t.capacity),
             t.address);
  else if (t.capacity > 0 && t.used + t.growth_left > MaxGrowthLeft(t.capacity))
    // used + growthLeft + tombstones == maxGrowthLeft(capacity)
    sink.Add(DiagCode::Implausible, Severity::Warning,
             at + ": used = " + std::to_string(t.used) +
                 " + growthLeft = " + std::to_string(t.growth_left) + " exceeds " +
                 std::to_string(MaxGrowthLeft(t.capacity)) + " for capacity " +
                 std::to_string(t.capacity),
             t.address);
  if (t.local_depth > global_depth)
    sink.Add(DiagCode::Implausible, Severity::Error,
             at + ": localDepth = " + std::to_string(t.local_depth) +
                 " > globalDepth = " + std::to_string(global_depth),
             t.address);
  if (t.groups_data == 0 || t.groups_data % 8 != 0) {
    sink.Add(DiagCode::Implausible, Severity::Error,
             at + ": groups.data = " + Hex(t.groups_data) + " is nil or not 8-byte aligned",
             t.address);
    return 0;
  }
  // Walk the groups both numbers agree on; otherwise the smaller believable
  // one.
  if (shape_ok)
    return n;
  if (IsPowerOfTwo(t.capacity) && t.capacity >= kGroupSlots)
    return t.capacity / kGroupSlots;
  if (n_ok && n <= kMaxTableCapacity / kGroupSlots)
    return n;
  return 0;
}

} // namespace gomap::swiss
