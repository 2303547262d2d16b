// Runtime map functions of every supported release classified by operation.
#include <gtest/gtest.h>

#include "core/map_ops.h"

namespace gomap {
namespace {

TEST(MapOps, ClassicEntryPoints) {
  EXPECT_EQ(MapOpOf("runtime.mapassign_faststr"), MapOp::Write);
  EXPECT_EQ(MapOpOf("runtime.mapassign"), MapOp::Write);
  EXPECT_EQ(MapOpOf("runtime.mapdelete_fast64"), MapOp::Write);
  EXPECT_EQ(MapOpOf("runtime.growWork_faststr"), MapOp::Write);
  EXPECT_EQ(MapOpOf("runtime.evacuate_fast32"), MapOp::Write);
  EXPECT_EQ(MapOpOf("runtime.mapaccess2_fast64"), MapOp::Read);
  EXPECT_EQ(MapOpOf("runtime.mapiternext"), MapOp::Iterate);
  EXPECT_EQ(MapOpOf("runtime.mapclear"), MapOp::Write);
}

TEST(MapOps, SwissFunctions) {
  EXPECT_EQ(MapOpOf("internal/runtime/maps.runtime_mapassign_faststr"), MapOp::Write);
  EXPECT_EQ(MapOpOf("internal/runtime/maps.(*Map).putSlotSmall"), MapOp::Write);
  EXPECT_EQ(MapOpOf("internal/runtime/maps.(*table).split"), MapOp::Write);
  EXPECT_EQ(MapOpOf("internal/runtime/maps.(*Map).Delete"), MapOp::Write);
  EXPECT_EQ(MapOpOf("internal/runtime/maps.runtime_mapaccess2_fast64"), MapOp::Read);
  EXPECT_EQ(MapOpOf("internal/runtime/maps.(*Map).getWithKeySmall"), MapOp::Read);
  EXPECT_EQ(MapOpOf("internal/runtime/maps.(*Iter).Next"), MapOp::Iterate);
  EXPECT_EQ(MapOpOf("runtime.mapIterNext"), MapOp::Iterate);
}

TEST(MapOps, NotMapFunctions) {
  EXPECT_EQ(MapOpOf("main.mapassign"), MapOp::None); // user code named alike
  EXPECT_EQ(MapOpOf("runtime.gopark"), MapOp::None);
  EXPECT_EQ(MapOpOf("runtime.getg"), MapOp::None);
  EXPECT_EQ(MapOpOf("sync.(*Map).Load"), MapOp::None);
  EXPECT_TRUE(IsFatalFunction("internal/runtime/maps.fatal"));
  EXPECT_TRUE(IsFatalFunction("runtime.fatal"));
  EXPECT_FALSE(IsFatalFunction("runtime.fatalsignal"));
}

} // namespace
} // namespace gomap
