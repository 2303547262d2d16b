// Classic map iterators (runtime.hiter): position, relation to the map, and
// the entries returned so far, replayed from the start position.
// Mirrors runtime/map.go mapiterinit/mapiternext (go1.19-1.23) and
// runtime/map_noswiss.go (go1.24-1.25, which adds clearSeq).
#include <unordered_map>
#include <unordered_set>

#include "core/bulk.h"
#include "core/classic/hmap.h"
#include "core/go_format.h"
#include "core/iter.h"
#include "core/work_stop.h"

namespace gomap::classic {

using detail::Hex;
using detail::LoadLE;

namespace {

// mapiternext returns a cell unless it is empty (emptyRest, emptyOne) or
// evacuatedEmpty; evacuatedX/Y cells are re-looked up in the live map.
bool Returned(uint8_t th) { return th > kEmptyOne && th != kEvacuatedEmpty; }
bool EvacuatedCell(uint8_t th) { return th == kEvacuatedX || th == kEvacuatedY; }

struct ChainCount {
  uint64_t entries = 0;   // cells mapiternext returns (before the stop point)
  uint64_t evacuated = 0; // of which evacuatedX/Y (re-looked up by the runtime)
  bool found_stop = false;
  bool ok = true;
};

class Replayer {
public:
  Replayer(MemoryReader &mem, const ClassicLayout &c, const Limits &limits, DiagnosticSink &sink)
      : mem_(mem), c_(c), limits_(limits), sink_(sink) {}

  // Counts the returned cells of the chain starting at `baddr`. With
  // stop != 0, stops in bucket `stop` before logical slot `stop_i` (slot
  // (j + offset) & 7 for j < stop_i) and sets found_stop.
  ChainCount Count(uint64_t baddr, const std::string &where, uint64_t stop, uint64_t stop_i,
                   uint64_t offset) {
    ChainCount cc;
    std::unordered_set<uint64_t> seen;
    buf_.resize(c_.bucket_size);
    for (uint64_t depth = 0; baddr != 0; ++depth) {
      const std::string at = depth == 0 ? where : where + " overflow " + std::to_string(depth);
      if (depth > limits_.max_chain || ++work_ > limits_.max_buckets) {
        sink_.Add(DiagCode::Truncated, Severity::Warning, at + ": replay stopped (bucket limit)",
                  baddr);
        cc.ok = false;
        return cc;
      }
      if (limits_.stop && limits_.stop->Stop()) { // Ctrl-C, --time-limit
        sink_.Add(DiagCode::Truncated, Severity::Warning,
                  "replay " + limits_.stop->At(at + " (bucket " + std::to_string(work_) + ")"),
                  baddr);
        cc.ok = false;
        return cc;
      }
      if (baddr % 8 != 0 || !seen.insert(baddr).second) {
        sink_.Add(baddr % 8 ? DiagCode::Implausible : DiagCode::Cycle, Severity::Error,
                  at + ": overflow pointer " + Hex(baddr) +
                      (baddr % 8 ? " is not 8-byte aligned" : " loops"),
                  baddr);
        cc.ok = false;
        return cc;
      }
      if (!mem_.ReadExact(baddr, buf_.data(), buf_.size())) {
        sink_.Add(DiagCode::Unreadable, Severity::Error, at + " at " + Hex(baddr) + ": unreadable",
                  baddr);
        cc.ok = false;
        return cc;
      }
      const bool is_stop = stop != 0 && baddr == stop;
      for (uint64_t j = 0; j < kBucketCnt; ++j) {
        if (is_stop && j >= stop_i)
          break;
        const uint8_t th = buf_[(j + offset) & (kBucketCnt - 1)];
        if (Returned(th)) {
          ++cc.entries;
          if (EvacuatedCell(th))
            ++cc.evacuated;
        }
      }
      if (is_stop) {
        cc.found_stop = true;
        return cc;
      }
      baddr = LoadLE(buf_.data() + c_.overflow_off, 8);
    }
    return cc;
  }

private:
  MemoryReader &mem_;
  const ClassicLayout &c_;
  const Limits &limits_;
  DiagnosticSink &sink_;
  std::vector<uint8_t> buf_;
  uint64_t work_ = 0;
};

} // namespace

void DecodeIter(MemoryReader &mem, const MapLayout &layout, const Limits &limits, IterReport *r) {
  auto get = [&](const char *n) {
    const HeaderValue *v = detail::FindValue(r->fields, n);
    return v ? v->value : 0;
  };
  const ClassicLayout &c = layout.classic;
  const std::string where = "hiter at " + Hex(r->address);
  const uint64_t h = get("h"), itb = get("buckets"), bptr = get("bptr");
  const uint64_t start = get("startBucket"), offset = get("offset");
  const uint64_t it_b = get("B"), i = get("i"), bucket = get("bucket");
  const bool wrapped = get("wrapped") != 0;
  r->map = h;
  r->type = get("t");
  r->started = h != 0; // mapiterinit leaves h nil for a nil or empty map
  r->finished = r->started && get("key") == 0;
  auto &pos = r->position;
  pos["startBucket"] = start;
  pos["offset"] = offset;
  pos["bucket"] = bucket;
  pos["bptr"] = HexAddr(bptr);
  pos["i"] = i;
  pos["wrapped"] = wrapped;
  pos["B"] = it_b;
  pos["checkBucket"] = get("checkBucket") == ~uint64_t(0)
                           ? nlohmann::ordered_json("noCheck")
                           : nlohmann::ordered_json(get("checkBucket"));
  pos["buckets"] = HexAddr(itb);
  if (!r->started)
    return;
  r->header_ok = classic::ReadHeader(mem, layout, h, &r->header, r->diags);
  if (!r->header_ok) {
    r->diags.Add(DiagCode::DanglingIterator, Severity::Error,
                 where + ": its map it.h = " + Hex(h) + " is unreadable", h);
    return;
  }
  for (const auto &d : r->diags.items())
    if (d.code == DiagCode::Implausible && d.severity == Severity::Error) {
      r->diags.Add(DiagCode::DanglingIterator, Severity::Error,
                   where + ": it.h = " + Hex(h) + " does not hold a plausible hmap", h);
      return;
    }
  const MapHeader &hd = r->header;
  const uint64_t h_b = hd.Get("B"), hb = hd.Get("buckets"), hob = hd.Get("oldbuckets");
  const bool same_size = (hd.Get("flags") & kFlagSameSizeGrow) != 0;
  pos["map_B"] = h_b;
  pos["map_buckets"] = HexAddr(hb);
  pos["map_oldbuckets"] = HexAddr(hob);
  const bool has_seq = detail::FindValue(r->fields, "clearSeq") != nullptr && hd.Has("clearSeq");
  if (has_seq) {
    pos["clearSeq"] = get("clearSeq");
    pos["map_clearSeq"] = hd.Get("clearSeq");
  }

  // Relation to the map.
  bool during_grow = false; // the runtime reads unevacuated old buckets
  if (has_seq && get("clearSeq") != hd.Get("clearSeq")) {
    r->relation = "stale";
    r->reason = "map was cleared since the iterator started (clearSeq " +
                std::to_string(get("clearSeq")) + ", map " + std::to_string(hd.Get("clearSeq")) +
                ")";
  } else if (itb == hb && it_b == h_b) {
    r->relation = "current";
    if (hob != 0) {
      during_grow = true;
      r->reason = "started during the grow in progress";
    }
  } else if (hob != 0 && itb == hob) {
    r->relation = "grow-in-progress";
    r->reason = "started before the grow in progress: it.buckets is "
                "h.oldbuckets";
  } else {
    r->relation = "stale";
    r->reason = "map grew since the iterator started: it.buckets " + Hex(itb) + " (B " +
                std::to_string(it_b) + ") is neither h.buckets nor h.oldbuckets (B " +
                std::to_string(h_b) + ")";
  }
  // mapiternext copes with any number of grows (it looks evacuated keys up
  // in the current map) and with a clear: legal, an info line.
  if (r->relation == "stale" && !r->finished)
    r->diags.Add(DiagCode::MapChanged, Severity::Info, where + ": " + r->reason, r->address);

  // Fields that would drive the replay.
  bool bad = false;
  auto implausible = [&](const std::string &msg) {
    r->diags.Add(DiagCode::Implausible, Severity::Error, where + ": " + msg, r->address);
    bad = true;
  };
  if (it_b > 63) {
    implausible("B = " + std::to_string(it_b) + " > 63");
    return;
  }
  if (it_b > h_b)
    implausible("B = " + std::to_string(it_b) + " > map B = " + std::to_string(h_b) +
                " (maps never shrink)");
  const uint64_t nb = uint64_t(1) << it_b;
  if (offset >= kBucketCnt)
    implausible("offset = " + std::to_string(offset) + " > 7");
  if (i > kBucketCnt)
    implausible("i = " + std::to_string(i) + " > 8");
  if (get("wrapped") > 1)
    implausible("wrapped = " + std::to_string(get("wrapped")) + " is not a bool");
  if (start >= nb)
    implausible("startBucket = " + std::to_string(start) + " out of range for " +
                std::to_string(nb) + " buckets");
  if (bucket >= nb)
    implausible("bucket = " + std::to_string(bucket) + " out of range for " + std::to_string(nb) +
                " buckets");
  if (itb == 0 || itb % 8 != 0)
    implausible("buckets = " + Hex(itb) + " is nil or not 8-byte aligned");
  const uint64_t check_bucket = get("checkBucket");
  if (check_bucket != ~uint64_t(0) && check_bucket >= nb)
    implausible("checkBucket = " + std::to_string(check_bucket) +
                " is neither noCheck nor one of " + std::to_string(nb) + " buckets");
  for (const char *f : {"overflow", "oldoverflow"}) {
    const uint64_t p = get(f);
    if (p % 8 != 0)
      implausible(std::string(f) + " = " + Hex(p) + " is not 8-byte aligned");
    else if (PointsIntoHmap(p, h, c.hmap.size))
      implausible(std::string(f) + " = " + Hex(p) + " points into the hmap at " + Hex(h));
  }
  if (bptr % 8 != 0 || PointsIntoHmap(bptr, h, c.hmap.size))
    implausible("bptr = " + Hex(bptr) + " is not a bucket (misaligned or inside the hmap)");
  const uint64_t bs = c.bucket_size;
  if (bs == 0 || bs > 64 * 1024 || c.overflow_off + 8 > bs) {
    r->diags.Add(DiagCode::UnsupportedLayout, Severity::Error,
                 where + ": bucket layout is not usable", r->address);
    bad = true;
  }
  if (bad)
    return;

  // mapiternext ends by storing key = elem = nil, always after wrapping.
  if (r->finished && (get("elem") != 0 || !wrapped)) {
    r->diags.Add(DiagCode::Inconsistent, Severity::Error,
                 where + ": key is nil but elem = " + Hex(get("elem")) +
                     ", wrapped = " + (wrapped ? "true" : "false") + ": not a finished iteration",
                 r->address);
    return;
  }
  if (r->finished) {
    // The loop ended: it returned every entry it was going to.
    r->returned_known = true;
    r->returned = r->returned_max = hd.len;
    r->exact = r->relation == "current" && !during_grow;
    if (!r->exact)
      r->approximate = "iteration finished; the map changed since it started";
    return;
  }
  if (bptr == 0) {
    r->diags.Add(DiagCode::Inconsistent, Severity::Error, where + ": key is set but bptr is nil",
                 r->address);
    return;
  }
  // mapiternext returns slot (i-1 + offset) & 7 of bptr and leaves it.key on it
  // (or on what an indirect slot points at).
  if (i == 0) {
    r->diags.Add(DiagCode::Inconsistent, Severity::Error,
                 where + ": key is set but i = 0 (no slot of bptr returned yet)", r->address);
  } else if (i <= kBucketCnt) {
    const uint64_t slot = (i - 1 + offset) & (kBucketCnt - 1);
    const uint64_t kslot = bptr + c.keys_off + slot * c.key_size;
    uint64_t want = kslot;
    // evacuate clears old key slots that hold pointers: an indirect slot
    // read as nil says nothing.
    bool known = !c.indirect_key || (mem.ReadPtr(kslot, &want) && want != 0);
    if (known && get("key") != want)
      r->diags.Add(DiagCode::Inconsistent,
                   r->relation == "current" ? Severity::Error : Severity::Warning,
                   where + ": key = " + Hex(get("key")) + " is not slot " + std::to_string(slot) +
                       " of bptr " + Hex(bptr) + " (" + Hex(want) + ")",
                   r->address);
    // it.elem: the same slot's elem (or what an indirect slot points at).
    const uint64_t eslot = bptr + c.elems_off + slot * c.elem_size;
    uint64_t ewant = eslot;
    known = !c.indirect_elem || (mem.ReadPtr(eslot, &ewant) && ewant != 0);
    if (known && get("elem") != ewant)
      r->diags.Add(DiagCode::Inconsistent,
                   r->relation == "current" ? Severity::Error : Severity::Warning,
                   where + ": elem = " + Hex(get("elem")) + " is not slot " + std::to_string(slot) +
                       " of bptr " + Hex(bptr) + " (" + Hex(ewant) + ")",
                   r->address);
  }
  // bucket was advanced past the bucket bptr belongs to (mapiternext).
  const uint64_t cur = (bucket + nb - 1) & (nb - 1);
  if (wrapped != (bucket <= start))
    r->diags.Add(DiagCode::Inconsistent, Severity::Warning,
                 where + ": wrapped = " + std::string(wrapped ? "true" : "false") +
                     " but bucket = " + std::to_string(bucket) +
                     ", startBucket = " + std::to_string(start),
                 r->address);
  const uint64_t visited = (cur + nb - start) & (nb - 1);
  pos["current_bucket"] = cur;
  pos["buckets_done"] = visited;
  if (visited + 1 > limits.max_buckets) {
    r->diags.Add(DiagCode::Truncated, Severity::Warning,
                 where + ": replay of " + std::to_string(visited + 1) +
                     " buckets exceeds the bucket limit",
                 r->address);
    return;
  }

  Replayer rp(mem, c, limits, r->diags);
  uint64_t oldmask = 0;
  if (during_grow)
    oldmask = same_size ? nb - 1 : nb / 2 - 1;
  uint64_t certain = 0, uncertain = 0, evacuated = 0;
  std::unordered_map<uint64_t, std::pair<int, uint64_t>> split; // ob -> (twins, n)
  // The chain the iterator read for new bucket x, and whether its entries
  // are split with the twin by hash (checkBucket, doubling grow).
  auto source = [&](uint64_t x, bool *filtered, std::string *at) {
    *filtered = false;
    *at = "bucket " + std::to_string(x);
    if (during_grow) {
      const uint64_t ob = x & oldmask;
      uint8_t th0 = 0;
      const uint64_t oaddr = hob + ob * bs;
      if (mem.ReadExact(oaddr, &th0, 1) && !Evacuated(th0)) {
        *filtered = !same_size;
        *at = "oldbucket " + std::to_string(ob);
        return oaddr;
      }
    }
    return itb + x * bs;
  };
  bool ok = true;
  for (uint64_t k = 0; k < visited && ok; ++k) {
    const uint64_t x = (start + k) & (nb - 1);
    bool filtered;
    std::string at;
    const uint64_t b = source(x, &filtered, &at);
    ChainCount cc = rp.Count(b, at, 0, 0, offset);
    ok = cc.ok;
    evacuated += cc.evacuated;
    if (!filtered) {
      certain += cc.entries;
      continue;
    }
    auto &s = split[x & oldmask];
    s.second = cc.entries;
    if (++s.first == 2)
      certain += cc.entries; // both twins done: every entry was returned once
  }
  if (!ok)
    return;
  for (const auto &[ob, s] : split)
    if (s.first == 1)
      uncertain += s.second;
  // The current bucket: cells before it.i in bptr, after the chain's
  // earlier buckets.
  bool filtered;
  std::string at;
  uint64_t b = source(cur, &filtered, &at);
  ChainCount cc = rp.Count(b, at, bptr, i, offset);
  if (!cc.ok)
    return;
  if (!cc.found_stop) {
    // bptr may be in the other array (the evacuation state changed since).
    const uint64_t alt =
        b == itb + cur * bs && during_grow ? hob + (cur & oldmask) * bs : itb + cur * bs;
    if (alt != b) {
      cc = rp.Count(alt, "bucket " + std::to_string(cur), bptr, i, offset);
      filtered = during_grow && !same_size && alt != itb + cur * bs;
    }
    if (!cc.ok || !cc.found_stop) {
      r->diags.Add(DiagCode::Inconsistent, Severity::Error,
                   where + ": bptr = " + Hex(bptr) + " is not in the chain of bucket " +
                       std::to_string(cur) + " of " + Hex(itb),
                   bptr);
      return;
    }
  }
  evacuated += cc.evacuated;
  (filtered ? uncertain : certain) += cc.entries;
  r->returned_known = true;
  r->returned = certain;
  r->returned_max = certain + uncertain;
  std::vector<std::string> why;
  if (r->relation == "stale")
    why.push_back(r->reason);
  if (uncertain)
    why.push_back("iterator started during a doubling grow: " + std::to_string(uncertain) +
                  " entries of unevacuated old buckets are split between X "
                  "and Y by hash, which is not computed");
  if (evacuated)
    why.push_back(std::to_string(evacuated) +
                  " evacuated cells counted as returned (the runtime re-looks "
                  "them up and skips deleted keys)");
  r->exact = why.empty();
  for (const auto &w : why)
    r->approximate += (r->approximate.empty() ? "" : "; ") + w;
}

} // namespace gomap::classic
