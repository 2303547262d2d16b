// Map call sites in machine code (see map_calls.h).
#include "core/map_calls.h"

#include <cstring>
#include <deque>
#include <set>

#include "core/map_ops.h"

namespace gomap {

namespace {

// `LEAQ disp32(RIP), reg`: REX.W (0x48 or 0x4c) 0x8d, ModRM mod=00 rm=101.
bool LeaRip(const uint8_t *p, size_t avail, uint64_t at, uint64_t *target) {
  if (avail < 7 || (p[0] != 0x48 && p[0] != 0x4c) || p[1] != 0x8d || (p[2] & 0xc7) != 0x05)
    return false;
  int32_t disp;
  std::memcpy(&disp, p + 3, 4);
  *target = at + 7 + int64_t(disp);
  return true;
}

// Only AX (ModRM reg 000 with REX.R clear) carries the type argument.
bool LeaRipToAx(const uint8_t *p) { return p[0] == 0x48 && (p[2] & 0x38) == 0; }

} // namespace

std::vector<RawCall> DecodeCalls(const uint8_t *code, size_t n, uint64_t base) {
  std::vector<RawCall> out;
  // The type descriptor of the last `LEAQ type(SB), AX` and where it ended; a
  // call more than 64 bytes later (or after another call) does not take it.
  uint64_t lea_value = 0, lea_end = 0;
  for (size_t i = 0; i + 5 <= n; ++i) {
    uint64_t target;
    if (LeaRip(code + i, n - i, base + i, &target) && LeaRipToAx(code + i)) {
      lea_value = target;
      lea_end = base + i + 7;
      continue;
    }
    if (code[i] != 0xe8)
      continue;
    int32_t rel;
    std::memcpy(&rel, code + i + 1, 4);
    uint64_t at = base + i;
    RawCall c{i, at + 5 + int64_t(rel), 0};
    if (lea_end != 0 && at >= lea_end && at - lea_end <= 64)
      c.type_word = lea_value;
    out.push_back(c);
  }
  return out;
}

std::vector<std::pair<uint64_t, uint64_t>> DecodeRipOperands(const uint8_t *code, size_t n,
                                                             uint64_t base) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t i = 0; i + 7 <= n; ++i) {
    const uint8_t *p = code + i;
    if ((p[0] & 0xf8) != 0x48 || (p[1] != 0x8b && p[1] != 0x8d) || (p[2] & 0xc7) != 0x05)
      continue;
    int32_t disp;
    std::memcpy(&disp, p + 3, 4);
    out.push_back({base + i, base + i + 7 + int64_t(disp)});
  }
  return out;
}

std::vector<std::pair<uint64_t, uint64_t>> DecodeBackwardJumps(const uint8_t *code, size_t n,
                                                               uint64_t base) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t i = 0; i + 2 <= n; ++i) {
    int64_t rel = 0;
    size_t len = 0;
    if (code[i] == 0xeb || (code[i] >= 0x70 && code[i] <= 0x7f)) { // JMP/Jcc rel8
      rel = int8_t(code[i + 1]);
      len = 2;
    } else if (code[i] == 0xe9 && i + 5 <= n) { // JMP rel32
      int32_t r;
      std::memcpy(&r, code + i + 1, 4);
      rel = r;
      len = 5;
    } else if (code[i] == 0x0f && i + 6 <= n && code[i + 1] >= 0x80 && code[i + 1] <= 0x8f) {
      int32_t r; // Jcc rel32
      std::memcpy(&r, code + i + 2, 4);
      rel = r;
      len = 6;
    } else {
      continue;
    }
    if (rel < 0 && uint64_t(-rel) <= i + len)
      out.push_back({base + i, base + i + len + rel});
  }
  return out;
}

std::vector<MapCallSite> FindMapCalls(CodeReader &code, uint64_t pc,
                                      bool (*is_user)(const std::string &),
                                      const MapCallLimits &limits,
                                      std::vector<uint64_t> *globals_ahead) {
  std::vector<MapCallSite> out;
  auto first = code.FunctionAt(pc);
  if (!first)
    return out;
  struct Item {
    CodeReader::Function fn;
    uint32_t depth;
    std::vector<std::string> via;
    bool ahead; // the whole function is still ahead (a callee called ahead)
  };
  std::deque<Item> queue{{*first, 0, {}, false}};
  std::set<uint64_t> seen{first->entry};
  uint32_t scanned = 0;
  while (!queue.empty() && scanned < limits.max_functions) {
    Item item = std::move(queue.front());
    queue.pop_front();
    ++scanned;
    uint64_t len = std::min<uint64_t>(item.fn.end > item.fn.entry ? item.fn.end - item.fn.entry : 0,
                                      limits.max_code);
    std::vector<uint8_t> bytes(len);
    bytes.resize(code.ReadCode(item.fn.entry, bytes.data(), len));
    // The loops around pc in the scanned frame's function: a call between a
    // loop's head and its backward jump runs again. A jump back to the entry is
    // not a loop: it ends the stack-growth epilogue (call runtime.morestack*,
    // jmp to the entry) of every function with a stack check, which is every
    // function that calls another, and would put the whole function ahead.
    std::vector<std::pair<uint64_t, uint64_t>> loops;
    if (item.depth == 0)
      for (const auto &[from, to] : DecodeBackwardJumps(bytes.data(), bytes.size(), item.fn.entry))
        if (to != item.fn.entry && to <= pc && pc < from)
          loops.push_back({to, from});
    auto ahead = [&](uint64_t at) {
      if (item.ahead || at > pc)
        return true;
      for (const auto &[head, back] : loops)
        if (at >= head && at < back)
          return true;
      return false;
    };
    if (globals_ahead)
      for (const auto &[at, target] : DecodeRipOperands(bytes.data(), bytes.size(), item.fn.entry))
        if (ahead(at))
          globals_ahead->push_back(target);
    for (const RawCall &c : DecodeCalls(bytes.data(), bytes.size(), item.fn.entry)) {
      // A real call lands on a function's entry; a byte 0xe8 inside another
      // instruction almost never does.
      auto callee = code.FunctionAt(c.target);
      if (!callee || callee->entry != c.target)
        continue;
      MapOp op = MapOpOf(callee->name);
      if (op != MapOp::None) {
        MapCallSite s;
        s.pc = item.fn.entry + c.offset;
        s.callee = callee->name;
        s.role = std::string(MapRoleOf(callee->name));
        s.type_word = c.type_word;
        auto src = code.Symbolize(s.pc);
        if (!src.empty())
          s.where = src.front();
        s.via = item.via;
        s.ahead = ahead(s.pc);
        out.push_back(std::move(s));
      } else if (item.depth < limits.max_depth && is_user(callee->name) &&
                 seen.insert(callee->entry).second) {
        Item next{*callee, item.depth + 1, item.via, ahead(item.fn.entry + c.offset)};
        next.via.push_back(callee->name);
        queue.push_back(std::move(next));
      }
    }
  }
  return out;
}

} // namespace gomap
