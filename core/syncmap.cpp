// sync.Map decoding. Mirrors sync/map.go Range/Load semantics (go1.19-1.23;
// 1.24-1.25 with nosynchashtriemap) without promoting the dirty map, and
// internal/sync/hashtriemap.go (*HashTrieMap).iter (go1.24-1.27).
#include "syncmap.h"

#include <sstream>
#include <unordered_set>

#include "bulk.h"
#include "header_report.h"
#include "work_stop.h"

namespace gomap {

using detail::Hex;
using ojson = nlohmann::ordered_json;

std::string_view SyncMapKindName(SyncMapKind k) {
  return k == SyncMapKind::HashTrie ? "hash-trie" : "read-dirty";
}

namespace {

const Field *FindField(const Type *t, const char *name) {
  return t && t->kind == Kind::Struct ? t->FindField(name) : nullptr;
}

// Offset of the pointer inside an atomic.Pointer[T] / atomic.Uint32 wrapper
// (its field "v"), 0 when the field is a plain pointer.
uint64_t InnerV(const Field *f) {
  const Field *v = f ? FindField(f->type, "v") : nullptr;
  return v ? v->offset : 0;
}

// internal/sync nChildrenLog2 = 4: 16 children per indirect node, 64/4
// levels at most.
constexpr uint64_t kChildren = 16;
constexpr uint64_t kMaxDepth = 16;

} // namespace

std::optional<SyncMapLayout>
SyncMapLayoutFromTypes(const Type *sm, const std::function<const Type *(std::string_view)> &by_name,
                       MapLayoutProvider *maps, std::string *why) {
  if (!sm || sm->kind != Kind::Struct) {
    *why = "not a struct type";
    return std::nullopt;
  }
  SyncMapLayout l;
  const Field *read = sm->FindField("read");
  const Field *dirty = sm->FindField("dirty");
  const Field *m = sm->FindField("m");
  if (read && dirty) {
    l.kind = SyncMapKind::ReadDirty;
    const Field *misses = sm->FindField("misses");
    if (!misses || !dirty->type || dirty->type->kind != Kind::Map) {
      *why = "sync.Map has read/dirty but no misses or a dirty that is not a map";
      return std::nullopt;
    }
    l.read_off = read->offset;
    const Field *v = FindField(read->type, "v");
    // BACKCOMPAT(go1.19): read is an atomic.Value, v an `any` holding
    // *readOnly.
    l.read_is_value = v && v->type && v->type->kind == Kind::Interface;
    l.read_off += v ? v->offset : 0;
    l.dirty_off = dirty->offset;
    l.misses_off = misses->offset;
    l.dirty_type = dirty->type;
    l.any = dirty->type->key;
    if (const Type *ro = by_name("sync.readOnly")) {
      const Field *rm = ro->FindField("m"), *am = ro->FindField("amended");
      if (rm && am) {
        l.ro_m_off = rm->offset;
        l.ro_amended_off = am->offset;
      } else {
        l.source = LayoutSource::Builtin;
      }
    } else {
      l.source = LayoutSource::Builtin;
    }
    const Type *ep = dirty->type->elem; // *sync.entry
    const Type *entry = ep && ep->kind == Kind::Pointer ? ep->elem : nullptr;
    if (const Field *p = FindField(entry, "p"))
      l.entry_p_off = p->offset + InnerV(p);
    else
      l.source = LayoutSource::Builtin;
    l.dirty_layout = maps ? maps->ForMapType(dirty->type) : nullptr;
    if (!l.dirty_layout) {
      *why = "no layout for the dirty map type " + dirty->type->name;
      return std::nullopt;
    }
    return l;
  }
  const Type *htm = m ? m->type : nullptr;
  if (!htm || htm->kind != Kind::Struct || htm->name.find("HashTrieMap") == std::string::npos) {
    *why = "neither read/dirty nor a HashTrieMap field";
    return std::nullopt;
  }
  l.kind = SyncMapKind::HashTrie;
  l.htm_off = m->offset;
  const Field *inited = htm->FindField("inited"), *root = htm->FindField("root"),
              *seed = htm->FindField("seed");
  if (!inited || !root || !seed) {
    *why = htm->name + " lacks inited/root/seed";
    return std::nullopt;
  }
  l.inited_off = inited->offset + InnerV(inited);
  l.root_off = root->offset + InnerV(root);
  l.seed_off = seed->offset;
  // The node types are named after the map's type arguments.
  std::string args = htm->name.substr(htm->name.find('['));
  const Type *ind = by_name("internal/sync.indirect" + args);
  const Type *ent = by_name("internal/sync.entry" + args);
  const Field *parent = FindField(ind, "parent"), *children = FindField(ind, "children");
  const Field *ovf = FindField(ent, "overflow"), *key = FindField(ent, "key"),
              *value = FindField(ent, "value");
  if (parent && children && ovf && key && value) {
    l.ind_parent_off = parent->offset;
    l.ind_children_off = children->offset;
    l.ent_overflow_off = ovf->offset + InnerV(ovf);
    l.ent_key_off = key->offset;
    l.ent_value_off = value->offset;
    l.any = key->type;
  } else {
    l.source = LayoutSource::Builtin; // reference offsets (go1.24-1.27)
  }
  if (!l.any)
    l.any = by_name("interface {}");
  if (!l.any) {
    *why = "no interface {} type in the debug info";
    return std::nullopt;
  }
  return l;
}

namespace {

class ReadDirtyDecoder {
public:
  ReadDirtyDecoder(MemoryReader &mem, const SyncMapLayout &l, const Limits &lim, SyncMapReport *r)
      : mem_(mem), l_(l), lim_(lim), r_(*r) {}

  void Run() {
    const uint64_t a = r_.address;
    uint64_t ro = 0;
    if (l_.read_is_value) {
      // atomic.Value{v any}: the data word of the eface points at a readOnly.
      uint64_t typ = 0;
      if (!mem_.ReadPtr(a + l_.read_off, &typ) || !mem_.ReadPtr(a + l_.read_off + 8, &ro)) {
        Unreadable("sync.Map.read", a + l_.read_off);
        return;
      }
      if (typ == 0)
        ro = 0; // never stored: an empty read map
    } else if (!mem_.ReadPtr(a + l_.read_off, &ro)) {
      Unreadable("sync.Map.read", a + l_.read_off);
      return;
    }
    if (!mem_.ReadPtr(a + l_.dirty_off, &r_.dirty) ||
        !mem_.ReadPtr(a + l_.misses_off, &r_.misses)) {
      Unreadable("sync.Map", a);
      return;
    }
    r_.read_only = ro;
    if (ro != 0) {
      uint64_t amended = 0;
      if (!mem_.ReadPtr(ro + l_.ro_m_off, &r_.read_m) ||
          !mem_.ReadUint(ro + l_.ro_amended_off, 1, &amended)) {
        Unreadable("readOnly", ro);
        return;
      }
      r_.amended = amended != 0;
      if (amended > 1)
        r_.diags.Add(DiagCode::Implausible, Severity::Error,
                     "readOnly at " + Hex(ro) + ": amended = " + std::to_string(amended) +
                         " is not a bool",
                     ro + l_.ro_amended_off);
    }
    if (l_.expunged == 0)
      r_.diags.Add(DiagCode::UnsupportedLayout, Severity::Warning,
                   "sync.expunged not found: expunged entries cannot be told from "
                   "live ones",
                   a);
    std::unordered_set<uint64_t> read_entries;
    Walk(r_.read_m, "read.m", &read_entries, nullptr);
    if (r_.amended && r_.dirty != 0) {
      Walk(r_.dirty, "dirty", nullptr, &read_entries);
    } else if (r_.dirty != 0) {
      // Store sets read.amended before it adds a key to dirty (sync/map.go):
      // keys only in dirty under amended = false (or no read map) are a
      // corrupt state; Load would not see them. Counted, not shown.
      std::vector<SyncMapEntry> shown;
      std::swap(shown, r_.entries);
      const uint64_t only = r_.dirty_only;
      Walk(r_.dirty, "dirty", nullptr, &read_entries);
      const uint64_t n = r_.dirty_only - only;
      r_.entries = std::move(shown);
      r_.dirty_only = r_.dirty_live = only;
      if (n != 0)
        r_.diags.Add(DiagCode::Inconsistent, Severity::Error,
                     "sync.Map at " + Hex(a) + ": " +
                         (ro == 0 ? std::string("read is empty") : "read.amended is false") +
                         " but dirty " + Hex(r_.dirty) + " holds " + std::to_string(n) +
                         " entries not in read.m (not shown)",
                     a + l_.dirty_off);
    } else if (r_.amended)
      r_.diags.Add(DiagCode::Inconsistent, Severity::Error,
                   "sync.Map at " + Hex(a) + ": read.amended is true but dirty is nil", a);
    // missLocked promotes dirty once misses reaches len(dirty) and resets
    // misses; with no dirty map misses is 0.
    if (r_.misses != 0 && (r_.dirty == 0 || r_.misses >= r_.dirty_len))
      r_.diags.Add(DiagCode::Inconsistent, Severity::Warning,
                   "sync.Map at " + Hex(a) + ": misses = " + std::to_string(r_.misses) +
                       (r_.dirty == 0 ? std::string(" with no dirty map")
                                      : " >= len(dirty) = " + std::to_string(r_.dirty_len) +
                                            " (the runtime promotes dirty then)"),
                   a + l_.misses_off);
  }

private:
  void Unreadable(const std::string &what, uint64_t at) {
    r_.diags.Add(DiagCode::Unreadable, Severity::Error, what + " at " + Hex(at) + ": unreadable",
                 at);
  }

  // Walks one map[any]*entry. For read.m, records its *entry pointers; for
  // dirty, skips the entries shared with read (the same *entry objects).
  void Walk(uint64_t m, const std::string &name, std::unordered_set<uint64_t> *record,
            const std::unordered_set<uint64_t> *skip) {
    if (m == 0)
      return;
    const bool dirty = skip != nullptr;
    MapHeader h;
    DiagnosticSink hs(lim_.max_diagnostics);
    if (ReadHeader(mem_, *l_.dirty_layout, m, &h, hs))
      (dirty ? r_.dirty_len : r_.read_len) = h.len;
    auto cur = OpenEntries(mem_, *l_.dirty_layout, m, lim_);
    MapEntry e;
    while (cur->Next(&e)) {
      uint64_t ent = 0, p = 0;
      const std::string at = "sync.Map " + name + " entry at " + Hex(e.elem_addr);
      if (!mem_.ReadPtr(e.elem_addr, &ent) || ent == 0 || !mem_.ReadPtr(ent + l_.entry_p_off, &p)) {
        r_.diags.Add(DiagCode::Unreadable, Severity::Error,
                     at + ": *entry " + Hex(ent) + " unreadable or nil", e.elem_addr);
        continue;
      }
      if (record)
        record->insert(ent);
      // dirtyLocked copies only entries it did not expunge: an expunged
      // entry in dirty is corrupt, shared with read.m or not.
      if (dirty && l_.expunged != 0 && p == l_.expunged) {
        r_.diags.Add(DiagCode::Inconsistent, Severity::Error,
                     at + ": expunged entry in the dirty map", ent);
        continue;
      }
      if (dirty && skip->count(ent))
        continue; // the same entry as in read.m
      if (p == 0) {
        ++(dirty ? r_.dirty_deleted : r_.read_deleted);
        continue;
      }
      if (l_.expunged != 0 && p == l_.expunged) {
        ++r_.read_expunged;
        continue;
      }
      ++(dirty ? r_.dirty_only : r_.read_live);
      r_.entries.push_back(SyncMapEntry{e.key_addr, p});
    }
    if (cur->truncated())
      r_.truncated = true;
    for (const auto &d : cur->diagnostics().items())
      r_.diags.Add(d.code, d.severity, name + ": " + d.message, d.address);
    if (dirty)
      r_.dirty_live = r_.dirty_only; // plus the shared ones, counted in read
  }

  MemoryReader &mem_;
  const SyncMapLayout &l_;
  Limits lim_;
  SyncMapReport &r_;
};

// Mirrors (*HashTrieMap).iter: a depth-first walk of indirect nodes, each
// child nil, an indirect node, or an entry with its overflow chain.
class TrieDecoder {
public:
  TrieDecoder(MemoryReader &mem, const SyncMapLayout &l, const Limits &lim, SyncMapReport *r)
      : mem_(mem), l_(l), lim_(lim), r_(*r) {}

  void Run() {
    const uint64_t h = r_.address + l_.htm_off;
    if (!mem_.ReadUint(h + l_.inited_off, 4, &r_.inited) ||
        !mem_.ReadPtr(h + l_.root_off, &r_.root) || !mem_.ReadPtr(h + l_.seed_off, &r_.seed)) {
      r_.diags.Add(DiagCode::Unreadable, Severity::Error,
                   "HashTrieMap at " + Hex(h) + ": unreadable", h);
      return;
    }
    if (r_.root == 0)
      return; // never initialised: empty
    struct Item {
      uint64_t node, parent, depth;
      std::string where;
    };
    std::vector<Item> stack{{r_.root, 0, 0, "root"}};
    std::unordered_set<uint64_t> seen{r_.root};
    uint64_t work = 0;
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      if (++work > lim_.max_buckets) {
        Stop("stopped after " + std::to_string(lim_.max_buckets) + " trie nodes (limit) at " +
                 it.where,
             it.node);
        return;
      }
      if (lim_.stop && lim_.stop->Stop()) {
        Stop("HashTrieMap at " + Hex(h) + ": " + lim_.stop->At(it.where), it.node);
        return;
      }
      ++r_.indirects;
      r_.max_depth = std::max(r_.max_depth, it.depth);
      uint8_t buf[8 * kChildren];
      uint64_t parent = 0;
      if (!mem_.ReadPtr(it.node + l_.ind_parent_off, &parent) ||
          !mem_.ReadExact(it.node + l_.ind_children_off, buf, sizeof buf)) {
        r_.diags.Add(DiagCode::Unreadable, Severity::Error,
                     it.where + ": indirect node at " + Hex(it.node) + " unreadable", it.node);
        continue;
      }
      if (parent != it.parent)
        r_.diags.Add(DiagCode::Inconsistent, Severity::Warning,
                     it.where + ": indirect node at " + Hex(it.node) + " has parent " +
                         Hex(parent) + ", expected " + Hex(it.parent),
                     it.node);
      // Push in reverse so children are visited in index order.
      for (uint64_t i = kChildren; i-- > 0;) {
        const uint64_t c = detail::LoadLE(buf + 8 * i, 8);
        if (c == 0)
          continue;
        const std::string where = it.where + "/" + std::to_string(i);
        uint8_t is_entry = 0;
        if (c % 8 != 0 || !mem_.ReadExact(c, &is_entry, 1)) {
          r_.diags.Add(DiagCode::Unreadable, Severity::Error,
                       where + ": node at " + Hex(c) + " unreadable or misaligned", c);
          continue;
        }
        if (is_entry) {
          Chain(c, where);
          if (r_.truncated)
            return;
          continue;
        }
        if (!seen.insert(c).second) {
          r_.diags.Add(DiagCode::Cycle, Severity::Error,
                       where + ": indirect node at " + Hex(c) +
                           " already visited (the trie loops or shares a node)",
                       c);
          continue;
        }
        if (it.depth + 1 >= kMaxDepth) {
          r_.diags.Add(DiagCode::Implausible, Severity::Error,
                       where + ": indirect node at depth " + std::to_string(it.depth + 1) +
                           " (64-bit hashes allow " + std::to_string(kMaxDepth - 1) + ")",
                       c);
          continue;
        }
        stack.push_back(Item{c, it.node, it.depth + 1, where});
      }
    }
  }

private:
  void Chain(uint64_t e, const std::string &where) {
    for (uint64_t n = 0; e != 0; ++n) {
      const std::string at = n == 0 ? where : where + " overflow " + std::to_string(n);
      if (n > lim_.max_chain) {
        Stop(where + ": entry overflow chain longer than " + std::to_string(lim_.max_chain) +
                 " (limit)",
             e);
        return;
      }
      if (!entries_.insert(e).second) {
        r_.diags.Add(DiagCode::Cycle, Severity::Error,
                     at + ": entry at " + Hex(e) + " already visited (overflow chain loops)", e);
        return;
      }
      if (r_.entries.size() >= lim_.max_entries) {
        r_.truncated = true;
        return;
      }
      ++r_.entry_nodes;
      r_.overflow_entries += n > 0;
      r_.entries.push_back(SyncMapEntry{e + l_.ent_key_off, e + l_.ent_value_off});
      uint64_t next = 0;
      if (!mem_.ReadPtr(e + l_.ent_overflow_off, &next)) {
        r_.diags.Add(DiagCode::Unreadable, Severity::Error,
                     at + ": entry at " + Hex(e) + " unreadable", e);
        return;
      }
      if (next % 8 != 0) {
        r_.diags.Add(DiagCode::Implausible, Severity::Error,
                     at + ": overflow pointer " + Hex(next) + " is misaligned", e);
        return;
      }
      e = next;
    }
  }

  void Stop(const std::string &why, uint64_t addr) {
    r_.truncated = true;
    r_.diags.Add(DiagCode::Truncated, Severity::Warning, why, addr);
  }

  MemoryReader &mem_;
  const SyncMapLayout &l_;
  Limits lim_;
  SyncMapReport &r_;
  std::unordered_set<uint64_t> entries_;
};

} // namespace

SyncMapReport DecodeSyncMap(MemoryReader &mem, const SyncMapLayout &layout, uint64_t addr,
                            const Limits &limits) {
  SyncMapReport r(limits.max_diagnostics);
  r.address = addr;
  r.kind = layout.kind;
  if (addr == 0 || addr % 8 != 0) {
    r.diags.Add(DiagCode::Implausible, Severity::Error,
                "sync.Map at " + Hex(addr) + ": nil or misaligned", addr);
    return r;
  }
  if (layout.kind == SyncMapKind::ReadDirty) {
    if (!layout.dirty_layout) {
      r.diags.Add(DiagCode::UnsupportedLayout, Severity::Error, "no layout for the dirty map",
                  addr);
      return r;
    }
    ReadDirtyDecoder(mem, layout, limits, &r).Run();
  } else {
    TrieDecoder(mem, layout, limits, &r).Run();
  }
  return r;
}

namespace {

std::string ImplString(const SyncMapLayout &l) {
  return "sync.Map/" + std::string(SyncMapKindName(l.kind));
}

// Ctrl-C or the time limit before entry i is rendered: *why says where to go on.
bool StoppedAt(const SyncMapReport &r, const ShowRequest &req, uint64_t i, std::string *why) {
  if (!req.stop || !req.stop->Stop())
    return false;
  const std::string hint = req.stop->Hint();
  *why = "sync.Map at " + HexAddr(r.address) + ": " + req.stop->Reason() + " after " +
         std::to_string(i - req.offset) + " entries (of " + std::to_string(r.entries.size()) +
         "); --offset " + std::to_string(i) + " goes on from there" +
         (hint.empty() ? "" : "; " + hint);
  return true;
}

} // namespace

ojson SyncMapShowJson(const SyncMapReport &r, const SyncMapLayout &l, const ShowRequest &req,
                      ValueRenderer &renderer) {
  ojson entries = ojson::array();
  bool more = false;
  std::string stopped;
  for (uint64_t i = req.offset; i < r.entries.size(); ++i) {
    if (i - req.offset >= req.limit) {
      more = true;
      break;
    }
    if (StoppedAt(r, req, i, &stopped)) {
      more = true;
      break;
    }
    entries.push_back(ojson{{"key", renderer.JsonOrdered(r.entries[i].key_addr, l.any)},
                            {"value", renderer.JsonOrdered(r.entries[i].value_addr, l.any)}});
  }
  ojson diags = ojson::array();
  for (const auto &d : r.diags.items())
    diags.push_back(DiagnosticJson(d));
  if (!stopped.empty())
    diags.push_back(
        DiagnosticJson(Diagnostic{DiagCode::Truncated, Severity::Warning, stopped, r.address}));
  for (const auto &d : renderer.diagnostics().items())
    diags.push_back(DiagnosticJson(d));
  return ojson{{"address", HexAddr(r.address)},
               {"type", "sync.Map"},
               {"impl", ImplString(l)},
               {"len", UintJson(r.entries.size())},
               {"entries", entries},
               {"truncated", more || r.truncated},
               {"diagnostics", diags}};
}

std::string SyncMapShowText(const SyncMapReport &r, const SyncMapLayout &l, const ShowRequest &req,
                            ValueRenderer &renderer) {
  std::ostringstream os;
  os << "(sync.Map) " << HexAddr(r.address) << " len=" << r.entries.size()
     << (r.truncated ? "+" : "") << " impl=" << ImplString(l) << "\n";
  bool more = false;
  std::string stopped;
  for (uint64_t i = req.offset; i < r.entries.size(); ++i) {
    if (i - req.offset >= req.limit) {
      more = true;
      break;
    }
    if (StoppedAt(r, req, i, &stopped))
      break;
    os << "  " << renderer.Text(r.entries[i].key_addr, l.any) << ": "
       << renderer.Text(r.entries[i].value_addr, l.any) << "\n";
  }
  if (more)
    os << "  ... (more entries; use --offset/--limit or --all)\n";
  else if (!stopped.empty())
    os << "  ... (" << req.stop->Reason() << "; use --offset to go on)\n";
  for (const auto &d : r.diags.items())
    os << "  " << SeverityName(d.severity) << "[" << CodeName(d.code) << "]: " << d.message << "\n";
  if (!stopped.empty())
    os << "  warning[truncated]: " << stopped << "\n";
  for (const auto &d : renderer.diagnostics().items())
    os << "  " << SeverityName(d.severity) << "[" << CodeName(d.code) << "]: " << d.message << "\n";
  return os.str();
}

ojson SyncMapHeaderJson(const SyncMapReport &r, const SyncMapLayout &l, const GoVersion &v) {
  ojson j{{"address", HexAddr(r.address)},
          {"type", "sync.Map"},
          {"impl", ImplString(l)},
          {"go_version", v.raw},
          {"layout_source", std::string(SourceName(l.source))},
          {"nil", false},
          {"len", UintJson(r.entries.size())}};
  if (l.kind == SyncMapKind::ReadDirty) {
    j["fields"] = ojson{{"read", HexAddr(r.read_only)},
                        {"dirty", HexAddr(r.dirty)},
                        {"misses", UintJson(r.misses)}};
    j["read"] = ojson{{"m", HexAddr(r.read_m)},
                      {"amended", r.amended},
                      {"len", UintJson(r.read_len)},
                      {"live", UintJson(r.read_live)},
                      {"deleted", UintJson(r.read_deleted)},
                      {"expunged", UintJson(r.read_expunged)}};
    j["dirty"] = ojson{{"address", HexAddr(r.dirty)},
                       {"len", UintJson(r.dirty_len)},
                       {"only_in_dirty", UintJson(r.dirty_only)},
                       {"deleted", UintJson(r.dirty_deleted)}};
    j["expunged_sentinel"] = HexAddr(l.expunged);
  } else {
    j["fields"] = ojson{
        {"inited", UintJson(r.inited)}, {"root", HexAddr(r.root)}, {"seed", UintJson(r.seed)}};
    j["trie"] = ojson{{"indirect_nodes", UintJson(r.indirects)},
                      {"max_depth", UintJson(r.max_depth)},
                      {"entries", UintJson(r.entry_nodes)},
                      {"overflow_entries", UintJson(r.overflow_entries)}};
  }
  j["truncated"] = r.truncated;
  ojson diags = ojson::array();
  for (const auto &d : r.diags.items())
    diags.push_back(DiagnosticJson(d));
  j["diagnostics"] = diags;
  return j;
}

std::string SyncMapHeaderText(const SyncMapReport &r, const SyncMapLayout &l, const GoVersion &v) {
  std::ostringstream os;
  os << "(sync.Map) " << HexAddr(r.address) << " len=" << r.entries.size()
     << " impl=" << ImplString(l) << " " << v.raw << " layout=" << SourceName(l.source) << "\n";
  if (l.kind == SyncMapKind::ReadDirty) {
    os << "  read = " << HexAddr(r.read_only) << " (readOnly): m = " << HexAddr(r.read_m) << " len "
       << r.read_len << ", amended = " << (r.amended ? "true" : "false") << "\n";
    os << "  dirty = " << HexAddr(r.dirty) << " len " << r.dirty_len << "\n";
    os << "  misses = " << r.misses << "\n";
    os << "  read entries: " << r.read_live << " live, " << r.read_deleted << " deleted (nil), "
       << r.read_expunged << " expunged\n";
    os << "  dirty entries: " << r.dirty_only << " only in dirty, " << r.dirty_deleted << " deleted"
       << (r.amended ? "" : " (not amended: dirty not consulted)") << "\n";
  } else {
    os << "  inited = " << r.inited << "\n  root = " << HexAddr(r.root) << "\n  seed = " << r.seed
       << "\n";
    os << "  trie: " << r.indirects << " indirect nodes, depth " << r.max_depth << ", "
       << r.entry_nodes << " entries (" << r.overflow_entries << " in overflow chains)\n";
  }
  if (r.truncated)
    os << "  (walk stopped by a work limit)\n";
  for (const auto &d : r.diags.items())
    os << "  " << SeverityName(d.severity) << "[" << CodeName(d.code) << "]: " << d.message << "\n";
  return os.str();
}

} // namespace gomap
