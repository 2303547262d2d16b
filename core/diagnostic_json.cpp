// The gomap/1 JSON of one diagnostic.
#include "core/diagnostic_json.h"

#include "core/go_format.h"

namespace gomap {

nlohmann::ordered_json DiagnosticJson(const Diagnostic &d) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["code"] = std::string(CodeName(d.code));
  j["severity"] = std::string(SeverityName(d.severity));
  j["message"] = d.message;
  if (d.address != 0)
    j["address"] = HexAddr(d.address);
  else
    j["address"] = nullptr;
  return j;
}

} // namespace gomap
