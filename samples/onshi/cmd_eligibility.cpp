// onshi's eligibility commands: verify (a 資格確認 at the reception window: by insurance numbers, or
// by the My Number card over the direct TLS connection), parse (any message file of the terminal's
// interface), watch-face (results the face reader pushes).
#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/abi/onshi_ext_eligibility.h>

#include <chrono>
#include <cstring>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>

#include "cli.hpp"
#include "commands.hpp"
#include "reception.hpp"

namespace onshi::cli {

namespace {

using nlohmann::json;

constexpr const char* kVerifyInsuredUsage =
    "onshi verify insured --insurer N [--symbol S] --number N [--branch B] --birth YYYYMMDD [--timeout S] [--json]";
constexpr const char* kVerifyCardUsage =
    "onshi verify card --pin-stdin|--visual-check [--reader NAME] [--timeout S] [--json]";
constexpr const char* kVerifyModesUsage = "onshi verify insured|card ... [--json]";
constexpr const char* kParseUsage = "onshi parse FILE [--json]";
constexpr const char* kWatchUsage = "onshi watch-face [--json] [--count N] [--timeout S]";

Result<Eligibility> open_eligibility(const Sdk& sdk) {
  return sdk.extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY);
}

std::optional<double> seconds(const Args& args, const char* name, double fallback) {
  auto text = args.value(name);
  if (!text) return fallback;
  try {
    size_t used = 0;
    double s = std::stod(*text, &used);
    if (used == text->size() && s > 0) return s;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::chrono::milliseconds as_duration(double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); }

// The terminal not answering (timeout, share missing, I/O) is "unavailable"; the rest "failed".
int exit_code(const json& outcome) {
  const std::string kind = outcome.value("kind", "failed");
  if (kind != "failed") return outcome_words(kind).exit;
  const std::string code = outcome.value("code", "");
  const bool unreachable = outcome.value("stage", "") == "transport" &&
                           (code == std::to_string(ONSHI_E_TIMEOUT) || code == std::to_string(ONSHI_E_NOT_FOUND) ||
                            code == std::to_string(ONSHI_E_IO) || code == std::to_string(ONSHI_E_NETWORK));
  return unreachable ? kUnavailable : kFailed;
}


// "010" → "1割" (the ratios are 3-digit strings in tenths of ten percent).
std::string ratio_label(const std::string& code) {
  if (code.empty() || code.find_first_not_of("0123456789") != std::string::npos) return code;
  const int percent = std::stoi(code);
  return percent % 10 == 0 ? std::to_string(percent / 10) + "割" : std::to_string(percent) + "%";
}

// R-RATIO: 後期高齢者 and 高齢受給者 ratios are sent; 未就学 pays 2割; otherwise the normal ratio.
std::string ratio_text(const json& q) {
  if (auto r = field(q, "contribution_ratio"); !r.empty()) return ratio_label(r) + " (sent by the insurer)";
  if (auto r = field(q, "elderly_contribution_ratio"); !r.empty()) return ratio_label(r) + " (高齢受給者)";
  if (q.value("preschool", false)) return "2割 (未就学)";
  return "3割 (no ratio sent: the normal ratio)";
}

void print_line(const char* label, const std::string& value) {
  if (!value.empty()) std::cout << "  " << label << value << "\n";
}

void print_qualification(const json& q) {
  print_line("保険者 insurer:        ",
             field(q, "insurer_number") + (q.contains("insurer_name") ? "  " + field(q, "insurer_name") : ""));
  const std::string numbers = "記号 " + (q.contains("insured_card_symbol") ? field(q, "insured_card_symbol") : "-") +
                              " / 番号 " + field(q, "insured_identification_number") + " / 枝番 " +
                              (field(q, "insured_branch_number").empty() ? "-" : field(q, "insured_branch_number"));
  print_line("記号・番号・枝番:      ", numbers);
  print_line("区分 card class:       ", field(q, "insured_card_classification"));
  std::string name = field(q, "name");
  if (auto kana = field(q, "name_kana"); !kana.empty()) name += name.empty() ? kana : " (" + kana + ")";
  print_line("氏名 name:             ", name);
  print_line("生年月日 birth date:   ",
             q.value("birthdate_unknown", false) ? std::string("不詳 (unknown, 19000101)") : field(q, "birthdate"));
  print_line("負担割合 ratio:        ", ratio_text(q));
  if (q.value("preschool", false)) print_line("未就学 preschool:      ", "yes");
  print_line("有効期間 valid:        ", field(q, "valid_from").empty() && field(q, "valid_until").empty()
                                            ? ""
                                            : field(q, "valid_from") + " - " + field(q, "valid_until"));
  print_line("喪失日 lost on:        ", field(q, "disqualification_date"));
  print_line("照会番号 reference:    ", field(q, "reference_number"));
  for (const auto& p : q.value("public_expenses", json::array())) print_line("公費 public expense:   ", kouhi_line(p));
  for (const auto& note : q.value("charset_notes", json::array())) {
    std::string text = field(note, "field") + ":";
    if (note.value("black_dot", false)) text += " contains ● (a character the insurer could not store; match on kana)";
    const auto outside = note.value("outside_jis_x0208", json::array());
    if (!outside.empty()) {
      text += " characters outside JIS X 0208:";
      for (const auto& c : outside) text += " " + c.get<std::string>();
    }
    print_line("注意 note:             ", text);
  }
}

void print_outcome(const json& outcome) {
  const std::string kind = outcome.value("kind", "failed");
  const OutcomeWords& text = outcome_words(kind);
  std::cout << text.japanese << " (" << text.english << ")\n";
  if (kind == "failed" || kind == "in_progress")
    print_line("message:               ",
               field(outcome, "message") + (field(outcome, "code").empty() ? "" : " [" + field(outcome, "code") + "]"));
  print_line("note:                  ", field(outcome, "note"));
  const auto& list = outcome.value("qualifications", json::array());
  for (size_t i = 0; i < list.size(); ++i) {
    if (list.size() > 1) std::cout << " result " << i + 1 << " of " << list.size() << ":\n";
    print_qualification(list[i]);
  }
  const auto withheld = outcome.value("withheld_fields", json::array());
  if (!withheld.empty()) {
    std::string names;
    for (const auto& f : withheld) names += (names.empty() ? "" : ", ") + f.get<std::string>();
    print_line("非開示 withheld:       ", names + " (not shown by the insurer; not stored)");
  }
  // The core's hint knows the rule behind the outcome; ours is the fallback.
  const std::string hint = field(outcome, "hint").empty() ? text.next : field(outcome, "hint");
  std::cout << "  what to do: " << hint << "\n";
}

// ---- verify -----------------------------------------------------------------------------------

// Prints the outcome document (or its JSON) and returns the exit code it means. The
// plugin itself records every verification in the history (onshi history).
int report_outcome(const Args& args, const json& outcome) {
  const int code = exit_code(outcome);
  if (args.flag("json"))
    print_json({{"ok", code == kOk}, {"outcome", outcome}});
  else
    print_outcome(outcome);
  return code;
}

int verify_insured(const Args& args) {
  if (auto bad = args.unknown({"insurer", "symbol", "number", "branch", "birth", "timeout"}); !bad.empty())
    return usage_error("unknown option --" + bad, kVerifyInsuredUsage);
  for (const char* required : {"insurer", "number", "birth"})
    if (!args.value(required) || args.value(required)->empty())
      return usage_error(std::string("--") + required + " is required", kVerifyInsuredUsage);
  const auto timeout = seconds(args, "timeout", 90);  // the plugin's own folder timeout (60 s) answers first
  if (!timeout) return usage_error("--timeout takes a number of seconds", kVerifyInsuredUsage);

  const json request = {{"schema", "onshi.eligibility.request/1"},  {"kind", "insured"},
                        {"insurer_number", *args.value("insurer")}, {"symbol", args.value("symbol").value_or("")},
                        {"number", *args.value("number")},          {"branch", args.value("branch").value_or("")},
                        {"birth_date", *args.value("birth")}};
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_eligibility(*sdk);
  if (!ext) return fail(args, ext.error());
  auto outcome = verify_by_numbers(*ext, request, as_duration(*timeout));
  return outcome ? report_outcome(args, *outcome) : fail(args, outcome.error());
}

// ---- verify card ------------------------------------------------------------------------------

// A reader error: a card that is not a My Number card is "unavailable" (3) like no card at all.
int reader_fail(const Args& args, const Error& e) {
  const int code = fail(args, e);
  return e.code == ONSHI_E_WRONG_CARD ? kUnavailable : code;
}

int verify_card(const Args& args) {
  if (args.positionals().size() > 1)  // never echoed: it may be a PIN typed in the wrong place
    return usage_error("verify card takes no further arguments (the PIN is read from stdin only)", kVerifyCardUsage);
  if (auto bad = args.unknown({"pin-stdin", "visual-check", "reader", "timeout"}); !bad.empty())
    return usage_error("unknown option --" + bad, kVerifyCardUsage);
  const bool visual = args.flag("visual-check");
  if (visual == args.flag("pin-stdin"))
    return usage_error("give exactly one of --pin-stdin (the patient's PIN, read from stdin) and --visual-check "
                       "(staff compared the card's photo with the patient, R-VIS)",
                       kVerifyCardUsage);
  if (auto r = args.value("reader"); r && r->empty()) return usage_error("--reader needs a reader name", kVerifyCardUsage);
  const auto timeout = seconds(args, "timeout", 90);
  if (!timeout) return usage_error("--timeout takes a number of seconds", kVerifyCardUsage);

  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto reader = sdk->extension<onshi_card_reader_v1>(ONSHI_EXT_CARD_READER);
  if (!reader) return fail(args, reader.error());
  auto ext = open_eligibility(*sdk);
  if (!ext) return fail(args, ext.error());
  const auto reader_name = args.value("reader");
  const char* name = reader_name ? reader_name->c_str() : nullptr;
  auto check = [&]() -> Result<CardCheck> {
    if (visual) return verify_by_card(*reader, *ext, name, nullptr, as_duration(*timeout));
    PinInput pin;  // wiped when this returns
    return verify_by_card(*reader, *ext, name, pin.c_str(), as_duration(*timeout));
  }();
  if (!check) return check.error().domain == "eligibility" ? fail(args, check.error()) : reader_fail(args, check.error());
  if (check->kind == "outcome") return report_outcome(args, check->outcome);
  // A wrong or locked PIN: nothing was sent.
  const bool locked = check->kind == "pin_locked";
  const std::string summary =
      locked ? check->message + " (`onshi verify card --visual-check`)"
             : "PIN 不一致 wrong PIN: " + std::to_string(check->tries_left) + " tries left; the query was not sent";
  if (args.flag("json"))
    print_json({{"ok", false},
                {"outcome", check->kind},
                {"tries_left", check->tries_left},
                {"message", summary}});
  else
    std::cout << summary << "\n";
  return kNegative;  // a "no": the patient's card cannot be used this way
}

int cmd_verify(const Args& args) {
  const auto& modes = args.positionals();  // main.cpp checked modes[0] (insured or card)
  return modes[0] == "insured" ? verify_insured(args) : verify_card(args);
}

// ---- parse ------------------------------------------------------------------------------------

int cmd_parse(const Args& args) {
  if (auto bad = args.unknown({}); !bad.empty()) return usage_error("unknown option --" + bad, kParseUsage);
  if (args.positionals().size() != 1) return usage_error("give one message file", kParseUsage);
  const std::string& file = args.positionals()[0];
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(args, make_error(ONSHI_E_NOT_FOUND, "file", "cannot read " + file, "check the file's path"));
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_eligibility(*sdk);
  if (!ext) return fail(args, ext.error());
  std::string text;
  onshi_writer out = append_to(text);
  onshi_error err = empty_error();
  if (onshi_status st = ext->vtable->parse(ext->instance, file.c_str(),
                                           bytes_of(bytes), &out, &err))
    return fail(args, to_error(st, err));
  nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text);
  if (args.flag("json")) {
    parsed["ok"] = true;
    print_json(json::parse(parsed.dump()));  // print_json takes json; key order is not kept there
    return kOk;
  }
  std::cout << file << ": " << parsed.value("type", "unknown") << " (" << parsed.value("encoding", "") << ")\n";
  if (parsed.contains("outcome")) print_outcome(json::parse(parsed["outcome"].dump()));
  if (parsed.contains("drug_history")) {
    const auto& list = parsed["drug_history"]["dispensings"];
    std::cout << "  薬剤情報 drug history: " << list.size() << " entries\n";
    for (const auto& d : list)
      std::cout << "    " << d.value("date", d.value("month", "")) << "  " << d.value("drug_name", "") << "  "
                << d.value("quantity", "") << d.value("unit", "") << "  " << d.value("days", "") << " ("
                << d.value("source", "") << ")\n";
  }
  if (parsed.contains("results")) {  // a 02res: one outcome per patient
    const auto& results = parsed["results"];
    std::cout << "  " << results.size() << " result(s)\n";
    for (size_t i = 0; i < results.size(); ++i) {
      std::cout << " result " << i + 1 << " of " << results.size() << ": ";
      print_outcome(json::parse(results[i].dump()));
    }
  }
  if (parsed.contains("download"))
    std::cout << "  " << parsed["download"].value("state", "") << ": " << parsed["download"].value("message", "")
              << "\n";
  if (parsed.contains("drug_history_error"))
    std::cout << "  薬剤情報 drug history: " << parsed["drug_history_error"].value("message", "") << "\n";
  if (!parsed.contains("outcome") && !parsed.contains("drug_history") && !parsed.contains("results"))
    std::cout << parsed["message"].dump(2) << "\n";
  return kOk;
}

// ---- watch-face -------------------------------------------------------------------------------

volatile std::sig_atomic_t g_interrupted = 0;

// Face results queued by the plugin's thread, printed by the main one.
class FaceQueue {
 public:
  onshi_document_listener listener{sizeof(onshi_document_listener), this, &on_document};

  struct Item {
    onshi_status status;
    std::string document;
    Error error;
  };
  std::optional<Item> pop_for(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, limit, [&] { return !items_.empty(); })) return std::nullopt;
    Item item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

 private:
  static void ONSHI_ABI on_document(void* ctx, onshi_status status, onshi_bytes doc, const onshi_error* err) {
    auto& self = *static_cast<FaceQueue*>(ctx);
    Item item{status, doc.data ? std::string(reinterpret_cast<const char*>(doc.data), doc.size) : std::string(), {}};
    if (status != ONSHI_OK) item.error = err ? to_error(status, *err) : make_error(status, "eligibility", "failed");
    std::lock_guard lock(self.mutex_);
    self.items_.push_back(std::move(item));
    self.cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> items_;
};

void print_face(const Args& args, const FaceQueue::Item& item) {
  const bool as_json = args.flag("json");
  if (item.status != ONSHI_OK) {
    if (as_json)
      std::cout << json{{"ok", false},
                        {"error",
                         {{"code", item.error.code}, {"message", item.error.message}, {"hint", item.error.hint}}}}
                       .dump()
                << std::endl;
    else
      std::cout << "unreadable face result: " << item.error.message << "\n  what to do: " << item.error.hint
                << std::endl;
    return;
  }
  const json outcome = json::parse(item.document, nullptr, false);
  if (as_json) {
    std::cout << json{{"ok", true}, {"outcome", outcome}}.dump() << std::endl;  // one object per line
  } else {
    print_outcome(outcome);
    std::cout << std::endl;
  }
}

int cmd_watch_face(const Args& args) {
  if (auto bad = args.unknown({"count", "timeout"}); !bad.empty())
    return usage_error("unknown option --" + bad, kWatchUsage);
  long count = 0;
  if (auto text = args.value("count")) {
    try {
      count = std::stol(*text);
    } catch (const std::exception&) {
    }
    if (count <= 0) return usage_error("--count takes a positive number", kWatchUsage);
  }
  const auto timeout = seconds(args, "timeout", 0);
  if (!timeout) return usage_error("--timeout takes a number of seconds", kWatchUsage);

  FaceQueue queue;  // declared before the Sdk: it must outlive it
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_eligibility(*sdk);
  if (!ext) return fail(args, ext.error());
  onshi_error err = empty_error();
  if (onshi_status st = ext->vtable->set_face_listener(ext->instance, &queue.listener, &err))
    return fail(args, to_error(st, err));
  if (!args.flag("json")) std::cerr << "watching for face reader results (Ctrl-C stops)\n";

  g_interrupted = 0;
  auto previous = std::signal(SIGINT, [](int) { g_interrupted = 1; });
  const auto deadline = std::chrono::steady_clock::now() + as_duration(*timeout);
  long received = 0;
  while (!g_interrupted && (count == 0 || received < count) &&
         (*timeout == 0 || std::chrono::steady_clock::now() < deadline)) {
    if (auto item = queue.pop_for(std::chrono::milliseconds(100))) {
      print_face(args, *item);
      ++received;
    }
  }
  std::signal(SIGINT, previous);
  ext->vtable->set_face_listener(ext->instance, nullptr, &err);
  if (count > 0 && received < count) {
    const Error e = make_error(ONSHI_E_TIMEOUT, "watch-face",
                               std::to_string(received) + " of " + std::to_string(count) + " face results arrived" +
                                   (g_interrupted ? " before Ctrl-C" : " within the timeout"),
                               "check that the face reader and the 資格確認端末 are on and that --oqs-root is their "
                               "shared folder; give a longer --timeout");
    if (args.flag("json"))  // the last line of the stream: the command's own result
      std::cout << json{{"ok", false}, {"error", error_json(e)}}.dump() << std::endl;
    else
      std::cerr << "onshi: " << e.message << "\n  what to do: " << e.hint << "\n";
    return kNegative;
  }
  return kOk;
}

}  // namespace

std::vector<Command> eligibility_commands() {
  return {{"verify", kVerifyModesUsage,
           "資格確認: check a patient's insurance by its numbers or by the My Number card. Exit 0 valid, 1 a "
           "negative answer (lost, no data, wrong or locked PIN, expired certificate), 3 the terminal or server did "
           "not answer, 4 failed",
           cmd_verify,
           {"pin-stdin", "visual-check"},
           {{"insured", kVerifyInsuredUsage,
             "by the numbers on the insurance card or 資格確認書 (保険者番号, 記号, 番号, 枝番, 生年月日), through "
             "the 資格確認端末's shared folder (--oqs-root) or the TLS transport (--config)"},
            {"card", kVerifyCardUsage,
             "by the My Number card over the direct TLS connection: the card signs the server's challenge after the "
             "PIN (read from stdin), or staff did a visual check (目視確認, R-VIS)"}}},
          {"parse", kParseUsage,
           "read any message file of the 資格確認端末 (req/res/face) as typed JSON with its outcome", cmd_parse},
          {"watch-face", kWatchUsage,
           "print the face reader's results as they arrive (until N results, S seconds, or Ctrl-C); with --json one "
           "object per line, and a last {\"ok\": false} line (exit 1) when fewer than --count arrived",
           cmd_watch_face}};
}

}  // namespace onshi::cli
