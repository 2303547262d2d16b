// runtime.g and runtime.m as goroutine listing needs them: field offsets from
// the binary's DWARF or, for binaries without it, built-in per-release tables
// (runtime/runtime2.go go1.19-go1.27); finding runtime.allgs and
// runtime.waitReasonStrings in a binary without symbols.
#ifndef GOMAP_CORE_RUNTIME_G_H
#define GOMAP_CORE_RUNTIME_G_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/target.h"
#include "core/types.h"
#include "core/version.h"

namespace gomap {

struct FieldLoc {
  uint64_t offset = 0, size = 0;
  bool ok = false;
  // Little-endian load from a copy of the struct; 0 when absent or outside.
  uint64_t From(const std::vector<uint8_t> &bytes) const;
};

struct GLayout {
  uint64_t read_size = 0; // bytes of runtime.g to read: covers every field below
  FieldLoc goid, status, waitreason, sched_sp, sched_pc, m, stack_lo, stack_hi, syscallsp,
      syscallpc;
  FieldLoc m_procid, m_gsignal; // in runtime.m
  std::string source;           // "DWARF" or "built-in go1.NN table"
};

// From the binary's runtime.g type (and runtime.m through g.m). nullopt with
// *error when goid/atomicstatus/sched are missing.
std::optional<GLayout> GLayoutFromTypes(const Type *g, std::string *error);
// The built-in table for the release; nullopt outside go1.19-go1.27.
std::optional<GLayout> BuiltinGLayout(const GoVersion &v, std::string *error);

// runtime/runtime2.go _G* values (without _Gscan).
constexpr uint32_t kGscan = 0x1000;
constexpr uint32_t kGidle = 0, kGrunnable = 1, kGrunning = 2, kGsyscall = 3, kGwaiting = 4,
                   kGdead = 6, kGdeadextra = 11;
// runtime/traceback.go gStatusStrings; "status N" for unknown values.
std::string GStatusName(uint32_t status);

// Looks like a runtime.g: a plausible status, goid and stack.
bool PlausibleG(const GLayout &l, const std::vector<uint8_t> &g);

// runtime.allgs without symbols: the {array, len, cap} triple in .bss whose
// array holds plausible g's and which runtime.allgptr (also in .bss) repeats.
// Returns the address of the slice header; nullopt with *error.
std::optional<uint64_t> FindAllgs(MemoryReader &mem, uint64_t bss, uint64_t ebss, const GLayout &l,
                                  uint64_t max_goroutines, std::string *error);

// runtime.waitReasonStrings without symbols: the array of string headers in a
// writable section whose entries 0 and 1 are "" and "GC assist marking".
// Empty when not found.
std::vector<std::string> FindWaitReasons(const BinaryImage &image);

} // namespace gomap

#endif
