// Reachability and naming of maps by a bounded typed heap walk (see reach.h).
#include "core/reach.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <unordered_map>
#include <utility>

#include "core/map.h"
#include "core/work_stop.h"

namespace gomap {

namespace {

// Counts the bytes the walk reads, for the bytes cap.
class CountingReader final : public MemoryReader {
public:
  explicit CountingReader(MemoryReader &inner) : inner_(inner) {}
  size_t Read(uint64_t addr, void *dst, size_t n) override {
    bytes += n;
    return inner_.Read(addr, dst, n);
  }
  uint64_t bytes = 0;

private:
  MemoryReader &inner_;
};

struct Node {
  uint64_t addr = 0;
  const Type *type = nullptr;
  size_t root = 0;
  uint32_t depth = 0;
  std::string path;
};

// Whether a value of t can lead to a map (holds a pointer-like word).
class PointerKinds {
public:
  bool May(const Type *t, int depth = 0) {
    if (!t)
      return false;
    if (auto it = memo_.find(t); it != memo_.end())
      return it->second;
    if (depth > 32)
      return true; // deep or recursive: assume it may
    bool may = false;
    switch (t->kind) {
    case Kind::Pointer:
    case Kind::Map:
    case Kind::Interface:
    case Kind::Slice:
      may = true;
      break;
    case Kind::Array:
      may = t->len > 0 && May(t->elem, depth + 1);
      break;
    case Kind::Struct:
      for (const auto &f : t->fields)
        if (May(f.type, depth + 1)) {
          may = true;
          break;
        }
      break;
    default: // scalars, strings, chans, funcs, unsafe.Pointer (untyped)
      break;
    }
    memo_[t] = may;
    return may;
  }

private:
  std::unordered_map<const Type *, bool> memo_;
};

bool IsIdent(const std::string &s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/'))
      return false;
  return true;
}

std::string Quote(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c == 0x7f) {
      static const char *hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

// The dynamic type and value address of the interface at addr; false for nil
// or an unknown dynamic type.
bool InterfaceValue(MemoryReader &mem, TypeResolver &types, const Type *t, uint64_t addr,
                    const Type **dyn, uint64_t *value) {
  uint64_t words[2] = {};
  if (!mem.ReadExact(addr, words, sizeof words) || words[0] == 0)
    return false;
  uint64_t desc = words[0];
  if (t->nonempty_iface && !mem.ReadPtr(words[0] + 8, &desc)) // itab._type
    return false;
  const Type *d = desc ? types.ByRuntimeType(desc) : nullptr;
  if (!d)
    return false;
  *dyn = d;
  // Pointer-shaped values are the data word itself.
  *value = IsDirectIface(d) ? addr + 8 : words[1];
  return *value != 0;
}

} // namespace

std::string FormatKey(MemoryReader &mem, TypeResolver &types, const Type *t, uint64_t addr) {
  if (!t)
    return "…";
  switch (t->kind) {
  case Kind::String: {
    uint64_t sh[2] = {};
    if (!mem.ReadExact(addr, sh, sizeof sh) || sh[1] > (1u << 20))
      return "…";
    std::string s(std::min<uint64_t>(sh[1], 64), '\0');
    if (!s.empty() && !mem.ReadExact(sh[0], s.data(), s.size()))
      return "…";
    return Quote(s) + (sh[1] > 64 ? "…" : "");
  }
  case Kind::Bool: {
    uint64_t v = 0;
    return mem.ReadUint(addr, 1, &v) ? (v ? "true" : "false") : "…";
  }
  case Kind::Int:
  case Kind::Int8:
  case Kind::Int16:
  case Kind::Int32:
  case Kind::Int64: {
    uint64_t v = 0;
    if (t->size == 0 || t->size > 8 || !mem.ReadUint(addr, t->size, &v))
      return "…";
    int shift = int(64 - 8 * t->size);
    return std::to_string(int64_t(v << shift) >> shift);
  }
  case Kind::Uint:
  case Kind::Uint8:
  case Kind::Uint16:
  case Kind::Uint32:
  case Kind::Uint64:
  case Kind::Uintptr: {
    uint64_t v = 0;
    if (t->size == 0 || t->size > 8 || !mem.ReadUint(addr, t->size, &v))
      return "…";
    return std::to_string(v);
  }
  case Kind::Interface: {
    const Type *dyn = nullptr;
    uint64_t value = 0;
    if (!InterfaceValue(mem, types, t, addr, &dyn, &value) || dyn->kind == Kind::Interface)
      return "…";
    return FormatKey(mem, types, dyn, value);
  }
  default:
    return "…";
  }
}

ReachResult NameMaps(ReachEnv &env, const std::vector<ReachRoot> &roots,
                     const std::set<uint64_t> &targets, const ReachLimits &limits) {
  ReachResult res;
  CountingReader mem(env.mem);
  PointerKinds kinds;
  std::set<uint64_t> wanted = targets;
  wanted.erase(0);
  std::set<std::pair<uint64_t, const Type *>> visited;
  std::set<std::string> cuts;
  std::deque<Node> queue;
  auto cut = [&](const char *what) {
    res.truncated = true;
    cuts.insert(what);
  };
  // 0-1 breadth-first: a struct field or array element (no hop) goes to the
  // front, a pointer/element/entry hop to the back, so paths have fewest hops.
  auto push = [&](Node n, bool front = false) {
    if (!n.type || n.addr == 0 || !kinds.May(n.type))
      return;
    if (n.depth > limits.max_depth) {
      cut("depth");
      return;
    }
    if (!visited.insert({n.addr, n.type}).second)
      return;
    if (front)
      queue.push_front(std::move(n));
    else
      queue.push_back(std::move(n));
  };
  auto child = [](const Node &n, uint64_t addr, const Type *t, std::string path, uint32_t hops) {
    return Node{addr, t, n.root, n.depth + hops, std::move(path)};
  };

  int max_tier = 0;
  for (const auto &r : roots)
    max_tier = std::max(max_tier, r.tier);
  bool stopped = false;
  std::set<uint64_t> recorded;
  auto done = [&] { return !limits.all && wanted.empty(); };
  for (int tier = 0; tier <= max_tier && !done() && !stopped; ++tier) {
    for (size_t i = 0; i < roots.size(); ++i)
      if (roots[i].tier == tier)
        push(Node{roots[i].address, roots[i].type, i, 0, roots[i].name});
    while (!queue.empty() && !done()) {
      if (res.objects >= limits.max_objects) {
        cut("objects");
        stopped = true;
        break;
      }
      if (mem.bytes >= limits.max_bytes) {
        cut("bytes");
        stopped = true;
        break;
      }
      if (limits.stop && limits.stop->Stop()) {
        cut(limits.stop->interrupted() ? "interrupted" : "time limit");
        stopped = true;
        break;
      }
      Node n = std::move(queue.front());
      queue.pop_front();
      ++res.objects;
      const Type *t = n.type;
      switch (t->kind) {
      case Kind::Pointer: {
        uint64_t p = 0;
        if (t->elem && mem.ReadPtr(n.addr, &p) && p)
          push(child(n, p, t->elem, n.path, 1)); // Go auto-dereferences in paths
        break;
      }
      case Kind::Struct: {
        if (t->name == "sync.Map" && env.sync_layout) {
          if (auto sl = env.sync_layout(t)) {
            Limits lim;
            lim.max_entries = limits.max_map_entries;
            SyncMapReport r = DecodeSyncMap(mem, *sl, n.addr, lim);
            if (r.truncated)
              cut("map entries");
            for (const auto &e : r.entries)
              push(child(n, e.value_addr, sl->any,
                         n.path + ".Load(" + FormatKey(mem, env.types, sl->any, e.key_addr) + ")",
                         1));
            break;
          }
        }
        for (size_t i = t->fields.size(); i-- > 0;) { // reversed: pushed to the front
          const Field &f = t->fields[i];
          push(child(n, n.addr + f.offset, f.type,
                     f.embedded || !IsIdent(f.name) ? n.path : n.path + "." + f.name, 0),
               true);
        }
        break;
      }
      case Kind::Array: {
        uint64_t count = std::min(t->len, limits.max_elements);
        if (count < t->len)
          cut("elements");
        if (t->elem && t->elem->size)
          for (uint64_t i = count; i-- > 0;)
            push(child(n, n.addr + i * t->elem->size, t->elem,
                       n.path + "[" + std::to_string(i) + "]", 0),
                 true);
        break;
      }
      case Kind::Slice: {
        uint64_t sh[3] = {};
        if (!t->elem || !t->elem->size || !mem.ReadExact(n.addr, sh, sizeof sh) || !sh[0])
          break;
        uint64_t count = std::min(sh[1], limits.max_elements);
        if (count < sh[1])
          cut("elements");
        for (uint64_t i = 0; i < count; ++i)
          push(child(n, sh[0] + i * t->elem->size, t->elem, n.path + "[" + std::to_string(i) + "]",
                     1));
        break;
      }
      case Kind::Interface: {
        const Type *dyn = nullptr;
        uint64_t value = 0;
        if (InterfaceValue(mem, env.types, t, n.addr, &dyn, &value))
          push(child(n, value, dyn, n.path, 1));
        break;
      }
      case Kind::Map: {
        uint64_t h = 0;
        if (!mem.ReadPtr(n.addr, &h) || h == 0)
          break;
        if (limits.all ? recorded.insert(h).second : wanted.erase(h) > 0)
          res.found.push_back(ReachPath{h, t, n.root, n.path, roots[n.root].where, n.depth});
        if (!kinds.May(t->elem) || done())
          break;
        const MapLayout *layout = env.maps.ForMapType(t);
        if (!layout)
          break;
        Limits lim;
        lim.max_entries = limits.max_map_entries;
        auto cur = OpenEntries(mem, *layout, h, lim);
        MapEntry e;
        while (cur->Next(&e))
          push(child(n, e.elem_addr, t->elem,
                     n.path + "[" + FormatKey(mem, env.types, t->key, e.key_addr) + "]", 1));
        if (cur->truncated())
          cut("map entries");
        break;
      }
      default:
        break;
      }
    }
  }
  res.bytes = mem.bytes;
  for (const auto &c : cuts)
    res.cut += (res.cut.empty() ? "" : ", ") + c;
  return res;
}

} // namespace gomap
