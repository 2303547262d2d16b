// Go DWARF reader for the LLDB plugin: package-level variables and Go types,
// converted into the core's type model. LLDB has no Go TypeSystem, so the
// plugin reads the binary's DWARF itself with LLVM's DebugInfoDWARF.
#ifndef GOMAP_DWARF_GO_DWARF_H
#define GOMAP_DWARF_GO_DWARF_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/code_info.h"
#include "core/image.h"
#include "core/types.h"

namespace gomap::dwarf {

// A parameter or local of a function at one pc, with the DWARF location
// expression that applies there (if any).
struct FrameVar {
  std::string name;
  bool param = false;
  const Type *type = nullptr;
  bool has_location = false; // false: optimized out at this pc
  std::vector<uint8_t> expr; // DWARF expression bytes
  // A variable of a generic function whose type is built from shape types
  // (`.param0` = map[go.shape.string]go.shape.*uint8): DW_AT_go_dict_index, the
  // word of the function's dictionary (`.dict`) that holds its runtime type.
  int64_t dict_index = -1;
};

struct GlobalVar {
  std::string name;     // "main.cache", "example.com/pkg.Var"
  uint64_t address = 0; // static address (DW_OP_addr)
  uint64_t die = 0;     // DIE offset of the variable
};

class GoDwarf final : public CodeInfo {
public:
  // Opens `path` and indexes its DWARF. On failure returns null and sets *error
  // to one line. A binary without DWARF loads, with HasDebugInfo() false.
  static std::unique_ptr<GoDwarf> Load(const std::string &path, std::string *error);
  ~GoDwarf() override;

  bool HasDebugInfo() const { return has_debug_info_; }
  bool IsGo() const { return is_go_; }
  const std::string &producer() const { return producer_; } // first Go CU's DW_AT_producer
  // The Go release recorded in the file's .go.buildinfo section (go1.18+ inline
  // format), e.g. "go1.24.13 X:noswissmap"; "" when absent. Needs no DWARF.
  const std::string &buildinfo_version() const { return buildinfo_version_; }

  const GlobalVar *FindGlobal(std::string_view name) const;
  // Whether some package-level variable is named pkg.X (a linear scan: for
  // error messages).
  bool HasPackage(std::string_view pkg) const;
  // The Go type of a global (nullptr when it has none).
  const Type *GlobalType(const GlobalVar &g);
  // A type by its Go name ("map[string]int", "main.P"); nullptr when absent.
  const Type *TypeByName(std::string_view name);
  // A type by its runtime descriptor's offset from moduledata.types.
  const Type *TypeByRuntimeOffset(uint64_t offset);
  // Names of package-level variables whose type is a map, sorted.
  std::vector<std::string> MapGlobals();
  // Names of all package-level variables (for suggestions).
  const std::vector<GlobalVar> &globals() const { return globals_; }

  TypeTable &types() { return types_; }

  // Source positions of `pc`, innermost (inlined) first; empty when unknown.
  std::vector<SourceFrame> Symbolize(uint64_t pc) override;
  // Parameters and locals in scope at `pc` of the function containing it
  // (inline_depth 0) or of the call inlined at depth 1, 2, ... (outermost
  // first), in declaration order. `function` gets that function's name.
  std::vector<FrameVar> FrameVariables(uint64_t pc, size_t inline_depth, std::string *function);

  // CFA - SP at `pc` from .debug_frame (Go: CFA = RSP + offset); nullopt when
  // no FDE covers pc or its rule is not RSP-relative.
  std::optional<int64_t> CfaOffset(uint64_t pc) override;

  // Copies bytes of the executable's allocated, file-backed sections (.rodata,
  // .data, .noptrdata...) at their link addresses. Cores omit unmodified
  // file-backed mappings, so string literals and type names come from here.
  size_t ReadFileBytes(uint64_t addr, void *dst, size_t n) const {
    return image_.Read(addr, dst, n);
  }
  // The allocated sections (with .bss and .noptrbss, which have no bytes).
  const BinaryImage &image() const { return image_; }

private:
  struct Impl;
  GoDwarf();
  const Type *ConvertDie(uint64_t offset, int depth);

  std::unique_ptr<Impl> impl_;
  bool has_debug_info_ = false;
  bool is_go_ = false;
  std::string producer_;
  std::string buildinfo_version_;
  std::vector<GlobalVar> globals_;
  std::unordered_map<std::string, size_t> global_index_;
  std::unordered_map<std::string, uint64_t> type_index_; // name -> DIE offset
  std::unordered_map<uint64_t, uint64_t> runtime_index_; // runtime type offset -> DIE
  std::unordered_map<uint64_t, const Type *> converted_; // DIE offset -> type
  // Named types copy their underlying type; when the underlying type was still
  // being converted (recursive types), the copy is redone once it is complete.
  struct TypedefCopy {
    Type *named;
    const Type *under;
    std::string name;
  };
  std::vector<TypedefCopy> typedef_copies_;
  BinaryImage image_; // section bytes are owned by the object file
  // .debug_frame FDEs sorted by start pc, their CFA rows computed on demand.
  struct FdeRange {
    uint64_t begin, end;
    const void *fde;                                // llvm::dwarf::FDE
    std::vector<std::pair<uint64_t, int64_t>> rows; // (pc, CFA-SP), empty until used
    bool computed = false;
    bool usable = true;
  };
  std::vector<FdeRange> fdes_;
  bool fdes_loaded_ = false;
  void LoadFdes();
  TypeTable types_;
};

} // namespace gomap::dwarf

#endif
