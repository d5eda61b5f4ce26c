// onshi demo: a scripted reception day through the real plugins, against the
// simulator of the central system and a virtual My Number card in a real pcscd.
// Each patient goes the way a receptionist would take them: card and PIN first,
// then what the rules allow when that fails, then the bill (route and ratio).
#include <onshi/support/dates.hpp>
#include "cli.hpp"
#include "commands.hpp"
#include "demo_services.hpp"
#include "reception.hpp"

#include <onshi/abi/onshi_ext_disaster.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <optional>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

namespace onshi::cli {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kDemoUsage = "onshi demo [--json] [--keep] | onshi demo --serve [--listen 127.0.0.1:8740]";
constexpr auto kTimeout = 20s;
constexpr const char* kReader = nullptr;  // the first reader holding a card
// The first 同意日 a 居宅同意取得型 consent can have (療担規則, 2023-12-01): a re-query from it finds
// every patient who ever consented (docs/eligibility-messages.md §2).
constexpr const char* kFirstHomeConsentDay = "20231201";

// How the patient arrives at the window.
enum class Arrival { card, face, insured, disaster };

struct Patient {
  const char* scenario;                // what the receptionist sees happening (Japanese / English)
  Arrival arrival;
  std::vector<std::string> card;      // onshi-vcard persona flags
  const char* sim_persona;            // whose record the central system holds
  const char* pin = "1234";           // what the patient types (nullptr: no PIN tried)
  json numbers = nullptr;             // insurance-card numbers, when asked for them
  const char* visit = "revisit";
  json statement = nullptr;           // the 被保険者資格申立書 answers, when filled in
};

// The day. Card PINs are the virtual card's; "1234" unless the persona says otherwise.
std::vector<Patient> the_day() {
  const json past_grace_numbers = {{"insurer_number", "06138887"}, {"number", "9999"}, {"birth_date", "19550401"}};
  return {
      {"マイナ保険証 + 暗証番号 card + PIN", Arrival::card, {"--pin", "1234"}, "shaho-valid"},
      {"暗証番号ロック → 目視確認 PIN locked → visual check", Arrival::card, {"--locked"}, "kokuho-valid"},
      {"顔写真なしカード (暗証番号のみ) photo-less card, PIN only", Arrival::card, {"--no-photo"}, "jieikan"},
      {"電子証明書 期限切れ・猶予中 expired certificate in grace", Arrival::card, {"--cert", "in-grace"}, "tokubetsu"},
      {"電子証明書 猶予切れ → 資格確認書 past grace → 資格確認書", Arrival::card, {"--cert", "past-grace"},
       "koureisha", "1234", past_grace_numbers},
      {"スマートフォン smartphone", Arrival::card, {"--smartphone"}, "gendogaku"},
      {"顔認証付きカードリーダー face-reader push", Arrival::face, {}, "blackdot"},
      {"資格確認書の番号 by 資格確認書 numbers", Arrival::insured, {}, "kokuho-valid", nullptr,
       {{"insurer_number", "  138123"}, {"number", "456789"}, {"birth_date", "19900101"}}},
      {"資格喪失 → 旧資格で請求 lost → billed on the old numbers", Arrival::card, {"--pin", "1234"}, "lost-old"},
      {"初診・該当資格なし → 申立書 (不詳) first visit, no record → 申立書", Arrival::card, {"--pin", "1234"}, "nodata",
       "1234", nullptr, "first_visit",
       {{"has_valid_insurance", true}, {"insurance", "kokuho"}, {"declared_ratio", 3},
        {"address", "東京都千代田区霞が関1-2-2"}, {"phone", "03-5253-1111"}}},
      {"後期高齢者 (1割) kouki, 10%", Arrival::card, {"--pin", "1234"}, "kouki-1wari"},
      {"未就学児 (2割) preschool, 20%", Arrival::insured, {}, "preschool", nullptr,
       {{"insurer_number", "  138123"}, {"number", "888002"}, {"birth_date", "20220601"}}},
      {"災害時 (カードなし) 薬剤情報 disaster: no card, drug information", Arrival::disaster, {}, "disaster-tokuko"},
  };
}

std::string jst_date(int64_t unix_ms, bool dashed) {
  const auto day = support::jst_day(std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms)));
  return dashed ? support::iso_date(day) : support::compact_date(day);
}

std::string dashed(const std::string& yyyymmdd) {
  return yyyymmdd.size() == 8 ? yyyymmdd.substr(0, 4) + "-" + yyyymmdd.substr(4, 2) + "-" + yyyymmdd.substr(6) : "";
}

// The outcome's qualification as the claims plugin reads it (docs/decisions/claims.md).
json qualification_for_claims(const json& q) {
  json out = {{"insurer_number", q.value("insurer_number", "")},
              {"symbol", q.value("insured_card_symbol", "")},
              {"number", q.value("insured_identification_number", "")},
              {"branch", q.value("insured_branch_number", "")},
              {"insured_person", q.value("personal_family_classification", "1") != "2"},
              {"classification", q.value("insured_card_classification", "")},
              {"insurer_name", q.value("insurer_name", "")}};
  // 割 as the card states it: the 高齢受給者証's ratio when there is one (070, 020 → 7, 2 割 ÷ 10).
  std::string ratio = q.value("elderly_contribution_ratio", "");
  if (ratio.size() != 3) ratio = q.value("contribution_ratio", "");
  if (ratio.size() == 3) out["card_ratio"] = std::stoi(ratio) / 10;
  // 公費 on the card (PMH) go onto the claim as they came; one paid back by the city only is not billed.
  json kouhi = json::array();
  for (const auto& p : q.value("public_expenses", json::array()))
    if (p.value("source", "") == "medical_subsidy" && !p.value("always_reimbursed", false))
      kouhi.push_back({{"payer_number", p.value("payer_number", "")}, {"recipient_number", p.value("recipient_number", "")}});
  if (!kouhi.empty()) out["public_expenses"] = std::move(kouhi);
  return out;
}

// What one patient came to: the checks made, the outcome, the bill.
struct Visit {
  json row = json::object();
  std::vector<std::string> notes;
  std::optional<Error> error;  // the check could not be made (the simulator, the card, pcscd …)
};

class Day {
 public:
  Day(const Sdk& sdk, demo::Services& services) : sdk_(sdk), services_(services) {}

  Result<void> open() {
    auto r = sdk_.extension<onshi_card_reader_v1>(ONSHI_EXT_CARD_READER);
    if (!r) return std::move(r).error();
    reader_ = *r;
    auto e = sdk_.extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY);
    if (!e) return std::move(e).error();
    eligibility_ = *e;
    auto c = sdk_.extension<onshi_claims_v1>(ONSHI_EXT_CLAIMS);
    if (!c) return std::move(c).error();
    claims_ = *c;
    return {};
  }

  bool card_present() const {
    std::string text;
    onshi_writer out = append_to(text);
    onshi_error err = empty_error();
    return reader_.vtable->card_info(reader_.instance, kReader, &out, &err) == ONSHI_OK;
  }

  Visit see(const Patient& p) {
    Visit v;
    v.row["scenario"] = p.scenario;
    json outcome;
    std::string method;
    switch (p.arrival) {
      case Arrival::card: outcome = at_the_card(p, v, method); break;
      case Arrival::face: outcome = from_the_face_reader(p, v, method); break;
      case Arrival::insured: outcome = by_numbers(p.numbers, v, method); break;
      case Arrival::disaster: return in_a_disaster(v);
    }
    v.row["method"] = method;
    v.row["outcome"] = outcome.is_object() ? outcome.value("kind", "failed") : "failed";
    // The plugin words a check that never got an answer as a "failed" outcome: for the demo, the
    // day's work was not done (the simulator or the network is down), not an answer about a patient.
    if (v.row["outcome"] == "failed" && !v.error && outcome.is_object())
      v.error = make_error(outcome.value("stage", "") == "transport" ? ONSHI_E_NETWORK : ONSHI_E_PROTOCOL,
                           "eligibility", outcome.value("message", "no answer"), outcome.value("hint", ""));
    const json* q = outcome.is_object() && outcome.contains("qualifications") && !outcome["qualifications"].empty()
                        ? &outcome["qualifications"][0]
                        : nullptr;
    if (q) {
      v.row["name"] = q->value("name", "");
      v.row["name_kana"] = q->value("name_kana", "");
    }
    bill(p, outcome, q, method, v);
    // R-RATE counts completed checks only: an attempt that never reached the system (a wrong PIN, a
    // transport failure) counts in neither the numerator nor the denominator.
    if (completed(outcome))
      verifications_.push_back({{"date", today()}, {"my_number_card", method == "card" || method == "visual" || method == "face"}});
    return v;
  }

  // The month's マイナ保険証利用率 over today's checks.
  Result<json> usage_rate() {
    return call(claims_, &onshi_claims_v1::usage_rate,
                       {{"schema", "onshi.claims.usage-request/1"},
                        {"month", today().substr(0, 7)},
                        {"facility", "medical"},
                        {"verifications", verifications_}});
  }

  std::string today() const { return jst_date(sdk_.now_ms(), true); }

  // Before the afternoon's 訪問診療 rounds: everyone who consented at home (居宅同意取得型) is checked
  // again without a card (window_query, kind home_visit), and each is billed on what came back; the
  // 生活保護 patient's result carries the 公費 numbers her KO takes (docs/eligibility-messages.md §5).
  Result<json> home_visit_requery() {
    auto records = sdk_.extension<onshi_eligibility_records_v1>(ONSHI_EXT_ELIGIBILITY_RECORDS);
    if (!records) return std::move(records).error();
    if (!ONSHI_HAS_FIELD(onshi_eligibility_records_v1, records->vtable, window_query_async))
      return make_error(ONSHI_E_NOT_SUPPORTED, "demo", "the eligibility plugin sends no 居宅同意取得型 re-queries",
                        "update the eligibility plugin");
    const std::string request = json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_WINDOW_QUERY},
                                     {"kind", "home_visit"},
                                     {"from", kFirstHomeConsentDay},
                                     {"to", jst_date(sdk_.now_ms(), false)}}
                                    .dump();
    Completion done;
    uint64_t op = 0;
    onshi_error err = empty_error();
    if (onshi_status st = records->vtable->window_query_async(records->instance, bytes_of(request), nullptr,
                                                              done.get(), &op, &err))
      return to_error(st, err);
    auto answer = await(*records, done, op, kTimeout);
    if (!answer) return std::move(answer).error();
    const json result = json::parse(*answer);
    json out = {{"query", result.value("query", json::object())}, {"patients", json::array()}};
    const Patient at_home{"居宅同意取得型 再照会 home-visit re-query", Arrival::card, {}, nullptr, nullptr};
    for (const auto& outcome : result.value("results", json::array())) {
      Visit v;
      const json qualifications = outcome.value("qualifications", json::array());
      const json* q = qualifications.empty() ? nullptr : &qualifications[0];
      bill(at_home, outcome, q, "home_visit", v);
      v.row["method"] = "home_visit";
      v.row["outcome"] = outcome.value("kind", "failed");
      if (q) {
        v.row["name"] = q->value("name", "");
        for (const auto& p : q->value("public_expenses", json::array())) v.notes.push_back(kouhi_line(p));
      }
      out["patients"].push_back({{"row", v.row}, {"notes", v.notes}});
    }
    return out;
  }

 private:
  json at_the_card(const Patient& p, Visit& v, std::string& method) {
    if (auto set = services_.set_card_owner(p.sim_persona); !set) return failed(set.error(), v);
    if (auto in = services_.insert_card(p.card, [&] { return card_present(); }); !in) return failed(in.error(), v);
    auto check = verify_by_card(reader_, eligibility_, kReader, p.pin, kTimeout);
    method = "card";
    card_form_ = check && check->card_kind == "smartphone" ? "smartphone" : "physical";
    if (check && check->kind == "pin_locked") {  // R-VIS: staff compare the photo, then query without a PIN
      v.notes.push_back(check->message);
      check = verify_by_card(reader_, eligibility_, kReader, nullptr, kTimeout);
      method = "visual";
    }
    services_.remove_card([&] { return !card_present(); });
    if (!check) return failed(check.error(), v);
    if (check->kind != "outcome") {
      v.notes.push_back(check->message);
      return json();
    }
    json outcome = check->outcome;
    note_outcome(outcome, v);
    // The certificate is refused (past grace): the patient shows the 資格確認書 instead.
    if (outcome.value("kind", "") != "valid" && !p.numbers.is_null()) {
      v.notes.push_back("→ 資格確認書の番号で確認 checked by the 資格確認書's numbers instead");
      return by_numbers(p.numbers, v, method);
    }
    return outcome;
  }

  json from_the_face_reader(const Patient& p, Visit& v, std::string& method) {
    method = "face";
    struct Pushed {
      std::mutex m;
      std::condition_variable cv;
      std::string doc;
    } pushed;
    onshi_document_listener listener{sizeof listener, &pushed,
                                     [](void* ctx, onshi_status st, onshi_bytes doc, const onshi_error*) {
                                       auto& p = *static_cast<Pushed*>(ctx);
                                       std::lock_guard l(p.m);
                                       if (st == ONSHI_OK && p.doc.empty())
                                         p.doc.assign(reinterpret_cast<const char*>(doc.data), doc.size);
                                       p.cv.notify_all();
                                     }};
    onshi_error err = empty_error();
    if (onshi_status st = eligibility_.vtable->set_face_listener(eligibility_.instance, &listener, &err))
      return failed(to_error(st, err), v);
    if (auto push = services_.push_face(p.sim_persona); !push) v.notes.push_back(push.error().message);
    std::unique_lock lock(pushed.m);
    pushed.cv.wait_for(lock, kTimeout, [&] { return !pushed.doc.empty(); });
    std::string doc = pushed.doc;
    lock.unlock();
    eligibility_.vtable->set_face_listener(eligibility_.instance, nullptr, &err);
    if (doc.empty()) return failed(make_error(ONSHI_E_TIMEOUT, "demo", "no face-reader result arrived", ""), v);
    json outcome = json::parse(doc, nullptr, false);
    note_outcome(outcome, v);
    return outcome;
  }

  // A disaster drill on the simulator's 令和6年能登半島地震 data: the clinic switches
  // disaster mode on for a week, and a patient with nothing, who gives her name in
  // everyday kanji (山崎 徳子 for 山﨑 德子), is found with her consent; then it is off.
  Visit in_a_disaster(Visit& v) {
    v.row["method"] = "disaster";
    auto ext = sdk_.extension<onshi_disaster_v1>(ONSHI_EXT_DISASTER);
    if (!ext) return failed(ext.error(), v), v;
    const json staff = {{"id", "dr-001"}, {"role", "doctor"}};
    const std::string until = jst_date(sdk_.now_ms() + 7 * 86'400'000LL, true);
    auto declared = call(*ext, &onshi_disaster_v1::declare, {{"schema", "onshi.disaster.declare-request/1"},
                                                       {"reference", "訓練 drill: 令和6年能登半島地震"},
                                                       {"area", {"13101", "17"}},
                                                       {"closes_at", until},
                                                       {"operator", staff}});
    if (!declared) return failed(declared.error(), v), v;
    v.notes.push_back("災害モード on (drill): 石川県 and 千代田区 until " + until + ", by dr-001 (doctor)");
    const std::string request = json{{"schema", "onshi.disaster.lookup-request/1"},
                                     {"name", "山崎 徳子"},
                                     {"birthdate", "1947-11-20"},
                                     {"sex", "female"},
                                     {"address", "七尾市"},
                                     {"operator", staff},
                                     {"consent", {{"kind", "verbal"}}}}
                                    .dump();
    Completion answered;
    uint64_t op = 0;
    onshi_error err = empty_error();
    std::string answer;
    if (onshi_status st = ext->vtable->lookup_async(ext->instance,
                                                    bytes_of(request),
                                                    answered.get(), &op, &err)) {
      failed(to_error(st, err), v);
    } else if (!answered.wait_for(kTimeout) || !answered.result()) {
      failed(answered.result().error(), v);
    } else {
      answer = *answered.result();
    }
    (void)call(*ext, &onshi_disaster_v1::end,
               {{"schema", "onshi.disaster.end-request/1"}, {"reason", "drill over"}, {"operator", staff}});
    const json a = json::parse(answer, nullptr, false);
    if (!a.is_object()) return v;
    v.row["outcome"] = a.value("outcome", "");
    if (a.contains("lookup") && a["lookup"].contains("person")) v.row["name"] = a["lookup"]["person"].value("name", "");
    const json lines = a.contains("drug_history") ? a["drug_history"].value("lines", json::array()) : json::array();
    v.row["drug_lines"] = lines.size();
    v.notes.push_back("同意 consent: 口頭 verbal, recorded before the search (R-DISASTER)");
    for (size_t i = 0; i < lines.size() && i < 3; ++i)
      v.notes.push_back(lines[i].value("dispensed_on", "") + "  " + lines[i].value("drug_name", ""));
    if (lines.size() > 3) v.notes.push_back("… " + std::to_string(lines.size() - 3) + " more");
    return v;
  }

  json by_numbers(const json& numbers, Visit& v, std::string& method) {
    method = "insured";
    json request = {{"schema", "onshi.eligibility.request/1"}, {"kind", "insured"}};
    request.update(numbers);
    auto outcome = verify_by_numbers(eligibility_, request, kTimeout);
    if (!outcome) return failed(outcome.error(), v);
    note_outcome(*outcome, v);
    return *outcome;
  }

  // The central system answered about the qualification (whatever it said).
  static bool completed(const json& outcome) {
    const std::string kind = outcome.is_object() ? outcome.value("kind", "") : "";
    for (const char* answered : {"valid", "lost", "lost_with_new", "no_data", "needs_person", "withheld"})
      if (kind == answered) return true;
    return false;
  }

  static void note_outcome(const json& outcome, Visit& v) {
    for (const char* key : {"message", "note"})
      if (!outcome.value(key, "").empty()) v.notes.push_back(outcome.value(key, ""));
  }

  static json failed(const Error& e, Visit& v) {
    v.notes.push_back(e.message + (e.hint.empty() ? "" : " (" + e.hint + ")"));
    if (!v.error) v.error = e;
    return json();
  }

  // The claim: which route the rules allow and the ratio (onshi.claims/1 decide).
  void bill(const Patient& p, const json& outcome, const json* q, const std::string& method, Visit& v) {
    const std::string kind = outcome.is_object() ? outcome.value("kind", "failed") : "failed";
    std::string card_check = kind == "valid" ? "valid" : kind.rfind("lost", 0) == 0 ? "lost"
                           : kind == "no_data" ? "no_data" : "failed";
    json input = {{"schema", "onshi.claims.input/1"},
                  {"visit_date", today()},
                  {"visit", p.visit},
                  {"presented",
                   {{"my_number_card", method != "insured"},
                    {"card_form", method == "card" || method == "visual" ? card_form_ : "physical"},
                    {"card_check", method == "insured" ? "not_done" : card_check},
                    {"eligibility_certificate", method == "insured"}}}};
    json patient = {{"name", q ? q->value("name", "") : "●●　●●"},
                    {"name_kana", q ? q->value("name_kana", "") : ""},
                    {"birth_date", q ? dashed(q->value("birthdate", "")) : "1980-01-01"},
                    {"sex", q && q->value("sex1", "") == "2" ? "female" : "male"},
                    {"chart_number", std::to_string(1000 + ++chart_)}};
    if (!q && !p.numbers.is_null()) patient["birth_date"] = dashed(p.numbers.value("birth_date", ""));
    input["patient"] = patient;
    // Checked online by the card (or face reader): "online"; by numbers read off a 資格確認書: "shown".
    // A lost qualification is the old one, billed on the old numbers (R-CLAIM-B) whichever way it came.
    if (q && kind == "valid") (method == "insured" ? input["shown"] : input["online"]) = qualification_for_claims(*q);
    if (q && kind.rfind("lost", 0) == 0) input["online"] = qualification_for_claims(*q);
    if (!p.statement.is_null()) input["statement"] = p.statement;
    auto result = call(claims_, &onshi_claims_v1::decide, input);
    if (!result) {
      v.notes.push_back("請求 claim: " + result.error().message);
      return;
    }
    v.row["route"] = (*result)["route"].value("id", "");
    v.row["ratio"] = (*result)["copay"].value("ratio", 0);
    v.row["method_rule"] = (*result)["method"].value("id", "");
    for (const auto& record : (*result)["records"]) {  // the 公費 billed: 公費負担者番号 / 受給者番号 of each KO
      if (record.value("id", "") != "KO") continue;
      std::string payer, recipient;
      for (const auto& f : record["fields"]) {
        if (f.value("name", "") == "公費負担者番号") payer = f.value("value", "");
        if (f.value("name", "") == "公費受給者番号") recipient = f.value("value", "");
      }
      v.row["kouhi_billed"].push_back(payer + " / " + recipient);
    }
    const std::string reason = (*result)["route"].value("reason", "");
    if (!reason.empty()) v.notes.push_back(reason);
  }

  const Sdk& sdk_;
  demo::Services& services_;
  CardReader reader_;
  Eligibility eligibility_;
  Extension<onshi_claims_v1> claims_;
  json verifications_ = json::array();
  std::string card_form_ = "physical";  // of the card just read: physical or smartphone (R-M10)
  int chart_ = 0;
};

// ---- what the receptionist sees -------------------------------------------------------------

// Terminal columns of UTF-8 text: CJK and full-width forms take two, half-width kana one.
size_t columns(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    uint32_t cp = c;
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len > 1) {
      cp = c & (0x3F >> (len - 1));
      for (int k = 1; k < len && i + k < s.size(); ++k) cp = cp << 6 | (s[i + k] & 0x3F);
    }
    i += len;
    n += (cp >= 0x1100 && !(cp >= 0xFF61 && cp <= 0xFF9F)) ? 2 : 1;
  }
  return n;
}

std::string pad(const std::string& s, size_t width) {
  const size_t w = columns(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

// An eligibility outcome as every command words it; the demo's disaster drill adds its own two.
std::string outcome_label(const std::string& kind) {
  if (kind == "confirmed") return "本人確認 one person found";
  if (kind == "ask_more") return "候補複数 ask for more";
  const OutcomeWords& w = outcome_words(kind);
  const std::string english = w.english;
  return std::string(w.japanese) + " " + english.substr(0, english.find(':'));
}

const char* method_label(const std::string& method) {
  if (method == "card") return "カード+PIN";
  if (method == "visual") return "目視 visual";
  if (method == "face") return "顔認証 face";
  if (method == "insured") return "番号 numbers";
  if (method == "disaster") return "災害 disaster";
  return "-";
}

void print_home_visits(const json& day) {
  if (!day.contains("home_visits")) return;
  const json& h = day["home_visits"];
  std::cout << "\n居宅同意取得型 再照会 home-visit re-query before the rounds (同意日 " << h["query"].value("from", "")
            << "–" << h["query"].value("to", "") << "): " << h["patients"].size() << " patient(s)\n";
  for (const auto& v : h["patients"]) {
    const auto& r = v["row"];
    std::string billed;
    for (const auto& ko : r.value("kouhi_billed", json::array())) billed += "  公費 KO " + ko.get<std::string>();
    std::cout << "  " << pad(r.value("name", ""), 14) << pad(outcome_label(r.value("outcome", "")), 30)
              << pad(r.value("route", "-"), 12)
              << (r.contains("ratio") ? std::to_string(r["ratio"].get<int>()) + "割" : "-") << billed << "\n";
    for (const auto& note : v["notes"]) std::cout << "      · " << note.get<std::string>() << "\n";
  }
}

void print_day(const json& day) {
  std::cout << "\n受付 reception — " << day["date"].get<std::string>() << "\n\n"
            << pad("No", 4) << pad("患者 patient", 16) << pad("確認 check", 14) << pad("結果 outcome", 30)
            << pad("請求 route", 12) << "負担 ratio\n"
            << std::string(84, '-') << "\n";
  int n = 0;
  for (const auto& v : day["patients"]) {
    const auto& r = v["row"];
    std::string name = r.value("name", "");
    if (name.empty()) name = "(不明 unknown)";
    const std::string ratio = r.contains("ratio") ? std::to_string(r["ratio"].get<int>()) + "割" : "-";
    std::cout << pad(std::to_string(++n), 4) << pad(name, 16) << pad(method_label(r.value("method", "")), 14)
              << pad(outcome_label(r.value("outcome", "")), 30) << pad(r.value("route", "-"), 12) << ratio << "\n"
              << "    " << r.value("scenario", "") << "\n";
    for (const auto& note : v["notes"]) std::cout << "      · " << note.get<std::string>() << "\n";
  }
  print_home_visits(day);
  const auto& u = day["usage_rate"];
  if (!u.is_object() || !u.contains("rate")) return;
  const std::string month = u.value("month", "");
  std::cout << "\nマイナ保険証利用率 My Number card usage rate (" << month << "): " << u.value("card_count", 0) << " / "
            << u.value("total_count", 0) << " completed checks = " << int(u.value("rate", 0.0) * 100 + 0.5) << "%\n";
  const json& rule = u["in_force"];
  if (rule.contains("error")) {
    std::cout << "  " << month << ": " << rule["error"].value("message", "") << "\n";
    return;
  }
  std::cout << "  " << month << " の加算 in force: " << rule.value("name", "");
  if (rule.contains("minimum")) std::cout << " (rate requirement " << rule["minimum"].get<int>() << " %)";
  if (rule.contains("thresholds")) std::cout << " (加算1/2/3 at " << rule["thresholds"].dump() << " %)";
  std::cout << ", " << rule.value("from", "") << " – " << rule.value("to", "") << "; source: " << rule.value("source", "")
            << "\n";
  if (u.contains("decides_error"))
    std::cout << "  which later 算定月 this rate decides: not in the rules table yet (R-RATE)\n";
  else if (!u["decides"].empty())
    std::cout << "  it decides 算定月 " << u["decides"][0].value("billing_month", "") << ": "
              << u["decides"][0].value("name", "") << " "
              << u["decides"][0].value("kasan", u["decides"][0].value("rate_met", false) ? "(rate met)" : "(none)")
              << "\n";
}

// ---- onshi demo --serve: the same day at the reception page --------------------------------------

// What a patient brings to the window, said to the person at the terminal (the patient's side).
std::string arrival_words(const Patient& p) {
  std::string words;
  switch (p.arrival) {
    case Arrival::card:
      words = "カードをリーダーに置きました the card is on the reader";
      if (p.pin) words += std::string("; 暗証番号 PIN ") + p.pin;
      break;
    case Arrival::face: words = "顔認証付きカードリーダーの結果を送りました a face-reader result was sent"; break;
    case Arrival::insured:
      words = "資格確認書を見せています shows the 資格確認書: 保険者番号 " + p.numbers.value("insurer_number", "") +
              ", 番号 " + p.numbers.value("number", "") + ", 生年月日 " + p.numbers.value("birth_date", "");
      break;
    case Arrival::disaster:
      words = "災害時・カードなし disaster, no card: 山崎 徳子, 1947-11-20, 女, 七尾市 (declare disaster mode first)";
      break;
  }
  if (std::string(p.visit) == "first_visit") words += "; 初診 first visit";
  if (!p.statement.is_null()) words += "; 申立書の回答 answers: " + p.statement.dump();
  return words;
}

// A desk token and the hash the service's configuration keeps: `onshi serve --new-token`'s.
Result<json> new_desk_token(const fs::path& work) {
  std::error_code ec;
  const fs::path out = work / "desk-token.json";
  auto made = demo::Process::spawn({(fs::read_symlink("/proc/self/exe", ec)).string(), "serve", "--new-token"}, out);
  if (!made) return std::move(made).error();
  made->wait();
  std::ifstream in(out);
  json token = json::parse(in, nullptr, false);
  fs::remove(out, ec);
  if (!token.is_object() || !token.contains("token"))
    return make_error(ONSHI_E_INTERNAL, "demo", "onshi serve --new-token printed no token", "run it by hand to see why");
  return token;
}

// Starts `onshi serve` for one desk over what the demo started; prints the page's address and the
// desk's token; then brings each patient of the day to the window when asked on stdin, until
// Ctrl-C (SIGINT/SIGTERM; end of input does not stop it, so it also runs without a terminal).
// `signals`: a signalfd of SIGINT and SIGTERM.
int serve_the_day(const Args& args, const fs::path& work, demo::Services& services, const std::function<bool()>& present,
                  int signals) {
  auto token = new_desk_token(work);
  if (!token) return fail(args, token.error());
  const fs::path config_file = work / "serve.json", port_file = work / "serve.port";
  json plugins = json::parse(services.config_json());
  plugins["onshi.reader.pcsc"] = json::object();
  plugins["onshi.claims"] = json::object();
  const json config = {{"listen", args.value("listen").value_or("127.0.0.1:8740")},
                       {"state_dir", (work / "serve-state").string()},
                       {"plugins", plugins},
                       {"desks", {{{"name", "reception-1"}, {"token_sha256", (*token)["token_sha256"]}}}}};
  std::ofstream(config_file) << config.dump(2);
  std::error_code ec;
  auto service = demo::Process::spawn({fs::read_symlink("/proc/self/exe", ec).string(), "serve", "--config",
                                       config_file.string(), "--port-file", port_file.string()},
                                      work / "logs" / "serve.log");
  if (!service) return fail(args, service.error());
  int port = 0;
  for (int i = 0; i < 150 && port == 0 && service->running(); ++i) {
    std::ifstream in(port_file);
    if (!(in >> port)) std::this_thread::sleep_for(100ms);
  }
  if (port == 0)
    return fail(args, make_error(ONSHI_E_TIMEOUT, "demo", "onshi serve did not start",
                                 "see " + (work / "logs" / "serve.log").string()));
  std::string host = config["listen"].get<std::string>();
  host = host.substr(0, host.rfind(':'));
  if (host == "0.0.0.0") host = "127.0.0.1";
  const auto day = the_day();
  std::cout << "\n受付画面 the reception page:  http://" << host << ":" << port << "/\n"
            << "カードリーダーの画面 the reader's screen (the patient types the PIN there):  http://" << host << ":"
            << port << "/pinpad.html\n"
            << "窓口のトークン desk token (type it once at the page's login): " << token->value("token", "") << "\n\n"
            << "The patients of the day (type a number and Enter to bring one to the window; Enter: the next;\n"
            << "r: take the card off the reader; Ctrl-C: stop everything):\n";
  for (size_t i = 0; i < day.size(); ++i) std::cout << "  " << std::setw(2) << i + 1 << "  " << day[i].scenario << "\n";
  std::cout << std::flush;

  bool input = true;
  size_t next = 0;
  std::string line;
  while (true) {
    pollfd fds[2] = {{signals, POLLIN, 0}, {STDIN_FILENO, short(input ? POLLIN : 0), 0}};
    if (poll(fds, input ? 2 : 1, 500) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) break;
    if (!service->running()) {
      std::cerr << "onshi serve stopped; see " << (work / "logs" / "serve.log").string() << "\n";
      break;
    }
    if (!input || !(fds[1].revents & (POLLIN | POLLHUP))) continue;
    if (!std::getline(std::cin, line)) {
      input = false;  // no more input: serve until stopped
      continue;
    }
    if (line == "r") {
      services.remove_card([&] { return !present(); });
      std::cout << "カードを取りました the card is off the reader\n" << std::flush;
      continue;
    }
    size_t pick = next;
    if (!line.empty()) pick = line.find_first_not_of("0123456789") == std::string::npos && line.size() < 4
                                  ? std::stoul(line) - 1 : day.size();
    if (pick >= day.size()) {
      std::cout << "1 から " << day.size() << " の番号を入力してください (a number from 1 to " << day.size() << ")\n" << std::flush;
      continue;
    }
    next = pick + 1;
    const Patient& p = day[pick];
    std::cout << "→ " << pick + 1 << ". " << p.scenario << ": " << arrival_words(p) << "\n" << std::flush;
    Result<void> done;
    if (p.arrival == Arrival::card) {
      done = services.set_card_owner(p.sim_persona);
      if (done) done = services.insert_card(p.card, present);
    } else {
      services.remove_card([&] { return !present(); });
      if (p.arrival == Arrival::face) done = services.push_face(p.sim_persona);
    }
    std::cout << (done ? "  ready\n" : "  " + done.error().message + "\n") << std::flush;
  }
  service->stop();
  return kOk;
}

// ---- onshi demo -------------------------------------------------------------------------------

int cmd_demo(const Args& args) {
  if (auto bad = args.unknown({"keep", "serve", "listen"}); !bad.empty())
    return usage_error("unknown option --" + bad, kDemoUsage);
  const bool as_json = args.flag("json");
  const bool serving = args.flag("serve");
  int signals = -1;
  if (serving) {  // Ctrl-C stops the services we started: blocked before any thread exists, read from a signalfd
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    signals = signalfd(-1, &stop, SFD_CLOEXEC);
  }
  auto say = [&](const std::string& line) {
    if (!as_json) std::cerr << "  starting " << line << std::endl;
  };
  char tmpl[] = "/tmp/onshi-demo-XXXXXX";
  if (!mkdtemp(tmpl))
    return fail(args, make_error(ONSHI_E_IO, "demo", "cannot make a work folder in /tmp", "check /tmp is writable"));
  const fs::path work = tmpl;
  if (!as_json) std::cerr << "onshi demo: a reception day through the real plugins (work folder " << work.string() << ")\n";

  json day = {{"patients", json::array()}};
  std::optional<Error> stopped;  // the day could not be done
  int code = kOk;                // of --serve
  {
    demo::Services services(work, say);
    // The SDK is opened twice: first to see whether PC/SC answers (the reader
    // plugin needs no configuration), then pointed at the simulator.
    auto probe_sdk = Sdk::open([&] {
      SdkOptions o;
      o.log_level = ONSHI_LOG_ERROR + 1;
      return o;
    }());
    if (!probe_sdk) return fail(args, probe_sdk.error());
    auto probe_reader = probe_sdk->extension<onshi_card_reader_v1>(ONSHI_EXT_CARD_READER);
    if (!probe_reader) return fail(args, probe_reader.error());
    auto pcsc_up = [&] {
      std::string text;
      onshi_writer out = append_to(text);
      onshi_error err = empty_error();
      return probe_reader->vtable->list_readers(probe_reader->instance, &out, &err) == ONSHI_OK &&
             text.find("Virtual PCD") != std::string::npos;
    };
    if (auto started = services.start(pcsc_up); !started) return fail(args, started.error());
    if (serving) {
      // The card's presence as pcscd reports it, without touching the card (the page reads it at
      // the same moment, and a card takes one program at a time). A card removed is gone only once
      // pcscd has noticed, so the service's reader watcher sees the reader empty between two
      // patients (a swap inside one pcscd poll would be no event) and the page hears each card.
      code = serve_the_day(args, work, services, [&] {
        std::string readers;
        onshi_writer out = append_to(readers);
        onshi_error err = empty_error();
        if (probe_reader->vtable->list_readers(probe_reader->instance, &out, &err) != ONSHI_OK) return false;
        const json list = json::parse(readers, nullptr, false);
        for (const auto& r : list.value("readers", json::array()))
          if (r.value("name", "").find("Virtual PCD") == 0 && r.value("card_present", false)) return true;
        return false;
      }, signals);
    } else {
      SdkOptions o;
      o.host_name = "onshi demo";
      o.config_json = services.config_json();
      o.state_dir = services.state_dir().string();
      o.log_level = ONSHI_LOG_ERROR + 1;
      auto sdk = Sdk::open(o);
      if (!sdk) return fail(args, sdk.error());
      Day reception(*sdk, services);
      if (auto opened = reception.open(); !opened) return fail(args, opened.error());
      day["date"] = reception.today();
      const auto patients = the_day();
      say("the day: " + std::to_string(patients.size()) + " patients");
      for (size_t n = 0; n < patients.size() && !stopped; ++n) {
        Visit v = reception.see(patients[n]);
        day["patients"].push_back({{"row", v.row}, {"notes", v.notes}});
        // A check that could not be made is the demo failing, not a patient's outcome: the day
        // stops there, and no figure is computed from it.
        if (v.error)
          stopped = make_error(v.error->code, "demo",
                               "the reception day stopped at patient " + std::to_string(n + 1) + " of " +
                                   std::to_string(patients.size()) + " (" + patients[n].scenario +
                                   "): the check could not be made: " + v.error->message,
                               v.error->hint.empty() ? "see the logs in " + work.string() + " (run with --keep)"
                                                     : v.error->hint);
      }
      if (!stopped) {
        auto usage = reception.usage_rate();
        day["usage_rate"] = usage ? *usage : json{{"error", usage.error().message}};
        say("the home-visit re-query before the rounds");
        auto visits = reception.home_visit_requery();
        if (visits)
          day["home_visits"] = *visits;
        else
          stopped = make_error(visits.error().code, "demo",
                               "the home-visit re-query could not be made: " + visits.error().message,
                               visits.error().hint.empty() ? "see the logs in " + work.string() + " (run with --keep)"
                                                           : visits.error().hint);
      }
    }
  }
  if (!args.flag("keep")) {
    std::error_code ec;
    fs::remove_all(work, ec);
  }
  if (serving) return code;
  if (as_json) {
    day["ok"] = !stopped;
    if (stopped) day["error"] = error_json(*stopped);
    print_json(day);
  } else {
    print_day(day);
    if (stopped) std::cerr << "\nonshi demo: " << stopped->message << "\n  what to do: " << stopped->hint << "\n";
  }
  if (!stopped) return kOk;
  return std::max(exit_code(*stopped), int(kUnavailable));  // never 0, never "a negative answer"
}

}  // namespace

std::vector<Command> demo_commands() {
  return {{"demo", kDemoUsage,
           "a scripted reception day against the simulator and a virtual card in pcscd (starts what it needs); "
           "--serve: the same day at the reception page in a browser (onshi serve, the page's address and a desk "
           "token; you bring each patient to the window, until Ctrl-C)",
           &cmd_demo, {"keep"}}};
}

}  // namespace onshi::cli
