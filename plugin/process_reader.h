// MemoryReader over an LLDB process: a live process and an ELF core alike.
#ifndef GOMAP_PLUGIN_PROCESS_READER_H
#define GOMAP_PLUGIN_PROCESS_READER_H

#include <algorithm>
#include <functional>

#include "core/target.h"
#include "lldb/API/SBError.h"
#include "lldb/API/SBProcess.h"

namespace gomap::plugin {

class ProcessReader final : public MemoryReader {
public:
  // `file` fills what the process cannot give from the executable's own
  // sections (cores leave out unmodified file-backed mappings).
  using FileFallback = std::function<size_t(uint64_t, void *, size_t)>;
  ProcessReader(lldb::SBProcess process, FileFallback file)
      : process_(process), file_(std::move(file)) {}

  size_t Read(uint64_t addr, void *dst, size_t n) override {
    size_t got = ReadProcess(addr, dst, n);
    if (got < n && file_)
      got += file_(addr + got, static_cast<uint8_t *>(dst) + got, n - got);
    return got;
  }

private:
  size_t ReadProcess(uint64_t addr, void *dst, size_t n) {
    if (n == 0)
      return 0;
    lldb::SBError err;
    size_t got = process_.ReadMemory(addr, dst, n, err);
    if (got == n || n <= kPage)
      return err.Success() ? got : 0;
    // A bulk read that crosses into an unmapped range: keep the readable
    // prefix, page by page.
    auto *out = static_cast<uint8_t *>(dst);
    size_t done = 0;
    while (done < n) {
      uint64_t a = addr + done;
      size_t chunk = std::min<size_t>(n - done, kPage - (a % kPage));
      lldb::SBError e;
      size_t g = process_.ReadMemory(a, out + done, chunk, e);
      if (!e.Success() || g == 0)
        break;
      done += g;
      if (g < chunk)
        break;
    }
    return done;
  }

  static constexpr size_t kPage = 4096;
  lldb::SBProcess process_;
  FileFallback file_;
};

} // namespace gomap::plugin

#endif
