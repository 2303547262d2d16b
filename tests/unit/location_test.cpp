// Unit tests of the DWARF location-expression evaluator on hand-built frames.
#include <gtest/gtest.h>

#include <cstring>

#include "core/location.h"

namespace gomap {
namespace {

constexpr uint64_t kCfa = 0x7000;

class LocationTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::vector<uint8_t> stack(64);
    for (size_t i = 0; i < stack.size(); ++i)
      stack[i] = uint8_t(i);
    mem_.Map(kCfa - 32, stack);
    frame_.cfa = kCfa;
  }
  VarValue Eval(std::vector<uint8_t> expr, uint64_t size) {
    return EvaluateLocation(expr, size, frame_, mem_);
  }
  ImageReader mem_;
  FrameContext frame_;
};

TEST_F(LocationTest, CallFrameCfaAndFbreg) {
  VarValue v = Eval({0x9c}, 8); // DW_OP_call_frame_cfa
  ASSERT_TRUE(v.ok) << v.error;
  EXPECT_TRUE(v.in_memory);
  EXPECT_EQ(v.addr, kCfa);
  v = Eval({0x91, 0x70}, 8); // DW_OP_fbreg -16
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.addr, kCfa - 16);
  v = Eval({0x91, 0x18}, 8); // DW_OP_fbreg +24
  EXPECT_EQ(v.addr, kCfa + 24);
}

TEST_F(LocationTest, AddrAndPlusUconst) {
  VarValue v = Eval({0x03, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0x23, 0x08}, 8);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.addr, 0x1008u);
}

TEST_F(LocationTest, RegisterNeedsRegisters) {
  VarValue v = Eval({0x50}, 8); // DW_OP_reg0 (RAX), no registers in this frame
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.error.find("register"), std::string::npos);
  frame_.reg = [](uint32_t r, uint64_t *out) {
    *out = 0x1122334455667788ull + r;
    return true;
  };
  v = Eval({0x53}, 8); // DW_OP_reg3 (RBX)
  ASSERT_TRUE(v.ok) << v.error;
  ASSERT_EQ(v.bytes.size(), 8u);
  uint64_t got;
  std::memcpy(&got, v.bytes.data(), 8);
  EXPECT_EQ(got, 0x1122334455667788ull + 3);
}

TEST_F(LocationTest, PiecesFromRegisterAndStack) {
  frame_.reg = [](uint32_t r, uint64_t *out) {
    *out = 0xAAAAAAAAAAAAAAAAull;
    return r == 3;
  };
  // A string: pointer in RBX, length at CFA-8: reg3 piece 8, fbreg -8 piece 8.
  VarValue v = Eval({0x53, 0x93, 0x08, 0x91, 0x78, 0x93, 0x08}, 16);
  ASSERT_TRUE(v.ok) << v.error;
  ASSERT_EQ(v.bytes.size(), 16u);
  EXPECT_EQ(v.bytes[0], 0xAA);
  EXPECT_EQ(v.bytes[8], uint8_t(24)); // byte at kCfa-8 in the synthetic stack
}

TEST_F(LocationTest, OptimizedOutAndMalformed) {
  VarValue v = Eval({}, 8);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.error.find("optimized out"), std::string::npos);
  v = Eval({0x93, 0x08}, 8); // a piece with no location: that part is optimized out
  EXPECT_FALSE(v.ok);
  v = Eval({0x91}, 8); // fbreg without its operand
  EXPECT_FALSE(v.ok);
  v = Eval({0xe0}, 8); // DW_OP_lo_user: not something Go emits
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.error.find("unsupported"), std::string::npos);
  frame_.cfa = 0;
  v = Eval({0x9c}, 8);
  EXPECT_FALSE(v.ok);
}

TEST_F(LocationTest, OverlayServesSyntheticAddresses) {
  OverlayReader overlay(mem_);
  uint64_t a = overlay.Add({1, 2, 3, 4});
  uint8_t buf[4] = {};
  EXPECT_EQ(overlay.Read(a, buf, 4), 4u);
  EXPECT_EQ(buf[3], 4);
  EXPECT_EQ(overlay.Read(a + 2, buf, 4), 2u); // short at the blob's end
  EXPECT_EQ(overlay.Read(kCfa, buf, 1), 1u);  // everything else from the target
  EXPECT_EQ(overlay.Read(a + 0x100000 * 5, buf, 1), 0u);
}

} // namespace
} // namespace gomap
