// What the commands know about one Go target: its DWARF, Go version, type
// resolution for interface values and map layouts. Built once per executable
// and cached; process state (memory) is read per command.
#ifndef GOMAP_COMMANDS_GO_TARGET_H
#define GOMAP_COMMANDS_GO_TARGET_H

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "commands/host.h"
#include "commands/host_reader.h"
#include "core/map_layout.h"
#include "core/pclntab.h"
#include "core/syncmap.h"
#include "core/value.h"
#include "core/version.h"
#include "dwarf/go_dwarf.h"

namespace gomap::commands {

using dwarf::FrameVar;
using dwarf::GlobalVar;
using dwarf::GoDwarf;

class GoTarget final : public TypeResolver, public MapLayoutProvider {
public:
  // The cached GoTarget for the executable at `path`, or null with *error set.
  static GoTarget *Get(const std::string &path, std::string *error);

  GoDwarf &dwarf() { return *dwarf_; }
  // Names (variables, types) come from DWARF; a binary built with -ldflags=-w
  // or -s has none, and commands that need names fail with NoNamesError().
  bool HasNames() const { return dwarf_->HasDebugInfo(); }
  std::string NoNamesError() const;
  // The binary's pclntab, opened on first use; null with *error.
  Pclntab *pclntab(std::string *error);
  const std::string &path() const { return path_; }

  // Refreshes per-process facts (Go version, moduledata.types) from the
  // host's process, and a new memory reader when the process is another one or
  // has resumed since (its stop id changed). Returns false with *error when
  // the process is not a usable Go process, or is running or gone.
  bool Attach(Host &host, std::string *error);
  MemoryReader &memory() { return *cache_; }
  // (process unique id, stop id) of the stop memory() reads; a core has one.
  std::pair<uint64_t, uint32_t> stop() const { return {process_uid_, stop_id_}; }
  const GoVersion &version() const { return version_; }
  // "runtime.buildVersion" or "DW_AT_producer": where version() came from.
  const std::string &version_source() const { return version_source_; }

  // TypeResolver: runtime type descriptor address -> Go type.
  const Type *ByRuntimeType(uint64_t descriptor) override;
  // MapLayoutProvider: layout of a map type, from DWARF or the built-in tables.
  const MapLayout *ForMapType(const Type *map_type) override;
  // Like ForMapType, with the reason when no layout can be had. `builtin`
  // skips the DWARF-derived layout and uses the built-in tables.
  const MapLayout *LayoutFor(const Type *map_type, std::string *why, bool builtin = false);

  // Layout of a sync.Map type from DWARF (reference offsets where DWARF lacks
  // the node types), with the expunged sentinel read from the process.
  std::optional<SyncMapLayout> SyncLayoutFor(const Type *sync_map, std::string *why);

private:
  GoTarget() = default;
  bool ReadGoString(uint64_t addr, std::string *out);

  std::string path_;
  std::unique_ptr<GoDwarf> dwarf_;
  std::unique_ptr<HostReader> reader_;
  std::unique_ptr<CachedReader> cache_;
  uint64_t process_uid_ = 0; // the process and stop the reader was made at
  uint32_t stop_id_ = 0;
  GoVersion version_;
  std::string version_source_;
  uint64_t types_base_ = 0;
  LayoutCache layouts_;
  std::unique_ptr<Pclntab> pclntab_;
  std::string pclntab_error_;
};

} // namespace gomap::commands

#endif
