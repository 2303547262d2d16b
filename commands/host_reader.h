// MemoryReader over a Host's process (live or core), with the executable's
// own file bytes for what the process cannot give.
#ifndef GOMAP_COMMANDS_HOST_READER_H
#define GOMAP_COMMANDS_HOST_READER_H

#include <algorithm>
#include <functional>

#include "commands/host.h"
#include "core/target.h"

namespace gomap::commands {

class HostReader final : public MemoryReader {
public:
  // `file` fills what the process cannot give from the executable's own
  // sections (cores leave out unmodified file-backed mappings).
  using FileFallback = std::function<size_t(uint64_t, void *, size_t)>;
  HostReader(Host &host, FileFallback file) : host_(&host), file_(std::move(file)) {}
  // The host of the command reading now (a reader outlives one command when
  // the process has not resumed).
  void set_host(Host &host) { host_ = &host; }

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
    size_t got = host_->ReadMemory(addr, dst, n);
    if (got == n || n <= kPage)
      return got;
    // A bulk read that crosses into an unmapped range: keep the readable
    // prefix, page by page.
    auto *out = static_cast<uint8_t *>(dst);
    size_t done = 0;
    while (done < n) {
      uint64_t a = addr + done;
      size_t chunk = std::min<size_t>(n - done, kPage - (a % kPage));
      size_t g = host_->ReadMemory(a, out + done, chunk);
      if (g == 0)
        break;
      done += g;
      if (g < chunk)
        break;
    }
    return done;
  }

  static constexpr size_t kPage = 4096;
  Host *host_;
  FileFallback file_;
};

} // namespace gomap::commands

#endif
