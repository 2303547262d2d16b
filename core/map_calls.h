// The calls a function's machine code makes to the runtime's map functions
// (amd64): every `CALL rel32` whose target is the entry of a function that
// operates on a map (core/map_ops.h), with the map type descriptor the call
// passes in AX — cmd/compile loads it with a `LEAQ type:map[K]V(SB), reg`
// shortly before the call — and its source line. Calls to other user
// functions are followed a few levels, so a loop whose write is in a helper
// (or a closure body) still shows it. Read from the binary's code only.
#ifndef GOMAP_CORE_MAP_CALLS_H
#define GOMAP_CORE_MAP_CALLS_H

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/code_info.h"

namespace gomap {

// What the call-site scan needs: function bounds, names, lines and code bytes.
class CodeReader {
public:
  virtual ~CodeReader() = default;
  struct Function {
    uint64_t entry = 0, end = 0;
    std::string name;
  };
  virtual std::optional<Function> FunctionAt(uint64_t pc) = 0;
  // The binary's bytes at [addr, addr+n); returns how many were read.
  virtual size_t ReadCode(uint64_t addr, void *dst, size_t n) = 0;
  virtual std::vector<SourceFrame> Symbolize(uint64_t pc) = 0;
};

struct MapCallSite {
  uint64_t pc = 0;              // the call instruction
  std::string callee;           // "runtime.mapassign_fast64"
  std::string role;             // core/map_ops.h MapRoleOf
  uint64_t type_word = 0;       // the map type descriptor passed, 0 when not found
  SourceFrame where;            // the call's innermost source position
  std::vector<std::string> via; // user functions between the scanned one and the call
  // Still ahead of the frame's pc: after it in the function, or inside a loop
  // around it (a backward jump from past the pc to before it), or in a callee
  // called so.
  bool ahead = false;
};

struct MapCallLimits {
  uint32_t max_depth = 2;         // levels of user callees followed
  uint32_t max_functions = 32;    // functions scanned in all
  uint64_t max_code = 256 * 1024; // bytes of one function read
};

// The map calls of the function containing `pc` and of the user functions it
// calls (not the runtime's or the standard library's). `is_user(name)` says
// which callees to follow. `pc` is the frame's current instruction (for a
// caller frame: its return address - 1).
// `globals_ahead`, when given, receives the addresses of the package
// variables that code still ahead reads or takes the address of (RIP-relative
// MOV/LEA operands), so a loop over `totals[k] = v` shows it uses main.totals.
std::vector<MapCallSite> FindMapCalls(CodeReader &code, uint64_t pc,
                                      bool (*is_user)(const std::string &),
                                      const MapCallLimits &limits = {},
                                      std::vector<uint64_t> *globals_ahead = nullptr);

// The same, over one buffer of code at `base` (the pure decoder, for tests):
// call sites as (offset of the CALL, target, type descriptor or 0).
struct RawCall {
  uint64_t offset = 0, target = 0, type_word = 0;
};
std::vector<RawCall> DecodeCalls(const uint8_t *code, size_t n, uint64_t base);
// RIP-relative MOV r64,[rip+d] / LEA r64,[rip+d] operands as (address of the
// instruction, the memory address it names).
std::vector<std::pair<uint64_t, uint64_t>> DecodeRipOperands(const uint8_t *code, size_t n,
                                                             uint64_t base);
// Backward jumps (JMP/Jcc rel8/rel32) as (address of the jump, target).
std::vector<std::pair<uint64_t, uint64_t>> DecodeBackwardJumps(const uint8_t *code, size_t n,
                                                               uint64_t base);

} // namespace gomap

#endif
