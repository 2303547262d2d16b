// Go DWARF reader: indexes package-level variables and types of a Go binary
// and converts type DIEs into the core's type model. Go-specific attributes
// are those of src/cmd/internal/dwarf/dwarf.go (DW_AT_go_kind 0x2900 ... ).
#include "dwarf/go_dwarf.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/DebugInfo/DIContext.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugFrame.h"
#include "llvm/DebugInfo/DWARF/DWARFDie.h"
#include "llvm/DebugInfo/DWARF/DWARFFormValue.h"
#include "llvm/DebugInfo/DWARF/DWARFLocationExpression.h"
#include "llvm/DebugInfo/DWARF/DWARFUnit.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/Error.h"

namespace gomap::dwarf {

namespace {

constexpr auto kAttrGoKind = static_cast<llvm::dwarf::Attribute>(0x2900);
constexpr auto kAttrGoKey = static_cast<llvm::dwarf::Attribute>(0x2901);
constexpr auto kAttrGoElem = static_cast<llvm::dwarf::Attribute>(0x2902);
constexpr auto kAttrGoRuntimeType = static_cast<llvm::dwarf::Attribute>(0x2904);
constexpr auto kAttrGoDictIndex = static_cast<llvm::dwarf::Attribute>(0x2906);

constexpr int kMaxTypeDepth = 64;

std::string NameOf(const llvm::DWARFDie &die) {
  const char *n = die.getShortName();
  return n ? std::string(n) : std::string();
}

uint64_t UnsignedAttr(const llvm::DWARFDie &die, llvm::dwarf::Attribute a, uint64_t fallback = 0) {
  if (auto v = die.find(a)) {
    if (auto u = v->getAsUnsignedConstant())
      return *u;
    return v->getRawUValue();
  }
  return fallback;
}

void IgnoreError(llvm::Error e) { llvm::consumeError(std::move(e)); }

// .go.buildinfo (cmd/go/internal/version, debug/buildinfo): a 32-byte header
// "\xff Go buildinf:" + ptrSize + flags; with flags&2 (go1.18+) the version
// string follows inline, prefixed by its uvarint length.
std::string ParseBuildInfoVersion(llvm::StringRef data) {
  static const char kMagic[] = "\xff Go buildinf:";
  if (data.size() < 33 || !data.starts_with(llvm::StringRef(kMagic, 14)))
    return "";
  if ((uint8_t(data[15]) & 2) == 0)
    return ""; // BACKCOMPAT(go1.17): pointer-based header, not needed in our window
  uint64_t len = 0;
  size_t pos = 32;
  for (int shift = 0; pos < data.size() && shift < 64; shift += 7) {
    uint8_t b = uint8_t(data[pos++]);
    len |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80))
      break;
  }
  if (len == 0 || len > 256 || pos + len > data.size())
    return "";
  return data.substr(pos, len).str();
}

} // namespace

struct GoDwarf::Impl {
  llvm::object::OwningBinary<llvm::object::ObjectFile> binary;
  std::unique_ptr<llvm::DWARFContext> ctx;
};

GoDwarf::GoDwarf() : impl_(std::make_unique<Impl>()) {}
GoDwarf::~GoDwarf() = default;

std::unique_ptr<GoDwarf> GoDwarf::Load(const std::string &path, std::string *error) {
  auto obj = llvm::object::ObjectFile::createObjectFile(path);
  if (!obj) {
    *error = "cannot open " + path + ": " + llvm::toString(obj.takeError());
    return nullptr;
  }
  std::unique_ptr<GoDwarf> d(new GoDwarf());
  d->impl_->binary = std::move(*obj);
  const llvm::object::ObjectFile &file = *d->impl_->binary.getBinary();
  d->impl_->ctx =
      llvm::DWARFContext::create(file, llvm::DWARFContext::ProcessDebugRelocations::Process,
                                 nullptr, "", IgnoreError, IgnoreError);
  llvm::DWARFContext &ctx = *d->impl_->ctx;
  for (const llvm::object::SectionRef &sec : file.sections()) {
    if (sec.getAddress() == 0 || sec.getSize() == 0)
      continue;
    uint64_t flags = 0;
    if (llvm::isa<llvm::object::ELFObjectFileBase>(&file))
      flags = llvm::object::ELFSectionRef(sec).getFlags();
    if (!(flags & llvm::ELF::SHF_ALLOC))
      continue;
    ImageSection is;
    if (auto name = sec.getName())
      is.name = name->str();
    else
      llvm::consumeError(name.takeError());
    is.addr = sec.getAddress();
    is.size = sec.getSize();
    is.writable = (flags & llvm::ELF::SHF_WRITE) != 0;
    if (!sec.isVirtual()) {
      auto contents = sec.getContents();
      if (!contents) {
        llvm::consumeError(contents.takeError());
        continue;
      }
      if (is.name == ".go.buildinfo")
        d->buildinfo_version_ = ParseBuildInfoVersion(*contents);
      is.data = reinterpret_cast<const uint8_t *>(contents->data());
      is.size = contents->size();
    }
    d->image_.Add(std::move(is));
  }

  for (const auto &cu : ctx.compile_units()) {
    llvm::DWARFDie unit = cu->getUnitDIE(false);
    if (!unit)
      continue;
    d->has_debug_info_ = true;
    if (auto prod = unit.find(llvm::dwarf::DW_AT_producer)) {
      if (auto s = prod->getAsCString()) {
        std::string p = *s;
        if (p.find("Go cmd/compile") != std::string::npos) {
          d->is_go_ = true;
          if (d->producer_.empty())
            d->producer_ = p;
        }
      }
    }
    for (llvm::DWARFDie child : unit.children()) {
      auto tag = child.getTag();
      if (tag == llvm::dwarf::DW_TAG_variable) {
        std::string name = NameOf(child);
        auto loc = child.find(llvm::dwarf::DW_AT_location);
        if (name.empty() || !loc)
          continue;
        auto block = loc->getAsBlock();
        if (!block || block->size() != 9 || (*block)[0] != llvm::dwarf::DW_OP_addr)
          continue;
        uint64_t addr = 0;
        for (int i = 0; i < 8; ++i)
          addr |= uint64_t((*block)[1 + i]) << (8 * i);
        if (d->global_index_.count(name))
          continue;
        d->global_index_[name] = d->globals_.size();
        d->globals_.push_back(GlobalVar{name, addr, child.getOffset()});
      } else if (tag == llvm::dwarf::DW_TAG_typedef || tag == llvm::dwarf::DW_TAG_structure_type ||
                 tag == llvm::dwarf::DW_TAG_base_type || tag == llvm::dwarf::DW_TAG_pointer_type ||
                 tag == llvm::dwarf::DW_TAG_array_type ||
                 tag == llvm::dwarf::DW_TAG_subroutine_type) {
        std::string name = NameOf(child);
        if (!name.empty())
          d->type_index_.emplace(name, child.getOffset());
        uint64_t rt = UnsignedAttr(child, kAttrGoRuntimeType);
        if (rt != 0) {
          // Prefer the named typedef (Go's named types) over the struct it wraps.
          auto it = d->runtime_index_.find(rt);
          if (it == d->runtime_index_.end() || tag == llvm::dwarf::DW_TAG_typedef)
            d->runtime_index_[rt] = child.getOffset();
        }
      }
    }
  }
  return d;
}

std::vector<SourceFrame> GoDwarf::Symbolize(uint64_t pc) {
  std::vector<SourceFrame> out;
  llvm::DILineInfoSpecifier spec(llvm::DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath,
                                 llvm::DILineInfoSpecifier::FunctionNameKind::ShortName);
  llvm::object::SectionedAddress addr{pc, llvm::object::SectionedAddress::UndefSection};
  llvm::DIInliningInfo info = impl_->ctx->getInliningInfoForAddress(addr, spec);
  for (uint32_t i = 0; i < info.getNumberOfFrames() && i < 64; ++i) {
    const llvm::DILineInfo &f = info.getFrame(i);
    SourceFrame sf;
    sf.function = f.FunctionName == llvm::DILineInfo::BadString ? "" : f.FunctionName;
    sf.file = f.FileName == llvm::DILineInfo::BadString ? "" : f.FileName;
    sf.line = f.Line;
    if (!sf.function.empty() || !sf.file.empty())
      out.push_back(std::move(sf));
  }
  return out;
}

namespace {
void CollectVars(llvm::DWARFDie scope, uint64_t pc, int depth, GoDwarf *self,
                 const std::function<const Type *(llvm::DWARFDie)> &type_of,
                 std::vector<FrameVar> *out) {
  if (depth > 16)
    return;
  for (llvm::DWARFDie c : scope.children()) {
    auto tag = c.getTag();
    if (tag == llvm::dwarf::DW_TAG_lexical_block) {
      if (c.addressRangeContainsAddress(pc))
        CollectVars(c, pc, depth + 1, self, type_of, out);
      continue;
    }
    if (tag != llvm::dwarf::DW_TAG_formal_parameter && tag != llvm::dwarf::DW_TAG_variable)
      continue;
    FrameVar v;
    v.name = NameOf(c);
    v.param = tag == llvm::dwarf::DW_TAG_formal_parameter;
    v.type = type_of(c);
    if (llvm::DWARFDie t = c.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_type))
      if (auto di = t.find(kAttrGoDictIndex))
        if (auto k = di->getAsUnsignedConstant(); k && *k < 4096)
          v.dict_index = int64_t(*k);
    auto locs = c.getLocations(llvm::dwarf::DW_AT_location);
    if (!locs) {
      llvm::consumeError(locs.takeError());
    } else {
      const llvm::DWARFLocationExpression *fallback = nullptr;
      for (const auto &l : *locs) {
        if (!l.Range) {
          fallback = &l;
          continue;
        }
        if (pc >= l.Range->LowPC && pc < l.Range->HighPC) {
          v.expr.assign(l.Expr.begin(), l.Expr.end());
          v.has_location = true;
          break;
        }
      }
      if (!v.has_location && fallback) {
        v.expr.assign(fallback->Expr.begin(), fallback->Expr.end());
        v.has_location = true;
      }
    }
    if (!v.name.empty())
      out->push_back(std::move(v));
  }
}
} // namespace

std::vector<FrameVar> GoDwarf::FrameVariables(uint64_t pc, size_t inline_depth,
                                              std::string *function) {
  std::vector<FrameVar> out;
  llvm::DWARFContext::DIEsForAddress dies = impl_->ctx->getDIEsForAddress(pc);
  if (!dies || !dies.FunctionDIE)
    return out;
  // getDIEsForAddress gives the deepest subprogram or inlined call; the chain
  // up to the subprogram is the physical function and its inlined calls.
  std::vector<llvm::DWARFDie> chain;
  for (llvm::DWARFDie d = dies.FunctionDIE; d && chain.size() < 64; d = d.getParent()) {
    auto tag = d.getTag();
    if (tag == llvm::dwarf::DW_TAG_inlined_subroutine || tag == llvm::dwarf::DW_TAG_subprogram)
      chain.insert(chain.begin(), d);
    if (tag == llvm::dwarf::DW_TAG_subprogram)
      break;
  }
  if (inline_depth >= chain.size())
    return out;
  llvm::DWARFDie scope = chain[inline_depth];
  if (function)
    *function = NameOf(scope);
  auto type_of = [this](llvm::DWARFDie d) -> const Type * {
    for (int hops = 0; d && hops < 4; ++hops) {
      if (llvm::DWARFDie t = d.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_type))
        return ConvertDie(t.getOffset(), 0);
      d = d.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_abstract_origin);
    }
    return nullptr;
  };
  CollectVars(scope, pc, 0, this, type_of, &out);
  return out;
}

void GoDwarf::LoadFdes() {
  fdes_loaded_ = true;
  auto frames = impl_->ctx->getDebugFrame();
  if (!frames) {
    llvm::consumeError(frames.takeError());
    return;
  }
  for (const llvm::dwarf::FrameEntry &e : (*frames)->entries()) {
    const auto *fde = llvm::dyn_cast<llvm::dwarf::FDE>(&e);
    if (!fde)
      continue;
    fdes_.push_back(FdeRange{
        fde->getInitialLocation(), fde->getInitialLocation() + fde->getAddressRange(), fde, {}});
  }
  std::sort(fdes_.begin(), fdes_.end(),
            [](const FdeRange &a, const FdeRange &b) { return a.begin < b.begin; });
}

std::optional<int64_t> GoDwarf::CfaOffset(uint64_t pc) {
  if (!fdes_loaded_)
    LoadFdes();
  auto it = std::upper_bound(fdes_.begin(), fdes_.end(), pc,
                             [](uint64_t v, const FdeRange &r) { return v < r.begin; });
  if (it == fdes_.begin())
    return std::nullopt;
  --it;
  if (pc >= it->end || !it->usable)
    return std::nullopt;
  if (!it->computed) {
    it->computed = true;
#if LLVM_VERSION_MAJOR >= 22
    // LLVM 22 moved UnwindTable to DWARF/LowLevel and its factory out of the class.
    auto table = llvm::dwarf::createUnwindTable(static_cast<const llvm::dwarf::FDE *>(it->fde));
#else
    auto table = llvm::dwarf::UnwindTable::create(static_cast<const llvm::dwarf::FDE *>(it->fde));
#endif
    if (!table) {
      llvm::consumeError(table.takeError());
      it->usable = false;
      return std::nullopt;
    }
    constexpr uint32_t kRsp = 7; // DWARF register number of RSP on x86-64
    for (const llvm::dwarf::UnwindRow &row : *table) {
      const llvm::dwarf::UnwindLocation &cfa = row.getCFAValue();
      if (!row.hasAddress() || cfa.getLocation() != llvm::dwarf::UnwindLocation::RegPlusOffset ||
          cfa.getRegister() != kRsp) {
        it->usable = false;
        return std::nullopt;
      }
      it->rows.emplace_back(row.getAddress(), cfa.getOffset());
    }
  }
  std::optional<int64_t> off;
  for (const auto &r : it->rows) {
    if (r.first > pc)
      break;
    off = r.second;
  }
  return off;
}

const GlobalVar *GoDwarf::FindGlobal(std::string_view name) const {
  auto it = global_index_.find(std::string(name));
  return it == global_index_.end() ? nullptr : &globals_[it->second];
}

bool GoDwarf::HasPackage(std::string_view pkg) const {
  for (const auto &g : globals_)
    if (g.name.size() > pkg.size() && g.name.compare(0, pkg.size(), pkg) == 0 &&
        g.name[pkg.size()] == '.')
      return true;
  return false;
}

const Type *GoDwarf::GlobalType(const GlobalVar &g) {
  llvm::DWARFDie die = impl_->ctx->getDIEForOffset(g.die);
  if (!die)
    return nullptr;
  llvm::DWARFDie t = die.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_type);
  if (!t)
    return nullptr;
  return ConvertDie(t.getOffset(), 0);
}

const Type *GoDwarf::TypeByName(std::string_view name) {
  auto it = type_index_.find(std::string(name));
  if (it == type_index_.end())
    return nullptr;
  return ConvertDie(it->second, 0);
}

const Type *GoDwarf::TypeByRuntimeOffset(uint64_t offset) {
  auto it = runtime_index_.find(offset);
  if (it == runtime_index_.end())
    return nullptr;
  return ConvertDie(it->second, 0);
}

std::vector<std::string> GoDwarf::MapGlobals() {
  std::vector<std::string> out;
  for (const auto &g : globals_) {
    const Type *t = GlobalType(g);
    if (t && t->kind == Kind::Map)
      out.push_back(g.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const Type *GoDwarf::ConvertDie(uint64_t offset, int depth) {
  auto found = converted_.find(offset);
  if (found != converted_.end())
    return found->second;
  llvm::DWARFDie die = impl_->ctx->getDIEForOffset(offset);
  if (!die || depth > kMaxTypeDepth)
    return nullptr;
  // Register before recursing: Go types can be recursive through pointers.
  Type *t = types_.New();
  converted_[offset] = t;
  t->name = NameOf(die);
  t->size = UnsignedAttr(die, llvm::dwarf::DW_AT_byte_size);
  uint64_t go_kind = UnsignedAttr(die, kAttrGoKind);
  auto ref = [&](llvm::dwarf::Attribute a) -> const Type * {
    llvm::DWARFDie r = die.getAttributeValueAsReferencedDie(a);
    return r ? ConvertDie(r.getOffset(), depth + 1) : nullptr;
  };
  switch (die.getTag()) {
  case llvm::dwarf::DW_TAG_base_type: {
    t->kind = go_kind >= 1 && go_kind <= 16 ? static_cast<Kind>(go_kind) : Kind::Invalid;
    if (t->kind == Kind::Invalid) {
      uint64_t enc = UnsignedAttr(die, llvm::dwarf::DW_AT_encoding);
      if (enc == llvm::dwarf::DW_ATE_boolean)
        t->kind = Kind::Bool;
      else if (enc == llvm::dwarf::DW_ATE_float)
        t->kind = t->size == 4 ? Kind::Float32 : Kind::Float64;
      else if (enc == llvm::dwarf::DW_ATE_signed)
        t->kind = t->size == 1   ? Kind::Int8
                  : t->size == 2 ? Kind::Int16
                  : t->size == 4 ? Kind::Int32
                                 : Kind::Int64;
      else
        t->kind = t->size == 1   ? Kind::Uint8
                  : t->size == 2 ? Kind::Uint16
                  : t->size == 4 ? Kind::Uint32
                                 : Kind::Uint64;
    }
    t->align = t->kind == Kind::Complex64 ? 4
               : t->kind == Kind::Complex128
                   ? 8
                   : std::max<uint64_t>(1, std::min<uint64_t>(t->size, 8));
    break;
  }
  case llvm::dwarf::DW_TAG_pointer_type:
    t->kind = go_kind == uint64_t(Kind::UnsafePointer) ? Kind::UnsafePointer : Kind::Pointer;
    t->size = 8;
    t->align = 8;
    t->elem = ref(llvm::dwarf::DW_AT_type);
    if (t->name.empty())
      t->name = t->elem ? "*" + t->elem->name : "unsafe.Pointer";
    break;
  case llvm::dwarf::DW_TAG_subroutine_type:
    t->kind = Kind::Func;
    t->size = t->align = 8;
    break;
  case llvm::dwarf::DW_TAG_array_type: {
    t->kind = Kind::Array;
    t->elem = ref(llvm::dwarf::DW_AT_type);
    for (llvm::DWARFDie c : die.children())
      if (c.getTag() == llvm::dwarf::DW_TAG_subrange_type) {
        if (c.find(llvm::dwarf::DW_AT_count))
          t->len = UnsignedAttr(c, llvm::dwarf::DW_AT_count);
        else if (c.find(llvm::dwarf::DW_AT_upper_bound))
          t->len = UnsignedAttr(c, llvm::dwarf::DW_AT_upper_bound) + 1;
      }
    if (t->elem) {
      t->align = t->elem->align;
      if (t->size == 0)
        t->size = t->len * t->elem->size;
    }
    break;
  }
  case llvm::dwarf::DW_TAG_structure_type: {
    t->kind = go_kind == uint64_t(Kind::String)  ? Kind::String
              : go_kind == uint64_t(Kind::Slice) ? Kind::Slice
                                                 : Kind::Struct;
    if (t->kind == Kind::Slice)
      t->elem = ref(kAttrGoElem);
    t->align = 1;
    for (llvm::DWARFDie c : die.children()) {
      if (c.getTag() != llvm::dwarf::DW_TAG_member)
        continue;
      Field f;
      f.name = NameOf(c);
      f.offset = UnsignedAttr(c, llvm::dwarf::DW_AT_data_member_location);
      llvm::DWARFDie ft = c.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_type);
      f.type = ft ? ConvertDie(ft.getOffset(), depth + 1) : nullptr;
      f.embedded = UnsignedAttr(c, static_cast<llvm::dwarf::Attribute>(0x2903)) != 0;
      if (f.type)
        t->align = std::max(t->align, f.type->align);
      t->fields.push_back(std::move(f));
    }
    if (t->kind != Kind::Struct)
      t->align = 8;
    break;
  }
  case llvm::dwarf::DW_TAG_typedef: {
    if (go_kind == uint64_t(Kind::Map)) {
      t->kind = Kind::Map;
      t->size = t->align = 8;
      t->key = ref(kAttrGoKey);
      t->elem = ref(kAttrGoElem);
      const Type *ptr = ref(llvm::dwarf::DW_AT_type);
      t->map_header = ptr && ptr->kind == Kind::Pointer ? ptr->elem : nullptr;
      break;
    }
    if (go_kind == uint64_t(Kind::Chan) || go_kind == uint64_t(Kind::Func)) {
      t->kind = static_cast<Kind>(go_kind);
      t->size = t->align = 8;
      t->elem = ref(kAttrGoElem);
      break;
    }
    const Type *under = ref(llvm::dwarf::DW_AT_type);
    if (go_kind == uint64_t(Kind::Interface)) {
      t->kind = Kind::Interface;
      t->size = 16;
      t->align = 8;
      if (under) {
        t->fields = under->fields;
        t->nonempty_iface = under->FindField("tab") != nullptr || under->name == "runtime.iface" ||
                            under->nonempty_iface;
      }
      break;
    }
    if (!under)
      break;
    // A Go named type: the underlying type under this name. `.paramN` (a
    // generic function's typedef over a shape type) is no Go name: the shape is.
    const bool placeholder = t->name.rfind(".param", 0) == 0;
    std::string name = t->name.empty() || placeholder ? under->name : t->name;
    *t = *under;
    t->name = name;
    typedef_copies_.push_back(TypedefCopy{t, under, name});
    break;
  }
  default:
    break;
  }
  if (depth == 0) {
    // Inner typedefs were registered first, so one forward pass completes chains.
    for (const auto &c : typedef_copies_) {
      *c.named = *c.under;
      c.named->name = c.name;
    }
    typedef_copies_.clear();
  }
  return t;
}

} // namespace gomap::dwarf
