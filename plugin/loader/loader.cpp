// The library users `plugin load`: a loader with no dependency on LLDB or LLVM.
// It checks which LLDB hosts it and only then loads the implementation
// (libgomap_lldb_impl.so, linked against liblldb-NN and libLLVM-NN). Loaded into
// another LLDB it refuses in one line and leaves the process untouched: pulling a
// second liblldb/libLLVM into the process would crash it, at the latest at exit.
#include <dlfcn.h>
#include <link.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#ifndef GOMAP_LLDB_MAJOR
#error "GOMAP_LLDB_MAJOR must be defined by the build"
#endif

// Only the type is used: its address is passed on, and no SB symbol is
// referenced (the build links this library with --no-undefined and no liblldb).
#include "lldb/API/SBDebugger.h"

namespace lldb {
bool PluginInitialize(SBDebugger debugger);
} // namespace lldb

namespace {

// LLVM major of a liblldb path: ".../liblldb-NN.so.1" or ".../llvm-NN/lib/liblldb...".
int LldbMajorOf(const char *path) {
  const char *base = std::strrchr(path, '/');
  base = base ? base + 1 : path;
  if (std::strncmp(base, "liblldb", 7) != 0 || std::strncmp(base, "liblldbIntel", 12) == 0)
    return 0;
  if (base[7] == '-' && base[8] >= '0' && base[8] <= '9')
    return std::atoi(base + 8);
  if (const char *llvm = std::strstr(path, "llvm-"))
    return std::atoi(llvm + 5);
  return -1; // a liblldb of unknown version
}

int VisitObject(struct dl_phdr_info *info, size_t, void *data) {
  if (!info->dlpi_name || !*info->dlpi_name)
    return 0;
  // Python's lldb module loads liblldb through a symlink named _lldb.*.so.
  char resolved[PATH_MAX];
  const char *path = realpath(info->dlpi_name, resolved) ? resolved : info->dlpi_name;
  int major = LldbMajorOf(path);
  if (major != 0)
    *static_cast<int *>(data) = major;
  return 0;
}

std::string ImplPath() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&LldbMajorOf), &info) == 0 || !info.dli_fname)
    return "libgomap_lldb_impl.so";
  std::string self = info.dli_fname;
  size_t slash = self.rfind('/');
  return (slash == std::string::npos ? std::string() : self.substr(0, slash + 1)) +
         "libgomap_lldb_impl.so";
}

} // namespace

// By-value class parameters are passed by invisible reference (Itanium C++
// ABI), so `debugger` is the host's object; its address goes to the implementation.
__attribute__((visibility("default"))) bool lldb::PluginInitialize(lldb::SBDebugger debugger) {
  int host = 0;
  dl_iterate_phdr(VisitObject, &host);
  if (host != GOMAP_LLDB_MAJOR) {
    if (host > 0)
      std::fprintf(stderr,
                   "gomap: this plugin was built for LLDB %d and cannot load into LLDB %d; "
                   "rebuild it with -DGOMAP_LLDB_MAJOR=%d\n",
                   GOMAP_LLDB_MAJOR, host, host);
    else
      std::fprintf(stderr,
                   "gomap: cannot tell which LLDB is loading this plugin (built for LLDB %d)\n",
                   GOMAP_LLDB_MAJOR);
    return false;
  }
  std::string impl = ImplPath();
  void *h = dlopen(impl.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    std::fprintf(stderr, "gomap: cannot load %s: %s\n", impl.c_str(), dlerror());
    return false;
  }
  using Init = bool (*)(void *);
  auto init = reinterpret_cast<Init>(dlsym(h, "gomap_plugin_initialize"));
  if (!init) {
    std::fprintf(stderr, "gomap: %s lacks gomap_plugin_initialize\n", impl.c_str());
    return false;
  }
  return init(static_cast<void *>(&debugger));
}
