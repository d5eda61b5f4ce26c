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

namespace onshi::cli {

namespace {

using nlohmann::json;
using Eligibility = Extension<onshi_eligibility_v1>;

constexpr const char* kVerifyUsage =
    "onshi verify insured --insurer N [--symbol S] --number N [--branch B] --birth YYYYMMDD [--timeout S] [--json]";
constexpr const char* kCardUsage =
    "onshi verify card --pin-stdin|--visual-check [--reader NAME] [--timeout S] [--json]";
constexpr const char* kVerifyBothUsage =
    "onshi verify insured --insurer N [--symbol S] --number N [--branch B] --birth YYYYMMDD [--timeout S] [--json]\n"
    "  onshi verify card --pin-stdin|--visual-check [--reader NAME] [--timeout S] [--json]";
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

// ---- how a receptionist reads an outcome ----------------------------------------------------

struct KindText {
  const char *japanese, *english, *next;
  int exit;
};

KindText kind_text(const std::string& kind) {
  if (kind == "valid")
    return {"資格有効", "valid", "proceed with reception and bill with the qualification shown", kOk};
  if (kind == "lost")
    return {"資格無効", "lost: the qualification shown is the old one",
            "ask for the patient's current insurance; keep the old qualification shown for the claim", kNegative};
  if (kind == "lost_with_new")
    return {"資格無効（新しい資格あり）", "lost, a new qualification exists",
            "ask for the new insurance card (or use the My Number card) and check again", kNegative};
  if (kind == "no_data")
    return {"該当資格なし", "no data",
            "check the numbers and the birth date against the card and try again; else use a 申立書", kNegative};
  if (kind == "needs_person")
    return {"複数該当", "several matches",
            "confirm with the patient which qualification applies (never pick one automatically)", kNegative};
  if (kind == "withheld")
    return {"一部非開示", "the insurer withholds part of the data",
            "use only what is shown; ask the patient for the rest; nothing of it is stored", kNegative};
  if (kind == "in_progress") return {"処理中", "still being processed", "ask again in a minute", kUnavailable};
  return {"確認できませんでした", "the check failed", "try again; if it keeps failing, check the 資格確認端末",
          kFailed};
}

// The terminal not answering (timeout, share missing, I/O) is "unavailable"; the rest "failed".
int exit_code(const json& outcome) {
  const std::string kind = outcome.value("kind", "failed");
  if (kind != "failed") return kind_text(kind).exit;
  const std::string code = outcome.value("code", "");
  const bool unreachable = outcome.value("stage", "") == "transport" &&
                           (code == std::to_string(ONSHI_E_TIMEOUT) || code == std::to_string(ONSHI_E_NOT_FOUND) ||
                            code == std::to_string(ONSHI_E_IO) || code == std::to_string(ONSHI_E_NETWORK));
  return unreachable ? kUnavailable : kFailed;
}

std::string field(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
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
  const KindText text = kind_text(kind);
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

// ---- waiting for the plugin -------------------------------------------------------------------

// One asynchronous operation's end. Must outlive the Sdk, which completes what is pending on close.
class Completion {
 public:
  onshi_completion c{sizeof(onshi_completion), this, &on_done};

  bool wait_for(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return done_; });
  }
  onshi_status status() const { return status_; }
  const std::string& result() const { return result_; }
  const Error& error() const { return error_; }

 private:
  static void ONSHI_ABI on_done(void* ctx, onshi_status status, onshi_bytes result, const onshi_error* err) {
    auto& self = *static_cast<Completion*>(ctx);
    std::lock_guard lock(self.mutex_);
    self.status_ = status;
    if (result.data) self.result_.assign(reinterpret_cast<const char*>(result.data), result.size);
    if (status != ONSHI_OK) self.error_ = err ? to_error(status, *err) : make_error(status, "eligibility", "failed");
    self.done_ = true;
    self.cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  onshi_status status_ = ONSHI_OK;
  std::string result_;
  Error error_;
};

// ---- verify -----------------------------------------------------------------------------------

int list_modes() {
  std::cout << "usage: onshi verify <mode> ...\n\nmodes:\n"
               "  insured   by the numbers on the insurance card (保険者番号, 記号, 番号, 枝番, 生年月日)\n"
               "            "
            << kVerifyUsage
            << "\n"
               "  card      by the My Number card over the direct TLS connection: the card signs the server's\n"
               "            challenge after the PIN (from stdin), or staff did a visual check (目視確認, R-VIS)\n"
               "            "
            << kCardUsage << "\n";
  return kUsage;
}

// HISTORY: the single place a verification result would be recorded (when, how, outcome, the
// qualification fields billing needs, consent flags; never the individual number, a PIN or what the
// insurer withheld). The durable history store of issue 5 plugs in here; until then nothing is kept.
// `method`: "insured", "card" (PIN signature) or "visual" (目視確認, R-VIS).
void record_verification(const Args&, const char* /*method*/, const json& /*outcome*/) {}

// Waits for a started operation; on our own timeout cancels it and says so (exit 3).
std::optional<int> wait_or_give_up(const Args& args, const Eligibility& ext, Completion& completion, uint64_t op,
                                   double timeout) {
  if (completion.wait_for(as_duration(timeout))) return std::nullopt;
  ext.vtable->cancel(ext.instance, op);
  completion.wait_for(std::chrono::seconds(5));
  fail(args, make_error(ONSHI_E_TIMEOUT, "eligibility",
                        "no answer within " + args.value("timeout").value_or("90") + " s",
                        "check that the 資格確認端末 or the server and the network are up, then try again"));
  return kUnavailable;
}

// Prints the outcome document (or its JSON) and returns the exit code it means.
int report_outcome(const Args& args, const std::string& text, const char* method) {
  const json outcome = json::parse(text, nullptr, false);
  if (outcome.is_discarded())
    return fail(args, make_error(ONSHI_E_PROTOCOL, "eligibility", "the plugin's outcome is not JSON",
                                 "report this with `onshi plugins --json`"));
  record_verification(args, method, outcome);
  const int code = exit_code(outcome);
  if (args.flag("json"))
    print_json({{"ok", code == kOk}, {"outcome", outcome}});
  else
    print_outcome(outcome);
  return code;
}

int verify_insured(const Args& args) {
  if (auto bad = args.unknown({"insurer", "symbol", "number", "branch", "birth", "timeout"}); !bad.empty())
    return usage_error("unknown option --" + bad, kVerifyUsage);
  for (const char* required : {"insurer", "number", "birth"})
    if (!args.value(required) || args.value(required)->empty())
      return usage_error(std::string("--") + required + " is required", kVerifyUsage);
  const auto timeout = seconds(args, "timeout", 90);  // the plugin's own folder timeout (60 s) answers first
  if (!timeout) return usage_error("--timeout takes a number of seconds", kVerifyUsage);

  const json request = {{"schema", "onshi.eligibility.request/1"},  {"kind", "insured"},
                        {"insurer_number", *args.value("insurer")}, {"symbol", args.value("symbol").value_or("")},
                        {"number", *args.value("number")},          {"branch", args.value("branch").value_or("")},
                        {"birth_date", *args.value("birth")}};
  Completion completion;  // declared before the Sdk: it must outlive it
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto ext = open_eligibility(*sdk);
  if (!ext) return fail(args, ext.error());
  const std::string text = request.dump();
  onshi_error err = empty_error();
  uint64_t op = 0;
  if (onshi_status st = ext->vtable->query_async(
          ext->instance, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, &completion.c, &op, &err))
    return fail(args, to_error(st, err));
  if (auto gave_up = wait_or_give_up(args, *ext, completion, op, *timeout)) return *gave_up;
  if (completion.status() != ONSHI_OK) return fail(args, completion.error());
  return report_outcome(args, completion.result(), "insured");
}

// ---- verify card ------------------------------------------------------------------------------

using CardReader = Extension<onshi_card_reader_v1>;

const char* reader_arg(const std::optional<std::string>& reader) { return reader ? reader->c_str() : nullptr; }

// A reader error: a card that is not a My Number card is "unavailable" (3) like no card at all.
int reader_fail(const Args& args, const Error& e) {
  const int code = fail(args, e);
  return e.code == ONSHI_E_WRONG_CARD ? kUnavailable : code;
}

// A failure before the query (no challenge) printed as the failed outcome the query would give.
int transport_failure(const Args& args, const Error& e, const char* method) {
  const json outcome = {{"schema", "onshi.eligibility.outcome/1"},
                        {"kind", "failed"},
                        {"stage", "transport"},
                        {"code", std::to_string(e.code)},
                        {"message", e.message},
                        {"hint", e.hint},
                        {"retryable", e.retryable},
                        {"qualifications", json::array()},
                        {"withheld_fields", json::array()},
                        {"cache_allowed", false}};
  return report_outcome(args, outcome.dump(), method);
}

std::string bytes_to_base64(const std::string& bytes) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint8_t(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= uint8_t(bytes[i + 2]);
    out += abc[n >> 18];
    out += abc[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? abc[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? abc[n & 63] : '=';
  }
  return out;
}

std::optional<std::string> base64_to_bytes(const std::string& text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* at = std::strchr(abc, c);
    if (!at || !c) return std::nullopt;
    acc = (acc << 6) | uint32_t(at - abc);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// The card flow: reader (card_info, auth certificate, PIN + signature over the server's challenge,
// or staff's visual check) → eligibility query over TLS → the outcome.
int verify_card(const Args& args) {
  if (args.positionals().size() > 1)  // never echoed: it may be a PIN typed in the wrong place
    return usage_error("verify card takes no further arguments (the PIN is read from stdin only)", kCardUsage);
  if (auto bad = args.unknown({"pin-stdin", "visual-check", "reader", "timeout"}); !bad.empty())
    return usage_error("unknown option --" + bad, kCardUsage);
  const bool visual = args.flag("visual-check");
  if (visual == args.flag("pin-stdin"))
    return usage_error("give exactly one of --pin-stdin (the patient's PIN, read from stdin) and --visual-check "
                       "(staff compared the card's photo with the patient, R-VIS)",
                       kCardUsage);
  if (auto r = args.value("reader"); r && r->empty()) return usage_error("--reader needs a reader name", kCardUsage);
  const auto timeout = seconds(args, "timeout", 90);
  if (!timeout) return usage_error("--timeout takes a number of seconds", kCardUsage);
  const char* method = visual ? "visual" : "card";

  Completion challenged, answered;  // declared before the Sdk: they must outlive it
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto reader = sdk->extension<onshi_card_reader_v1>(ONSHI_EXT_CARD_READER);
  if (!reader) return fail(args, reader.error());
  auto ext = open_eligibility(*sdk);
  if (!ext) return fail(args, ext.error());
  if (!ONSHI_HAS_FIELD(onshi_eligibility_v1, ext->vtable, challenge_async) || !ext->vtable->challenge_async)
    return fail(args, make_error(ONSHI_E_NOT_SUPPORTED, "eligibility",
                                 "the eligibility plugin " + ext->plugin_id + " cannot query by the My Number card",
                                 "install an eligibility plugin with the direct TLS transport"));
  const char* reader_name = reader_arg(args.value("reader"));

  // 1. The card: its kind and PIN state (no PIN spent), then its auth certificate.
  std::string info_text;
  onshi_writer info_out = string_writer(info_text);
  onshi_error err = empty_error();
  if (onshi_status st = reader->vtable->card_info(reader->instance, reader_name, &info_out, &err))
    return reader_fail(args, to_error(st, err));
  const json info = json::parse(info_text, nullptr, false);
  const std::string card_kind = info.is_object() ? info.value("kind", "card") : "card";
  if (!visual && info.is_object() && info.value("pin_tries_left", 1) == 0) {
    fail(args, make_error(ONSHI_E_PIN_LOCKED, "card", "the card's PIN is locked: no signature is possible (nothing was sent)",
                          "check identity by 目視確認 and run `onshi verify card --visual-check` (R-VIS); only the "
                          "municipality can unlock the PIN"));
    return kNegative;  // a "no", like a wrong PIN: the patient's card cannot be used this way
  }
  std::string certificate;
  onshi_writer cert_out = string_writer(certificate);
  err = empty_error();
  if (onshi_status st = reader->vtable->read_certificate(reader->instance, reader_name, ONSHI_CERT_AUTH, &cert_out, &err))
    return reader_fail(args, to_error(st, err));

  json request = {{"schema", "onshi.eligibility.request/1"},
                  {"kind", "card"},
                  {"certificate", bytes_to_base64(certificate)},
                  {"card_kind", card_kind}};
  if (visual) {
    request["identity_check"] = "visual";
  } else {
    // 2. The server's challenge, then the PIN (read only now, wiped right after signing).
    uint64_t op = 0;
    err = empty_error();
    if (onshi_status st = ext->vtable->challenge_async(ext->instance, &challenged.c, &op, &err))
      return fail(args, to_error(st, err));
    if (auto gave_up = wait_or_give_up(args, *ext, challenged, op, *timeout)) return *gave_up;
    if (challenged.status() != ONSHI_OK) return transport_failure(args, challenged.error(), method);
    const json doc = json::parse(challenged.result(), nullptr, false);
    const auto challenge = doc.is_object() ? base64_to_bytes(doc.value("challenge", "")) : std::nullopt;
    if (!challenge || challenge->empty())
      return fail(args, make_error(ONSHI_E_PROTOCOL, "eligibility", "the plugin's challenge document is unreadable",
                                   "report this with `onshi plugins --json`"));
    std::string signature;
    onshi_writer sig_out = string_writer(signature);
    err = empty_error();
    onshi_status st = ONSHI_OK;
    {
      PinInput pin;
      st = reader->vtable->sign(reader->instance, reader_name, pin.c_str(),
                                {reinterpret_cast<const uint8_t*>(challenge->data()), challenge->size()}, &sig_out,
                                &err);
    }
    if (st == ONSHI_E_PIN_WRONG || st == ONSHI_E_PIN_LOCKED) {
      const Error e = to_error(st, err);
      const bool locked = st == ONSHI_E_PIN_LOCKED;
      const std::string summary =
          locked ? "PIN ロック locked: check identity by 目視確認 and run `onshi verify card --visual-check` (R-VIS)"
                 : "PIN 不一致 wrong PIN: " + std::to_string(e.native_code) + " tries left; the query was not sent";
      if (args.flag("json"))
        print_json({{"ok", false},
                    {"outcome", locked ? "pin_locked" : "pin_wrong"},
                    {"tries_left", locked ? 0 : e.native_code},
                    {"message", summary},
                    {"error", {{"code", e.code}, {"domain", e.domain}, {"message", e.message}, {"hint", e.hint}}}});
      else
        std::cout << summary << "\n";
      return kNegative;
    }
    if (st != ONSHI_OK) return reader_fail(args, to_error(st, err));
    request["challenge"] = doc.value("challenge", "");
    request["signature"] = bytes_to_base64(signature);
  }

  // 3. The query itself.
  const std::string text = request.dump();
  uint64_t op = 0;
  err = empty_error();
  if (onshi_status st = ext->vtable->query_async(
          ext->instance, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, &answered.c, &op, &err))
    return fail(args, to_error(st, err));
  if (auto gave_up = wait_or_give_up(args, *ext, answered, op, *timeout)) return *gave_up;
  if (answered.status() != ONSHI_OK) return fail(args, answered.error());
  return report_outcome(args, answered.result(), method);
}

int cmd_verify(const Args& args) {
  const auto& modes = args.positionals();
  if (modes.empty()) return list_modes();
  if (modes[0] == "insured") return verify_insured(args);
  if (modes[0] == "card") return verify_card(args);
  return usage_error("unknown mode '" + modes[0] + "' (modes: insured, card)", kVerifyUsage);
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
  onshi_writer out{&text, [](void* ctx, const uint8_t* d, uint64_t n) -> onshi_status {
                     static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(d), n);
                     return ONSHI_OK;
                   }};
  onshi_error err = empty_error();
  if (onshi_status st = ext->vtable->parse(ext->instance, file.c_str(),
                                           {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, &out, &err))
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
  if (parsed.contains("drug_history_error"))
    std::cout << "  薬剤情報 drug history: " << parsed["drug_history_error"].value("message", "") << "\n";
  if (!parsed.contains("outcome") && !parsed.contains("drug_history")) std::cout << parsed["message"].dump(2) << "\n";
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
    std::cerr << "onshi: " << received << " of " << count << " face results arrived"
              << (g_interrupted ? " before Ctrl-C" : " within the timeout") << "\n";
    return kNegative;
  }
  return kOk;
}

}  // namespace

std::vector<Command> eligibility_commands() {
  return {{"verify", kVerifyBothUsage,
           "資格確認: check a patient's insurance by its numbers or by the My Number card (onshi verify alone lists "
           "the modes)",
           cmd_verify,
           {"pin-stdin", "visual-check"}},
          {"parse", kParseUsage,
           "read any message file of the 資格確認端末 (req/res/face) as typed JSON with its outcome", cmd_parse},
          {"watch-face", kWatchUsage,
           "print the face reader's results as they arrive (until N results, S seconds, or Ctrl-C)", cmd_watch_face}};
}

}  // namespace onshi::cli
