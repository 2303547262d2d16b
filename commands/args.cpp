// Option parsing for `gomap` subcommands.
#include "commands/args.h"

#include <cctype>

namespace gomap::commands {

bool ParseArgs(const std::vector<std::string> &argv, const std::vector<OptionSpec> &spec,
               ParsedArgs *out, std::string *error) {
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string &a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-' ||
        (std::isdigit(static_cast<unsigned char>(a[1])))) {
      out->positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    const OptionSpec *match = nullptr;
    std::string value;
    bool has_inline = false;
    if (a[1] == '-') {
      std::string name = a.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_inline = true;
      }
      for (const auto &s : spec)
        if (name == s.long_name)
          match = &s;
    } else if (a.size() == 2) {
      for (const auto &s : spec)
        if (s.short_name == a[1])
          match = &s;
    }
    if (!match) {
      *error = "unknown option '" + a + "'";
      return false;
    }
    if (match->takes_value && !has_inline) {
      if (i + 1 >= argv.size()) {
        *error = "option '--" + std::string(match->long_name) + "' needs a value";
        return false;
      }
      value = argv[++i];
    } else if (!match->takes_value && has_inline) {
      *error = "option '--" + std::string(match->long_name) + "' takes no value";
      return false;
    }
    out->options[match->long_name] = value;
  }
  return true;
}

std::optional<uint64_t> ParseUint(const std::string &s) {
  if (s.empty())
    return std::nullopt;
  size_t i = 0;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    int d;
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = 10 + c - 'a';
    else
      return std::nullopt;
    if (v > (UINT64_MAX - uint64_t(d)) / uint64_t(base))
      return std::nullopt;
    v = v * base + d;
  }
  return v;
}

std::string OptionsHelp(const std::vector<OptionSpec> &spec) {
  std::string out;
  for (const auto &s : spec) {
    std::string left = "  ";
    left += s.short_name ? std::string("-") + s.short_name + ", " : "    ";
    left += std::string("--") + s.long_name + (s.takes_value ? " <value>" : "");
    if (left.size() < 28)
      left.resize(28, ' ');
    out += left + " " + s.help + "\n";
  }
  return out;
}

} // namespace gomap::commands
