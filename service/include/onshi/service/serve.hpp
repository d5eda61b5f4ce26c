// `onshi serve`: the service that owns the 資格確認端末's folders for every desk and offers every
// loaded plugin over HTTP (service/README.md, docs/decisions/service.md).
#pragma once

#include <string>
#include <vector>

namespace onshi::service {

struct ServeArgs {
  std::string config;        // --config FILE: the service's configuration
  bool check_only = false;   // --check-config FILE: check it, load the plugins, report, exit
  bool new_token = false;    // --new-token: print a fresh desk token and the hash to configure
  std::string port_file;     // --port-file FILE: write the port once listening (with "listen": "...:0")
  std::vector<std::string> plugin_dirs;  // --plugin-dir DIR, searched before the configuration's
  bool verbose = false;
};

// Runs until SIGTERM or SIGINT; returns the process's exit status (0 ok, 2 a bad configuration,
// 3 something it needs is unavailable: a plugin, the port, the state folder).
int serve(const ServeArgs& args);

}  // namespace onshi::service
