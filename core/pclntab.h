// The Go pclntab (runtime/symtab.go, internal/abi/symtab.go, go1.18-go1.27):
// function names, frame sizes (pcsp), files and lines (pcfile, pcln) and
// inlined calls (FUNCDATA_InlTree, PCDATA_InlTreeIndex). Every Go binary has
// it, stripped ones (-ldflags=-s -w) included, because the runtime's own
// tracebacks read it.
#ifndef GOMAP_CORE_PCLNTAB_H
#define GOMAP_CORE_PCLNTAB_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/code_info.h"
#include "core/image.h"
#include "core/version.h"

namespace gomap {

// The parts of runtime.firstmoduledata the pclntab reader and goroutine
// discovery need (all link-time addresses).
struct Moduledata {
  uint64_t address = 0; // of runtime.firstmoduledata itself
  uint64_t text = 0, etext = 0;
  uint64_t data = 0, edata = 0;
  uint64_t bss = 0, ebss = 0;
  uint64_t noptrbss = 0, enoptrbss = 0;
  uint64_t types = 0, rodata = 0, gofunc = 0;
};

class Pclntab final : public CodeInfo {
public:
  // Reads .gopclntab and locates runtime.firstmoduledata (the word pointing at
  // the pcHeader) in `image`. `version` picks the moduledata layout, which is
  // then checked against the section addresses. Null with *error on failure.
  static std::unique_ptr<Pclntab> Open(const BinaryImage &image, const GoVersion &version,
                                       std::string *error);

  struct Func {
    uint64_t entry = 0;
    uint64_t end = 0;
    uint32_t off = 0; // of its _func in the pclntable
  };
  std::optional<Func> FuncAt(uint64_t pc) const;
  std::string FuncName(const Func &f) const;
  // pcsp at pc: bytes between SP and the frame's return address.
  std::optional<int32_t> SpDelta(const Func &f, uint64_t pc) const;
  size_t NumFuncs() const { return nfunc_; }
  const Moduledata &moduledata() const { return md_; }

  std::vector<SourceFrame> Symbolize(uint64_t pc) override;
  std::optional<int64_t> CfaOffset(uint64_t pc) override;

private:
  Pclntab(const BinaryImage &image) : image_(image) {}
  bool Parse(const ImageSection &sec, const GoVersion &version, std::string *error);
  bool U32(uint64_t off, uint32_t *out) const;
  bool U64(uint64_t off, uint64_t *out) const;
  // pcvalue: the value of the table at `off` (in pctab) for targetpc.
  std::optional<int32_t> PcValue(uint32_t off, uint64_t entry, uint64_t targetpc) const;
  std::optional<int32_t> PcData(const Func &f, uint32_t table, uint64_t pc) const;
  uint64_t FuncData(const Func &f, uint32_t index) const; // 0 when absent
  std::string CString(uint64_t off) const;                // from the section
  void FileLine(const Func &f, uint64_t pc, SourceFrame *out) const;

  const BinaryImage &image_;
  const uint8_t *tab_ = nullptr; // .gopclntab bytes
  uint64_t size_ = 0, addr_ = 0;
  bool go120_ = true; // _func has startLine; inlinedCall is the 16-byte form
  uint64_t nfunc_ = 0;
  uint64_t funcname_ = 0, cutab_ = 0, filetab_ = 0, pctab_ = 0, pcln_ = 0; // offsets
  Moduledata md_;
};

} // namespace gomap

#endif
