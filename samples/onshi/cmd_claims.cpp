// onshi's claims commands: claim, insurer-check, copay, form, usage-rate. Each one
// builds a request document, calls "onshi.claims/1" (onshi_ext_claims.h) through
// the SDK and prints the answer with Japanese labels and English beside them.
// With --json, "ok" is true exactly when the exit status is 0.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/support/base64.hpp>
#include <onshi/support/dates.hpp>
#include <onshi/support/files.hpp>
#include "cli.hpp"
#include "commands.hpp"

#include <onshi/abi/onshi_ext_claims.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace onshi::cli {

namespace {

using nlohmann::json;

constexpr const char* kClaimUsage =
    "onshi claim FILE.json [--uke] [--uke-out RECEIPTC.UKE] [--json]  |  "
    "onshi claim merge --into RECEIPTC.UKE [--out MERGED.UKE] CLAIM.json... [--json]";
constexpr const char* kInsurerCheckUsage =
    "onshi insurer-check NUMBER [--kind insurer|public-expense|recipient] [--json]";
constexpr const char* kCopayUsage =
    "onshi copay --birth YYYY-MM-DD [--on YYYY-MM-DD] [--payer shaho|kokuho|kouki|medical_aid|unknown] "
    "[--card-ratio N] [--json]";
constexpr const char* kFormUsage = "onshi form FILE.json --out FORM.html [--json]";
constexpr const char* kUsageRateUsage =
    "onshi usage-rate --month YYYY-MM --from FILE.json [--facility medical|dental|pharmacy] [--pediatric] [--json]";

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ONSHI_E_NOT_FOUND, "file", "cannot read " + path, "check the file name and its permissions");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A レセプト or a 申立書 is about a patient: owner-only (0600) whatever the umask, never through a link,
// and whole or not at all (a full disk left an empty RECEIPTC.UKE in its place: issue 18).
Result<void> write_file(const std::string& path, const std::string& bytes) {
  return support::write_file_atomically(path, bytes);
}

// A JSON file the user gave; errors name the file.
Result<json> read_json_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return make_error(ONSHI_E_INVALID_ARGUMENT, "file", path + " is not valid JSON", "check the file with a JSON linter");
  return j;
}

// "Today" for documents: the SDK clock (which tests pin) as a JST date.
std::string today(const Sdk& sdk) {
  return support::iso_date(support::jst_day(std::chrono::system_clock::time_point(std::chrono::milliseconds(sdk.now_ms()))));
}

// Calls one function of onshi.claims/1 with a document and returns what it wrote.
Result<std::string> call_claims(const Sdk& sdk, onshi_document_fn onshi_claims_v1::*function, const json& document) {
  auto claims = sdk.extension<onshi_claims_v1>(ONSHI_EXT_CLAIMS);
  if (!claims) return claims.error();
  const std::string in = document.dump();
  std::string out;
  const onshi_writer writer = append_to(out);
  onshi_error err = empty_error();
  if (onshi_status st = (claims->vtable->*function)(claims->instance, bytes_of(in), &writer, &err); st != ONSHI_OK)
    return to_error(st, err);
  return out;
}

// Opens the SDK and calls `function` with the document `build` makes (it may read the SDK clock).
template <class Build>
Result<std::string> open_and_call(const Args& args, onshi_document_fn onshi_claims_v1::*function, Build build) {
  auto sdk = open_sdk(args);
  if (!sdk) return sdk.error();
  return call_claims(*sdk, function, build(*sdk));
}

// The command-line option behind each request field the user typed, so that an
// error about the field says which option to correct.
using OptionNames = std::initializer_list<std::pair<const char*, const char*>>;

Error naming_the_option(Error e, OptionNames options) {
  for (const auto& [field, option] : options) {
    const std::string name(field);
    if (e.message.find("field " + name + ":") != std::string::npos ||
        e.message.find(name + " is missing") != std::string::npos) {
      e.hint += (e.hint.empty() ? "" : "; ") + std::string("on the command line it is ") + option;
      break;
    }
  }
  return e;
}

const char* route_label(const std::string& id) {
  if (id == "R-CLAIM-OK") return "確認済みの資格で請求 (verified)";
  if (id == "R-CLAIM-A") return "聴取した現在の資格で請求 (current, asked)";
  if (id == "R-CLAIM-B") return "旧資格で請求 (old qualification)";
  if (id == "R-CLAIM-C") return "不詳レセプト (unknown)";
  if (id == "R-M8") return "請求なし・10割負担 (no claim, self-pay)";
  if (id == "R-M9") return "後で確認・請求保留 (verify later, not filed yet)";
  if (id == "R-DISASTER-CLAIM") return "災害時・口頭申告で請求 (disaster, oral declaration)";
  if (id == "R-KUBUN-05") return "特別療養費・10割負担・紙レセプト (special care expense, paper)";
  return "";
}

const char* method_label(const std::string& id) {
  if (id == "R-M1") return "マイナ保険証 (card verified online)";
  if (id == "R-M2") return "マイナポータル＋カード (portal + card)";
  if (id == "R-M3") return "資格情報のお知らせ＋カード (notice + card)";
  if (id == "R-M4") return "資格確認書 (eligibility certificate)";
  if (id == "R-M5") return "健康保険証 (old insurance card)";
  if (id == "R-M6") return "口頭確認・再診 (oral, revisit)";
  if (id == "R-M7") return "被保険者資格申立書＋カード (statement + card)";
  if (id == "R-M8") return "確認できず (no proof)";
  if (id == "R-M9") return "システム障害時・後で確認 (outage, verify later)";
  if (id == "R-M10") return "スマホのマイナポータル画面 (smartphone portal)";
  if (id == "R-DISASTER-CLAIM") return "災害時の口頭申告 (disaster, oral declaration)";
  return "";
}

const char* band_label(const std::string& band) {
  if (band == "preschool") return "未就学 (preschool)";
  if (band == "working_age") return "70歳未満 (under 70)";
  if (band == "elderly_70_74") return "高齢受給者 70–74歳 (70–74)";
  if (band == "kouki") return "後期高齢者 (75+ or 法別 39)";
  return "";
}

void print_warnings(const json& warnings) {
  if (warnings.empty()) return;
  std::cout << "注意 warnings:\n";
  for (const auto& w : warnings)
    std::cout << "  - [" << w.value("rule", "") << "] " << w.value("message", "") << "\n";
}

void print_ratio(const json& copay) {
  std::cout << "負担割合 ratio:    " << copay.value("ratio", 0) << "割 (rule " << copay.value("rule", "") << ")\n"
            << "年齢区分 band:     " << band_label(copay.value("band", "")) << "\n"
            << "  理由 reason:     " << copay.value("reason", "") << "\n";
}

// Prints a plugin's answer: with --json the document plus "ok", else the text.
template <class PrintText>
int answer(const Args& args, json document, bool ok, PrintText print_text) {
  if (args.flag("json")) {
    document["ok"] = ok;
    print_json(document);
  } else {
    print_text(document);
  }
  return ok ? kOk : kNegative;
}

// ---- onshi claim ---------------------------------------------------------------

// A RECEIPTC.UKE from the result, or why there is none.
Result<std::string> receipt_file(const json& result, const std::string& input_path) {
  const std::string route = result["route"].value("id", "");
  if (route == "R-M8")
    return make_error(ONSHI_E_REFUSED, "claims", "route R-M8: nothing is billed, so no RECEIPTC.UKE was written",
                      "collect 10割 and issue the receipt the patient needs for a refund (療養費)");
  if (route == "R-M9")
    return make_error(ONSHI_E_REFUSED, "claims", "route R-M9: the claim waits for the check after the outage",
                      "queue the check (onshi deferred add), run it when the link is back (onshi deferred run), then "
                      "decide the claim again with what it found");
  if (route == "R-KUBUN-05")
    return make_error(ONSHI_E_REFUSED, "claims",
                      "route R-KUBUN-05: a 特別療養費 レセプト goes on paper, apart from the electronic file",
                      "print the レセプト from the レセコン with 「特別療養費」 in red at the top and send it separately");
  if (!result.contains("receipt_file_base64"))
    return make_error(ONSHI_E_INVALID_ARGUMENT, "claims",
                      input_path + " has no \"clinic\": a RECEIPTC.UKE needs it for its IR record",
                      "add \"clinic\": {\"prefecture\", \"code\", \"name\", \"phone\"} to the input document");
  auto bytes = support::base64_decode(result["receipt_file_base64"].get<std::string>());
  if (!bytes)
    return make_error(ONSHI_E_PROTOCOL, "claims", "the claims plugin's receipt_file_base64 is not base64",
                      "report this to the plugin's vendor");
  return std::move(*bytes);
}

void print_claim(const json& r, bool uke) {
  const json& route = r["route"];
  const json& method = r["method"];
  std::cout << "区分 route:        " << route.value("id", "") << " " << route_label(route.value("id", "")) << "\n"
            << "  理由 reason:     " << route.value("reason", "") << "\n"
            << "保険者 payer:      " << route.value("payer", "") << "\n"
            << "確認方法 method:   " << method.value("id", "") << " " << method_label(method.value("id", ""))
            << (method.value("provisional", false) ? " — 暫定 (provisional)" : "") << "\n";
  print_ratio(r["copay"]);
  print_warnings(r["warnings"]);
  if (!method["staff_checks"].empty()) {
    std::cout << "職員確認 staff checks:\n";
    for (const auto& check : method["staff_checks"]) std::cout << "  - " << check.get<std::string>() << "\n";
  }
  if (r.contains("deferred_check")) {
    const json& c = r["deferred_check"];
    std::cout << "後で確認 deferred check (R-M9): patient " << c.value("patient_id", "") << ", shown "
              << c["presented"].dump() << ", by "
              << (c.contains("number") ? "the numbers " + c.value("insurer_number", "") + " " + c.value("number", "")
                                       : "照会番号 " + c.value("reference_number", ""))
              << "\n  queue it: onshi deferred add (this document's deferred_check), run it: onshi deferred run\n";
  }
  if (r["records"].empty()) return;
  if (uke) {
    std::string text = r.value("uke_text", "");
    std::erase(text, '\r');  // the terminal wants LF; --uke-out keeps the file's CRLF
    std::cout << "UKE (UTF-8):\n" << text;
    return;
  }
  std::cout << "記録 records:\n";
  for (const auto& record : r["records"]) {
    std::cout << "  " << record.value("id", "");
    for (const auto& field : record["fields"])
      if (!field.value("value", "").empty()) std::cout << "  " << field.value("name", "") << "=" << field.value("value", "");
    std::cout << "\n";
  }
}

// ---- onshi claim merge ------------------------------------------------------------

// The SDK's insurance records into the レセコン's own RECEIPTC.UKE (onshi.claims/1 merge).
int cmd_claim_merge(const Args& args) {
  if (auto bad = args.unknown({"into", "out"}); !bad.empty()) return usage_error("unknown option --" + bad, kClaimUsage);
  const auto& inputs = args.positionals();
  if (!args.value("into") || inputs.size() < 2)
    return usage_error("give --into RECEIPTC.UKE and at least one claim input document", kClaimUsage);
  const std::string into = *args.value("into"), out = args.value("out").value_or(into);
  auto file = read_file(into);
  if (!file) return fail(args, file.error());
  json claims = json::array();
  for (size_t i = 1; i < inputs.size(); ++i) {
    auto input = read_json_file(inputs[i]);
    if (!input) return fail(args, input.error());
    if (!input->is_object())
      return fail(args, make_error(ONSHI_E_INVALID_ARGUMENT, "file", inputs[i] + " is not a JSON object",
                                   "give onshi.claims.input/1 documents"));
    (*input)["label"] = inputs[i];
    claims.push_back(*input);
  }
  json request = {{"schema", ONSHI_SCHEMA_CLAIMS_MERGE_REQUEST},
                  {"receipt_file_base64", support::base64_encode(*file)},
                  {"claims", claims}};
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto claims_ext = sdk->extension<onshi_claims_v1>(ONSHI_EXT_CLAIMS);
  if (!claims_ext) return fail(args, claims_ext.error());
  if (!ONSHI_HAS_FIELD(onshi_claims_v1, claims_ext->vtable, merge) || !claims_ext->vtable->merge)
    return fail(args, make_error(ONSHI_E_NOT_SUPPORTED, "claims",
                                 "the claims plugin " + claims_ext->plugin_id + " cannot merge into a RECEIPTC.UKE",
                                 "update the claims plugin"));
  auto reply = call_claims(*sdk, &onshi_claims_v1::merge, request);
  if (!reply) return fail(args, reply.error());
  json result = json::parse(*reply);
  auto bytes = support::base64_decode(result.value("receipt_file_base64", ""));
  if (!bytes)
    return fail(args, make_error(ONSHI_E_PROTOCOL, "claims", "the claims plugin's merged file is not base64",
                                 "report this to the plugin's vendor"));
  // Written beside and renamed over: the レセコン's file is never half written.
  const std::string temporary = out + ".merging";
  if (auto written = write_file(temporary, *bytes); !written) return fail(args, written.error());
  if (std::rename(temporary.c_str(), out.c_str()) != 0) {
    std::remove(temporary.c_str());
    return fail(args, make_error(ONSHI_E_IO, "file", "cannot replace " + out, "check the folder's permissions"));
  }
  result.erase("receipt_file_base64");
  result["out"] = out;
  return answer(args, result, true, [](const json& r) {
    for (const auto& m : r["merged"]) {
      std::cout << "merged " << m.value("label", "") << ": カルテ番号 " << m.value("chart_number", "") << " "
                << m.value("month", "") << " (" << m.value("route", "") << "), receipt at line " << m.value("line", 0)
                << ", " << m.value("comments_added", 0) << " comments added\n";
      for (const auto& c : m["changes"])
        std::cout << "  " << c.value("record", "") << " " << c.value("field", "") << ": " << c.value("from", "")
                  << " → " << c.value("to", "") << "\n";
    }
    for (const auto& s : r["skipped"])
      std::cout << "skipped " << s.value("label", "") << ": " << s.value("reason", "") << "\n";
    std::cout << "GO 総件数 " << r["go"].value("count", 0) << ", 総合計点数 " << r["go"].value("points", 0) << "; written to "
              << r.value("out", "") << "\n";
  });
}

int cmd_claim(const Args& args) {
  if (!args.positionals().empty() && args.positionals()[0] == "merge") return cmd_claim_merge(args);
  if (auto bad = args.unknown({"uke", "uke-out"}); !bad.empty())
    return usage_error("unknown option --" + bad, kClaimUsage);
  if (args.positionals().size() != 1) return usage_error("give one input document (onshi.claims.input/1)", kClaimUsage);
  const std::string path = args.positionals()[0];
  auto input = read_json_file(path);
  if (!input) return fail(args, input.error());
  auto reply = open_and_call(args, &onshi_claims_v1::decide, [&](const Sdk& sdk) {
    if (input->is_object() && !input->contains("visit_date")) (*input)["visit_date"] = today(sdk);
    return *input;
  });
  if (!reply) return fail(args, reply.error());
  json result = json::parse(*reply);
  const bool billed = !result["records"].empty();  // an electronic claim: not R-M8, R-M9 (yet) or R-KUBUN-05
  if (auto out = args.value("uke-out")) {
    auto bytes = receipt_file(result, path);
    if (!bytes) return fail(args, bytes.error());
    if (auto written = write_file(*out, *bytes); !written) return fail(args, written.error());
    result["uke_out"] = *out;
  }
  return answer(args, result, billed, [&](const json& r) {
    print_claim(r, args.flag("uke"));
    if (r.contains("uke_out")) std::cout << "RECEIPTC.UKE (Shift_JIS) written to " << r["uke_out"].get<std::string>() << "\n";
  });
}

// ---- onshi insurer-check ---------------------------------------------------------

int cmd_insurer_check(const Args& args) {
  if (auto bad = args.unknown({"kind"}); !bad.empty()) return usage_error("unknown option --" + bad, kInsurerCheckUsage);
  if (args.positionals().size() != 1) return usage_error("give one number to check", kInsurerCheckUsage);
  json request = {{"schema", "onshi.claims.number-request/1"},
                  {"kind", args.value("kind").value_or("insurer")},
                  {"number", args.positionals()[0]}};
  auto reply = open_and_call(args, &onshi_claims_v1::check_number, [&](const Sdk&) { return request; });
  if (!reply) return fail(args, naming_the_option(reply.error(), {{"kind", "--kind"}}));
  json check = json::parse(*reply);
  return answer(args, check, check.value("valid", false), [](const json& c) {
    if (!c.value("valid", false)) {
      std::cout << "無効 invalid: " << c.value("message", "") << "\n";
      if (!c.value("hint", "").empty()) std::cout << "  what to do: " << c.value("hint", "") << "\n";
      return;
    }
    std::cout << "有効 valid: " << c.value("message", "") << "\n";
    auto learned = [&](const char* key, const char* label) {
      if (c.contains(key) && c[key].is_string()) std::cout << "  " << label << c[key].get<std::string>() << "\n";
    };
    learned("houbetsu", "法別 houbetsu:        ");
    learned("prefecture", "都道府県 prefecture:  ");
    learned("payer", "保険者種別 payer:     ");
    print_warnings(c["warnings"]);
  });
}

// ---- onshi copay ------------------------------------------------------------------

int cmd_copay(const Args& args) {
  if (auto bad = args.unknown({"birth", "on", "payer", "card-ratio"}); !bad.empty())
    return usage_error("unknown option --" + bad, kCopayUsage);
  if (!args.value("birth") || !args.positionals().empty())
    return usage_error("give the patient's birth date with --birth YYYY-MM-DD", kCopayUsage);
  json request = {{"schema", "onshi.claims.copay-request/1"},
                  {"birth_date", *args.value("birth")},
                  {"payer", args.value("payer").value_or("shaho")}};
  if (auto ratio = args.value("card-ratio")) {
    int n = -1;
    if (std::sscanf(ratio->c_str(), "%d", &n) != 1 || std::to_string(n) != *ratio)
      return usage_error("--card-ratio takes the ratio in 割 as a whole number (1, 2 or 3)", kCopayUsage);
    request["card_ratio"] = n;
  }
  auto reply = open_and_call(args, &onshi_claims_v1::copay, [&](const Sdk& sdk) {
    request["on"] = args.value("on").value_or(today(sdk));
    return request;
  });
  if (!reply)
    return fail(args, naming_the_option(reply.error(), {{"birth_date", "--birth YYYY-MM-DD"},
                                                        {"on", "--on YYYY-MM-DD"},
                                                        {"payer", "--payer"},
                                                        {"card_ratio", "--card-ratio N"}}));
  json copay = json::parse(*reply);
  copay["on"] = request["on"];
  return answer(args, copay, true, [](const json& c) {
    std::cout << "基準日 on:         " << c["on"].get<std::string>() << "\n";
    print_ratio(c);
    print_warnings(c["warnings"]);
  });
}

// ---- onshi form -------------------------------------------------------------------

int cmd_form(const Args& args) {
  if (auto bad = args.unknown({"out"}); !bad.empty()) return usage_error("unknown option --" + bad, kFormUsage);
  if (args.positionals().size() != 1 || !args.value("out"))
    return usage_error("give the prefill document and --out FORM.html", kFormUsage);
  auto prefill = read_json_file(args.positionals()[0]);
  if (!prefill) return fail(args, prefill.error());
  auto html = open_and_call(args, &onshi_claims_v1::statement_form, [&](const Sdk& sdk) {
    if (prefill->is_object() && !prefill->contains("today")) (*prefill)["today"] = today(sdk);
    return *prefill;
  });
  if (!html) return fail(args, html.error());
  const std::string out = *args.value("out");
  if (auto written = write_file(out, *html); !written) return fail(args, written.error());
  json done = {{"out", out}, {"bytes", html->size()}};
  return answer(args, done, true, [](const json& d) {
    std::cout << "被保険者資格申立書 statement form written to " << d["out"].get<std::string>()
              << " (print it on A4, have the patient fill in and sign it)\n";
  });
}

// ---- onshi usage-rate -------------------------------------------------------------

// One 加算 of the usage document: its name and tier, points, what it needed, its period and source.
std::string kasan_text(const json& d) {
  const std::string kind = d.value("kind", ""), name = d.value("name", "");
  const std::string period = " (" + d.value("from", "") + " – " + d.value("to", "") + ")";
  if (kind == "flat") return name + ": " + std::to_string(d.value("points", 0)) + " 点, no rate requirement" + period;
  if (kind == "rate_minimum")
    return name + ": rate requirement " + std::to_string(d.value("minimum", 0)) + " % " +
           (d.value("rate_met", false) ? "met (達成)" : "NOT met (未達)") + "; the tier follows the 体制: " +
           d.value("tier_rule", "") + period;
  if (d.value("tier", 0) == 0)
    return name + ": 加算なし (none), below every threshold (" + std::to_string(d["thresholds"].back().get<int>()) +
           " % " + "needed)" + period;
  std::string text = name + " " + d.value("kasan", "") + " " + std::to_string(d.value("points", 0)) + " 点";
  if (d.contains("kasan_without_eprescription"))
    text += " / " + d.value("kasan_without_eprescription", "") + " " +
            std::to_string(d.value("points_without_eprescription", 0)) + " 点 without 電子処方箋";
  return text + ", needs " + std::to_string(d.value("threshold_percent", 0)) + " %" +
         (d.value("pediatric", false) ? " (小児科特例)" : "") + period;
}

std::string rule_text(const json& rule) {
  if (rule.contains("error")) return "no rule known: " + rule["error"].value("message", "");
  std::string text = rule.value("name", "");
  if (rule.contains("thresholds")) {
    text += ", 加算1/2/3 at";
    for (const auto& t : rule["thresholds"]) text += " " + std::to_string(t.get<int>()) + " %";
  }
  if (rule.contains("minimum")) text += ", rate requirement " + std::to_string(rule["minimum"].get<int>()) + " %";
  if (rule.value("kind", "") == "flat") text += ", no rate requirement";
  return text + " (" + rule.value("from", "") + " – " + rule.value("to", "") + ")";
}

int cmd_usage_rate(const Args& args) {
  if (auto bad = args.unknown({"month", "from", "facility", "pediatric"}); !bad.empty())
    return usage_error("unknown option --" + bad, kUsageRateUsage);
  if (!args.value("month") || !args.value("from") || !args.positionals().empty())
    return usage_error("give --month YYYY-MM and --from FILE.json (the month's verifications)", kUsageRateUsage);
  auto verifications = read_json_file(*args.value("from"));
  if (!verifications) return fail(args, verifications.error());
  if (!verifications->is_array())
    return fail(args, make_error(ONSHI_E_INVALID_ARGUMENT, "file", *args.value("from") + " is not a JSON list",
                                 "write it as [{\"date\": \"YYYY-MM-DD\", \"my_number_card\": true}, ...]"));
  json request = {{"schema", "onshi.claims.usage-request/1"},
                  {"month", *args.value("month")},
                  {"facility", args.value("facility").value_or("medical")},
                  {"pediatric_exception", args.flag("pediatric")},
                  {"verifications", *verifications}};
  auto reply = open_and_call(args, &onshi_claims_v1::usage_rate, [&](const Sdk&) { return request; });
  if (!reply)
    return fail(args, naming_the_option(reply.error(), {{"month", "--month YYYY-MM"}, {"facility", "--facility"}}));
  return answer(args, json::parse(*reply), true, [](const json& u) {
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.1f %%", u.value("rate", 0.0) * 100);
    const std::string month = u.value("month", "");
    std::cout << "マイナ保険証利用率 usage rate " << month << ": " << percent << " (" << u.value("card_count", 0)
              << " / " << u.value("total_count", 0)
              << " online checks; the 加算 officially use the レセプト件数ベース rate 支払基金 reports)\n";
    const json& in_force = u["in_force"];
    std::cout << month << " に算定する加算 in force in " << month << ": " << rule_text(in_force) << "\n";
    if (in_force.contains("source")) std::cout << "  出典 source: " << in_force.value("source", "") << "\n";
    if (u.contains("decides_error")) {
      std::cout << "この率が決める加算 what this rate decides: no rule known — " << u["decides_error"].value("message", "")
                << "\n  what to do: " << u["decides_error"].value("hint", "") << "\n";
      return;
    }
    std::cout << "この率が決める加算 what this rate decides (" << u.value("facility", "") << "):\n";
    for (const auto& d : u["decides"]) {
      std::cout << "  算定月 " << d.value("billing_month", "") << " (M−" << d.value("offset", 0)
                << (d.value("principal", false) ? ", principal" : "")
                << (d.value("basis", "") == "online_check_count" ? ", オン資件数ベース" : "") << "): ";
      if (d.contains("error")) std::cout << "no rule known — " << d["error"].value("message", "") << "\n";
      else std::cout << kasan_text(d) << "\n    出典 source: " << d.value("source", "") << "\n";
    }
  });
}

}  // namespace

std::vector<Command> claims_commands() {
  return {
      {"claim", kClaimUsage,
       "decide how a visit is billed when the card could not verify (onshi.claims.input/1): route, reason, ratio, "
       "warnings and the UKE records; --uke shows the UKE lines, --uke-out writes RECEIPTC.UKE (Shift_JIS). "
       "The UKE is the INSURANCE PART of the レセプト only (RE identity and 種別/特記, HO/KO, SN, CO comments): the "
       "診療行為, 医薬品 and 傷病名 records come from the レセコン; `onshi claim merge` puts these records into the "
       "レセコン's own monthly RECEIPTC.UKE (by カルテ番号 + 診療年月, for the claims routed B, C or disaster; every other "
       "record kept byte for byte, GO recomputed; in place unless --out). Exit 0 when there is an electronic claim, 1 "
       "when there is none (R-M8 10割, R-M9 not filed until the check after the outage, R-KUBUN-05 paper 特別療養費)",
       cmd_claim, {"uke"}},
      {"insurer-check", kInsurerCheckUsage,
       "check a 保険者番号 (default), 公費負担者番号 or 受給者番号 before billing (R-ACCURACY): exit 0 when valid, "
       "1 when not (the message names the wrong digit)",
       cmd_insurer_check},
      {"copay", kCopayUsage,
       "the 一部負担金割合 on a date and the rule that set it (R-RATIO); --on defaults to today (the SDK clock, JST)",
       cmd_copay},
      {"form", kFormUsage,
       "write the 被保険者資格申立書 as a printable A4 HTML page from a prefill document "
       "(onshi.claims.statement-prefill/1); the date line is today unless the document gives \"today\"",
       cmd_form},
      {"usage-rate", kUsageRateUsage,
       "マイナ保険証利用率 of a month (R-RATE): the 加算 in force in that month, and the later 算定月 its rate decides "
       "(M+3, or M+4/M+5), each with its tier, points, period and source (dated rules; --pediatric: 小児科特例). FILE "
       "is a list of the month's completed online checks [{\"date\", \"my_number_card\"}]; later the durable "
       "verification history will be the default source",
       cmd_usage_rate},
  };
}

}  // namespace onshi::cli
