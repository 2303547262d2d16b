// Tests of the naming walk (core/reach.h) and of map-argument recovery
// (core/map_args.h) on synthetic images: paths through pointers and struct
// fields, slice elements, interfaces, map values; cycles; caps.
#include <gtest/gtest.h>

#include <map>

#include "core/map_args.h"
#include "core/reach.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

class ReachTest : public ::testing::Test {
protected:
  ReachTest() {
    map_ii = types.table.New(Kind::Map, "map[int64]int64", 8, 8);
    Type *m = const_cast<Type *>(map_ii);
    m->key = types.int64_;
    m->elem = types.int64_;
    layouts.layouts[map_ii] = MustLayout("go1.22.5", types.int64_, types.int64_);
    // type Server struct { name string; sessions map[int64]int64 }
    Type *srv = types.table.New(Kind::Struct, "main.Server", 24, 8);
    srv->fields = {{"name", 0, types.string_}, {"sessions", 16, map_ii}};
    server = srv;
    Type *p = types.table.New(Kind::Pointer, "*main.Server", 8, 8);
    p->elem = srv;
    pserver = p;
  }

  uint64_t NewMap(int64_t k, int64_t v) {
    ClassicBuilder cb(img, layouts.layouts[map_ii]);
    uint64_t b = cb.Buckets(0);
    cb.SetInt(cb.Bucket(b, 0), 0, k, v);
    return cb.Hmap(1, 0, 0, b);
  }
  uint64_t NewServer(uint64_t h) {
    uint64_t s = img.Alloc(24, 8);
    img.Put64(s + 16, h);
    return s;
  }
  uint64_t Word(uint64_t v) {
    uint64_t a = img.Alloc(8, 8);
    img.Put64(a, v);
    return a;
  }
  ReachResult Walk(ImageReader &r, const std::vector<ReachRoot> &roots,
                   const std::set<uint64_t> &targets, const ReachLimits &lim = {}) {
    ReachEnv env{r, resolver, layouts, nullptr};
    return NameMaps(env, roots, targets, lim);
  }

  TestTypes types;
  FakeTypes resolver;
  FakeLayouts layouts;
  Image img;
  const Type *map_ii, *server, *pserver;
};

TEST_F(ReachTest, PointerThenStructField) {
  uint64_t h = NewMap(1, 2);
  uint64_t srv = Word(NewServer(h));
  uint64_t other = Word(NewServer(NewMap(3, 4)));
  ImageReader r = img.Reader();
  ReachResult res =
      Walk(r, {{"main.other", "", pserver, other}, {"main.srv", "", pserver, srv}}, {h});
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.found[0].path, "main.srv.sessions");
  EXPECT_EQ(res.found[0].map, h);
  EXPECT_EQ(res.found[0].root, 1u);
  EXPECT_FALSE(res.truncated);
}

TEST_F(ReachTest, ShortestPathWinsAndFrameRootsKeepWhere) {
  uint64_t h = NewMap(1, 2);
  uint64_t srv = Word(NewServer(h)); // main.srv -> *Server -> sessions: 1 hop
  uint64_t direct = Word(h);         // t: the map itself, 0 hops
  ImageReader r = img.Reader();
  ReachResult res = Walk(
      r, {{"main.srv", "", pserver, srv}, {"t", "goroutine 7, frame 2, main.f", map_ii, direct}},
      {h});
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.found[0].path, "t");
  EXPECT_EQ(res.found[0].where, "goroutine 7, frame 2, main.f");
}

TEST_F(ReachTest, SliceElement) {
  Type *slice = types.table.New(Kind::Slice, "[]*main.Server", 24, 8);
  slice->elem = pserver;
  uint64_t h = NewMap(5, 6);
  uint64_t arr = img.Alloc(3 * 8, 8);
  img.Put64(arr + 0, NewServer(NewMap(1, 1)));
  img.Put64(arr + 8, 0);
  img.Put64(arr + 16, NewServer(h));
  uint64_t sh = img.Alloc(24, 8);
  img.Put64(sh, arr);
  img.Put64(sh + 8, 3);
  img.Put64(sh + 16, 3);
  ImageReader r = img.Reader();
  ReachResult res = Walk(r, {{"main.shards", "", slice, sh}}, {h});
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.found[0].path, "main.shards[2].sessions");
}

TEST_F(ReachTest, InterfaceDynamicType) {
  const uint64_t desc = 0x4a0000; // *main.Server's runtime type descriptor
  resolver.by_desc[desc] = pserver;
  uint64_t h = NewMap(1, 2);
  uint64_t srv = NewServer(h);
  uint64_t eface = img.Alloc(16, 8);
  img.Put64(eface, desc);
  img.Put64(eface + 8, srv); // a pointer is stored directly in the data word
  ImageReader r = img.Reader();
  ReachResult res = Walk(r, {{"main.v", "", types.any_, eface}}, {h});
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.found[0].path, "main.v.sessions");
}

TEST_F(ReachTest, MapValueWithKey) {
  // map[int64]map[int64]int64
  Type *outer = types.table.New(Kind::Map, "map[int64]map[int64]int64", 8, 8);
  outer->key = types.int64_;
  outer->elem = map_ii;
  layouts.layouts[outer] = MustLayout("go1.22.5", types.int64_, map_ii);
  uint64_t inner = NewMap(1, 2);
  ClassicBuilder cb(img, layouts.layouts[outer]);
  uint64_t b = cb.Buckets(0);
  cb.SetInt(cb.Bucket(b, 0), 0, 41, int64_t(NewMap(9, 9)));
  cb.SetInt(cb.Bucket(b, 0), 1, 42, int64_t(inner));
  uint64_t oh = cb.Hmap(2, 0, 0, b);
  uint64_t root = Word(oh);
  ImageReader r = img.Reader();
  ReachResult res = Walk(r, {{"main.byTenant", "", outer, root}}, {inner});
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.found[0].path, "main.byTenant[42]");
  EXPECT_EQ(FormatKey(r, resolver, types.int64_, cb.Bucket(b, 0) + 8 + 8), "42");
}

TEST_F(ReachTest, CycleEnds) {
  // type node struct { next *node; m map[int64]int64 }
  Type *node = types.table.New(Kind::Struct, "main.node", 16, 8);
  Type *pnode = types.table.New(Kind::Pointer, "*main.node", 8, 8);
  pnode->elem = node;
  node->fields = {{"next", 0, pnode}, {"m", 8, map_ii}};
  uint64_t a = img.Alloc(16, 8), b = img.Alloc(16, 8);
  img.Put64(a, b);
  img.Put64(b, a);
  uint64_t h = NewMap(1, 1);
  img.Put64(b + 8, h);
  uint64_t root = Word(a);
  ImageReader r = img.Reader();
  ReachResult res = Walk(r, {{"head", "goroutine 1, frame 0, main.main", pnode, root}},
                         {h, 0x999000}); // the second is nowhere: the walk must end
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.found[0].path, "head.next.m");
  EXPECT_FALSE(res.truncated);
  EXPECT_LT(res.objects, 20u);
}

TEST_F(ReachTest, CapsAreReported) {
  Type *node = types.table.New(Kind::Struct, "main.node", 16, 8);
  Type *pnode = types.table.New(Kind::Pointer, "*main.node", 8, 8);
  pnode->elem = node;
  node->fields = {{"next", 0, pnode}, {"m", 8, map_ii}};
  // A list of 50 nodes with the map at the end.
  uint64_t h = NewMap(1, 1), next = 0;
  for (int i = 0; i < 50; ++i) {
    uint64_t n = img.Alloc(16, 8);
    img.Put64(n, next);
    img.Put64(n + 8, i == 0 ? h : 0);
    next = n;
  }
  uint64_t root = Word(next);
  ImageReader r = img.Reader();
  ReachLimits depth;
  depth.max_depth = 10;
  ReachResult res = Walk(r, {{"list", "", pnode, root}}, {h}, depth);
  EXPECT_TRUE(res.found.empty());
  EXPECT_TRUE(res.truncated);
  EXPECT_EQ(res.cut, "depth");
  ReachLimits objects;
  objects.max_objects = 5;
  res = Walk(r, {{"list", "", pnode, root}}, {h}, objects);
  EXPECT_TRUE(res.found.empty());
  EXPECT_EQ(res.cut, "objects");
  EXPECT_EQ(res.objects, 5u);
  ReachLimits bytes;
  bytes.max_bytes = 64;
  res = Walk(r, {{"list", "", pnode, root}}, {h}, bytes);
  EXPECT_EQ(res.cut, "bytes");
  ReachLimits deep;
  deep.max_depth = 64;
  res = Walk(r, {{"list", "", pnode, root}}, {h}, deep);
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.found[0].depth, 50u);
  EXPECT_FALSE(res.truncated);
}

TEST_F(ReachTest, AllMapsWithinDepth) {
  uint64_t h1 = NewMap(1, 2), h2 = NewMap(3, 4);
  uint64_t a = Word(NewServer(h1)), b = Word(h2);
  ImageReader r = img.Reader();
  ReachLimits lim;
  lim.all = true;
  ReachResult res = Walk(r, {{"t", "", pserver, a}, {"m", "", map_ii, b}}, {}, lim);
  ASSERT_EQ(res.found.size(), 2u);
  EXPECT_EQ(res.found[0].path, "m"); // 0 hops before 1
  EXPECT_EQ(res.found[1].path, "t.sessions");
  lim.max_depth = 0;
  res = Walk(r, {{"t", "", pserver, a}, {"m", "", map_ii, b}}, {}, lim);
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.cut, "depth");
}

TEST_F(ReachTest, UserRootsBeforeLaterTiers) {
  uint64_t h = NewMap(1, 2);
  uint64_t a = Word(h), b = Word(NewServer(h));
  ImageReader r = img.Reader();
  ReachRoot std_root{"unicode.tables", "", map_ii, a, 1};
  ReachRoot user{"main.srv", "", pserver, b, 0};
  ReachResult res = Walk(r, {std_root, user}, {h});
  ASSERT_EQ(res.found.size(), 1u);
  EXPECT_EQ(res.found[0].path, "main.srv.sessions");
}

TEST_F(ReachTest, RecoverMapArgumentFromSpillSlots) {
  const uint64_t desc = 0x4b0000;
  resolver.by_desc[desc] = map_ii;
  uint64_t h = NewMap(1, 2);
  uint64_t junk = img.Alloc(64, 8); // not a header
  img.Put64(junk + 8, 0xffffffff);  // B > 63: implausible
  img.Put64(junk, 0xffff);
  ImageReader r = img.Reader();
  // mapassign(t, h, key): t at CFA+0, h at CFA+8.
  ArgTier spill;
  spill.types = spill.headers = {{desc, "CFA+0"}, {h, "CFA+8"}, {junk, "CFA+16"}};
  RecoveredMap got;
  std::string why;
  ASSERT_TRUE(RecoverMapArgument(r, resolver, layouts, {spill}, &got, &why)) << why;
  EXPECT_EQ(got.header, h);
  EXPECT_EQ(got.type, map_ii);
  EXPECT_EQ(got.source, "CFA+8");
  EXPECT_EQ(got.type_source, "CFA+0");
  // Swiss methods take (m *Map, typ *abi.SwissMapType): order does not matter.
  ArgTier swapped;
  swapped.types = swapped.headers = {{junk, "CFA+0"}, {h, "CFA+8"}, {desc, "CFA+16"}};
  ASSERT_TRUE(RecoverMapArgument(r, resolver, layouts, {swapped}, &got, &why)) << why;
  EXPECT_EQ(got.header, h);
}

TEST_F(ReachTest, RecoverMapArgumentCallerFrameMustBeUnique) {
  const uint64_t desc = 0x4b0000;
  resolver.by_desc[desc] = map_ii;
  uint64_t h1 = NewMap(1, 2), h2 = NewMap(3, 4);
  ImageReader r = img.Reader();
  ArgTier spill;
  spill.types = spill.headers = {{desc, "CFA+0"}, {0, "CFA+8"}}; // h not spilled
  ArgTier caller;
  caller.unique = true;
  caller.headers = {{h1, "sp+0"}, {h2, "sp+8"}};
  RecoveredMap got;
  std::string why;
  EXPECT_FALSE(RecoverMapArgument(r, resolver, layouts, {spill, caller}, &got, &why));
  EXPECT_NE(why.find("map[int64]int64"), std::string::npos) << why;
  caller.headers = {{h2, "sp+8"}, {h2, "sp+16"}};
  ASSERT_TRUE(RecoverMapArgument(r, resolver, layouts, {spill, caller}, &got, &why)) << why;
  EXPECT_EQ(got.header, h2);
  EXPECT_EQ(got.source, "sp+8");
  // No map type descriptor at all.
  ArgTier none;
  none.headers = {{h1, "CFA+8"}};
  EXPECT_FALSE(RecoverMapArgument(r, resolver, layouts, {none}, &got, &why));
  EXPECT_NE(why.find("no map type descriptor"), std::string::npos);
}

} // namespace
} // namespace gomap
