// onshi serve: the service of service/ (one owner of the terminal's folders for every desk, and the
// SDK over HTTP). This command only passes its options on.
#include "commands.hpp"

#include <onshi/service/serve.hpp>

namespace onshi::cli {

namespace {

int run_serve(const Args& args) {
  if (auto unknown = args.unknown({"check-config", "new-token", "port-file"}); !unknown.empty())
    return usage_error("unknown option --" + unknown, "onshi serve --config FILE | --check-config FILE | --new-token");
  service::ServeArgs s;
  s.check_only = args.value("check-config").has_value();
  s.config = s.check_only ? *args.value("check-config") : args.value("config").value_or("");
  s.new_token = args.flag("new-token");
  s.port_file = args.value("port-file").value_or("");
  s.plugin_dirs = args.values("plugin-dir");
  s.verbose = args.flag("verbose");
  if (s.config.empty() && !s.new_token)
    return usage_error("onshi serve needs its configuration file", "onshi serve --config FILE");
  return service::serve(s);
}

}  // namespace

std::vector<Command> serve_commands() {
  return {{"serve",
           "onshi serve --config FILE [--port-file F] | --check-config FILE | --new-token",
           "serve every reception desk: own the 資格確認端末's folders and offer the plugins over HTTP/JSON "
           "(docs/decisions/service.md); --check-config checks the file and loads the plugins; --new-token makes a "
           "desk token and the hash to configure",
           &run_serve,
           {"new-token"}}};
}

}  // namespace onshi::cli
