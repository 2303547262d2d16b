// Map layouts derived from the debug-info types the Go linker synthesizes for
// every map type (cmd/link/internal/ld/dwarf.go synthesizemaptypes*, go1.19-go1.27).
#include "map_layout.h"

namespace gomap {

namespace {

const Type *Deref(const Type *t) { return (t && t->kind == Kind::Pointer) ? t->elem : nullptr; }

// Flattens a struct's fields into runtime names; struct-typed members are
// expanded one level ("groups.data").
StructLayout Flatten(const Type *s) {
  StructLayout out;
  out.size = s->size;
  for (const auto &f : s->fields) {
    if (f.type && f.type->kind == Kind::Struct && !f.type->fields.empty() && f.type->size <= 32) {
      for (const auto &g : f.type->fields)
        out.fields.push_back(
            StructField{f.name + "." + g.name, f.offset + g.offset, g.type ? g.type->size : 0});
      continue;
    }
    out.fields.push_back(StructField{f.name, f.offset, f.type ? f.type->size : 0});
  }
  return out;
}

// A slot holds a pointer to K instead of K when K is larger than 128 bytes.
bool IsIndirect(const Type *slot, const Type *logical) {
  if (!slot || !logical || slot->kind != Kind::Pointer)
    return false;
  if (slot == logical || slot->name == logical->name)
    return false;
  return logical->kind != Kind::Pointer || slot->elem == logical ||
         slot->name == "*" + logical->name;
}

bool Fail(std::string *why, const std::string &msg) {
  if (why)
    *why = msg;
  return false;
}

// bucket<K,V>: tophash [8]uint8, keys [8]K, values [8]V, overflow *bucket<K,V>.
bool ClassicFromTypes(const Type *hdr, MapLayout *out, std::string *why) {
  const Field *buckets = hdr->FindField("buckets");
  const Type *bucket = buckets ? Deref(buckets->type) : nullptr;
  if (!bucket || bucket->kind != Kind::Struct)
    return Fail(why, "hash header has no typed buckets field");
  const Field *keys = bucket->FindField("keys");
  const Field *vals = bucket->FindField("values");
  if (!vals)
    vals = bucket->FindField("elems");
  const Field *ovf = bucket->FindField("overflow");
  if (!keys || !vals || !ovf || !keys->type || !vals->type || keys->type->kind != Kind::Array ||
      vals->type->kind != Kind::Array || keys->type->len != 8 || vals->type->len != 8)
    return Fail(why, "bucket type " + bucket->name + " lacks keys/values/overflow");
  ClassicLayout &c = out->classic;
  c.hmap = Flatten(hdr);
  c.bucket_size = bucket->size;
  c.keys_off = keys->offset;
  c.key_size = keys->type->elem ? keys->type->elem->size : keys->type->size / 8;
  c.elems_off = vals->offset;
  c.elem_size = vals->type->elem ? vals->type->elem->size : vals->type->size / 8;
  c.overflow_off = ovf->offset;
  c.indirect_key = IsIndirect(keys->type->elem, out->key);
  c.indirect_elem = IsIndirect(vals->type->elem, out->elem);
  return true;
}

// table<K,V> via dirPtr **table; group struct via table.groups.data.
bool SwissFromTypes(const Type *hdr, MapLayout *out, std::string *why) {
  const Field *dir = hdr->FindField("dirPtr");
  const Type *table = Deref(Deref(dir ? dir->type : nullptr));
  if (!table || table->kind != Kind::Struct)
    return Fail(why, "map header has no typed dirPtr field");
  const Field *groups = table->FindField("groups");
  const Field *data = groups && groups->type ? groups->type->FindField("data") : nullptr;
  const Type *group = data ? Deref(data->type) : nullptr;
  if (!group || group->kind != Kind::Struct)
    return Fail(why, "table type " + table->name + " has no typed groups.data");
  SwissLayout &s = out->swiss;
  s.map = Flatten(hdr);
  s.table = Flatten(table);
  s.group_size = group->size;
  const Field *ctrl = group->FindField("ctrl");
  if (!ctrl)
    return Fail(why, "group type " + group->name + " has no ctrl field");
  s.ctrl_off = ctrl->offset;
  const Type *key_slot = nullptr, *elem_slot = nullptr;
  if (const Field *slots = group->FindField("slots")) {
    const Type *slot = slots->type ? slots->type->elem : nullptr;
    const Field *k = slot ? slot->FindField("key") : nullptr;
    const Field *e = slot ? slot->FindField("elem") : nullptr;
    if (!k || !e || slots->type->len != 8)
      return Fail(why, "group slots of " + group->name + " lack key/elem");
    s.keys_off = slots->offset + k->offset;
    s.elems_off = slots->offset + e->offset;
    s.key_stride = s.elem_stride = slot->size;
    key_slot = k->type;
    elem_slot = e->type;
  } else {
    // BACKCOMPAT: none; go1.27 GOEXPERIMENT=mapsplitgroup layout KKKKVVVV.
    const Field *ks = group->FindField("keys");
    const Field *es = group->FindField("elems");
    if (!ks || !es || !ks->type || !es->type || ks->type->len != 8 || es->type->len != 8)
      return Fail(why, "group type " + group->name + " has neither slots nor keys/elems");
    s.split_group = true;
    key_slot = ks->type->elem;
    elem_slot = es->type->elem;
    s.keys_off = ks->offset;
    s.elems_off = es->offset;
    s.key_stride = key_slot ? key_slot->size : ks->type->size / 8;
    s.elem_stride = elem_slot ? elem_slot->size : es->type->size / 8;
  }
  s.key_size = key_slot ? key_slot->size : 0;
  s.elem_size = elem_slot ? elem_slot->size : 0;
  s.indirect_key = IsIndirect(key_slot, out->key);
  s.indirect_elem = IsIndirect(elem_slot, out->elem);
  return true;
}

} // namespace

std::optional<MapLayout> LayoutFromTypes(const Type *map_type, const GoVersion &v,
                                         std::string *why) {
  if (!map_type || map_type->kind != Kind::Map) {
    if (why)
      *why = "not a map type";
    return std::nullopt;
  }
  const Type *hdr = map_type->map_header;
  if (!hdr || hdr->kind != Kind::Struct) {
    if (why)
      *why = "no debug-info header type for " + map_type->name;
    return std::nullopt;
  }
  MapLayout out;
  out.source = LayoutSource::Dwarf;
  out.version = v;
  out.key = map_type->key;
  out.elem = map_type->elem;
  if (hdr->FindField("buckets") && hdr->FindField("B")) {
    out.impl = MapImpl::Classic;
    if (!ClassicFromTypes(hdr, &out, why))
      return std::nullopt;
  } else if (hdr->FindField("dirPtr") && hdr->FindField("used")) {
    out.impl = MapImpl::Swiss;
    if (!SwissFromTypes(hdr, &out, why))
      return std::nullopt;
  } else {
    if (why)
      *why = "header type " + hdr->name + " is neither a classic hmap nor a swiss Map";
    return std::nullopt;
  }
  return out;
}

const MapLayout *LayoutCache::Get(const Type *map_type, const GoVersion &v, bool builtin,
                                  std::string *why) {
  auto key = std::make_pair(map_type, builtin);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    Cached c;
    if (!builtin)
      c.layout = LayoutFromTypes(map_type, v, &c.error);
    if (!c.layout && map_type && map_type->kind == Kind::Map) {
      std::string err;
      c.layout = BuiltinLayout(v, map_type->key, map_type->elem, &err);
      if (!c.layout)
        c.error += (c.error.empty() ? "" : "; ") + std::string("built-in tables: ") + err;
    }
    it = cache_.emplace(key, std::move(c)).first;
  }
  if (!it->second.layout) {
    *why = it->second.error;
    return nullptr;
  }
  it->second.layout->version = v;
  return &*it->second.layout;
}

} // namespace gomap
