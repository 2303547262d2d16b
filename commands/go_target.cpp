// Per-target Go facts for the commands.
#include "commands/go_target.h"

#include <sys/stat.h>

namespace gomap::commands {

GoTarget *GoTarget::Get(const std::string &path, std::string *error) {
  // Cache by executable path and modification time: one DWARF index per binary.
  static std::map<std::string, std::unique_ptr<GoTarget>> cache;
  struct stat st{};
  std::string key = path;
  if (stat(path.c_str(), &st) == 0)
    key += "@" + std::to_string(st.st_mtime) + ":" + std::to_string(st.st_size);
  auto it = cache.find(key);
  if (it != cache.end())
    return it->second.get();
  std::unique_ptr<GoTarget> gt(new GoTarget());
  gt->path_ = path;
  gt->dwarf_ = GoDwarf::Load(path, error);
  if (!gt->dwarf_)
    return nullptr;
  // Refuse releases outside the window first: their DWARF may not even be
  // readable (go1.18 writes GNU-style .zdebug sections).
  GoVersion file_version = GoVersion::Parse(gt->dwarf_->buildinfo_version());
  if (std::string why = CheckSupported(file_version); !why.empty()) {
    *error = why + " (" + path + " was built with " + file_version.raw + ")";
    return nullptr;
  }
  // Without DWARF (-ldflags=-w or -s) a Go binary still has its pclntab and
  // .go.buildinfo: goroutines work, names do not (see NoNamesError).
  bool go_without_dwarf = !gt->dwarf_->HasDebugInfo() && gt->dwarf_->image().Find(".gopclntab") &&
                          !gt->dwarf_->buildinfo_version().empty();
  if (!gt->dwarf_->IsGo() && !go_without_dwarf) {
    *error = path + (gt->dwarf_->HasDebugInfo()
                         ? " is not a Go binary (no compile unit produced by Go cmd/compile)"
                         : " is not a Go binary (no DWARF, no .gopclntab and .go.buildinfo)");
    return nullptr;
  }
  GoTarget *raw = gt.get();
  cache[key] = std::move(gt);
  return raw;
}

std::string GoTarget::NoNamesError() const {
  return path_ + " has no DWARF debug info (built with -ldflags=-w or -s): variables and "
                 "types are unavailable; gomap goroutines and gomap bt work from the pclntab";
}

Pclntab *GoTarget::pclntab(std::string *error) {
  if (!pclntab_ && pclntab_error_.empty()) {
    GoVersion v = GoVersion::Parse(dwarf_->buildinfo_version());
    if (!v.Known())
      v = version_;
    pclntab_ = Pclntab::Open(dwarf_->image(), v, &pclntab_error_);
    if (!pclntab_)
      pclntab_error_ = path_ + ": " + pclntab_error_;
  }
  if (!pclntab_)
    *error = pclntab_error_;
  return pclntab_.get();
}

bool GoTarget::ReadGoString(uint64_t addr, std::string *out) {
  uint64_t hdr[2];
  if (!reader_->ReadExact(addr, hdr, sizeof hdr) || hdr[1] > 256)
    return false;
  out->resize(hdr[1]);
  return reader_->ReadExact(hdr[0], out->data(), hdr[1]);
}

bool GoTarget::Attach(Host &host, std::string *error) {
  if (!host.Stopped(error))
    return false;
  // What was read at one stop is not true at the next: a live process changes
  // at every resume, so the reader and its cache live for one stop. A core's
  // stop id never changes.
  uint64_t uid = host.ProcessId();
  uint32_t stop = host.StopId();
  if (!reader_ || uid != process_uid_ || stop != stop_id_) {
    process_uid_ = uid;
    stop_id_ = stop;
    GoDwarf *dwarf = dwarf_.get();
    reader_ = std::make_unique<HostReader>(
        host, [dwarf](uint64_t a, void *dst, size_t n) { return dwarf->ReadFileBytes(a, dst, n); });
    cache_ = std::make_unique<CachedReader>(*reader_);
  } else {
    reader_->set_host(host); // the same stop, through this command's host
  }
  version_ = GoVersion();
  version_source_.clear();
  std::string text;
  if (const GlobalVar *g = dwarf_->FindGlobal("runtime.buildVersion"))
    if (ReadGoString(g->address, &text)) {
      version_ = GoVersion::Parse(text);
      version_source_ = "runtime.buildVersion";
    }
  if (!version_.Known()) {
    version_ = GoVersion::Parse(dwarf_->buildinfo_version());
    version_source_ = ".go.buildinfo";
  }
  if (!version_.Known()) {
    version_ = GoVersion::Parse(dwarf_->producer());
    version_source_ = "DW_AT_producer";
  }
  if (!version_.Known()) {
    *error = "cannot tell the Go version of " + path_;
    return false;
  }
  std::string why = CheckSupported(version_);
  if (!why.empty()) {
    *error = why + " (" + path_ + " was built with " + version_.raw + ")";
    return false;
  }
  // moduledata.types: base of the runtime type descriptors (DW_AT_go_runtime_type
  // holds offsets from it).
  types_base_ = 0;
  if (const GlobalVar *md = dwarf_->FindGlobal("runtime.firstmoduledata")) {
    const Type *mt = dwarf_->GlobalType(*md);
    if (const Field *f = mt ? mt->FindField("types") : nullptr)
      reader_->ReadPtr(md->address + f->offset, &types_base_);
  }
  return true;
}

const Type *GoTarget::ByRuntimeType(uint64_t descriptor) {
  if (descriptor == 0 || types_base_ == 0 || descriptor < types_base_)
    return nullptr;
  return dwarf_->TypeByRuntimeOffset(descriptor - types_base_);
}

std::optional<SyncMapLayout> GoTarget::SyncLayoutFor(const Type *sync_map, std::string *why) {
  auto by_name = [this](std::string_view n) { return dwarf_->TypeByName(n); };
  std::optional<SyncMapLayout> l = SyncMapLayoutFromTypes(sync_map, by_name, this, why);
  if (l && l->kind == SyncMapKind::ReadDirty) {
    // var expunged = new(any) (sync/map.go): entries pointing at it are expunged.
    if (const GlobalVar *g = dwarf_->FindGlobal("sync.expunged"))
      cache_->ReadPtr(g->address, &l->expunged);
  }
  return l;
}

const MapLayout *GoTarget::ForMapType(const Type *map_type) {
  std::string why;
  return LayoutFor(map_type, &why);
}

const MapLayout *GoTarget::LayoutFor(const Type *map_type, std::string *why, bool builtin) {
  return layouts_.Get(map_type, version_, builtin, why);
}

} // namespace gomap::commands
