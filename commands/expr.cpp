// EXPR resolution: globals, field paths with automatic dereference, addresses.
#include "commands/expr.h"

#include <algorithm>
#include <vector>

#include "commands/args.h"

namespace gomap::commands {

namespace {

size_t EditDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// A package path's first element: "example.com" for example.com/x/pkg.
std::string ModuleRoot(const std::string &pkg) { return pkg.substr(0, pkg.find('/')); }

// Whether a package-level variable of package `pkg` is worth suggesting: the
// frame's own package, main, and packages of the same module or with a domain
// in their path; not the standard library (unicode.FoldScript, syscall.env).
bool UserPackage(const std::string &pkg, const std::string &own) {
  if (pkg == own || pkg == "main")
    return true;
  std::string root = ModuleRoot(pkg);
  return root == ModuleRoot(own) || root.find('.') != std::string::npos;
}

// Map-typed values one step below a frame variable: struct fields of it or of
// what it points to (c.byID for c *Cache).
void MapFields(const std::string &name, const Type *t, std::vector<std::string> *out) {
  if (t && t->kind == Kind::Pointer)
    t = t->elem;
  if (!t || t->kind != Kind::Struct)
    return;
  for (const auto &f : t->fields)
    if (f.type && f.type->kind == Kind::Map)
      out->push_back(name + "." + f.name);
}

} // namespace

const FrameVar *FrameScope::Find(const std::string &name) const {
  for (const auto &v : vars)
    if (v.name == name)
      return &v;
  for (const auto &v : vars)
    if (v.name == "&" + name)
      return &v;
  return nullptr;
}

std::string PackageOf(const std::string &function) {
  // The package ends at the first '.' after the last '/': "main.(*T).m" ->
  // "main", "example.com/x/pkg.F.func1" -> "example.com/x/pkg".
  size_t slash = function.rfind('/');
  size_t dot = function.find('.', slash == std::string::npos ? 0 : slash);
  return dot == std::string::npos ? "" : function.substr(0, dot);
}

std::string MapHints(GoTarget &gt, const FrameScope *scope, const std::string &name) {
  std::string own = scope ? PackageOf(scope->function) : "main";
  auto ranked = [&name](std::vector<std::string> names) {
    std::vector<std::pair<size_t, std::string>> scored;
    for (auto &n : names) {
      std::string base = n.substr(n.rfind('.') + 1);
      scored.emplace_back(std::min(EditDistance(name, n), EditDistance(name, base)), std::move(n));
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto &s : scored)
      out.push_back(std::move(s.second));
    return out;
  };
  // The frame's variables and their fields first, then its package, then the
  // other user packages.
  std::vector<std::string> frame, pkg, other;
  if (scope) {
    frame = MapVariables(*scope);
    for (const auto &v : scope->vars)
      MapFields(v.name[0] == '&' ? v.name.substr(1) : v.name,
                v.name[0] == '&' && v.type && v.type->kind == Kind::Pointer ? v.type->elem : v.type,
                &frame);
  }
  for (auto &g : gt.dwarf().MapGlobals()) {
    std::string p = PackageOf(g);
    if (p == own)
      pkg.push_back(g);
    else if (UserPackage(p, own))
      other.push_back(g);
  }
  std::vector<std::string> all = ranked(std::move(frame));
  for (auto *group : {&pkg, &other})
    for (auto &n : ranked(std::move(*group)))
      all.push_back(std::move(n));
  std::string out;
  for (size_t i = 0; i < all.size() && i < 8; ++i)
    out += (i ? ", " : "") + all[i];
  return out.empty() ? "" : "; map variables: " + out;
}

std::vector<std::string> MapVariables(const FrameScope &scope) {
  std::vector<std::string> out;
  for (const auto &v : scope.vars) {
    const Type *t = v.type;
    bool by_ref = !v.name.empty() && v.name[0] == '&';
    if (by_ref && t && t->kind == Kind::Pointer)
      t = t->elem;
    if (t && t->kind == Kind::Map)
      out.push_back(by_ref ? v.name.substr(1) : v.name);
  }
  return out;
}

bool ParsePath(const std::string &expr_in, std::string *root, std::vector<PathStep> *steps,
               std::string *error) {
  // "(*p).m" and "(*p)" mean what "p.m" and "p" mean: pointers are followed anyway.
  std::string expr;
  for (size_t i = 0; i < expr_in.size(); ++i) {
    if (expr_in.compare(i, 2, "(*") == 0) {
      i += 1;
      continue;
    }
    if (expr_in[i] == ')' || expr_in[i] == ' ')
      continue;
    expr.push_back(expr_in[i]);
  }
  size_t i = 0;
  auto ident = [&](std::string *out) {
    size_t start = i;
    while (i < expr.size() && expr[i] != '.' && expr[i] != '[')
      ++i;
    *out = expr.substr(start, i - start);
    return !out->empty();
  };
  if (!ident(root)) {
    *error = "cannot parse '" + expr_in + "'";
    return false;
  }
  while (i < expr.size()) {
    PathStep st;
    if (expr[i] == '.') {
      ++i;
      if (!ident(&st.field)) {
        *error = "cannot parse '" + expr_in + "': a field name is missing";
        return false;
      }
    } else { // '['
      size_t close = expr.find(']', i);
      auto n =
          close == std::string::npos ? std::nullopt : ParseUint(expr.substr(i + 1, close - i - 1));
      if (!n) {
        *error = "cannot parse '" + expr_in + "': an index must be a number";
        return false;
      }
      st.index = true;
      st.at = *n;
      i = close + 1;
    }
    steps->push_back(st);
  }
  return true;
}

bool ResolveMap(GoTarget &gt, const std::string &expr, const std::string &type_name,
                const FrameScope *scope, MapRef *out, std::string *error) {
  out->expr = expr;
  out->value_type = nullptr;
  if (auto addr = ParseUint(expr); addr && (expr.rfind("0x", 0) == 0 || expr.rfind("0X", 0) == 0)) {
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
  OverlayReader mem(gt.memory());
  const Type *t = nullptr;
  uint64_t addr = 0;
  std::string path;
  if (!ResolvePath(gt, expr, scope, mem, &t, &addr, &path, &out->where, error))
    return false;
  out->value_type = t;
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

bool ResolvePath(GoTarget &gt, const std::string &expr, const FrameScope *scope, OverlayReader &mem,
                 const Type **type_out, uint64_t *addr_out, std::string *path_out,
                 std::string *where_out, std::string *error) {
  std::string root;
  std::vector<PathStep> steps;
  if (!ParsePath(expr, &root, &steps, error))
    return false;
  const Type *t = nullptr;
  uint64_t addr = 0;
  std::string path;
  size_t next = 0; // first step not consumed by the root
  const FrameVar *local = scope ? scope->Find(root) : nullptr;
  if (local) {
    std::string where = "goroutine " + std::to_string(scope->goroutine) + ", frame " +
                        std::to_string(scope->frame) + " (" + scope->function + ")";
    *where_out = where;
    if (!local->type) {
      *error = root + " in " + where + " has no type in the DWARF";
      return false;
    }
    VarValue v = EvaluateLocation(local->has_location ? local->expr : std::vector<uint8_t>{},
                                  local->type->size, scope->ctx, mem);
    if (!v.ok) {
      *error = root + " in " + where + " is unavailable: " + v.error;
      return false;
    }
    addr = v.in_memory ? v.addr : mem.Add(std::move(v.bytes));
    t = local->type;
    path = root;
    if (local->name[0] == '&') { // captured by reference: the variable is *T
      uint64_t p = 0;
      if (!mem.ReadPtr(addr, &p) || p == 0) {
        *error = root + " in " + where + ": cannot follow its closure reference";
        return false;
      }
      addr = p;
      t = t->elem;
    }
  } else {
    // The longest dotted prefix that names a package-level variable.
    std::string own_pkg = scope ? PackageOf(scope->function) : "main";
    std::vector<std::string> names = {root};
    for (const auto &st : steps) {
      if (st.index)
        break;
      names.push_back(st.field);
    }
    const GlobalVar *g = nullptr;
    for (size_t n = names.size(); n >= 1 && !g; --n) {
      std::string name;
      for (size_t i = 0; i < n; ++i)
        name += (i ? "." : "") + names[i];
      // Go's scoping: an unqualified name is the frame's own package's
      // first (main's without a frame), then a qualified name as written.
      if (n == 1 && !own_pkg.empty())
        g = gt.dwarf().FindGlobal(own_pkg + "." + name);
      if (g || (g = gt.dwarf().FindGlobal(name)) ||
          (n == 1 && own_pkg != "main" && (g = gt.dwarf().FindGlobal("main." + name))))
        next = n - 1;
    }
    if (!g) {
      std::string dotted = names[0];
      for (size_t i = 1; i < names.size(); ++i)
        dotted += "." + names[i];
      // A qualified name (its root is a package: some variable is named
      // root.X) is reported whole; a plain name with the frame it was
      // looked for in.
      bool qualified = names.size() > 1 && gt.dwarf().HasPackage(root);
      if (scope && !qualified)
        *error = "no variable named '" + root + "' in " + scope->function + " (goroutine " +
                 std::to_string(scope->goroutine) + ", frame " + std::to_string(scope->frame) +
                 ") nor in package " + own_pkg;
      else
        *error = "no variable named '" + (qualified ? dotted : root) + "'";
      *error += MapHints(gt, scope, qualified ? dotted : root);
      return false;
    }
    t = gt.dwarf().GlobalType(*g);
    addr = g->address;
    path = g->name;
  }
  for (size_t i = next; i < steps.size(); ++i) {
    const PathStep &st = steps[i];
    // Automatic dereference of pointers, bounded.
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
    if (st.index) {
      if (t && t->kind == Kind::Array && t->elem) {
        if (st.at >= t->len) {
          *error = path + " has " + std::to_string(t->len) + " elements; index " +
                   std::to_string(st.at) + " is out of range";
          return false;
        }
        addr += st.at * t->elem->size;
      } else if (t && t->kind == Kind::Slice && t->elem) {
        uint64_t hdr[2];
        if (!mem.ReadExact(addr, hdr, sizeof hdr)) {
          *error = "cannot read the slice " + path + " at " + HexAddr(addr);
          return false;
        }
        if (st.at >= hdr[1]) {
          *error = path + " has length " + std::to_string(hdr[1]) + "; index " +
                   std::to_string(st.at) + " is out of range";
          return false;
        }
        addr = hdr[0] + st.at * t->elem->size;
      } else {
        *error = path + " (" + (t ? t->name : "?") + ") cannot be indexed";
        return false;
      }
      t = t->elem;
      path += "[" + std::to_string(st.at) + "]";
      continue;
    }
    const Field *f = (t && t->kind == Kind::Struct) ? t->FindField(st.field) : nullptr;
    if (!f) {
      *error = path + " (" + (t ? t->name : "?") + ") has no field '" + st.field + "'";
      return false;
    }
    addr += f->offset;
    t = f->type;
    path += "." + st.field;
  }
  *type_out = t;
  *addr_out = addr;
  *path_out = path;
  return true;
}

bool ResolveSyncMap(GoTarget &gt, const std::string &expr, const std::string &type_name,
                    uint64_t *addr_out, const Type **type_out, bool *matched, std::string *error) {
  *matched = false;
  if (auto addr = ParseUint(expr); addr && (expr.rfind("0x", 0) == 0 || expr.rfind("0X", 0) == 0)) {
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
  // Package-level sync.Maps and fields reached from them (not frame locals yet).
  OverlayReader mem(gt.memory());
  const Type *t = nullptr;
  uint64_t addr = 0;
  std::string path, where, ignored;
  if (!ResolvePath(gt, expr, nullptr, mem, &t, &addr, &path, &where, &ignored))
    return false; // ResolveMap reports it
  if (t && t->kind == Kind::Pointer && t->elem && t->elem->name == "sync.Map") {
    *matched = true;
    uint64_t p = 0;
    if (!mem.ReadPtr(addr, &p)) {
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

} // namespace gomap::commands
