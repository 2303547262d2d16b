// The `gomap` commands' Host and Result over LLDB's SB API.
#ifndef GOMAP_PLUGIN_LLDB_HOST_H
#define GOMAP_PLUGIN_LLDB_HOST_H

#include <string>
#include <vector>

#include "commands/host.h"
#include "lldb/API/SBCommandReturnObject.h"
#include "lldb/API/SBDebugger.h"
#include "lldb/API/SBProcess.h"
#include "lldb/API/SBTarget.h"

namespace gomap::plugin {

// The debugger's selected target and its process, for one command.
class LldbHost final : public commands::Host {
public:
  explicit LldbHost(lldb::SBDebugger dbg);

  std::string Name() override { return "lldb"; }
  std::string Version() override;
  bool Executable(std::string *path, std::string *error) override;
  bool Stopped(std::string *error) override;
  uint64_t ProcessId() override { return process_.GetUniqueID(); }
  uint32_t StopId() override { return process_.GetStopID(); }
  size_t ReadMemory(uint64_t addr, void *dst, size_t n) override;
  std::vector<commands::HostThread> Threads() override;
  bool Register(uint64_t thread, uint32_t regno, uint64_t *value) override;
  std::vector<commands::HostFrame> Frames(uint64_t thread) override;
  bool Selected(commands::HostThread *thread, uint32_t *frame) override;
  bool Select(uint64_t thread, int frame) override;
  uint64_t SymbolAddress(const std::string &name) override;
  std::unique_ptr<ValueFormatter> Formatters() override;
  void Prepare() override;
  uint64_t MaxStringLength() override;
  // Ctrl-C in the lldb driver, or SBDebugger::RequestInterrupt (what
  // scripts/gomap-inspect does on SIGINT).
  bool Interrupted() override;

private:
  lldb::SBDebugger debugger_;
  lldb::SBTarget target_;
  lldb::SBProcess process_;
};

// A command's output into its SBCommandReturnObject.
class LldbResult final : public commands::Result {
public:
  explicit LldbResult(lldb::SBCommandReturnObject &result) : result_(result) {}
  void AppendMessage(std::string_view text) override;
  void Write(std::string_view bytes) override;
  void SetFindings(bool has_errors) override;

private:
  lldb::SBCommandReturnObject &result_;
};

} // namespace gomap::plugin

#endif
