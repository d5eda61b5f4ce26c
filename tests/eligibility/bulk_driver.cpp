// A small EMR for the crash tests (S5): starts or resumes a 一括照会 through the SDK and, with
// --kill-at STAGE[:N], SIGKILLs itself the Nth time a progress document of that stage arrives — at
// that exact point of the plugin's work, since the listener runs inside it. With --out FILE it
// writes {"result": bulk-result, "history_bulk": entries of how "bulk"} when the job completes.
//   bulk_driver --plugin-dir D --state DIR --root DIR --patients N [--resume] [--kill-at S[:N]]
//               [--poll-ms MS] [--out FILE]
#include <onshi/abi/onshi_ext_eligibility_records.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <onshi/host.hpp>
#include <string>

using nlohmann::json;

namespace {

// Numbers the simulator knows (samples/sim/personas.json), cycled so results differ.
const char* kPeople[][3] = {{"06139992", "5678", "19800515"},   {"  138123", "456789", "19850220"},
                            {"06131114", "2222", "19881111"},   {"06134449", "5555", "19700101"},
                            {"06130009", "0000", "19700101"},   {"39131230", "00012345", "19450310"}};

std::string stage_to_kill;
int kill_after = 1, seen = 0;

void ONSHI_ABI on_progress(void*, onshi_status, onshi_bytes doc, const onshi_error*) {
  const json p = json::parse(std::string(reinterpret_cast<const char*>(doc.data), doc.size), nullptr, false);
  if (!p.is_discarded() && p.value("stage", "") == stage_to_kill && ++seen == kill_after) ::kill(::getpid(), SIGKILL);
}

}  // namespace

int main(int argc, char** argv) {
  std::string plugin_dir, state, root, out, kill_at;
  int patients = 0, poll_ms = 50;
  bool resume = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--plugin-dir") plugin_dir = next();
    else if (a == "--state") state = next();
    else if (a == "--root") root = next();
    else if (a == "--patients") patients = std::stoi(next());
    else if (a == "--resume") resume = true;
    else if (a == "--kill-at") kill_at = next();
    else if (a == "--poll-ms") poll_ms = std::stoi(next());
    else if (a == "--out") out = next();
    else return 2;
  }
  if (auto colon = kill_at.find(':'); colon != std::string::npos) {
    stage_to_kill = kill_at.substr(0, colon);
    kill_after = std::stoi(kill_at.substr(colon + 1));
  } else {
    stage_to_kill = kill_at;
  }
  onshi::Completion done;
  onshi::SdkOptions o;
  o.host_name = "bulk-driver";
  o.plugin_dirs = {plugin_dir};
  o.use_default_dirs = false;
  o.enabled_ids = std::vector<std::string>{"onshi.eligibility"};
  o.state_dir = state;
  o.config_json = json{{"onshi.eligibility",
                        {{"folder", {{"root", root}, {"rescan_ms", 50}, {"timeout_ms", 10000}}},
                         {"bulk", {{"poll_ms", poll_ms}}}}}}
                      .dump();
  o.log_level = ONSHI_LOG_ERROR + 1;
  auto sdk = onshi::Sdk::open(o);
  if (!sdk) {
    std::cerr << sdk.error().message << "\n";
    return 3;
  }
  auto ext = sdk->extension<onshi_eligibility_records_v1>(ONSHI_EXT_ELIGIBILITY_RECORDS, "onshi.eligibility");
  if (!ext) {
    std::cerr << ext.error().message << "\n";
    return 3;
  }
  onshi_document_listener listener{sizeof(onshi_document_listener), nullptr, &on_progress};
  onshi_error err = onshi::empty_error();
  uint64_t op = 0;
  onshi_status st;
  if (resume) {
    st = ext->vtable->bulk_resume_async(ext->instance, nullptr, &listener, done.get(), &op, &err);
  } else {
    json list = json::array();
    for (int i = 0; i < patients; ++i) {
      const auto& p = kPeople[i % (sizeof kPeople / sizeof kPeople[0])];
      char id[16];
      std::snprintf(id, sizeof id, "P%05d", i);
      list.push_back({{"patient_id", id}, {"insurer_number", p[0]}, {"number", p[1]}, {"birth_date", p[2]}});
    }
    const std::string request = json{{"schema", "onshi.eligibility.bulk-request/1"}, {"patients", list}}.dump();
    st = ext->vtable->bulk_start_async(ext->instance, onshi::bytes_of(request),
                                       &listener, done.get(), &op, &err);
  }
  if (st != ONSHI_OK) {
    std::cerr << "start: " << err.message << "\n";
    return 4;
  }
  if (!done.wait_for(std::chrono::seconds(60))) {
    std::cerr << "no completion within 60 s\n";
    return 5;
  }
  const onshi::Result<std::string> result = done.result();
  if (!result) {
    std::cerr << "bulk: " << result.error().code << " " << result.error().message << "\n";
    return 6;
  }
  std::string history;
  onshi_writer w = onshi::append_to(history);
  const std::string query = "{}";
  err = onshi::empty_error();
  if (ext->vtable->history_find(ext->instance, onshi::bytes_of(query), &w, &err))
    return 7;
  int bulk_entries = 0;
  const json entries = json::parse(history)["entries"];  // a copy: the parsed temporary dies here
  for (const auto& e : entries) bulk_entries += e.value("how", "") == "bulk";
  if (!out.empty()) std::ofstream(out) << json{{"result", json::parse(*result)}, {"history_bulk", bulk_entries}}.dump();
  return 0;
}
