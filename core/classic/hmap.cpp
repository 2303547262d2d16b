// Classic bucketed Go maps: hmap validation and a bounded walk over buckets,
// overflow chains and (mid-grow) old buckets.
// Mirrors runtime/map.go (go1.19-1.23) and runtime/map_noswiss.go
// (go1.24-1.25).
#include "core/classic/hmap.h"

#include <deque>
#include <unordered_set>

#include "core/bulk.h"
#include "core/work_stop.h"

namespace gomap::classic {

using detail::Hex;
using detail::LoadLE;

bool PointsIntoHmap(uint64_t p, uint64_t hmap, uint64_t hmap_size) {
  return hmap != 0 && p >= hmap && p - hmap < std::max<uint64_t>(hmap_size, 1);
}

void FullAfterEmptyRest(const uint8_t *b, uint64_t baddr, const std::string &loc, uint64_t j,
                        DiagnosticSink &sink) {
  for (uint64_t k = j + 1; k < kBucketCnt; ++k)
    if (b[k] >= kMinTopHash) {
      sink.Add(DiagCode::Inconsistent, Severity::Error,
               loc + ", slot " + std::to_string(k) + ": full tophash " + Hex(b[k]) +
                   " after emptyRest at slot " + std::to_string(j) +
                   " (the runtime stops at emptyRest: this entry is unreachable)",
               baddr + k);
      return; // one per bucket
    }
}

std::vector<std::string> FlagNames(uint8_t flags) {
  std::vector<std::string> names;
  if (flags & kFlagIterator)
    names.emplace_back("iterator");
  if (flags & kFlagOldIterator)
    names.emplace_back("oldIterator");
  if (flags & kFlagHashWriting)
    names.emplace_back("hashWriting");
  if (flags & kFlagSameSizeGrow)
    names.emplace_back("sameSizeGrow");
  uint8_t unknown = flags & ~uint8_t(0xf);
  if (unknown)
    names.push_back(Hex(unknown));
  return names;
}

bool ReadHeader(MemoryReader &mem, const MapLayout &layout, uint64_t addr, MapHeader *out,
                DiagnosticSink &sink) {
  std::string where;
  switch (detail::ReadHeaderFields(mem, layout.classic.hmap, MapImpl::Classic, "hmap", addr, out,
                                   sink, &where)) {
  case detail::HeaderRead::Nil:
    return true;
  case detail::HeaderRead::Unreadable:
    return false;
  case detail::HeaderRead::Ok:
    break;
  }
  const uint64_t count = out->Get("count");
  const uint8_t flags = uint8_t(out->Get("flags"));
  const uint64_t b = out->Get("B");
  const uint64_t buckets = out->Get("buckets");
  const uint64_t oldbuckets = out->Get("oldbuckets");
  out->len = count;
  out->flag_names = FlagNames(flags);
  out->writing = (flags & kFlagHashWriting) != 0;
  if (out->writing)
    sink.Add(DiagCode::WritingFlagSet, Severity::Warning,
             where + ": hashWriting flag set, a write was in progress; entries "
                     "may be inconsistent",
             addr);

  if (int64_t(count) < 0)
    sink.Add(DiagCode::Implausible, Severity::Error,
             where + ": count = " + std::to_string(int64_t(count)) + " is negative", addr);
  if (b > 63) {
    sink.Add(DiagCode::Implausible, Severity::Error, where + ": B = " + std::to_string(b) + " > 63",
             addr);
  } else if (b <= 58 && int64_t(count) > 0 && count > 13 * (uint64_t(1) << b) + kBucketCnt) {
    // The load factor is 6.5 per bucket; twice that is well past any map the
    // runtime would leave ungrown.
    sink.Add(DiagCode::Implausible, Severity::Warning,
             where + ": count = " + std::to_string(count) + " is implausible for B = " +
                 std::to_string(b) + " (" + std::to_string(uint64_t(1) << b) + " buckets)",
             addr);
  }
  if (buckets % 8 != 0)
    sink.Add(DiagCode::Implausible, Severity::Error,
             where + ": buckets = " + Hex(buckets) + " is not 8-byte aligned", buckets);
  // B claims 2^B buckets: they must exist before anything walks them.
  if (b <= 63 && buckets != 0 && buckets % 8 == 0 && layout.classic.bucket_size > 0) {
    const uint64_t nb = uint64_t(1) << b;
    const uint64_t present = detail::ElementsPresent(mem, buckets, nb, layout.classic.bucket_size);
    out->buckets_present = present;
    if (present < nb)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": B = " + std::to_string(b) + " claims " + std::to_string(nb) +
                   " buckets of " + std::to_string(layout.classic.bucket_size) + " bytes at " +
                   Hex(buckets) + ", but only " + std::to_string(present) +
                   " are in readable memory; walks cover those",
               buckets);
  }
  if (oldbuckets % 8 != 0)
    sink.Add(DiagCode::Implausible, Severity::Error,
             where + ": oldbuckets = " + Hex(oldbuckets) + " is not 8-byte aligned", oldbuckets);
  if (int64_t(count) > 0 && buckets == 0)
    sink.Add(DiagCode::Implausible, Severity::Error,
             where + ": count = " + std::to_string(count) + " but buckets is nil", addr);
  if (oldbuckets != 0 && b <= 63) {
    const bool same_size = (flags & kFlagSameSizeGrow) != 0;
    if (!same_size && b == 0)
      sink.Add(DiagCode::Implausible, Severity::Error,
               where + ": doubling grow in progress with B = 0", addr);
    const uint64_t nold = same_size ? uint64_t(1) << b : (b == 0 ? 0 : uint64_t(1) << (b - 1));
    if (out->Has("nevacuate") && out->Get("nevacuate") > nold)
      sink.Add(DiagCode::Implausible, Severity::Warning,
               where + ": nevacuate = " + std::to_string(out->Get("nevacuate")) + " > " +
                   std::to_string(nold) + " old buckets",
               addr);
  } else if (oldbuckets == 0 && (flags & kFlagSameSizeGrow)) {
    sink.Add(DiagCode::Inconsistent, Severity::Warning,
             where + ": sameSizeGrow flag set but no grow is in progress", addr);
  }
  return true;
}

namespace {

// Mirrors the decoding recipe of runtime/map.go mapiternext (go1.19-1.23,
// map_noswiss.go 1.24-1.25) without hashing: bucket i of the new array is read
// from its old bucket i & oldmask while that one is not evacuated (only once,
// for the X twin), otherwise from the new array; overflow chains are followed.
class Cursor final : public BatchCursor {
public:
  Cursor(MemoryReader &mem, const MapLayout &layout, uint64_t addr, const Limits &limits)
      : BatchCursor(limits), mem_(mem), layout_(layout), c_(layout_.classic), limits_(limits),
        addr_(addr) {
    Open();
  }

private:
  void Open() {
    if (addr_ == 0) {
      done_ = true;
      return;
    }
    MapHeader h;
    if (!classic::ReadHeader(mem_, layout_, addr_, &h, diags_)) {
      done_ = true;
      return;
    }
    writing_ = h.writing;
    for (const char *name : {"count", "flags", "B", "buckets", "oldbuckets"}) {
      if (!h.Has(name)) {
        diags_.Add(DiagCode::UnsupportedLayout, Severity::Error,
                   "hmap at " + Hex(addr_) + ": layout has no field '" + name + "'", addr_);
        done_ = true;
        return;
      }
    }
    if (!GeometryOk()) {
      done_ = true;
      return;
    }
    count_ = h.Get("count");
    const uint8_t flags = uint8_t(h.Get("flags"));
    const uint64_t b = h.Get("B");
    const uint64_t buckets = h.Get("buckets");
    const uint64_t oldbuckets = h.Get("oldbuckets");
    // Every problem below was reported by ReadHeader; here we only refuse to
    // let a bad value drive the walk.
    // count == 0 over a bucket array is walked too (mapiterinit would not
    // look): live tophash slots under count = 0 are reported, not hidden.
    if (int64_t(count_) < 0 || b > 63 || buckets == 0 || buckets % 8 != 0) {
      done_ = true;
      return;
    }
    nb_ = uint64_t(1) << b;
    const uint64_t bs = c_.bucket_size;
    // Walk only the buckets that exist (ReadHeader reported a shortfall).
    walk_nb_ = h.buckets_present;
    if (walk_nb_ < nb_)
      diags_.Add(DiagCode::Unreadable, Severity::Error,
                 (walk_nb_ + 1 == nb_
                      ? "bucket " + std::to_string(walk_nb_)
                      : "buckets " + std::to_string(walk_nb_) + "-" + std::to_string(nb_ - 1)) +
                     " at " + Hex(buckets + walk_nb_ * bs) + ": unreadable",
                 buckets + walk_nb_ * bs);
    new_ = detail::ArrayReader(&mem_, buckets, nb_, bs);
    if (oldbuckets != 0 && oldbuckets % 8 == 0) {
      const bool same_size = (flags & kFlagSameSizeGrow) != 0;
      if (same_size || b > 0) {
        have_old_ = true;
        oldmask_ = same_size ? nb_ - 1 : nb_ / 2 - 1;
        old_ = detail::ArrayReader(&mem_, oldbuckets, oldmask_ + 1, bs);
      }
    }
  }

  bool GeometryOk() {
    const uint64_t bs = c_.bucket_size;
    bool ok = bs > 0 && bs <= 64 * 1024 && c_.overflow_off + 8 <= bs && c_.keys_off >= kBucketCnt &&
              c_.keys_off + kBucketCnt * c_.key_size <= bs &&
              c_.elems_off + kBucketCnt * c_.elem_size <= bs &&
              (!c_.indirect_key || c_.key_size == 8) && (!c_.indirect_elem || c_.elem_size == 8);
    if (!ok)
      diags_.Add(DiagCode::UnsupportedLayout, Severity::Error,
                 "hmap at " + Hex(addr_) + ": bucket layout is not usable (size " +
                     std::to_string(bs) + ", overflow at " + std::to_string(c_.overflow_off) + ")",
                 addr_);
    return ok;
  }

  void Fill() override {
    while (pending_.empty() && !done_) {
      if (next_i_ >= walk_nb_) {
        Finish();
        break;
      }
      if (limits_.stop && limits_.stop->Stop()) {
        Stop("hmap at " + Hex(addr_) + ": " +
                 limits_.stop->At("bucket " + std::to_string(next_i_) + " of " +
                                  std::to_string(walk_nb_)),
             new_.AddressOf(next_i_));
        break;
      }
      WalkBucket(next_i_++);
    }
  }

  void WalkBucket(uint64_t i) {
    // Every bucket index counts, readable or not, so that a huge B over an
    // unreadable array is still bounded.
    if (++buckets_seen_ > limits_.max_buckets) {
      Stop("stopped after " + std::to_string(limits_.max_buckets) + " buckets (limit) at bucket " +
               std::to_string(i),
           new_.AddressOf(i));
      return;
    }
    if (have_old_) {
      const uint64_t oi = i & oldmask_;
      const uint8_t *ob = old_.Get(oi);
      if (ob == nullptr) {
        // Unknown whether it was evacuated: fall back to the new bucket.
        old_run_.Add(oi, old_.AddressOf(oi), diags_);
      } else {
        old_run_.Flush(diags_);
        if (!Evacuated(ob[0])) {
          if (i == oi) // the Y twin (i != oi) shares this old bucket
            WalkChain(ob, old_.AddressOf(oi), "oldbucket " + std::to_string(oi));
          return;
        }
      }
    }
    const uint8_t *b = new_.Get(i);
    if (b == nullptr) {
      new_run_.Add(i, new_.AddressOf(i), diags_);
      return;
    }
    new_run_.Flush(diags_);
    WalkChain(b, new_.AddressOf(i), "bucket " + std::to_string(i));
  }

  void WalkChain(const uint8_t *b, uint64_t baddr, const std::string &where) {
    chain_.clear();
    chain_.insert(baddr);
    std::string loc = where;
    for (uint64_t depth = 0;;) {
      if (depth > 0 && ++buckets_seen_ > limits_.max_buckets) {
        Stop("stopped after " + std::to_string(limits_.max_buckets) + " buckets (limit) at " + loc,
             baddr);
        return;
      }
      if (!ScanBucket(b, baddr, loc))
        return; // emptyRest: the rest of the chain is empty
      const uint64_t ovf = LoadLE(b + c_.overflow_off, 8);
      if (ovf == 0)
        return;
      ++depth;
      const std::string next = where + " overflow " + std::to_string(depth);
      if (depth > limits_.max_chain) {
        truncated_ = true;
        diags_.Add(DiagCode::Truncated, Severity::Warning,
                   where + ": overflow chain longer than " + std::to_string(limits_.max_chain) +
                       " buckets (limit)",
                   ovf);
        return;
      }
      if (ovf % 8 != 0) {
        diags_.Add(DiagCode::Implausible, Severity::Error,
                   loc + ": overflow pointer " + Hex(ovf) + " is not 8-byte aligned", baddr);
        return;
      }
      if (chain_.count(ovf)) {
        diags_.Add(DiagCode::Cycle, Severity::Error,
                   next + ": overflow chain loops back to " + Hex(ovf), ovf);
        return;
      }
      if (PointsIntoHmap(ovf, addr_, c_.hmap.size)) {
        diags_.Add(DiagCode::Implausible, Severity::Error,
                   next + ": overflow pointer " + Hex(ovf) + " points into the hmap at " +
                       Hex(addr_),
                   ovf);
        return;
      }
      if (new_.Contains(ovf) || (have_old_ && old_.Contains(ovf))) {
        diags_.Add(DiagCode::Implausible, Severity::Error,
                   next + ": overflow pointer " + Hex(ovf) + " points into a bucket array", ovf);
        return;
      }
      if (!all_overflow_.insert(ovf).second) {
        diags_.Add(DiagCode::Inconsistent, Severity::Error,
                   next + ": overflow bucket " + Hex(ovf) + " is shared with another chain", ovf);
        return;
      }
      chain_.insert(ovf);
      ovf_buf_.resize(c_.bucket_size);
      if (!mem_.ReadExact(ovf, ovf_buf_.data(), ovf_buf_.size())) {
        diags_.Add(DiagCode::Unreadable, Severity::Error, next + " at " + Hex(ovf) + ": unreadable",
                   ovf);
        return;
      }
      b = ovf_buf_.data();
      baddr = ovf;
      loc = next;
    }
  }

  // Pushes the live entries of one bucket; false at emptyRest.
  bool ScanBucket(const uint8_t *b, uint64_t baddr, const std::string &loc) {
    for (uint64_t j = 0; j < kBucketCnt; ++j) {
      const uint8_t th = b[j];
      if (th == kEmptyRest) {
        FullAfterEmptyRest(b, baddr, loc, j, diags_);
        return false;
      }
      if (th < kMinTopHash)
        continue; // emptyOne, evacuatedX/Y, evacuatedEmpty
      const uint64_t koff = c_.keys_off + j * c_.key_size;
      const uint64_t eoff = c_.elems_off + j * c_.elem_size;
      MapEntry e{baddr + koff, baddr + eoff};
      if (c_.indirect_key)
        e.key_addr = LoadLE(b + koff, 8);
      if (c_.indirect_elem)
        e.elem_addr = LoadLE(b + eoff, 8);
      if (e.key_addr == 0 || e.elem_addr == 0) {
        diags_.Add(DiagCode::Implausible, Severity::Error,
                   loc + ", slot " + std::to_string(j) + ": nil indirect " +
                       (e.key_addr == 0 ? "key" : "elem") + " pointer",
                   baddr + (e.key_addr == 0 ? koff : eoff));
        continue;
      }
      ++found_;
      pending_.push_back(e);
    }
    return true;
  }

  void Stop(const std::string &why, uint64_t addr) {
    truncated_ = true;
    done_ = true;
    old_run_.Flush(diags_);
    new_run_.Flush(diags_);
    diags_.Add(DiagCode::Truncated, Severity::Warning, why, addr);
  }

  void Finish() {
    done_ = true;
    old_run_.Flush(diags_);
    new_run_.Flush(diags_);
    if (!truncated_ && found_ != count_)
      diags_.Add(DiagCode::Inconsistent, writing_ ? Severity::Warning : Severity::Error,
                 "hmap at " + Hex(addr_) + ": found " + std::to_string(found_) +
                     " entries but count = " + std::to_string(count_),
                 addr_);
  }

  MemoryReader &mem_;
  const MapLayout layout_; // owned copy: the caller's may not outlive us
  const ClassicLayout &c_;
  Limits limits_;
  uint64_t addr_;
  bool done_ = false;
  bool writing_ = false;
  uint64_t count_ = 0;
  uint64_t nb_ = 0;      // buckets B claims
  uint64_t walk_nb_ = 0; // of those, the ones in readable memory
  uint64_t next_i_ = 0;
  bool have_old_ = false;
  uint64_t oldmask_ = 0;
  detail::ArrayReader new_, old_;
  detail::UnreadableRun new_run_{"bucket"}, old_run_{"oldbucket"};
  uint64_t buckets_seen_ = 0;
  uint64_t found_ = 0;
  std::unordered_set<uint64_t> chain_, all_overflow_;
  std::vector<uint8_t> ovf_buf_;
};

} // namespace

std::unique_ptr<EntryCursor> OpenEntries(MemoryReader &mem, const MapLayout &layout, uint64_t addr,
                                         const Limits &limits) {
  return std::make_unique<Cursor>(mem, layout, addr, limits);
}

} // namespace gomap::classic
