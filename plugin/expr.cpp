// EXPR resolution: globals, field paths with automatic dereference, addresses.
#include "plugin/expr.h"

#include <algorithm>
#include <vector>

#include "plugin/args.h"

namespace gomap::plugin {

namespace {

size_t EditDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Suggestions(GoTarget &gt, const std::string &expr) {
  std::vector<std::string> maps = gt.dwarf().MapGlobals();
  // Hide runtime and standard-library internals unless asked for.
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto &m : maps) {
    if (m.rfind("runtime.", 0) == 0 || m.rfind("internal/", 0) == 0)
      continue;
    std::string base = m.substr(m.rfind('.') + 1);
    size_t d = std::min(EditDistance(expr, m), EditDistance(expr, base));
    scored.emplace_back(d, m);
  }
  std::sort(scored.begin(), scored.end());
  std::string out;
  for (size_t i = 0; i < scored.size() && i < 6; ++i)
    out += (i ? ", " : "") + scored[i].second;
  if (out.empty())
    return "";
  return "; map variables: " + out;
}

std::vector<std::string> Split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    parts.push_back(s.substr(start, p - start));
    if (p == std::string::npos)
      break;
    start = p + 1;
  }
  return parts;
}

} // namespace

bool ResolveValue(GoTarget &gt, const std::string &expr, const Type **type,
                  uint64_t *addr_out, std::string *path_out, std::string *error) {
  MemoryReader &mem = gt.memory();
  // The longest dotted prefix that names a package-level variable, then fields.
  std::vector<std::string> parts = Split(expr, '.');
  const GlobalVar *g = nullptr;
  size_t used = 0;
  for (size_t n = parts.size(); n >= 1 && !g; --n) {
    std::string name;
    for (size_t i = 0; i < n; ++i)
      name += (i ? "." : "") + parts[i];
    if ((g = gt.dwarf().FindGlobal(name)))
      used = n;
    else if (n == 1 && (g = gt.dwarf().FindGlobal("main." + name)))
      used = 1;
  }
  if (!g) {
    *error = "no variable named '" + expr + "' (package-level variables need their package, e.g. main.cache)" +
             Suggestions(gt, expr);
    return false;
  }
  const Type *t = gt.dwarf().GlobalType(*g);
  uint64_t addr = g->address;
  std::string path = g->name;
  for (size_t i = used; i < parts.size(); ++i) {
    // Automatic dereference of pointers to structs, bounded.
    for (int hops = 0; t && t->kind == Kind::Pointer && hops < 8; ++hops) {
      uint64_t p = 0;
      if (!mem.ReadPtr(addr, &p)) {
        *error = "cannot read " + path + " at " + HexAddr(addr);
        return false;
      }
      if (p == 0) {
        *error = path + " is nil";
        return false;
      }
      addr = p;
      t = t->elem;
    }
    const Field *f = (t && t->kind == Kind::Struct) ? t->FindField(parts[i]) : nullptr;
    if (!f) {
      *error = path + " (" + (t ? t->name : "?") + ") has no field '" + parts[i] + "'";
      return false;
    }
    addr += f->offset;
    t = f->type;
    path += "." + parts[i];
  }
  *type = t;
  *addr_out = addr;
  *path_out = path;
  return true;
}

bool ResolveSyncMap(GoTarget &gt, const std::string &expr, const std::string &type_name,
                    uint64_t *addr_out, const Type **type_out, bool *matched,
                    std::string *error) {
  *matched = false;
  if (auto addr = ParseUint(expr); addr && (expr.rfind("0x", 0) == 0 ||
                                            expr.rfind("0X", 0) == 0)) {
    if (type_name != "sync.Map" && type_name != "*sync.Map")
      return false;
    *matched = true;
    *type_out = gt.dwarf().TypeByName("sync.Map");
    if (!*type_out) {
      *error = "no type named 'sync.Map' in " + gt.path() + "'s DWARF";
      return false;
    }
    *addr_out = *addr; // the sync.Map itself (a *sync.Map value)
    return true;
  }
  if (!type_name.empty())
    return false;
  const Type *t = nullptr;
  uint64_t addr = 0;
  std::string path, ignored;
  if (!ResolveValue(gt, expr, &t, &addr, &path, &ignored))
    return false; // ResolveMap reports it
  if (t && t->kind == Kind::Pointer && t->elem && t->elem->name == "sync.Map") {
    *matched = true;
    uint64_t p = 0;
    if (!gt.memory().ReadPtr(addr, &p)) {
      *error = "cannot read " + path + " at " + HexAddr(addr);
      return false;
    }
    if (p == 0) {
      *error = path + " is a nil *sync.Map";
      return false;
    }
    *type_out = t->elem;
    *addr_out = p;
    return true;
  }
  if (!t || t->name != "sync.Map")
    return false;
  *matched = true;
  *type_out = t;
  *addr_out = addr;
  return true;
}

bool ResolveMap(GoTarget &gt, const std::string &expr, const std::string &type_name,
                MapRef *out, std::string *error) {
  out->expr = expr;
  MemoryReader &mem = gt.memory();
  if (auto addr = ParseUint(expr); addr && (expr.rfind("0x", 0) == 0 ||
                                            expr.rfind("0X", 0) == 0)) {
    if (type_name.empty()) {
      *error = "an address needs --type 'map[K]V'";
      return false;
    }
    const Type *t = gt.dwarf().TypeByName(type_name);
    if (!t) {
      *error = "no type named '" + type_name + "' in " + gt.path() + "'s DWARF";
      return false;
    }
    if (t->kind != Kind::Map) {
      *error = "'" + type_name + "' is not a map type";
      return false;
    }
    out->type = t;
    out->header = *addr;
    return true;
  }
  if (!type_name.empty()) {
    *error = "--type goes with an address (0x...), not with a variable";
    return false;
  }
  const Type *t = nullptr;
  uint64_t addr = 0;
  std::string path;
  if (!ResolveValue(gt, expr, &t, &addr, &path, error))
    return false;
  if (!t || t->kind != Kind::Map) {
    *error = path + " is " + (t ? "a " + t->name : "of unknown type") + ", not a map";
    return false;
  }
  out->type = t;
  if (!mem.ReadPtr(addr, &out->header)) {
    *error = "cannot read " + path + " at " + HexAddr(addr);
    return false;
  }
  return true;
}

} // namespace gomap::plugin
