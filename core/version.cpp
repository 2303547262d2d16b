// Parsing of Go version strings.
#include "version.h"

#include <cctype>

namespace gomap {

namespace {
int ParseInt(std::string_view s, size_t *pos) {
  int v = 0;
  bool any = false;
  while (*pos < s.size() && std::isdigit(static_cast<unsigned char>(s[*pos]))) {
    v = v * 10 + (s[*pos] - '0');
    if (v > 100000)
      return -1;
    ++*pos;
    any = true;
  }
  return any ? v : -1;
}
} // namespace

GoVersion GoVersion::Parse(std::string_view text) {
  GoVersion v;
  v.raw = std::string(text);
  size_t at = text.find("go1.");
  if (at == std::string_view::npos)
    return v;
  size_t pos = at + 2;
  int maj = ParseInt(text, &pos);
  if (maj < 0 || pos >= text.size() || text[pos] != '.')
    return v;
  ++pos;
  int min = ParseInt(text, &pos);
  if (min < 0)
    return v;
  int patch = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    patch = ParseInt(text, &pos);
    if (patch < 0)
      patch = 0;
  }
  v.major = maj;
  v.minor = min;
  v.patch = patch;
  // " X:a,b" (go1.24/1.25) or "-X:a,b" (go1.27) after the release.
  size_t x = text.find("X:", pos);
  if (x != std::string_view::npos && x > 0 && (text[x - 1] == ' ' || text[x - 1] == '-')) {
    --x;
    std::string_view rest = text.substr(x + 3);
    size_t end = rest.find_first_of(" ;");
    rest = rest.substr(0, end);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      if (!item.empty())
        v.experiments.emplace_back(item);
      if (comma == std::string_view::npos)
        break;
      rest = rest.substr(comma + 1);
    }
  }
  return v;
}

bool GoVersion::HasExperiment(std::string_view name) const {
  for (const auto &e : experiments)
    if (e == name)
      return true;
  return false;
}

std::string GoVersion::Short() const {
  if (!Known())
    return "unknown";
  return "go" + std::to_string(major) + "." + std::to_string(minor);
}

std::string CheckSupported(const GoVersion &v) {
  if (!v.Known())
    return "";
  if (v.major != 1 || v.minor < kMinSupportedMinor || v.minor > kMaxSupportedMinor)
    return "Go version " + v.Short() + " is outside the supported window go1." +
           std::to_string(kMinSupportedMinor) + "-go1." + std::to_string(kMaxSupportedMinor);
  return "";
}

} // namespace gomap
