// Option parsing for `gomap` subcommands (LLDB hands us argv already split).
#ifndef GOMAP_COMMANDS_ARGS_H
#define GOMAP_COMMANDS_ARGS_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gomap::commands {

struct OptionSpec {
  const char *long_name; // "limit"
  char short_name;       // 'n', or 0
  bool takes_value;
  const char *help; // one line
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options; // long name -> value ("" for flags)
  bool Has(const std::string &n) const { return options.count(n) != 0; }
  std::string Get(const std::string &n, const std::string &d = "") const {
    auto it = options.find(n);
    return it == options.end() ? d : it->second;
  }
};

// false with *error on an unknown option or a missing value.
bool ParseArgs(const std::vector<std::string> &argv, const std::vector<OptionSpec> &spec,
               ParsedArgs *out, std::string *error);
// Parses a non-negative integer (decimal or 0x hex); nullopt if malformed.
std::optional<uint64_t> ParseUint(const std::string &s);
// "  -n, --limit <N>   help" lines for a syntax string.
std::string OptionsHelp(const std::vector<OptionSpec> &spec);

} // namespace gomap::commands

#endif
