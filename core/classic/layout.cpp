// Classic map structure for `gomap layout`: tophash states per bucket chain,
// overflow chains, the old bucket array and where evacuated entries went.
// Mirrors runtime/map.go hashGrow/evacuate/advanceEvacuationMark (go1.19-1.23)
// and runtime/map_noswiss.go (go1.24-1.25).
#include <unordered_set>

#include "core/bulk.h"
#include "core/classic/hmap.h"
#include "core/layout.h"
#include "core/work_stop.h"

namespace gomap::classic {

using detail::Hex;
using detail::LoadLE;

namespace {

const char *TophashName(uint8_t t) {
  switch (t) {
  case kEvacuatedX:
    return "evacuatedX";
  case kEvacuatedY:
    return "evacuatedY";
  case kEvacuatedEmpty:
    return "evacuatedEmpty";
  }
  return "?";
}

class Walker {
public:
  Walker(MemoryReader &mem, const MapLayout &layout, const Limits &limits, MapLayoutReport *out)
      : mem_(mem), c_(layout.classic), limits_(limits), out_(out), r_(out->classic),
        sink_(out->diags) {}

  void Run() {
    const MapHeader &h = out_->header;
    const uint8_t flags = uint8_t(h.Get("flags"));
    const uint64_t b = h.Get("B");
    const uint64_t buckets = h.Get("buckets");
    const uint64_t oldbuckets = h.Get("oldbuckets");
    r_.b = b;
    r_.bucket_size = c_.bucket_size;
    r_.nevacuate = h.Get("nevacuate");
    ReadExtra(h.Get("extra"));
    if (b > 63 || !GeometryOk())
      return; // reported by ReadHeader / below
    const uint64_t nb = uint64_t(1) << b;
    if (oldbuckets != 0 && oldbuckets % 8 == 0) {
      r_.same_size = (flags & kFlagSameSizeGrow) != 0;
      if (r_.same_size || b > 0) {
        r_.growing = true;
        r_.old_count = r_.same_size ? nb : nb / 2;
      }
    }
    auto held = [&](const char *role, uint64_t addr, uint64_t n, bool old) {
      if (addr != 0)
        out_->pointers.push_back(HeldPointer{role, std::string("hmap.") + role, addr,
                                             n * c_.bucket_size, true, 0, old, false});
    };
    held("buckets", buckets, nb, false);
    if (r_.growing)
      held("oldbuckets", oldbuckets, r_.old_count, true);
    if (r_.extra != 0)
      out_->pointers.push_back(
          HeldPointer{"extra", "hmap.extra", r_.extra, 24, true, 0, false, false});
    if (buckets != 0 && buckets % 8 == 0) {
      new_ = detail::ArrayReader(&mem_, buckets, nb, c_.bucket_size);
      // Only the buckets in readable memory (ReadHeader reports a shortfall).
      WalkArray(new_, std::max<uint64_t>(1, h.buckets_present), /*old=*/false);
    }
    if (r_.growing) {
      old_ = detail::ArrayReader(&mem_, oldbuckets, r_.old_count, c_.bucket_size);
      WalkArray(old_,
                std::max<uint64_t>(
                    1, detail::ElementsPresent(mem_, oldbuckets, r_.old_count, c_.bucket_size)),
                /*old=*/true);
      CheckNevacuate();
    }
  }

private:
  bool GeometryOk() {
    const uint64_t bs = c_.bucket_size;
    bool ok = bs > 0 && bs <= 64 * 1024 && c_.overflow_off + 8 <= bs && c_.keys_off >= kBucketCnt;
    if (!ok)
      sink_.Add(DiagCode::UnsupportedLayout, Severity::Error,
                "hmap at " + Hex(out_->header.address) + ": bucket layout is not usable (size " +
                    std::to_string(bs) + ")",
                out_->header.address);
    return ok;
  }

  // runtime.mapextra: overflow *[]*bmap @0, oldoverflow @8, nextOverflow @16
  // (unchanged go1.12-1.25). Only the slices' lengths are read, never walked.
  void ReadExtra(uint64_t extra) {
    r_.extra = extra;
    if (extra == 0 || extra % 8 != 0)
      return;
    uint8_t buf[24];
    if (!mem_.ReadExact(extra, buf, sizeof buf)) {
      sink_.Add(DiagCode::Unreadable, Severity::Warning,
                "hmap.extra at " + Hex(extra) + ": unreadable", extra);
      return;
    }
    r_.extra_readable = true;
    r_.overflow_slice = LoadLE(buf, 8);
    r_.oldoverflow_slice = LoadLE(buf + 8, 8);
    r_.next_overflow = LoadLE(buf + 16, 8);
    auto slice_len = [&](uint64_t p) -> int64_t {
      uint64_t len = 0;
      if (p == 0 || p % 8 != 0 || !mem_.ReadUint(p + 8, 8, &len))
        return -1;
      return int64_t(len);
    };
    r_.overflow_len = slice_len(r_.overflow_slice);
    r_.oldoverflow_len = slice_len(r_.oldoverflow_slice);
  }

  void WalkArray(detail::ArrayReader &arr, uint64_t n, bool old) {
    std::vector<ClassicBucket> &list = old ? r_.old : r_.buckets;
    detail::UnreadableRun run(old ? "oldbucket" : "bucket");
    list.reserve(std::min<uint64_t>(n, 1 << 20));
    for (uint64_t i = 0; i < n && !stopped_; ++i) {
      if (limits_.stop && limits_.stop->Stop()) {
        stopped_ = true;
        out_->truncated = true;
        sink_.Add(DiagCode::Truncated, Severity::Warning,
                  "hmap at " + Hex(out_->header.address) + ": " +
                      limits_.stop->At((old ? "oldbucket " : "bucket ") + std::to_string(i) +
                                       " of " + std::to_string(n)),
                  arr.AddressOf(i));
        break;
      }
      if (++seen_ > limits_.max_buckets) {
        out_->truncated = true;
        sink_.Add(DiagCode::Truncated, Severity::Warning,
                  "stopped after " + std::to_string(limits_.max_buckets) + " buckets (limit) at " +
                      (old ? "oldbucket " : "bucket ") + std::to_string(i),
                  arr.AddressOf(i));
        break;
      }
      ClassicBucket cb;
      cb.index = i;
      cb.address = arr.AddressOf(i);
      const uint8_t *bytes = arr.Get(i);
      if (bytes == nullptr) {
        run.Add(i, cb.address, sink_);
        list.push_back(cb);
        continue;
      }
      run.Flush(sink_);
      cb.readable = true;
      cb.evacuated = Evacuated(bytes[0]);
      WalkChain(bytes, cb, old);
      list.push_back(cb);
      if (old) {
        r_.old_totals.Add(cb.tophash);
        r_.old_evacuated += cb.evacuated;
      } else {
        r_.totals.Add(cb.tophash);
      }
      if (old) {
        r_.old_overflow_buckets += cb.overflow;
      } else {
        r_.overflow_buckets += cb.overflow;
        r_.chains_with_overflow += cb.overflow > 0;
        r_.longest_chain = std::max(r_.longest_chain, cb.overflow);
      }
    }
    run.Flush(sink_);
  }

  void WalkChain(const uint8_t *bytes, ClassicBucket &cb, bool old) {
    const std::string where =
        std::string(old ? "oldbucket " : "bucket ") + std::to_string(cb.index);
    std::unordered_set<uint64_t> chain{cb.address};
    uint64_t addr = cb.address;
    std::string loc = where;
    for (uint64_t depth = 0;;) {
      Count(bytes, addr, loc, cb, old);
      const uint64_t ovf = LoadLE(bytes + c_.overflow_off, 8);
      if (ovf == 0)
        return;
      ++depth;
      const std::string next = where + " overflow " + std::to_string(depth);
      if (depth > limits_.max_chain || ++seen_ > limits_.max_buckets) {
        out_->truncated = true;
        sink_.Add(DiagCode::Truncated, Severity::Warning,
                  where + ": overflow chain cut at " + std::to_string(depth - 1) +
                      " buckets (limit)",
                  ovf);
        return;
      }
      if (ovf % 8 != 0) {
        sink_.Add(DiagCode::Implausible, Severity::Error,
                  loc + ": overflow pointer " + Hex(ovf) + " is not 8-byte aligned", addr);
        return;
      }
      if (!chain.insert(ovf).second) {
        sink_.Add(DiagCode::Cycle, Severity::Error,
                  next + ": overflow chain loops back to " + Hex(ovf), ovf);
        return;
      }
      if (new_.Contains(ovf) || old_.Contains(ovf)) {
        sink_.Add(DiagCode::Implausible, Severity::Error,
                  next + ": overflow pointer " + Hex(ovf) + " points into a bucket array", ovf);
        return;
      }
      if (PointsIntoHmap(ovf, out_->header.address, c_.hmap.size)) {
        sink_.Add(DiagCode::Implausible, Severity::Error,
                  next + ": overflow pointer " + Hex(ovf) + " points into the hmap at " +
                      Hex(out_->header.address),
                  ovf);
        return;
      }
      // Preallocated overflow buckets sit inside a bucket array (makeBucketArray),
      // others are objects of their own (newoverflow): a bucket either way.
      out_->pointers.push_back(
          HeldPointer{"overflow", next, ovf, c_.bucket_size, false, c_.bucket_size, old, false});
      buf_.resize(c_.bucket_size);
      if (!mem_.ReadExact(ovf, buf_.data(), buf_.size())) {
        sink_.Add(DiagCode::Unreadable, Severity::Error, next + " at " + Hex(ovf) + ": unreadable",
                  ovf);
        return;
      }
      ++cb.overflow;
      bytes = buf_.data();
      addr = ovf;
      loc = next;
    }
  }

  // Counts one bucket's tophash states and checks them against the bucket's
  // role: evacuation markers only in old buckets, and there all-or-nothing.
  void Count(const uint8_t *b, uint64_t addr, const std::string &loc, ClassicBucket &cb, bool old) {
    TophashCounts &t = cb.tophash;
    bool reported = false, rest_seen = false;
    for (uint64_t j = 0; j < kBucketCnt; ++j) {
      const uint8_t th = b[j];
      const std::string at = loc + ", slot " + std::to_string(j);
      switch (th) {
      case kEmptyRest:
        if (!rest_seen) {
          rest_seen = true;
          FullAfterEmptyRest(b, addr, loc, j, sink_);
        }
        ++t.empty_rest;
        continue;
      case kEmptyOne:
        ++t.empty_one;
        continue;
      case kEvacuatedX:
        ++t.evacuated_x;
        break;
      case kEvacuatedY:
        ++t.evacuated_y;
        break;
      case kEvacuatedEmpty:
        ++t.evacuated_empty;
        break;
      default:
        ++t.full;
        if (old && cb.evacuated && !reported) {
          reported = true;
          sink_.Add(DiagCode::Inconsistent, Severity::Error,
                    at + ": live tophash " + Hex(th) + " in an evacuated old bucket", addr + j);
        }
        continue;
      }
      // An evacuation marker.
      if (reported)
        continue;
      if (!old) {
        reported = true;
        sink_.Add(DiagCode::Inconsistent, Severity::Error,
                  at + ": tophash " + std::to_string(th) + " (" + TophashName(th) + ") " +
                      (r_.growing ? "in the new bucket array" : "but no grow is in progress"),
                  addr + j);
      } else if (!cb.evacuated) {
        reported = true;
        sink_.Add(DiagCode::Inconsistent, Severity::Error,
                  at + ": tophash " + std::to_string(th) + " (" + TophashName(th) +
                      ") in an old bucket whose tophash[0] says it is not "
                      "evacuated",
                  addr + j);
      } else if (th == kEvacuatedY && r_.same_size) {
        reported = true;
        sink_.Add(DiagCode::Inconsistent, Severity::Error,
                  at + ": evacuatedY in a same-size grow (entries only go to X)", addr + j);
      }
    }
  }

  // advanceEvacuationMark: every old bucket below nevacuate is evacuated.
  void CheckNevacuate() {
    const uint64_t limit = std::min<uint64_t>(r_.nevacuate, r_.old.size());
    uint64_t bad = 0, first = 0;
    for (uint64_t i = 0; i < limit; ++i) {
      const ClassicBucket &ob = r_.old[i];
      if (ob.readable && !ob.evacuated && bad++ == 0)
        first = i;
    }
    if (bad)
      sink_.Add(DiagCode::Inconsistent, Severity::Error,
                "oldbucket " + std::to_string(first) +
                    ": not evacuated but below "
                    "nevacuate = " +
                    std::to_string(r_.nevacuate) + " (" + std::to_string(bad) +
                    " such old buckets)",
                r_.old[first].address);
  }

  MemoryReader &mem_;
  const ClassicLayout &c_;
  Limits limits_;
  MapLayoutReport *out_;
  ClassicLayoutReport &r_;
  DiagnosticSink &sink_;
  detail::ArrayReader new_, old_;
  uint64_t seen_ = 0;
  bool stopped_ = false; // by Ctrl-C or the time limit
  std::vector<uint8_t> buf_;
};

} // namespace

void WalkLayout(MemoryReader &mem, const MapLayout &layout, const Limits &limits,
                MapLayoutReport *out) {
  Walker(mem, layout, limits, out).Run();
}

} // namespace gomap::classic
