// onshi's record commands over onshi.eligibility-records/1: bulk (一括照会 of a list of appointments,
// with a progress bar, resumed when run again after a crash), history (past verifications, R-RETAIN),
// register-ref (照会番号登録, R-SHOUKAI), deferred (the checks an outage postponed, R-M9), requery (居宅同意取得型
// and 医療扶助 queries selected by a window). With --json, "ok" is true exactly when the exit status is 0.
#include <onshi/abi/onshi_ext_eligibility_records.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "commands.hpp"
#include "reception.hpp"

namespace onshi::cli {

namespace {

using nlohmann::json;
using Records = Extension<onshi_eligibility_records_v1>;

constexpr const char* kBulkUsage = "onshi bulk FILE.csv [--timeout S] [--json]  |  onshi bulk --jobs [--json]";
constexpr const char* kHistoryUsage =
    "onshi history [--since YYYYMMDD] [--until YYYYMMDD] [--name KANA] [--ref N] [--patient ID] [--limit N] [--json]";
constexpr const char* kRegisterUsage =
    "onshi register-ref --ref N --insurer N --number N [--symbol S] [--branch B] [--birth YYYYMMDD] [--patient ID] "
    "[--json]  |  onshi register-ref --csv FILE [--json]";

constexpr const char* kDeferredAddUsage = "onshi deferred add FILE.json... [--json]";
constexpr const char* kDeferredRunUsage = "onshi deferred run [--timeout S] [--json]";
constexpr const char* kDeferredListUsage = "onshi deferred list [--json]";
constexpr const char* kRequeryVisitUsage = "onshi requery home-visit --from DATE [--to DATE] [--timeout S] [--json]";
constexpr const char* kRequeryOnlineUsage =
    "onshi requery online --from DATE [--to DATE] [--by consent|examination] [--timeout S] [--json]";
constexpr const char* kRequeryAidUsage = "onshi requery medical-aid --month YYYY-MM [--timeout S] [--json]";

Result<Records> open_records(const Sdk& sdk) {
  auto ext = sdk.extension<onshi_eligibility_records_v1>(ONSHI_EXT_ELIGIBILITY_RECORDS);
  if (!ext) {
    Error e = ext.error();
    e.hint = "install an eligibility plugin that provides " ONSHI_EXT_ELIGIBILITY_RECORDS " (onshi plugins lists them)";
    return e;
  }
  return ext;
}


// Waits `seconds` for the operation; past that it is cancelled (and its completion awaited briefly),
// the timeout `error` is reported and false returned: the caller exits kUnavailable.
bool finished_in_time(const Args& args, Completion& done, const Records& ext, uint64_t op, double seconds,
                      const Error& error) {
  if (done.wait_for(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)))) return true;
  ext.vtable->cancel(ext.instance, op);
  done.wait_for(std::chrono::seconds(5));
  fail(args, error);
  return false;
}

// The exit status over outcome documents (an array or an object of them): a failure outranks a "no".
int exit_of_outcomes(const json& outcomes) {
  int code = kOk;
  for (const auto& o : outcomes) {
    const std::string kind = o.value("kind", "failed");
    if (kind == "failed") code = kFailed;
    else if (kind != "valid" && code == kOk) code = kNegative;
  }
  return code;
}

// CSV: fields split on commas, "quoted" fields may hold commas; blank lines and # comments skipped;
// a first line starting with a letter-only header (patient_id, reference_number) is skipped.
std::vector<std::vector<std::string>> read_csv(std::istream& in) {
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // Excel's BOM
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') f.back() += '"', ++i;
      else if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) f.emplace_back();
      else f.back() += c;
    }
    const bool header = first && (f[0] == "patient_id" || f[0] == "reference_number" || f[0] == "patient");
    first = false;
    if (!header) rows.push_back(std::move(f));
  }
  return rows;
}

std::string at(const std::vector<std::string>& row, size_t i) { return i < row.size() ? row[i] : ""; }

// ---- bulk ---------------------------------------------------------------------------------

// Progress: a bar redrawn in place on a terminal, one plain line per step otherwise.
struct Progress {
  bool tty = ::isatty(STDERR_FILENO);
  bool quiet = false;
  onshi_document_listener l{sizeof(onshi_document_listener), this, &on_document};
  static void ONSHI_ABI on_document(void* ctx, onshi_status st, onshi_bytes doc, const onshi_error*) {
    auto& self = *static_cast<Progress*>(ctx);
    if (st != ONSHI_OK || self.quiet) return;
    const json p = json::parse(std::string(reinterpret_cast<const char*>(doc.data), doc.size), nullptr, false);
    if (p.is_discarded()) return;
    const std::string stage = p.value("stage", "");
    const int received = p.value("received", 0), total = p.value("total", 0);
    const std::string step = stage + " (upload " + std::to_string(p.value("chunk", 0)) + " of " +
                             std::to_string(p.value("chunks", 0)) + ")";
    if (self.tty) {
      const int width = 30, filled = total ? received * width / total : 0;
      std::cerr << "\r一括照会 [" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << received
                << "/" << total << "  " << step << "\033[K" << std::flush;
      if (stage == "done") std::cerr << "\n";
    } else {
      std::cerr << "bulk " << p.value("job", "") << ": " << step << ", " << received << " of " << total
                << " received\n";
    }
  }
};

std::string kind_label(const std::string& kind) {
  const OutcomeWords& w = outcome_words(kind);
  return std::string(w.japanese) + " " + w.english;
}

int bulk_jobs(const Args& args, const Records& ext) {
  std::string text;
  onshi_writer out = append_to(text);
  onshi_error err = empty_error();
  if (onshi_status st = ext.vtable->bulk_jobs(ext.instance, &out, &err)) return fail(args, to_error(st, err));
  json doc = json::parse(text);
  if (args.flag("json")) {
    doc["ok"] = true;
    print_json(doc);
    return kOk;
  }
  if (doc["jobs"].empty()) std::cout << "no 一括照会 jobs stored\n";
  for (const auto& j : doc["jobs"])
    std::cout << j.value("job", "") << "  " << j.value("state", "") << "  " << j.value("received", 0) << "/"
              << j.value("total", 0) << "  " << j.value("label", "") << "\n";
  return kOk;
}

// A 一括照会's bulk-result/1 as `onshi bulk` and `onshi deferred run` print it; returns the exit code.
int report_results(const Args& args, json result) {
  const int code = result.value("state", "") == "done" ? exit_of_outcomes(result["results"]) : kFailed;
  std::map<std::string, int> counts;
  for (const auto& [id, outcome] : result["results"].items()) ++counts[outcome.value("kind", "failed")];
  if (args.flag("json")) {
    result["ok"] = code == kOk;
    print_json(result);
    return code;
  }
  std::cout << "一括照会 " << result.value("job", "") << ": " << result.value("received", 0) << " of "
            << result.value("total", 0) << " results\n";
  for (const auto& [id, outcome] : result["results"].items()) {
    const std::string kind = outcome.value("kind", "failed");
    std::string detail;
    if (kind == "failed") detail = "  " + outcome.value("message", "");
    if (outcome.contains("patient") && outcome["patient"].contains("reference_number"))
      detail += "  照会番号 " + outcome["patient"]["reference_number"].get<std::string>();
    std::cout << "  " << id << "  " << kind_label(kind) << detail << "\n";
  }
  std::cout << "summary:";
  for (const auto& [kind, n] : counts) std::cout << " " << kind << " " << n;
  std::cout << "\n";
  if (result.contains("hint")) std::cout << "  what to do: " << result.value("hint", "") << "\n";
  else if (code != kOk) std::cout << "  what to do: check the patients not valid at the window (onshi verify insured)\n";
  return code;
}

// --timeout S, or the default.
std::optional<double> timeout_of(const Args& args, double fallback) {
  auto t = args.value("timeout");
  if (!t) return fallback;
  try {
    if (double seconds = std::stod(*t); seconds > 0) return seconds;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

int bulk(const Args& args) {
  if (auto bad = args.unknown({"timeout", "jobs"}); !bad.empty()) return usage_error("unknown option --" + bad, kBulkUsage);
  const auto timeout_given = timeout_of(args, 600);
  if (!timeout_given) return usage_error("--timeout takes a number of seconds", kBulkUsage);
  const double timeout = *timeout_given;
  Completion done;  // before the Sdk: it must outlive it
  Progress progress;
  if (args.flag("jobs")) {
    auto sdk = open_sdk(args);
    if (!sdk) return fail(args, sdk.error());
    auto ext = open_records(*sdk);
    if (!ext) return fail(args, ext.error());
    return bulk_jobs(args, *ext);
  }
  if (args.positionals().size() != 1) return usage_error("give one CSV file of appointments", kBulkUsage);
  const std::string file = args.positionals()[0];
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(args, make_error(ONSHI_E_NOT_FOUND, "bulk", "cannot read " + file, "check the path of the CSV file"));
  json patients = json::array();
  size_t line = 0;
  for (const auto& row : read_csv(in)) {
    ++line;
    json p = {{"patient_id", at(row, 0)}};
    for (auto [i, key] : {std::pair{1, "insurer_number"}, {2, "symbol"}, {3, "number"}, {4, "branch"}, {5, "birth_date"},
                          {6, "reference_number"}})
      if (!at(row, i).empty()) p[key] = at(row, i);
    if (at(row, 0).empty())
      return usage_error(file + " row " + std::to_string(line) + ": the first column (the patient id) is empty",
                         "columns: patient_id,insurer_number,symbol,number,branch,birth_date[,reference_number]");
    patients.push_back(std::move(p));
  }
  if (patients.empty()) return usage_error(file + " holds no patients", kBulkUsage);
  // The same file again resumes its unfinished job instead of uploading it twice (S5).
  std::error_code ec;
  const std::string label = "csv:" + std::filesystem::absolute(file, ec).string();

  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_records(*sdk);
  if (!ext) return fail(args, ext.error());
  std::string jobs_text;
  onshi_writer jobs_out = append_to(jobs_text);
  onshi_error err = empty_error();
  if (onshi_status st = ext->vtable->bulk_jobs(ext->instance, &jobs_out, &err)) return fail(args, to_error(st, err));
  std::string resume;
  const json jobs = json::parse(jobs_text)["jobs"];  // a copy: the parsed temporary dies here
  for (const auto& j : jobs)
    if (j.value("label", "") == label && j.value("state", "") != "done") resume = j.value("job", "");
  uint64_t op = 0;
  err = empty_error();
  onshi_status st;
  if (!resume.empty()) {
    std::cerr << "resuming 一括照会 " << resume << " of " << file << " (nothing already sent is sent again)\n";
    st = ext->vtable->bulk_resume_async(ext->instance, resume.c_str(), &progress.l, done.get(), &op, &err);
  } else {
    const std::string request =
        json{{"schema", "onshi.eligibility.bulk-request/1"}, {"label", label}, {"patients", patients}}.dump();
    st = ext->vtable->bulk_start_async(ext->instance, bytes_of(request), &progress.l, done.get(), &op, &err);
  }
  if (st != ONSHI_OK) return fail(args, to_error(st, err));
  if (!finished_in_time(args, done, *ext, op, timeout,
                        make_error(ONSHI_E_TIMEOUT, "bulk",
                                   "the 一括照会 did not finish within " + std::to_string(int(timeout)) + " s",
                                   "it is stored: run the same command again to carry on")))
    return kUnavailable;
  progress.quiet = true;
  if (!done.result()) return fail(args, done.result().error());
  return report_results(args, json::parse(*done.result()));
}

// ---- history ------------------------------------------------------------------------------

int history(const Args& args) {
  if (auto bad = args.unknown({"since", "until", "name", "ref", "patient", "limit"}); !bad.empty())
    return usage_error("unknown option --" + bad, kHistoryUsage);
  json q = {{"schema", "onshi.eligibility.history-query/1"}};
  for (auto [opt, key] : {std::pair{"since", "since"}, {"until", "until"}, {"name", "name"}, {"ref", "reference_number"},
                          {"patient", "patient_id"}})
    if (auto v = args.value(opt)) q[key] = *v;
  for (const char* d : {"since", "until"})
    if (q.contains(d) && (q[d].get<std::string>().size() != 8 ||
                          q[d].get<std::string>().find_first_not_of("0123456789") != std::string::npos))
      return usage_error(std::string("--") + d + " takes a day as YYYYMMDD", kHistoryUsage);
  if (auto l = args.value("limit")) {
    if (l->empty() || l->find_first_not_of("0123456789") != std::string::npos)
      return usage_error("--limit takes a number", kHistoryUsage);
    q["limit"] = std::stoul(*l);
  }
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_records(*sdk);
  if (!ext) return fail(args, ext.error());
  std::string text;
  onshi_writer out = append_to(text);
  onshi_error err = empty_error();
  const std::string query = q.dump();
  if (onshi_status st = ext->vtable->history_find(ext->instance, bytes_of(query), &out, &err))
    return fail(args, to_error(st, err));
  json doc = json::parse(text);
  if (args.flag("json")) {
    doc["ok"] = true;
    print_json(doc);
    return kOk;
  }
  if (doc["entries"].empty()) {
    std::cout << "no verification found (results are kept until the end of the month after the check, R-RETAIN)\n";
    return kOk;
  }
  for (const auto& e : doc["entries"]) {
    std::cout << e.value("at", "") << "  " << e.value("how", "") << "  " << kind_label(e.value("kind", "failed"));
    for (const auto& q : e.value("qualifications", json::array()))
      std::cout << "  " << q.value("name", q.value("name_kana", "")) << "  " << q.value("insurer_number", "") << " "
                << q.value("insured_identification_number", "");
    if (e.contains("patient"))
      for (auto [k, label] : {std::pair{"reference_number", "  照会番号 "}, {"patient_id", "  patient "}})
        if (e["patient"].contains(k)) std::cout << label << e["patient"][k].get<std::string>();
    if (e.value("withheld", false)) std::cout << "  (the insurer withheld data: nothing of it was kept)";
    std::cout << "\n";
  }
  return kOk;
}

// ---- register-ref -------------------------------------------------------------------------

int register_ref(const Args& args) {
  if (auto bad = args.unknown({"ref", "insurer", "number", "symbol", "branch", "birth", "patient", "csv", "timeout"});
      !bad.empty())
    return usage_error("unknown option --" + bad, kRegisterUsage);
  json regs = json::array();
  if (auto file = args.value("csv")) {
    if (args.value("ref")) return usage_error("give either --csv or --ref, not both", kRegisterUsage);
    std::ifstream in(*file, std::ios::binary);
    if (!in) return fail(args, make_error(ONSHI_E_NOT_FOUND, "register-ref", "cannot read " + *file, "check the path"));
    for (const auto& row : read_csv(in)) {
      json r = {{"reference_number", at(row, 0)}};
      for (auto [i, key] : {std::pair{1, "insurer_number"}, {2, "symbol"}, {3, "number"}, {4, "branch"},
                            {5, "birth_date"}, {6, "patient_id"}})
        if (!at(row, i).empty()) r[key] = at(row, i);
      regs.push_back(std::move(r));
    }
    if (regs.empty()) return usage_error(*file + " holds no rows", "columns: reference_number,insurer_number,symbol,number,branch[,birth_date,patient_id]");
  } else {
    for (const char* required : {"ref", "insurer", "number"})
      if (!args.value(required) || args.value(required)->empty())
        return usage_error(std::string("--") + required + " is required", kRegisterUsage);
    json r = {{"reference_number", *args.value("ref")}, {"insurer_number", *args.value("insurer")},
              {"number", *args.value("number")}};
    for (auto [opt, key] : {std::pair{"symbol", "symbol"}, {"branch", "branch"}, {"birth", "birth_date"},
                            {"patient", "patient_id"}})
      if (auto v = args.value(opt)) r[key] = *v;
    regs.push_back(std::move(r));
  }
  Completion done;  // before the Sdk: it must outlive it
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_records(*sdk);
  if (!ext) return fail(args, ext.error());
  const std::string request = json{{"schema", "onshi.eligibility.reference-request/1"}, {"registrations", regs}}.dump();
  uint64_t op = 0;
  onshi_error err = empty_error();
  if (onshi_status st = ext->vtable->register_reference_async(ext->instance, bytes_of(request), done.get(), &op, &err))
    return fail(args, to_error(st, err));
  if (!finished_in_time(args, done, *ext, op, 120,
                        make_error(ONSHI_E_TIMEOUT, "register-ref", "no answer within 120 s",
                                   "check the 資格確認端末 and run the command again (registering twice is harmless)")))
    return kUnavailable;
  if (!done.result()) return fail(args, done.result().error());
  json result = json::parse(*done.result());
  bool all = true;
  for (const auto& r : result["results"]) all = all && r.value("registered", false);
  if (args.flag("json")) {
    result["ok"] = all;
    print_json(result);
    return all ? kOk : kNegative;
  }
  for (const auto& r : result["results"]) {
    std::cout << "照会番号 " << r.value("reference_number", "") << ": "
              << (r.value("registered", false) ? "registered" : "NOT registered");
    if (r.contains("message")) std::cout << " (" << r.value("code", "") << " " << r.value("message", "") << ")";
    std::cout << "\n";
  }
  if (!all) std::cout << "  what to do: check the insurance numbers of the rows not registered and run it again for them\n";
  return all ? kOk : kNegative;
}

// ---- deferred (R-M9) -----------------------------------------------------------------------

// The checks in a file: a claims result (its "deferred_check"), a deferred-request/1, or one check.
Result<json> checks_in(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const json doc = json::parse(text.str(), nullptr, false);
  if (!in || !doc.is_object())
    return make_error(ONSHI_E_INVALID_ARGUMENT, "deferred", path + " is not a JSON object",
                      "give the claims result of a verify_later visit (onshi claim --json), or a check");
  if (doc.contains("deferred_check")) return json::array({doc["deferred_check"]});
  if (doc.contains("checks")) return doc["checks"];
  if (doc.contains("route"))
    return make_error(ONSHI_E_INVALID_ARGUMENT, "deferred", path + " is a claims result without a deferred_check",
                      "only a visit routed R-M9 (verify later) has a check to queue");
  return json::array({doc});
}

void print_check(const json& c) {
  std::cout << c.value("state", "") << "  " << c.value("patient_id", "") << "  " << c.value("visit_date", "") << "  "
            << (c.contains("number") ? c.value("insurer_number", "") + " " + c.value("number", "")
                                     : "照会番号 " + c.value("reference_number", ""))
            << "  shown " << c.value("presented", json::array()).dump();
  if (c.contains("outcome")) std::cout << "  → " << kind_label(c["outcome"].value("kind", "failed"))
                                       << " (recheck: " << c.value("recheck", "") << ")";
  std::cout << "\n";
}

int deferred(const Args& args) {
  const auto& words = args.positionals();  // main.cpp checked words[0]
  const std::string sub = words[0];
  const char* usage = sub == "add" ? kDeferredAddUsage : sub == "run" ? kDeferredRunUsage : kDeferredListUsage;
  if (auto bad = args.unknown(sub == "run" ? std::vector<std::string>{"timeout"} : std::vector<std::string>{});
      !bad.empty())
    return usage_error("unknown option --" + bad, usage);
  if (sub != "add" && words.size() > 1) return usage_error("deferred " + sub + " takes no file", usage);
  if (sub == "add" && words.size() < 2) return usage_error("give the file(s) of the checks to queue", usage);
  const auto timeout = timeout_of(args, 600);
  if (!timeout) return usage_error("--timeout takes a number of seconds", usage);
  json checks = json::array();
  for (size_t i = 1; i < words.size(); ++i) {
    auto more = checks_in(words[i]);
    if (!more) return fail(args, more.error());
    checks.insert(checks.end(), more->begin(), more->end());
  }
  Completion done;  // before the Sdk: it must outlive it
  Progress progress;
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_records(*sdk);
  if (!ext) return fail(args, ext.error());
  if (!ONSHI_HAS_FIELD(onshi_eligibility_records_v1, ext->vtable, deferred_list))
    return fail(args, make_error(ONSHI_E_NOT_SUPPORTED, "deferred", "the eligibility plugin " + ext->plugin_id +
                                                                        " keeps no deferred checks",
                                 "update the eligibility plugin"));
  std::string text;
  onshi_writer out = append_to(text);
  onshi_error err = empty_error();
  if (sub == "run") {
    uint64_t op = 0;
    if (onshi_status st = ext->vtable->deferred_run_async(ext->instance, &progress.l, done.get(), &op, &err))
      return fail(args, to_error(st, err));
    if (!finished_in_time(args, done, *ext, op, *timeout,
                          make_error(ONSHI_E_TIMEOUT, "deferred", "the deferred checks did not finish in time",
                                     "they are stored as a 一括照会 job: onshi bulk --jobs shows it; it resumes with "
                                     "bulk_resume")))
      return kUnavailable;
    progress.quiet = true;
    if (!done.result()) return fail(args, done.result().error());
    return report_results(args, json::parse(*done.result()));
  }
  onshi_status st;
  if (sub == "add") {
    const std::string request = json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_REQUEST}, {"checks", checks}}.dump();
    st = ext->vtable->deferred_add(ext->instance, bytes_of(request), &out, &err);
  } else {
    st = ext->vtable->deferred_list(ext->instance, &out, &err);
  }
  if (st != ONSHI_OK) return fail(args, to_error(st, err));
  json doc = json::parse(text);
  if (args.flag("json")) {
    doc["ok"] = true;
    print_json(doc);
    return kOk;
  }
  if (doc["checks"].empty()) std::cout << "no deferred check kept\n";
  for (const auto& c : doc["checks"]) print_check(c);
  if (sub == "add")
    std::cout << "queued; they run when a check reaches the system again, or now with: onshi deferred run\n";
  return kOk;
}

// ---- requery: the queries selected by a window (居宅同意取得型, 医療扶助) -------------------------

int requery(const Args& args) {
  const auto& words = args.positionals();  // main.cpp checked words[0]
  const std::string sub = words[0];
  const bool aid = sub == "medical-aid";
  const char* usage = aid ? kRequeryAidUsage : sub == "online" ? kRequeryOnlineUsage : kRequeryVisitUsage;
  std::vector<std::string> known = aid ? std::vector<std::string>{"month", "timeout"}
                                       : std::vector<std::string>{"from", "to", "timeout"};
  if (sub == "online") known.push_back("by");
  if (auto bad = args.unknown(known); !bad.empty()) return usage_error("unknown option --" + bad, usage);
  if (words.size() > 1) return usage_error("requery " + sub + " takes no file", usage);
  const auto timeout = timeout_of(args, 120);
  if (!timeout) return usage_error("--timeout takes a number of seconds", usage);
  auto compact = [](std::string v) {  // 2026-04-01 as 20260401: the plugin checks the rest
    v.erase(std::remove(v.begin(), v.end(), '-'), v.end());
    return v;
  };
  json request = {{"schema", ONSHI_SCHEMA_ELIGIBILITY_WINDOW_QUERY}};
  if (aid) {
    if (!args.value("month")) return usage_error("--month (the 診療年月) is required", usage);
    request["kind"] = "medical_aid";
    request["month"] = compact(*args.value("month"));
  } else {
    if (!args.value("from")) return usage_error("--from (the first day of the window) is required", usage);
    request["kind"] = sub == "online" ? "online" : "home_visit";
    request["from"] = compact(*args.value("from"));
    if (auto to = args.value("to")) request["to"] = compact(*to);
    if (auto by = args.value("by")) request["by"] = *by;
  }
  Completion done;  // before the Sdk: it must outlive it
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_records(*sdk);
  if (!ext) return fail(args, ext.error());
  if (!ONSHI_HAS_FIELD(onshi_eligibility_records_v1, ext->vtable, window_query_async))
    return fail(args, make_error(ONSHI_E_NOT_SUPPORTED, "requery",
                                 "the eligibility plugin " + ext->plugin_id + " sends no 居宅同意取得型 or 医療扶助 queries",
                                 "update the eligibility plugin"));
  uint64_t op = 0;
  onshi_error err = empty_error();
  const std::string text = request.dump();
  if (onshi_status st = ext->vtable->window_query_async(ext->instance, bytes_of(text), nullptr, done.get(), &op, &err))
    return fail(args, to_error(st, err));
  if (!finished_in_time(args, done, *ext, op, *timeout,
                        make_error(ONSHI_E_TIMEOUT, "requery", "the terminal did not answer in time",
                                   "check the 資格確認端末 and ask again: the query only reads")))
    return kUnavailable;
  if (!done.result()) return fail(args, done.result().error());
  json result = json::parse(*done.result());
  const int code = exit_of_outcomes(result["results"]);
  if (args.flag("json")) {
    result["ok"] = code == kOk;
    print_json(result);
    return code;
  }
  const json& q = result["query"];
  std::cout << (aid ? "医療扶助 " + q.value("month", "") : (sub == "online" ? "オンライン診療等 " : "訪問診療等 ") +
                                                             q.value("from", "") + "–" + q.value("to", "") +
                                                             (q.value("by", "") == "examination" ? " (受診日)" : " (同意日)"))
            << ": " << result["results"].size() << " patient(s)\n";
  for (const auto& o : result["results"]) {
    const json q1 = o["qualifications"].empty() ? json::object() : o["qualifications"][0];
    std::cout << "  " << q1.value("name", "(no name)") << "  " << kind_label(o.value("kind", "failed")) << "  "
              << q1.value("insurer_number", "") << " " << q1.value("insured_identification_number", "");
    if (o.contains("patient") && o["patient"].contains("patient_id"))
      std::cout << "  patient " << o["patient"].value("patient_id", "");
    std::cout << "\n";
    for (const auto& p : q1.value("public_expenses", json::array())) std::cout << "    " << kouhi_line(p) << "\n";
  }
  if (code != kOk) std::cout << "  what to do: check the patients not valid before the visit (onshi verify insured)\n";
  return code;
}

}  // namespace

std::vector<Command> records_commands() {
  return {
      {"bulk", kBulkUsage,
       "一括照会: check a CSV of appointments (patient_id,insurer_number,symbol,number,branch,birth_date"
       "[,reference_number]) in one upload; progress on stderr; run again to resume after a crash",
       &bulk, {"jobs"}},
      {"history", kHistoryUsage,
       "past verifications, newest first, by date, name (kana, any width), 照会番号 or patient (kept until the end of "
       "the following month)",
       &history},
      {"register-ref", kRegisterUsage,
       "照会番号登録: register the clinic's patient number so later results carry it (R-SHOUKAI); --csv FILE: "
       "reference_number,insurer_number,symbol,number,branch[,birth_date,patient_id]",
       &register_ref},
      {"deferred", kDeferredAddUsage,
       "システム障害時 (R-M9): the checks an outage postponed. `add` queues them (the claims result of a verify_later "
       "visit, or checks), `run` sends them as one 一括照会 when the link is back (or at the end of the day; the plugin "
       "also runs them itself when a check reaches the system again), `list` shows each with its outcome and the "
       "recheck value to decide the claim with",
       &deferred,
       {},
       {{"add", kDeferredAddUsage, "queue the checks in FILE(s): a claims result with deferred_check, or checks"},
        {"run", kDeferredRunUsage, "run the queued checks now (one 一括照会); exit 0 when all were found valid"},
        {"list", kDeferredListUsage, "every deferred check kept, its state and outcome"}}},
      {"requery", kRequeryVisitUsage,
       "the queries selected by a window instead of patients: 居宅同意取得型 re-queries of who consented (or was "
       "examined) for 訪問診療 or オンライン診療, and 医療扶助 by 診療年月 (the 医療券 registered for this clinic); each "
       "result with the 公費 it carries; exit 0 when all are valid",
       &requery,
       {},
       {{"home-visit", kRequeryVisitUsage, "訪問診療等 (OQSmuhvq): who consented between --from and --to (同意日)"},
        {"online", kRequeryOnlineUsage, "オンライン診療等 (OQSmuonq): by 同意日, or by 受診日 with --by examination"},
        {"medical-aid", kRequeryAidUsage, "医療扶助 (OQSmutic): the 医療券 of the month for this clinic"}}},
  };
}

}  // namespace onshi::cli
