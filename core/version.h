// Go toolchain versions as a target reports them (runtime.buildVersion, DW_AT_producer).
#ifndef GOMAP_CORE_VERSION_H
#define GOMAP_CORE_VERSION_H

#include <string>
#include <string_view>
#include <vector>

namespace gomap {

struct GoVersion {
  int major = 0, minor = 0, patch = 0;
  std::string raw;                      // as found, e.g. "go1.24.13 X:noswissmap"
  std::vector<std::string> experiments; // from " X:a,b" (lower-case, as written)

  // Accepts "go1.24.13", "go1.27rc2", "go1.24.0 X:noswissmap,foo",
  // "Go cmd/compile go1.19.8; regabi". Unparseable input gives Known() == false.
  static GoVersion Parse(std::string_view text);
  bool Known() const { return major > 0; }
  bool AtLeast(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
  bool HasExperiment(std::string_view name) const;
  std::string Short() const; // "go1.24"
};

// The window of Go releases whose maps we decode.
constexpr int kMinSupportedMinor = 19;
constexpr int kMaxSupportedMinor = 27;
// Empty when supported; otherwise a one-line reason.
std::string CheckSupported(const GoVersion &v);

} // namespace gomap

#endif
