// Tests of the sync.Map decoder (core/syncmap.cpp) on synthetic images: a
// HashTrieMap (sound, with an overflow chain, with cycles) and a read/dirty
// sync.Map over a swiss small map (live, deleted, expunged, dirty-only).
#include <gtest/gtest.h>

#include "core/syncmap.h"
#include "core/work_stop.h"
#include "image_builder.h"

namespace gomap {
namespace {

using namespace gomap::testing;

class TrieTest : public ::testing::Test {
protected:
  TestTypes types;
  Image img;
  SyncMapLayout l;
  TrieTest() {
    l.kind = SyncMapKind::HashTrie;
    l.any = types.any_;
  }
  // indirect node: isEntry=0, parent @0x10, children[16] @0x18 (152 bytes).
  uint64_t Indirect(uint64_t parent) {
    uint64_t n = img.Alloc(152, 8);
    img.Put64(n + 0x10, parent);
    return n;
  }
  void Child(uint64_t ind, int i, uint64_t node) { img.Put64(ind + 0x18 + 8 * i, node); }
  // entry: isEntry=1, overflow @8, key any @0x10, value any @0x20 (48 bytes).
  uint64_t Entry(uint64_t key_word, uint64_t overflow = 0) {
    uint64_t e = img.Alloc(48, 8);
    img.Put<uint8_t>(e, 1);
    img.Put64(e + 8, overflow);
    img.Put64(e + 0x18, key_word); // the key's data word, to tell entries apart
    return e;
  }
  uint64_t SyncMap(uint64_t root) {
    uint64_t m = img.Alloc(64, 8);
    img.Put<uint32_t>(m, 1);
    img.Put64(m + 0x10, root);
    img.Put64(m + 0x28, 0x5eed);
    return m;
  }
  std::multiset<uint64_t> Keys(MemoryReader &r, const SyncMapReport &rep) {
    std::multiset<uint64_t> out;
    for (const auto &e : rep.entries) {
      uint64_t w = 0;
      EXPECT_TRUE(r.ReadPtr(e.key_addr + 8, &w));
      out.insert(w);
      EXPECT_EQ(e.value_addr, e.key_addr + 0x10);
    }
    return out;
  }
};

TEST_F(TrieTest, WalksLevelsAndOverflowChains) {
  uint64_t root = Indirect(0);
  uint64_t mid = Indirect(root);
  Child(root, 3, Entry(1));
  Child(root, 9, mid);
  Child(mid, 0, Entry(2, Entry(3))); // full-hash collision: overflow chain
  Child(mid, 15, Entry(4));
  uint64_t m = SyncMap(root);
  ImageReader r = img.Reader();
  SyncMapReport rep = DecodeSyncMap(r, l, m, Limits{});
  EXPECT_TRUE(rep.diags.items().empty()) << DiagText(rep.diags.items());
  EXPECT_EQ(Keys(r, rep), (std::multiset<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(rep.indirects, 2u);
  EXPECT_EQ(rep.max_depth, 1u);
  EXPECT_EQ(rep.overflow_entries, 1u);
  EXPECT_EQ(rep.inited, 1u);
  auto j = SyncMapHeaderJson(rep, l, GoVersion::Parse("go1.26.1"));
  EXPECT_EQ(j["impl"], "sync.Map/hash-trie");
  EXPECT_EQ(j["trie"]["entries"], 4);
}

TEST_F(TrieTest, IndirectCycleIsADiagnosticWithCoordinates) {
  uint64_t root = Indirect(0);
  uint64_t mid = Indirect(root);
  Child(root, 2, mid);
  Child(mid, 7, root); // loops back to the root
  Child(mid, 8, Entry(5));
  uint64_t m = SyncMap(root);
  ImageReader r = img.Reader();
  SyncMapReport rep = DecodeSyncMap(r, l, m, Limits{});
  const Diagnostic *d = FindDiag(rep.diags.items(), DiagCode::Cycle, "root/2/7: indirect node at");
  ASSERT_NE(d, nullptr) << DiagText(rep.diags.items());
  EXPECT_EQ(d->address, root);
  EXPECT_EQ(Keys(r, rep), (std::multiset<uint64_t>{5}));
}

TEST_F(TrieTest, EntryOverflowLoopAndDepthAreBounded) {
  uint64_t root = Indirect(0);
  uint64_t e1 = Entry(1);
  uint64_t e2 = Entry(2, e1);
  img.Put64(e1 + 8, e2); // e1 -> e2 -> e1
  Child(root, 0, e1);
  // A chain of indirect nodes deeper than 64-bit hashes allow.
  uint64_t prev = root;
  for (int i = 0; i < 20; ++i) {
    uint64_t n = Indirect(prev);
    Child(prev, 1, n);
    prev = n;
  }
  uint64_t m = SyncMap(root);
  ImageReader r = img.Reader();
  SyncMapReport rep = DecodeSyncMap(r, l, m, Limits{});
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::Cycle, "root/0 overflow 2: entry at"), nullptr)
      << DiagText(rep.diags.items());
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::Implausible, "at depth 16"), nullptr)
      << DiagText(rep.diags.items());
  EXPECT_EQ(rep.entries.size(), 2u);
}

TEST_F(TrieTest, UnreadableRootAndNodeLimit) {
  uint64_t m = SyncMap(0xdead0000);
  uint64_t root = Indirect(0);
  for (int i = 0; i < 16; ++i)
    Child(root, i, Indirect(root));
  uint64_t m2 = SyncMap(root);
  ImageReader r = img.Reader();
  SyncMapReport rep = DecodeSyncMap(r, l, m, Limits{});
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::Unreadable, "root: indirect node at 0xdead0000"),
            nullptr)
      << DiagText(rep.diags.items());
  Limits lim;
  lim.max_buckets = 5;
  SyncMapReport rep2 = DecodeSyncMap(r, l, m2, lim);
  EXPECT_TRUE(rep2.truncated);
  EXPECT_NE(FindDiag(rep2.diags.items(), DiagCode::Truncated, "trie nodes (limit)"), nullptr);
}

TEST_F(TrieTest, WorkStopEndsTheTrieWalk) {
  uint64_t root = Indirect(0);
  for (int i = 0; i < 16; ++i)
    Child(root, i, Entry(uint64_t(i)));
  uint64_t m = SyncMap(root);
  ImageReader r = img.Reader();
  WorkStop interrupted([] { return true; }, 0);
  Limits lim;
  lim.stop = &interrupted;
  SyncMapReport rep = DecodeSyncMap(r, l, m, lim);
  EXPECT_TRUE(rep.truncated);
  EXPECT_TRUE(rep.entries.empty());
  EXPECT_NE(FindDiag(rep.diags.items(), DiagCode::Truncated, ": interrupted at root"), nullptr)
      << DiagText(rep.diags.items());
}

TEST(ReadDirtyTest, LiveDeletedExpungedAndDirtyOnly) {
  TestTypes types;
  const Type *entry_ptr = types.table.New(Kind::Pointer, "*sync.entry", 8, 8);
  MapLayout ml = MustLayout("go1.26.1", types.any_, entry_ptr);
  Image img;
  SwissBuilder sb{img, ml};
  uint64_t expunged = img.Alloc(16, 8);
  auto value = [&](uint64_t word) {
    uint64_t v = img.Alloc(16, 8);
    img.Put64(v + 8, word);
    return v;
  };
  auto entry = [&](uint64_t p) {
    uint64_t e = img.Alloc(8, 8);
    img.Put64(e, p);
    return e;
  };
  uint64_t live = entry(value(100)), deleted = entry(0), gone = entry(expunged),
           fresh = entry(value(400));
  auto put = [&](uint64_t group, int slot, uint64_t key_word, uint64_t e) {
    uint8_t key[16] = {};
    std::memcpy(key + 8, &key_word, 8);
    sb.SetInGroup(group, slot, key, &e);
  };
  uint64_t rg = sb.Group(), dg = sb.Group();
  put(rg, 0, 1, live);
  put(rg, 1, 2, deleted);
  put(rg, 2, 3, gone);
  put(dg, 0, 1, live); // shared with read
  put(dg, 1, 4, fresh);
  uint64_t read_m = sb.Map(3, rg, 0, 0);
  uint64_t dirty = sb.Map(2, dg, 0, 0);
  uint64_t ro = img.Alloc(16, 8);
  img.Put64(ro, read_m);
  img.Put<uint8_t>(ro + 8, 1); // amended
  uint64_t sm = img.Alloc(32, 8);
  img.Put64(sm + 8, ro); // atomic.Pointer[readOnly] (go1.20+)
  img.Put64(sm + 0x10, dirty);
  img.Put64(sm + 0x18, 1);
  SyncMapLayout l;
  l.kind = SyncMapKind::ReadDirty;
  l.any = types.any_;
  l.dirty_layout = &ml;
  l.expunged = expunged;
  ImageReader r = img.Reader();
  SyncMapReport rep = DecodeSyncMap(r, l, sm, Limits{});
  EXPECT_TRUE(rep.diags.items().empty()) << DiagText(rep.diags.items());
  std::multiset<uint64_t> vals;
  for (const auto &e : rep.entries) {
    uint64_t w = 0;
    EXPECT_TRUE(r.ReadPtr(e.value_addr + 8, &w));
    vals.insert(w);
  }
  EXPECT_EQ(vals, (std::multiset<uint64_t>{100, 400}));
  EXPECT_EQ(rep.read_live, 1u);
  EXPECT_EQ(rep.read_deleted, 1u);
  EXPECT_EQ(rep.read_expunged, 1u);
  EXPECT_EQ(rep.dirty_only, 1u);
  EXPECT_EQ(rep.misses, 1u);
  EXPECT_TRUE(rep.amended);

  // An expunged entry in dirty is inconsistent; amended with a nil dirty too.
  put(dg, 2, 5, entry(expunged)); // not shared with read
  img.Put64(dirty, 3);            // used
  ImageReader r2 = img.Reader();
  SyncMapReport rep2 = DecodeSyncMap(r2, l, sm, Limits{});
  EXPECT_NE(FindDiag(rep2.diags.items(), DiagCode::Inconsistent, "expunged entry in the dirty map"),
            nullptr)
      << DiagText(rep2.diags.items());
  // Matrix cases: dirty-only keys under amended = false are counted, not
  // dropped silently; amended must be a bool; misses below len(dirty).
  img.Put<uint8_t>(ro + 8, 0);
  img.Put64(sm + 0x18, 1 << 20);
  ImageReader r4 = img.Reader();
  SyncMapReport rep4 = DecodeSyncMap(r4, l, sm, Limits{});
  EXPECT_NE(FindDiag(rep4.diags.items(), DiagCode::Inconsistent, "read.amended is false but dirty"),
            nullptr)
      << DiagText(rep4.diags.items());
  EXPECT_NE(FindDiag(rep4.diags.items(), DiagCode::Inconsistent, "misses = 1048576 >="), nullptr);
  EXPECT_EQ(rep4.entries.size(), 1u); // read's live entry only
  img.Put<uint8_t>(ro + 8, 7);
  ImageReader r5 = img.Reader();
  SyncMapReport rep5 = DecodeSyncMap(r5, l, sm, Limits{});
  EXPECT_NE(FindDiag(rep5.diags.items(), DiagCode::Implausible, "amended = 7 is not a bool"),
            nullptr);
  img.Put<uint8_t>(ro + 8, 1);
  img.Put64(sm + 0x18, 1);
  img.Put64(sm + 0x10, 0);
  ImageReader r3 = img.Reader();
  SyncMapReport rep3 = DecodeSyncMap(r3, l, sm, Limits{});
  EXPECT_NE(
      FindDiag(rep3.diags.items(), DiagCode::Inconsistent, "amended is true but dirty is nil"),
      nullptr);
}

} // namespace
} // namespace gomap
