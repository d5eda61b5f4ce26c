// onshi disaster on | off | status | lookup | import-qr: disaster-mode drug information (R-DISASTER)
// through "onshi.disaster/1" (onshi_ext_disaster.h). Japanese labels with English beside them;
// with --json, "ok" is true exactly when the exit status is 0.
//
// The sample CLI has no login: --who and --role stand for the EMR's signed-in user (--who defaults to
// $USER; the role must be said, by --role or $ONSHI_ROLE: nobody is a doctor by default). Disaster
// mode runs on the real time; --now (or $ONSHI_NOW) is refused unless the command is a --rehearsal.
#include "cli.hpp"
#include "commands.hpp"
#include "reception.hpp"

#include <onshi/abi/onshi_ext_disaster.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

namespace onshi::cli {

namespace {

using nlohmann::json;
using Disaster = Extension<onshi_disaster_v1>;

constexpr const char* kDisasterUsage = "onshi disaster on|off|status|lookup|import-qr|audit ... [--json]";
constexpr const char* kOnUsage =
    "onshi disaster on --ref R --area A[,A...] --until D [--from T] [--notice N] [--role ROLE --who NAME "
    "[--authorised-by HEAD]] [--json]";
constexpr const char* kOffUsage = "onshi disaster off [--reason TEXT] [--role ROLE --who NAME] [--json]";
constexpr const char* kStatusUsage = "onshi disaster status [--json]";
constexpr const char* kLookupUsage =
    "onshi disaster lookup --name N --birth D --sex S --address A [--kana K] [--insurer-name N] "
    "[--insurer N --number N [--symbol S] [--branch B]] [--consent | --no-intent-life-risk --why TEXT] [--no-keep] "
    "[--offline] [--role ROLE --who NAME] [--timeout S] [--json]";
constexpr const char* kImportUsage = "onshi disaster import-qr FILE... [--json]";
constexpr const char* kAuditUsage =
    "onshi disaster audit [--event E] [--limit N] --role ROLE --who NAME [--authorised-by HEAD] [--json]";

constexpr const char* kAuditVerifyUsage =
    "onshi audit verify --role ROLE --who NAME [--authorised-by HEAD] [--json]";

const std::vector<std::string> kOperatorOptions = {"role", "who", "authorised-by"};

std::vector<std::string> with_operator(std::vector<std::string> options) {
  options.insert(options.end(), kOperatorOptions.begin(), kOperatorOptions.end());
  return options;
}




// "2024-01-07T15:00:00Z" → "2024-01-08 00:00 JST" (the domain's dates are JST).
std::string jst(const std::string& iso) {
  int y, mo, d, h, mi, s;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s) != 6) return iso;
  using namespace std::chrono;
  const sys_seconds t = sys_days{year{y} / mo / d} + hours(h + 9) + minutes(mi);
  const year_month_day day{floor<days>(t)};
  const hh_mm_ss time{t - floor<days>(t)};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d JST", int(day.year()), unsigned(day.month()),
                unsigned(day.day()), int(time.hours().count()), int(time.minutes().count()));
  return text;
}

// The person at the keyboard: the EMR's signed-in user in a real product. No role is assumed.
std::optional<json> operator_of(const Args& args) {
  const char* user = std::getenv("USER");
  const char* env_role = std::getenv("ONSHI_ROLE");
  const std::string role = args.value("role").value_or(env_role ? env_role : "");
  if (role.empty()) return std::nullopt;
  json op = {{"id", args.value("who").value_or(user && *user ? user : "staff")}, {"role", role}};
  if (auto by = args.value("authorised-by")) op["authorised_by"] = *by;
  return op;
}

int no_role(const char* usage) {
  return usage_error("--role is required: doctor, dentist, pharmacist or authorised_staff (with --authorised-by)",
                     usage);
}

// Opens the SDK (its clock pinned by --now / ONSHI_NOW) and finds onshi.disaster/1.
struct Session {
  std::optional<Sdk> sdk;
  Disaster ext;
};

Result<Session> open_disaster(const Args& args) {
  auto sdk = open_sdk(args);
  if (!sdk) return sdk.error();
  auto ext = sdk->extension<onshi_disaster_v1>(ONSHI_EXT_DISASTER);
  if (!ext) return ext.error();
  Session session;
  session.ext = *ext;
  session.sdk.emplace(std::move(*sdk));
  return session;
}

// A refusal (no declaration, a role that may not view, no consent) is a negative answer: fail()
// exits 1 for ONSHI_E_REFUSED.
int disaster_fail(const Args& args, const Error& e) { return fail(args, e); }

Result<json> call(const Session& s, onshi_document_fn onshi_disaster_v1::*function, const json& request) {
  return onshi::cli::call(s.ext, function, request);
}

// ---- on / off / status ------------------------------------------------------------------------

const char* state_label(const std::string& state) {
  if (state == "active") return "有効 (active)";
  if (state == "scheduled") return "開始前 (scheduled)";
  if (state == "ended_by_hand") return "手動で終了 (ended by hand)";
  if (state == "expired") return "期間終了 (expired)";
  return "宣言なし (none)";
}

void print_status(const json& s) {
  std::cout << "災害時モード disaster mode: " << state_label(field(s, "state")) << "\n";
  const json& d = s.value("declaration", json());
  if (d.is_object()) {
    std::cout << "  事務連絡 reference:   " << field(d, "reference") << "\n";
    std::string area;
    for (const auto& a : d.value("area", json::array()))
      area += (area.empty() ? "" : ", ") +
              (field(a, "municipality_code").empty() ? field(a, "prefecture_code") : field(a, "municipality_code")) +
              (field(a, "name").empty() ? "" : " " + field(a, "name"));
    std::cout << "  対象地域 area:        " << area << "\n"
              << "  期間 period:          " << jst(field(d, "opens_at")) << " – " << jst(field(d, "closes_at")) << "\n";
  }
  if (!field(s, "ended_at").empty())
    std::cout << "  終了 ended:           " << jst(field(s, "ended_at")) << " (" << field(s, "end_reason") << ")\n";
  const json& f = s.value("facility", json());
  std::cout << "  この施設 facility:    " << field(f, "medical_institution_code") << " in "
            << field(f, "municipality_code")
            << (f.value("covered", false) ? " — 対象地域内 (covered)" : " — 対象地域外 (not covered)") << "\n";
  if (field(s, "state") == "active" && f.value("covered", false))
    std::cout << "  what to do: look up patients with `onshi disaster lookup ... --consent`\n";
  else if (field(s, "state") != "active")
    std::cout << "  what to do: outside a declared disaster use the normal look-up with the card's consent\n";
}

// ok (exit 0) when the mode is active; for `on`, also when it is scheduled (--from later).
int status_answer(const Args& args, const json& s, bool scheduled_is_ok = false) {
  const bool active = field(s, "state") == "active" || (scheduled_is_ok && field(s, "state") == "scheduled");
  if (args.flag("json")) {
    json out = s;
    out["ok"] = active;
    print_json(out);
  } else {
    print_status(s);
  }
  return active ? kOk : kNegative;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

int cmd_on(const Args& args) {
  if (auto bad = args.unknown(with_operator({"ref", "area", "until", "from", "notice"})); !bad.empty())
    return usage_error("unknown option --" + bad, kOnUsage);
  for (const char* required : {"ref", "area", "until"})
    if (!args.value(required) || args.value(required)->empty())
      return usage_error(std::string("--") + required + " is required (the notice's reference, its area and end)",
                         kOnUsage);
  const auto who = operator_of(args);
  if (!who) return no_role(kOnUsage);
  json area = json::array();
  for (const auto& a : args.values("area"))
    for (const auto& code : split(a)) area.push_back(code);
  json request = {{"schema", "onshi.disaster.declare-request/1"},
                  {"reference", *args.value("ref")},
                  {"area", area},
                  {"closes_at", *args.value("until")},
                  {"operator", *who}};
  if (auto from = args.value("from")) request["opens_at"] = *from;
  if (auto notice = args.value("notice")) request["notice"] = *notice;
  auto s = open_disaster(args);
  if (!s) return fail(args, s.error());
  auto status = call(*s, &onshi_disaster_v1::declare, request);
  if (!status) return disaster_fail(args, status.error());
  return status_answer(args, *status, /*scheduled_is_ok=*/true);
}

int cmd_off(const Args& args) {
  if (auto bad = args.unknown(with_operator({"reason"})); !bad.empty())
    return usage_error("unknown option --" + bad, kOffUsage);
  const auto who = operator_of(args);
  if (!who) return no_role(kOffUsage);
  json request = {{"schema", "onshi.disaster.end-request/1"},
                  {"reason", args.value("reason").value_or("ended by hand")},
                  {"operator", *who}};
  auto s = open_disaster(args);
  if (!s) return fail(args, s.error());
  auto status = call(*s, &onshi_disaster_v1::end, request);
  if (!status) return disaster_fail(args, status.error());
  if (args.flag("json")) {
    json out = *status;
    out["ok"] = true;
    print_json(out);
  } else {
    print_status(*status);
  }
  return kOk;
}

int cmd_status(const Args& args) {
  if (auto bad = args.unknown({}); !bad.empty()) return usage_error("unknown option --" + bad, kStatusUsage);
  auto s = open_disaster(args);
  if (!s) return fail(args, s.error());
  auto status = call(*s, &onshi_disaster_v1::status, json::object());
  if (!status) return disaster_fail(args, status.error());
  return status_answer(args, *status);
}

// The audit log: the whole chain is checked, the newest records shown, and the read is itself
// recorded. Exit 0 when the chain holds, 1 when it is broken (someone changed the log).
int cmd_audit(const Args& args) {
  if (auto bad = args.unknown(with_operator({"event", "limit"})); !bad.empty())
    return usage_error("unknown option --" + bad, kAuditUsage);
  const auto who = operator_of(args);
  if (!who) return no_role(kAuditUsage);
  json request = {{"schema", "onshi.disaster.audit-request/1"}, {"operator", *who}};
  if (auto e = args.value("event")) request["event"] = *e;
  if (auto n = args.value("limit")) {
    const int limit = std::atoi(n->c_str());
    if (limit < 1) return usage_error("--limit takes a positive number", kAuditUsage);
    request["limit"] = limit;
  }
  auto s = open_disaster(args);
  if (!s) return fail(args, s.error());
  auto log = call(*s, &onshi_disaster_v1::audit, request);
  if (!log) return disaster_fail(args, log.error());
  const json& chain = (*log)["chain"];
  const bool intact = chain.value("ok", false);
  if (args.flag("json")) {
    json out = *log;
    out["ok"] = intact;
    print_json(out);
    return intact ? kOk : kNegative;
  }
  if (intact)
    std::cout << "監査ログ audit log: 改ざんなし intact (" << chain.value("records", 0) << " records checked)\n";
  else
    std::cout << "監査ログ audit log: 改ざんあり BROKEN at record " << chain.value("broken_at", 0) << ": "
              << field(chain, "why") << "\n  what to do: keep the state folder as it is and report it\n";
  for (const auto& r : (*log)["records"])
    std::cout << "  " << field(r, "at") << " (real " << field(r, "real_at") << ", " << field(r, "clock") << ")  "
              << field(r, "event") << "  " << field(r, "operator_id") << "/" << field(r, "role")
              << (field(r, "authorised_by").empty() ? "" : " by " + field(r, "authorised_by")) << "  "
              << field(r, "outcome") << "\n";
  return intact ? kOk : kNegative;
}

// onshi audit verify: only the chain, and where it breaks: the entry number and when the last entry
// that fits and the one found in its place were written. Exit 0 intact, 1 broken.
int cmd_audit_verify(const Args& args) {
  if (auto bad = args.unknown(with_operator({})); !bad.empty()) return usage_error("unknown option --" + bad, kAuditVerifyUsage);
  const auto who = operator_of(args);
  if (!who) return no_role(kAuditVerifyUsage);
  auto s = open_disaster(args);
  if (!s) return fail(args, s.error());
  auto log = call(*s, &onshi_disaster_v1::audit,
                  {{"schema", "onshi.disaster.audit-request/1"}, {"operator", *who}, {"limit", 1}});
  if (!log) return disaster_fail(args, log.error());
  const json& chain = (*log)["chain"];
  const bool intact = chain.value("ok", false);
  if (args.flag("json")) {
    print_json({{"ok", intact}, {"chain", chain}});
    return intact ? kOk : kNegative;
  }
  auto when = [](const json& e) {
    return "entry " + std::to_string(e.value("seq", 0)) + " (" + field(e, "event") + ", written " +
           jst(field(e, "real_at")) + ")";
  };
  if (intact) {
    const json head = chain.value("head", json::object());
    std::cout << "監査ログ audit log: 改ざんなし intact, " << chain.value("records", 0) << " entries checked\n"
              << "  the newest: " << when(head) << ", seal " << field(head, "seal") << "\n"
              << "  keep this line elsewhere (the EMR's log, paper): entries cut off the end show only against it\n";
    return kOk;
  }
  std::cout << "監査ログ audit log: 改ざんあり BROKEN at entry " << chain.value("broken_at", 0) << " of "
            << chain.value("records", 0) << ": " << field(chain, "why") << "\n";
  if (chain.contains("last_intact")) std::cout << "  the last entry that fits: " << when(chain["last_intact"]) << "\n";
  if (chain.contains("found")) std::cout << "  found where it breaks:    " << when(chain["found"]) << "\n";
  std::cout << "  what to do: keep the state folder as it is (a copy of onshi.db and audit.key) and report it\n";
  return kNegative;
}

int cmd_audit_top(const Args& args) {
  const auto& sub = args.positionals();  // main.cpp checked sub[0]
  if (sub.size() > 1) return usage_error("unexpected " + sub[1], kAuditVerifyUsage);
  return cmd_audit_verify(args);
}

// ---- lookup -----------------------------------------------------------------------------------

std::optional<std::string> sex_code(const std::string& s) {
  if (s == "M" || s == "m" || s == "male" || s == "1" || s == "男") return "male";
  if (s == "F" || s == "f" || s == "female" || s == "2" || s == "女") return "female";
  if (s == "unset" || s == "3" || s == "未設定") return "unset";
  return std::nullopt;
}

const char* lookup_label(const std::string& kind) {
  if (kind == "confirmed") return "本人確認済み (one person confirmed)";
  if (kind == "ask_more") return "追加の確認が必要 (ask the patient for another item)";
  if (kind == "unresolved") return "特定できず (cannot be told apart: nothing is shown)";
  return "該当なし (no one matches)";
}

const char* ask_label(const std::string& item) {
  if (item == "address") return "住所 (address, any part: --address)";
  if (item == "insurer_name") return "保険者名称 (insurer name: --insurer-name)";
  if (item == "name_kana") return "カナ氏名 (name in kana: --kana)";
  if (item == "insurer_numbers") return "保険者番号・記号番号 (insurer numbers: --insurer --number)";
  return "";
}

const char* source_label(const std::string& s) {
  if (s == "national_system") return "国 (national system)";
  if (s == "okusuri_techo") return "お薬手帳 (okusuri techo)";
  if (s == "local_history") return "院内の過去取得 (local history)";
  return "";
}

const char* sex_label(const std::string& s) {
  return s == "male" ? "男 (male)" : s == "female" ? "女 (female)" : "未設定 (unset)";
}

void print_drugs(const json& view) {
  const auto& lines = view.value("lines", json::array());
  std::cout << "薬剤情報 drug history (調剤日の新しい順 newest dispensing first): " << lines.size() << " lines\n";
  if (lines.empty()) std::cout << "  (なし none)\n";
  for (const auto& l : lines) {
    const std::string date = field(l, "dispensed_on").empty() ? "日付不明 (no date)" : field(l, "dispensed_on");
    std::cout << "  " << date << "  " << field(l, "drug_name") << "\n";
    std::string detail;
    auto add = [&](const char* label, const std::string& value) {
      if (!value.empty()) detail += std::string(detail.empty() ? "" : "  ") + label + value;
    };
    add("規格 strength: ", field(l, "strength"));
    add("用量 dose: ", field(l, "dose"));
    add("用法 usage: ", field(l, "usage"));
    add("日数 days: ", l.contains("days") && l["days"].is_number() ? std::to_string(l["days"].get<int>()) : "");
    if (!detail.empty()) std::cout << "      " << detail << "\n";
    detail.clear();
    add("処方 prescriber: ", field(l, "prescriber"));
    add("調剤 pharmacy: ", field(l, "pharmacy"));
    if (!detail.empty()) std::cout << "      " << detail << "\n";
    std::string sources;
    for (const auto& s : l.value("sources", json::array()))
      sources += (sources.empty() ? "" : ", ") + std::string(source_label(s.get<std::string>()));
    std::cout << "      出典 source: " << sources << "\n";
  }
}

void print_answer(const json& a) {
  const json& lookup = a.value("lookup", json());
  const std::string kind = field(a, "outcome");
  std::cout << "災害時検索 disaster look-up (" << (field(a, "source") == "local_history"
                                                       ? "院内の過去取得 local history"
                                                       : "国 national system")
            << "): " << lookup_label(kind) << "\n";
  std::cout << "  候補 candidates:      " << lookup.value("candidate_count", 0) << " returned, "
            << lookup.value("consistent_count", 0) << " consistent with every item given\n";
  if (kind == "ask_more")
    for (const auto& item : lookup.value("ask", json::array()))
      std::cout << "  次に聞く next item:   " << ask_label(item.get<std::string>()) << "\n";
  const json& p = lookup.value("person", json());
  if (p.is_object()) {
    std::cout << "本人 person:\n"
              << "  氏名 name:            " << field(p, "name")
              << (field(p, "name_kana").empty() ? "" : " (" + field(p, "name_kana") + ")") << "\n"
              << "  生年月日 birth date:  " << field(p, "birthdate") << "\n"
              << "  性別 sex:             " << sex_label(field(p, "sex1")) << "\n";
    if (!field(p, "address").empty()) std::cout << "  住所 address:         " << field(p, "address") << "\n";
    const json& ins = p.value("insurer", json());
    if (!field(ins, "insurer_number").empty())
      std::cout << "  保険者 insurer:       " << field(ins, "insurer_number") << " " << field(p, "insurer_name")
                << "  記号 " << (field(ins, "symbol").empty() ? "-" : field(ins, "symbol")) << " / 番号 "
                << field(ins, "number") << " / 枝番 " << (field(ins, "branch").empty() ? "-" : field(ins, "branch"))
                << "\n";
    std::cout << "  同意 consent:         "
              << (field(a, "consent") == "verbal" ? "口頭同意 (verbal consent)"
                                                  : "同意なし・生命身体保護の例外 (exception: cannot express intent, "
                                                    "life or body at risk)")
              << "\n";
  }
  if (a.contains("drug_history") && a["drug_history"].is_object()) print_drugs(a["drug_history"]);
  if (a.value("kept_for_later", false))
    std::cout << "  院内保存 kept: for later visits (with the patient's consent, for a limited time)\n";
  if (!field(a, "note").empty()) std::cout << "  note: " << field(a, "note") << "\n";
  // Consent was taken before the search, so the core's "then record consent" is already done.
  std::cout << "  what to do: "
            << (kind == "confirmed" ? "confirm with the patient that this is them; use the drug history for this "
                                      "patient's care only"
                                    : field(lookup, "message"))
            << "\n";
}

int cmd_lookup(const Args& args) {
  if (auto bad = args.unknown(with_operator({"name", "kana", "birth", "sex", "address", "insurer-name", "insurer",
                                             "number", "symbol", "branch", "consent", "no-intent-life-risk", "why",
                                             "no-keep", "offline", "timeout"}));
      !bad.empty())
    return usage_error("unknown option --" + bad, kLookupUsage);
  if (!args.value("birth") || args.value("birth")->empty())
    return usage_error("--birth is required (生年月日, YYYY-MM-DD)", kLookupUsage);
  const bool by_numbers = args.value("insurer") && args.value("number");
  if (!by_numbers && (!args.value("name") || !args.value("sex")))
    return usage_error("give --name and --sex (with --address when the patient can tell it), or --insurer and "
                       "--number",
                       kLookupUsage);
  std::optional<std::string> sex;
  if (auto s = args.value("sex")) {
    sex = sex_code(*s);
    if (!sex) return usage_error("--sex takes M or F (or male, female, unset)", kLookupUsage);
  }
  if (args.flag("consent") && args.flag("no-intent-life-risk"))
    return usage_error("give either --consent or --no-intent-life-risk, not both", kLookupUsage);
  if (args.flag("no-intent-life-risk") && args.value("why").value_or("").empty())
    return usage_error("--no-intent-life-risk needs --why TEXT: why the patient cannot express intent and viewing "
                       "protects life or body (it is written to the audit log)",
                       kLookupUsage);
  double timeout = 150;
  if (auto t = args.value("timeout")) {
    try {
      timeout = std::stod(*t);
    } catch (const std::exception&) {
      timeout = 0;
    }
    if (timeout <= 0) return usage_error("--timeout takes a number of seconds", kLookupUsage);
  }
  const auto who = operator_of(args);
  if (!who) return no_role(kLookupUsage);
  json request = {{"schema", "onshi.disaster.lookup-request/1"},
                  {"name", args.value("name").value_or("")},
                  {"name_kana", args.value("kana").value_or("")},
                  {"birthdate", *args.value("birth")},
                  {"address", args.value("address").value_or("")},
                  {"insurer_name", args.value("insurer-name").value_or("")},
                  {"insurer",
                   {{"insurer_number", args.value("insurer").value_or("")},
                    {"symbol", args.value("symbol").value_or("")},
                    {"number", args.value("number").value_or("")},
                    {"branch", args.value("branch").value_or("")}}},
                  {"operator", *who},
                  {"keep_for_later", !args.flag("no-keep")}};
  if (sex) request["sex"] = *sex;
  if (args.flag("consent")) request["consent"] = {{"kind", "verbal"}};
  if (args.flag("no-intent-life-risk"))
    request["consent"] = {{"kind", "life_protection_exception"}, {"circumstances", *args.value("why")}};

  Completion completion;  // declared before the Sdk: it must outlive it
  auto s = open_disaster(args);
  if (!s) return fail(args, s.error());
  json answer;
  if (args.flag("offline")) {
    auto a = call(*s, &onshi_disaster_v1::search_local, request);
    if (!a) return disaster_fail(args, a.error());
    answer = *a;
  } else {
    const std::string text = request.dump();
    onshi_error err = empty_error();
    uint64_t op = 0;
    if (onshi_status st = s->ext.vtable->lookup_async(s->ext.instance, bytes_of(text), completion.get(), &op, &err))
      return disaster_fail(args, to_error(st, err));
    if (!completion.wait_for(std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000)))) {
      s->ext.vtable->cancel(s->ext.instance, op);
      completion.wait_for(std::chrono::seconds(5));
      fail(args, make_error(ONSHI_E_TIMEOUT, "disaster", "no answer to the disaster search within " +
                                                             args.value("timeout").value_or("150") + " s",
                            "check the 資格確認端末; offline, use --offline (the clinic's earlier retrievals) or "
                            "`onshi disaster import-qr` (the patient's お薬手帳)"));
      return kUnavailable;
    }
    const auto result = completion.result();
    if (!result) {
      const Error& e = result.error();
      const int code = disaster_fail(args, e);
      return e.code == ONSHI_E_TIMEOUT || e.code == ONSHI_E_IO || e.code == ONSHI_E_NETWORK ? kUnavailable : code;
    }
    answer = json::parse(*result, nullptr, false);
    if (answer.is_discarded())
      return fail(args, make_error(ONSHI_E_PROTOCOL, "disaster", "the plugin's answer is not JSON",
                                   "report this with `onshi plugins --json`"));
  }
  const bool confirmed = field(answer, "outcome") == "confirmed";
  if (args.flag("json")) {
    answer["ok"] = confirmed;
    print_json(answer);
  } else {
    print_answer(answer);
  }
  return confirmed ? kOk : kNegative;
}

// ---- import-qr --------------------------------------------------------------------------------

int cmd_import_qr(const Args& args) {
  if (auto bad = args.unknown({}); !bad.empty()) return usage_error("unknown option --" + bad, kImportUsage);
  const std::vector<std::string> files(args.positionals().begin() + 1, args.positionals().end());
  if (files.empty()) return usage_error("give the file of each QR part (one file per part, any order)", kImportUsage);
  std::vector<std::string> parts;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
      return fail(args, make_error(ONSHI_E_NOT_FOUND, "file", "cannot read " + file, "check the file's path"));
    parts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto s = open_disaster(args);
  if (!s) return fail(args, s.error());
  std::vector<onshi_bytes> raw;
  for (const auto& p : parts) raw.push_back(bytes_of(p));
  std::string out;
  const onshi_writer writer = append_to(out);
  onshi_error err = empty_error();
  if (onshi_status st = s->ext.vtable->import_qr(s->ext.instance, raw.data(), static_cast<uint32_t>(raw.size()),
                                                  &writer, &err)) {
    const Error e = to_error(st, err);
    fail(args, e);
    // The data is wrong, not the command line: the message names the part, line and record.
    return e.code == ONSHI_E_INVALID_ARGUMENT ? kFailed : (e.code == ONSHI_E_NOT_SUPPORTED ? kUnavailable : kFailed);
  }
  json doc = json::parse(out, nullptr, false);
  if (doc.is_discarded())
    return fail(args, make_error(ONSHI_E_PROTOCOL, "disaster", "the plugin's answer is not JSON",
                                 "report this with `onshi plugins --json`"));
  if (args.flag("json")) {
    doc["ok"] = true;
    print_json(doc);
    return kOk;
  }
  const json& p = doc["patient"];
  std::cout << "お薬手帳 okusuri techo (" << field(doc, "version") << ", " << doc.value("parts", 0) << " part(s))\n"
            << "  氏名 name:            " << field(p, "name")
            << (field(p, "name_kana").empty() ? "" : " (" + field(p, "name_kana") + ")") << "\n"
            << "  生年月日 birth date:  " << field(p, "birthdate") << "\n";
  if (!field(p, "sex").empty()) std::cout << "  性別 sex:             " << sex_label(field(p, "sex")) << "\n";
  print_drugs(doc["drug_history"]);
  for (const auto& w : doc.value("warnings", json::array()))
    std::cout << "  注意 warning: " << w.get<std::string>() << "\n";
  std::cout << "  what to do: confirm with the patient that the notebook is theirs; nothing was stored\n";
  return kOk;
}

// ---- dispatch ---------------------------------------------------------------------------------

int cmd_disaster(const Args& args) {
  const auto& sub = args.positionals();  // main.cpp checked sub[0]
  const std::string name = sub[0];
  std::vector<std::string> rest(sub.begin() + 1, sub.end());
  if (name == "on") return rest.empty() ? cmd_on(args) : usage_error("unexpected " + rest[0], kOnUsage);
  if (name == "off") return rest.empty() ? cmd_off(args) : usage_error("unexpected " + rest[0], kOffUsage);
  if (name == "status") return rest.empty() ? cmd_status(args) : usage_error("unexpected " + rest[0], kStatusUsage);
  if (name == "lookup") return rest.empty() ? cmd_lookup(args) : usage_error("unexpected " + rest[0], kLookupUsage);
  if (name == "import-qr") return cmd_import_qr(args);
  if (name == "audit") return rest.empty() ? cmd_audit(args) : usage_error("unexpected " + rest[0], kAuditUsage);
  return usage_error("unknown subcommand '" + name + "' (on, off, status, lookup, import-qr, audit)", kDisasterUsage);
}

}  // namespace

std::vector<Command> disaster_commands() {
  return {{"disaster", kDisasterUsage,
           "disaster mode (災害時モード, R-DISASTER): switch it on/off for a declared disaster, see its status, "
           "look up a patient's drug information by name, birth date, sex and address with consent, import the "
           "お薬手帳 QR. Roles: doctor, dentist, pharmacist, authorised_staff (with --authorised-by); clerk is "
           "refused. Exit 0 done/confirmed/active, 1 refused or no single person, 2 usage, 3 unavailable, 4 failed",
           cmd_disaster,
           {"consent", "no-intent-life-risk", "no-keep", "offline"},
           {{"on", kOnUsage,
             "switch disaster mode on for a declared disaster (事務連絡): area as prefecture or municipality codes, "
             "--until a date (24:00 JST) or time; exit 0 when active or scheduled"},
            {"off", kOffUsage, "switch it off by hand (it also ends by itself at --until)"},
            {"status", kStatusUsage,
             "the declaration in force and whether it covers this facility; exit 0 only when active"},
            {"lookup", kLookupUsage,
             "drug information of one patient by the 4 basic items, only with consent (or the explicit exception); "
             "--offline searches the clinic's earlier retrievals; exit 0 when one person is confirmed"},
            {"import-qr", kImportUsage, "the patient's お薬手帳 QR (JAHIS; every part of a split code, any order)"},
            {"audit", kAuditUsage,
             "the audit log, its chain checked end to end (exit 1 when a record was changed or removed); the "
             "read is itself audited, and needs a role that may look up"}}},
          {"audit", kAuditVerifyUsage,
           "the audit log's integrity: exit 0 when its chain holds, 1 with the entry where it breaks and when "
           "(changed, removed or re-ordered entries); needs a role that may look up, and is itself audited",
           cmd_audit_top,
           {},
           {{"verify", kAuditVerifyUsage,
             "check the whole chain of the disaster audit log and say where it breaks (entry number, time)"}}}};
}

}  // namespace onshi::cli
