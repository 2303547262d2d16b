// Shared by the libFuzzer targets: the input format (a target image as byte
// regions plus a profile byte and two addresses), the Go types and map layouts a
// profile selects, and the properties every target checks on the core's output.
//
// Input: profile u8 | a0 u64 | a1 u64 | { addr u64 | len u32 | bytes[len] }*
// (little-endian; a last region's len is cut to what is left). Seeds come from
// real fixture cores (tests/fuzz/capture_seeds.py): the regions the decoder
// read while GDB printed a map, the map's address in a0.
#ifndef GOMAP_TESTS_FUZZ_FUZZ_COMMON_H
#define GOMAP_TESTS_FUZZ_FUZZ_COMMON_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/map.h"
#include "core/map_layout.h"
#include "core/target.h"
#include "core/types.h"
#include "core/value.h"

namespace gomap::fuzz {

// The read-through cache the frontends put in front of target memory, with
// small pages: a fuzzed address costs one 4 KiB page, not 64 KiB.
constexpr size_t kPage = 4096, kPages = 256;

struct Input {
  uint8_t profile = 0;
  uint64_t a0 = 0, a1 = 0;
  ImageReader mem;
  uint64_t mapped = 0; // bytes in regions
  size_t regions = 0;
};

inline uint64_t Le(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= uint64_t(p[i]) << (8 * i);
  return v;
}

inline Input Parse(const uint8_t *data, size_t size) {
  Input in;
  if (size < 17)
    return in;
  in.profile = data[0];
  in.a0 = Le(data + 1, 8);
  in.a1 = Le(data + 9, 8);
  size_t off = 17;
  while (off + 12 <= size && in.regions < 256) {
    uint64_t addr = Le(data + off, 8);
    uint64_t len = Le(data + off + 8, 4);
    off += 12;
    len = std::min<uint64_t>(len, size - off);
    if (addr + len < addr)
      len = ~addr; // no wrap-around
    in.mem.Map(addr, std::vector<uint8_t>(data + off, data + off + len));
    in.mapped += len;
    in.regions++;
    off += len;
  }
  return in;
}

// Every diagnostic is one line with a message (the closed set is the enum).
inline void CheckDiags(const DiagnosticSink &sink) {
  for (const auto &d : sink.items()) {
    if (d.message.empty() || d.message.find('\n') != std::string::npos ||
        CodeName(d.code).empty()) {
      std::fprintf(stderr, "bad diagnostic: [%s] %s\n", std::string(CodeName(d.code)).c_str(),
                   d.message.c_str());
      std::abort();
    }
  }
}

// What the frontends print: JSON with invalid UTF-8 (Go strings are bytes)
// replaced, as commands/command_support.cpp dumps it.
template <typename J> std::string Dump(const J &j) {
  return j.dump(-1, ' ', false, J::error_handler_t::replace);
}

inline void Require(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "property failed: %s\n", what);
    std::abort();
  }
}

// The Go types a profile can name (linux/amd64).
struct Types {
  TypeTable table;
  Type *int_, *int64_, *int32_, *int8_, *uint64_, *float64_, *bool_, *string_, *any_, *big_,
      *record_, *pint_, *slice_, *array_, *inner_map_, *entry_ptr_;
  std::map<uint64_t, const Type *> by_desc; // fake runtime type descriptors
  Types() {
    int_ = table.New(Kind::Int, "int", 8, 8);
    int64_ = table.New(Kind::Int64, "int64", 8, 8);
    int32_ = table.New(Kind::Int32, "int32", 4, 4);
    int8_ = table.New(Kind::Int8, "int8", 1, 1);
    uint64_ = table.New(Kind::Uint64, "uint64", 8, 8);
    float64_ = table.New(Kind::Float64, "float64", 8, 8);
    bool_ = table.New(Kind::Bool, "bool", 1, 1);
    string_ = table.New(Kind::String, "string", 16, 8);
    any_ = table.New(Kind::Interface, "interface {}", 16, 8);
    big_ = table.New(Kind::Array, "[25]int64", 200, 8); // > 128: indirect slots
    big_->elem = int64_;
    big_->len = 25;
    record_ = table.New(Kind::Struct, "main.Record", 40, 8);
    record_->fields = {{"Name", 0, string_}, {"N", 16, int_}, {"S", 24, string_}};
    pint_ = table.New(Kind::Pointer, "*int", 8, 8);
    pint_->elem = int_;
    slice_ = table.New(Kind::Slice, "[]string", 24, 8);
    slice_->elem = string_;
    array_ = table.New(Kind::Array, "[2]int8", 2, 1);
    array_->elem = int8_;
    array_->len = 2;
    inner_map_ = table.New(Kind::Map, "map[string]int", 8, 8);
    inner_map_->key = string_;
    inner_map_->elem = int_;
    entry_ptr_ = table.New(Kind::Pointer, "*sync.entry", 8, 8);
    entry_ptr_->elem = table.New(Kind::Struct, "sync.entry", 8, 8);
    // Descriptor addresses a fuzzed interface may name.
    by_desc[0x1000] = int_;
    by_desc[0x1010] = string_;
    by_desc[0x1020] = record_;
    by_desc[0x1030] = inner_map_;
    by_desc[0x1040] = pint_;
  }
  Type *MapOf(const Type *k, const Type *v) {
    Type *t = table.New(Kind::Map, "map[" + k->name + "]" + v->name, 8, 8);
    t->key = k;
    t->elem = v;
    return t;
  }
};

// Go releases the profiles cover: one per map layout family.
inline const char *const kVersions[] = {
    "go1.19.8",                 // classic
    "go1.25.14 X:noswissmap",   // classic with clearSeq
    "go1.24.13",                // swiss, go1.24 table
    "go1.26.8",                 // swiss
    "go1.27.4 X:mapsplitgroup", // swiss, KKKKVVVV groups
};
constexpr int kNumVersions = 5;
constexpr int kNumKV = 10;

// (version, K, V) of a profile byte.
struct Profile {
  GoVersion version;
  const Type *map_type = nullptr;
  std::optional<MapLayout> layout;
};

inline Profile MakeProfile(Types &t, uint8_t p) {
  Profile out;
  out.version = GoVersion::Parse(kVersions[(p / kNumKV) % kNumVersions]);
  const Type *k = t.string_, *v = t.int_;
  switch (p % kNumKV) {
  case 0:
    k = t.string_, v = t.int_;
    break;
  case 1:
    k = t.int_, v = t.int_;
    break;
  case 2:
    k = t.int64_, v = t.int64_;
    break;
  case 3:
    k = t.string_, v = t.string_;
    break;
  case 4:
    k = t.int_, v = t.int32_;
    break;
  case 5:
    k = t.int32_, v = t.int8_;
    break;
  case 6:
    k = t.big_, v = t.big_;
    break;
  case 7:
    k = t.string_, v = t.any_;
    break;
  case 8:
    k = t.string_, v = t.inner_map_;
    break;
  case 9:
    k = t.any_, v = t.entry_ptr_;
    break; // sync.Map's read/dirty maps
  }
  Type *mt = t.MapOf(k, v);
  out.map_type = mt;
  std::string why;
  out.layout = BuiltinLayout(out.version, k, v, &why);
  return out;
}

class Resolver final : public TypeResolver {
public:
  explicit Resolver(Types &t) : t_(t) {}
  const Type *ByRuntimeType(uint64_t d) override {
    auto it = t_.by_desc.find(d);
    return it == t_.by_desc.end() ? nullptr : it->second;
  }

private:
  Types &t_;
};

class Layouts final : public MapLayoutProvider {
public:
  explicit Layouts(const GoVersion &v) : v_(v) {}
  const MapLayout *ForMapType(const Type *mt) override {
    auto it = cache_.find(mt);
    if (it == cache_.end()) {
      std::string why;
      it = cache_.emplace(mt, BuiltinLayout(v_, mt->key, mt->elem, &why)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

private:
  GoVersion v_;
  std::map<const Type *, std::optional<MapLayout>> cache_;
};

} // namespace gomap::fuzz

#endif
