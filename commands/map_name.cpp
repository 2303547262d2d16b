// NameByAddress (commands/triage_host.h): a map given by address gets the name
// `scan` would give it.
#include "commands/goroutines.h"
#include "commands/triage_host.h"
#include "core/value_stream.h"

namespace gomap::commands {

std::optional<ReachPath> NameByAddress(Host &host, MapTarget &mt) {
  const std::string &e = mt.ref.expr;
  if (mt.ref.header == 0 || e.size() < 3 || e[0] != '0' || (e[1] != 'x' && e[1] != 'X'))
    return std::nullopt;
  {
    CommandTriageHost th(host, mt.ctx);
    if (std::optional<ReachPath> p = NameMap(th, nullptr, mt.ref.header))
      return p;
  }
  Context ctx;
  std::vector<Goroutine> gs;
  std::string error;
  if (!MakeGoroutineContext(host, &ctx, &gs, &error))
    return std::nullopt;
  CommandTriageHost th(host, ctx);
  return NameMap(th, &gs, mt.ref.header);
}

Json MapNameJson(const ReachPath &p) {
  return Json{{"path", p.path}, {"where", p.where}, {"type", p.type ? p.type->name : ""}};
}

std::string MapNameLine(const ReachPath &p, const MapTarget &mt) {
  return MapNameText(p.path, p.where, p.type ? p.type->name : "",
                     mt.ref.type ? mt.ref.type->name : "");
}

} // namespace gomap::commands
