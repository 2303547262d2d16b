// Evaluation of Go DWARF location expressions for one frame.
#include "location.h"

#include <cstdio>
#include <cstring>

namespace gomap {

namespace {

constexpr uint8_t kOpAddr = 0x03, kOpConst1u = 0x08, kOpConst1s = 0x09, kOpConst2u = 0x0a,
                  kOpConst2s = 0x0b, kOpConst4u = 0x0c, kOpConst4s = 0x0d, kOpConst8u = 0x0e,
                  kOpConst8s = 0x0f, kOpConstu = 0x10, kOpConsts = 0x11, kOpPlusUconst = 0x23,
                  kOpLit0 = 0x30, kOpLit31 = 0x4f, kOpReg0 = 0x50, kOpReg31 = 0x6f, kOpBreg0 = 0x70,
                  kOpBreg31 = 0x8f, kOpRegx = 0x90, kOpFbreg = 0x91, kOpBregx = 0x92,
                  kOpPiece = 0x93, kOpCallFrameCfa = 0x9c, kOpStackValue = 0x9f;
// Largest value assembled outside memory (OverlayReader's window per blob).
constexpr uint64_t kMaxAssembled = 0x100000;

struct Cursor {
  const std::vector<uint8_t> &e;
  size_t pos = 0;
  bool bad = false;
  bool Done() const { return pos >= e.size(); }
  uint8_t U8() {
    if (pos >= e.size()) {
      bad = true;
      return 0;
    }
    return e[pos++];
  }
  uint64_t Fixed(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= uint64_t(U8()) << (8 * i);
    return v;
  }
  uint64_t Uleb() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = U8();
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80))
        return v;
    }
    bad = true;
    return v;
  }
  int64_t Sleb() {
    uint64_t v = 0; // unsigned: bits shifted past 63 are dropped, not UB
    int shift = 0;
    uint8_t b;
    do {
      b = U8();
      v |= uint64_t(b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) && shift < 64);
    if (shift < 64 && (b & 0x40))
      v |= ~uint64_t(0) << shift;
    return int64_t(v);
  }
};

int64_t SignExtend(uint64_t v, int bytes) {
  int shift = 64 - 8 * bytes;
  return int64_t(v << shift) >> shift;
}

} // namespace

VarValue EvaluateLocation(const std::vector<uint8_t> &expr, uint64_t size,
                          const FrameContext &frame, MemoryReader &mem) {
  VarValue out;
  if (expr.empty()) {
    out.error = "optimized out at this pc";
    return out;
  }
  Cursor c{expr};
  std::vector<uint64_t> stack;
  std::vector<uint8_t> pieces;
  bool used_pieces = false;
  // What the current piece describes: a memory address on the stack, a
  // register, a computed value, or nothing (that part is optimized out).
  enum class Kind { None, Memory, Register, Value } kind = Kind::None;
  uint32_t regno = 0;
  auto reg = [&](uint32_t r, uint64_t *v) {
    if (!frame.reg || !frame.reg(r, v)) {
      out.error =
          "held in a register (DWARF " + std::to_string(r) + "), which is not saved for this frame";
      return false;
    }
    return true;
  };
  auto take = [&](uint64_t n, std::vector<uint8_t> *dst) -> bool {
    if (n == 0)
      return true; // a 0-byte piece or value: nothing to copy (memcpy(nullptr) is UB)
    size_t at = dst->size();
    dst->resize(at + n);
    uint64_t v = 0;
    switch (kind) {
    case Kind::None:
      out.error = "optimized out (in part) at this pc";
      return false;
    case Kind::Memory:
      if (stack.empty() || !mem.ReadExact(stack.back(), dst->data() + at, n)) {
        out.error = "unreadable memory";
        return false;
      }
      return true;
    case Kind::Register:
      if (!reg(regno, &v))
        return false;
      std::memcpy(dst->data() + at, &v, std::min<uint64_t>(n, 8));
      return true;
    case Kind::Value:
      v = stack.empty() ? 0 : stack.back();
      std::memcpy(dst->data() + at, &v, std::min<uint64_t>(n, 8));
      return true;
    }
    return false;
  };
  for (int steps = 0; !c.Done() && steps < 256; ++steps) {
    uint8_t op = c.U8();
    uint64_t v = 0;
    if (op == kOpAddr) {
      stack.push_back(c.Fixed(8));
      kind = Kind::Memory;
    } else if (op == kOpCallFrameCfa) {
      if (frame.cfa == 0) {
        out.error = "no frame address (CFA) for this frame";
        return out;
      }
      stack.push_back(frame.cfa);
      kind = Kind::Memory;
    } else if (op == kOpFbreg) {
      int64_t off = c.Sleb();
      if (frame.cfa == 0) {
        out.error = "no frame address (CFA) for this frame";
        return out;
      }
      stack.push_back(frame.cfa + uint64_t(off));
      kind = Kind::Memory;
    } else if (op >= kOpReg0 && op <= kOpReg31) {
      regno = op - kOpReg0;
      kind = Kind::Register;
    } else if (op == kOpRegx) {
      regno = uint32_t(c.Uleb());
      kind = Kind::Register;
    } else if ((op >= kOpBreg0 && op <= kOpBreg31) || op == kOpBregx) {
      uint32_t r = op == kOpBregx ? uint32_t(c.Uleb()) : uint32_t(op - kOpBreg0);
      int64_t off = c.Sleb();
      if (!reg(r, &v))
        return out;
      stack.push_back(v + uint64_t(off));
      kind = Kind::Memory;
    } else if (op >= kOpLit0 && op <= kOpLit31) {
      stack.push_back(op - kOpLit0);
      kind = Kind::Memory;
    } else if (op == kOpConstu || op == kOpConsts || (op >= kOpConst1u && op <= kOpConst8s)) {
      switch (op) {
      case kOpConstu:
        v = c.Uleb();
        break;
      case kOpConsts:
        v = uint64_t(c.Sleb());
        break;
      case kOpConst1u:
        v = c.Fixed(1);
        break;
      case kOpConst1s:
        v = uint64_t(SignExtend(c.Fixed(1), 1));
        break;
      case kOpConst2u:
        v = c.Fixed(2);
        break;
      case kOpConst2s:
        v = uint64_t(SignExtend(c.Fixed(2), 2));
        break;
      case kOpConst4u:
        v = c.Fixed(4);
        break;
      case kOpConst4s:
        v = uint64_t(SignExtend(c.Fixed(4), 4));
        break;
      default:
        v = c.Fixed(8);
        break;
      }
      stack.push_back(v);
      kind = Kind::Memory;
    } else if (op == kOpPlusUconst) {
      uint64_t add = c.Uleb();
      if (stack.empty()) {
        out.error = "malformed location expression";
        return out;
      }
      stack.back() += add;
    } else if (op == kOpStackValue) {
      kind = Kind::Value;
    } else if (op == kOpPiece) {
      uint64_t n = c.Uleb();
      if (c.bad) {
        out.error = "truncated location expression";
        return out;
      }
      if (n > 4096) {
        out.error = "DW_OP_piece of " + std::to_string(n) + " bytes (more than 4096)";
        return out;
      }
      if (!take(n, &pieces))
        return out;
      used_pieces = true;
      kind = Kind::None;
      stack.clear();
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", op);
      out.error = std::string("unsupported DWARF operation ") + hex;
      return out;
    }
    if (c.bad) {
      out.error = "truncated location expression";
      return out;
    }
  }
  // A value assembled from registers and pieces is placed in OverlayReader's
  // 1 MiB windows; a type claiming more cannot be such a value.
  if ((used_pieces || kind != Kind::Memory || stack.empty()) && size > kMaxAssembled) {
    out.error = "a " + std::to_string(size) + "-byte value outside memory (more than " +
                std::to_string(kMaxAssembled) + " bytes)";
    return out;
  }
  if (used_pieces) {
    if (kind != Kind::None && !take(size, &pieces))
      return out;
    pieces.resize(size);
    out.bytes = std::move(pieces);
    out.ok = true;
    return out;
  }
  if (kind == Kind::Memory && !stack.empty()) {
    out.in_memory = true;
    out.addr = stack.back();
    out.ok = true;
    return out;
  }
  if (!take(size, &out.bytes))
    return out;
  out.ok = true;
  return out;
}

uint64_t OverlayReader::Add(std::vector<uint8_t> bytes) {
  uint64_t addr = kBase + uint64_t(blobs_.size()) * 0x100000;
  blobs_.push_back(std::move(bytes));
  return addr;
}

size_t OverlayReader::Read(uint64_t addr, void *dst, size_t n) {
  if (addr >= kBase) {
    uint64_t i = (addr - kBase) / 0x100000, off = (addr - kBase) % 0x100000;
    if (i >= blobs_.size() || off >= blobs_[i].size())
      return 0;
    size_t take = std::min<size_t>(n, blobs_[i].size() - off);
    std::memcpy(dst, blobs_[i].data() + off, take);
    return take;
  }
  return inner_.Read(addr, dst, n);
}

} // namespace gomap
