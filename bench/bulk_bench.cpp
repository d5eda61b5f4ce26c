// P3: a 10,000-patient 一括照会 through the simulator on loopback (onshi.eligibility-records/1,
// OQSmuquc01/02), total seconds, next to the same patients done as single 資格確認 one after another
// in the same run (onshi.eligibility/1 query_async). Both go through the SDK and the plugin as an
// EMR would, both keep the history. Over TLS (the direct transport, certificates made by
// make-tls-certs.sh) or over the folders.
//   bulk_bench --sim EXE --plugin-dir DIR --certs-script SH [--transport tls|folder]
//              [--patients N] [--singles N]
#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <onshi/host.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern char** environ;
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const char* kPeople[][3] = {{"06139992", "5678", "19800515"}, {"  138123", "456789", "19850220"},
                            {"06131114", "2222", "19881111"}, {"06130009", "0000", "19700101"},
                            {"39131230", "00012345", "19450310"}};
constexpr size_t kPeopleCount = sizeof kPeople / sizeof kPeople[0];

pid_t spawn(std::vector<std::string> args, bool quiet) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  if (quiet) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// What an unfinished or failed call says ("" once it has succeeded).
std::string failure_of(const onshi::Completion& done) {
  const auto result = done.result();
  return result ? std::string() : result.error().message;
}

}  // namespace

int main(int argc, char** argv) {
  std::string sim_exe, plugin_dir, certs_script, transport = "tls";
  int patients = 10000, singles = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--sim") sim_exe = v;
    else if (k == "--plugin-dir") plugin_dir = v;
    else if (k == "--certs-script") certs_script = v;
    else if (k == "--transport") transport = v;
    else if (k == "--patients") patients = std::stoi(v);
    else if (k == "--singles") singles = std::stoi(v);
    else return std::fprintf(stderr, "usage: %s --sim EXE --plugin-dir DIR --certs-script SH [--transport tls|folder] [--patients N] [--singles N]\n", argv[0]), 2;
  }
  if (singles < 0) singles = patients;
  std::random_device rd;
  const fs::path tmp = fs::temp_directory_path() / ("onshi-p3-" + std::to_string(rd()));
  const fs::path root = tmp / "oqs", state = tmp / "state", pki = tmp / "pki";
  for (const char* sub : {"req", "res", "face"}) fs::create_directories(root / sub);
  fs::create_directories(state);

  std::vector<std::string> sim = {sim_exe, "serve", "--bulk-polls", "1"};
  json section = {{"bulk", {{"poll_ms", 20}}}};
  if (transport == "tls") {
    const std::string command = "sh '" + certs_script + "' '" + pki.string() + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) return std::fprintf(stderr, "P3: %s failed\n", certs_script.c_str()), 1;
    for (std::string a : {std::string("--tls-port"), std::string("0"), std::string("--tls-port-file"),
                          (tmp / "port").string(), std::string("--tls-cert"), (pki / "server.pem").string(),
                          std::string("--tls-key"), (pki / "server.key").string(), std::string("--tls-client-ca"),
                          (pki / "ca.pem").string()})
      sim.push_back(a);
  } else {
    for (std::string a : {std::string("--root"), root.string(), std::string("--poll"), std::string("1")}) sim.push_back(a);
    section["folder"] = {{"root", root.string()}, {"rescan_ms", 100}};
  }
  const pid_t sim_pid = spawn(sim, true);
  if (sim_pid < 0) return std::fprintf(stderr, "P3: cannot start %s\n", sim_exe.c_str()), 1;
  if (transport == "tls") {
    for (int i = 0; i < 500 && !fs::exists(tmp / "port"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(tmp / "port");
    int port = 0;
    in >> port;
    if (!port) return std::fprintf(stderr, "P3: the simulator did not start TLS\n"), 1;
    section["transport"] = "tls";
    section["tls"] = {{"url", "https://localhost:" + std::to_string(port) + "/oqs"},
                      {"ca_file", (pki / "ca.pem").string()},
                      {"cert_file", (pki / "client.pem").string()},
                      {"key_file", (pki / "client.key").string()}};
  }
  int rc = 0;
  {
    onshi::SdkOptions o;
    o.host_name = "bulk-bench";
    o.plugin_dirs = {plugin_dir};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.eligibility"};
    o.state_dir = state.string();
    o.config_json = json{{"onshi.eligibility", section}}.dump();
    o.log_level = ONSHI_LOG_ERROR + 1;
    auto sdk = onshi::Sdk::open(o);
    auto elig = sdk ? sdk->extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY, "onshi.eligibility")
                    : onshi::Result<onshi::Extension<onshi_eligibility_v1>>(sdk.error());
    auto rec = sdk ? sdk->extension<onshi_eligibility_records_v1>(ONSHI_EXT_ELIGIBILITY_RECORDS, "onshi.eligibility")
                   : onshi::Result<onshi::Extension<onshi_eligibility_records_v1>>(sdk.error());
    if (!elig || !rec) {
      std::fprintf(stderr, "P3: %s\n", (!elig ? elig.error() : rec.error()).message.c_str());
      rc = 1;
    } else {
      json list = json::array();
      for (int i = 0; i < patients; ++i) {
        const auto& p = kPeople[i % kPeopleCount];
        list.push_back({{"patient_id", "P" + std::to_string(i)}, {"insurer_number", p[0]}, {"number", p[1]},
                        {"birth_date", p[2]}});
      }
      const std::string request = json{{"patients", list}}.dump();
      onshi::Completion bulk;
      onshi_error err = onshi::empty_error();
      uint64_t op = 0;
      const auto t0 = Clock::now();
      if (rec->vtable->bulk_start_async(rec->instance, onshi::bytes_of(request), nullptr, bulk.get(), &op, &err) != ONSHI_OK ||
          !bulk.wait_for(std::chrono::seconds(300)) || bulk.status() != ONSHI_OK) {
        std::fprintf(stderr, "P3: the 一括照会 failed: %s\n", err.message[0] ? err.message : failure_of(bulk).c_str());
        rc = 1;
      } else {
        const double bulk_s = std::chrono::duration<double>(Clock::now() - t0).count();
        const json result = json::parse(*bulk.result());
        const auto t1 = Clock::now();
        int answered = 0;
        for (int i = 0; i < singles; ++i) {
          const auto& p = kPeople[i % kPeopleCount];
          const std::string q = json{{"kind", "insured"}, {"insurer_number", p[0]}, {"number", p[1]}, {"birth_date", p[2]}}.dump();
          onshi::Completion one;
          err = onshi::empty_error();
          if (elig->vtable->query_async(elig->instance, onshi::bytes_of(q), one.get(), &op, &err) != ONSHI_OK ||
              !one.wait_for(std::chrono::seconds(60)) || one.status() != ONSHI_OK)
            break;
          ++answered;
        }
        const double singles_s = std::chrono::duration<double>(Clock::now() - t1).count();
        const double per_patient = singles_s / std::max(answered, 1);
        const double singles_all = per_patient * patients;  // the same number of patients
        std::printf("P3 %d-patient 一括照会 through onshi-sim on loopback over %s (uploads of 1,000, one 処理中 poll):\n",
                    patients, transport == "tls" ? "TLS (mutual, HTTP/1.1)" : "the shared folders");
        std::printf("  bulk_start_async -> all %zu results stored and delivered: %.2f s   goal: <= 3 s (%s)\n",
                    result["results"].size(), bulk_s, bulk_s <= 3 ? "met" : "NOT met");
        std::printf("  the same as single 資格確認 one after another: %d done in %.2f s (%.2f ms each)%s\n", answered,
                    singles_s, per_patient * 1000,
                    answered == patients ? "" : (" -> " + std::to_string(int(singles_all)) + " s for all").c_str());
        std::printf("  ratio (singles / bulk): %.0fx   goal: >= 20x (%s)\n", singles_all / bulk_s,
                    singles_all / bulk_s >= 20 ? "met" : "NOT met");
        if (answered != singles) rc = 1;
      }
    }
  }
  ::kill(sim_pid, SIGTERM);
  int status = 0;
  ::waitpid(sim_pid, &status, 0);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return rc;
}
