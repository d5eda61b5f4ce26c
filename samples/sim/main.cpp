// onshi-sim: a stand-in for the 資格確認端末's 連携アプリ and the central system, over the
// shared folders req/res/face and/or directly over TLS (tls_server.cpp, card_auth.cpp).
// See docs/simulator-data.md for the data set, the personas and every option.
//
//   onshi-sim serve [--root DIR] [--data FILE] [--delay MS] [--fault none|no-answer|partial|err]
//                   [--encoding utf8|sjis] [--poll MS] [--bulk-polls N] [--today YYYYMMDD]
//                   [--tls-port N --tls-cert F --tls-key F [--tls-client-ca F] [--tls-port-file F]
//                    [--tls-base-path P] [--tls-fault none|refuse|close|reset|slow|bad-cert|maintenance|maintenance-sjis]
//                    [--card-ca F] [--card-persona NAME]]
//   onshi-sim face  --root DIR --persona NAME [--data FILE] [--encoding utf8|sjis]
//
// While serving, files in ROOT/sim-control steer it: `face` (persona names, one a line) pushes
// face results; `fault` (one word) applies to the next request only. Both are consumed.
// `card-persona` (a persona name) says whose card the next card queries come from; it is kept.
#include "bulk.hpp"
#include "card_auth.hpp"
#include "disaster.hpp"
#include "tls_server.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <unicode/ucnv.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// The data set when --data is not given: the copy installed beside an installed
// onshi-sim (ONSHI_SIM_INSTALLED_DATA is relative to bin/), else the source
// tree's, for a program run from the build tree.
fs::path default_data() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = (self.parent_path() / ONSHI_SIM_INSTALLED_DATA).lexically_normal();
    if (fs::is_regular_file(installed, ec)) return installed;
  }
  return ONSHI_SIM_SOURCE_DATA;
}

struct Config {
  fs::path root;  // empty: no folders (TLS only)
  fs::path data = default_data();
  int delay_ms = 0;
  int poll_ms = 100;
  int bulk_polls = 1;  // 02req answers 処理中 this many times before the result
  std::string fault = "none";
  bool sjis = false;
  std::string persona;
  std::string today;  // YYYYMMDD: the simulator's clock stands on this JST day (time of day runs on)
  // TLS endpoint (off unless --tls-port is given)
  int tls_port = -1;
  onshi::sim::TlsServerOptions tls;
  fs::path tls_port_file;
  fs::path card_ca;
  std::string card_persona = "shaho-valid";
};

volatile std::sig_atomic_t g_stop = 0;
std::time_t g_today_offset = 0;  // --today: seconds added to the system clock

// The simulator's clock, in Japan (answers carry JST times, as the central system's do).
std::time_t sim_now() { return std::time(nullptr) + g_today_offset; }

std::string now_stamp(const char* format) {
  std::time_t t = sim_now() + 9 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// --today YYYYMMDD → the offset that puts sim_now() on that JST day at the current time of day.
bool set_today(const std::string& ymd) {
  std::tm tm{};
  if (ymd.size() != 8 || ymd.find_first_not_of("0123456789") != std::string::npos) return false;
  tm.tm_year = std::stoi(ymd.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(ymd.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(ymd.substr(6, 2));
  const std::time_t target_day = timegm(&tm);  // 00:00 of that day, as if UTC
  const std::time_t now_jst = std::time(nullptr) + 9 * 3600;
  g_today_offset = target_day - (now_jst - now_jst % 86400);
  return true;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// ICU conversion; an empty result with ok=false on failure.
bool convert(const char* to, const char* from, const std::string& in, std::string& out) {
  UErrorCode status = U_ZERO_ERROR;
  out.assign(in.size() * 4 + 16, '\0');
  int32_t n = ucnv_convert(to, from, out.data(), static_cast<int32_t>(out.size()), in.data(),
                           static_cast<int32_t>(in.size()), &status);
  if (U_FAILURE(status)) return false;
  out.resize(n);
  return true;
}

// Requests may be Shift_JIS or UTF-8: the declaration decides.
bool load_request(const std::string& bytes, pugi::xml_document& doc) {
  std::string text = bytes;
  const auto decl_end = bytes.find("?>");
  const std::string decl = bytes.substr(0, decl_end == std::string::npos ? 0 : decl_end);
  if (decl.find("Shift_JIS") != std::string::npos || decl.find("shift_jis") != std::string::npos) {
    if (!convert("UTF-8", "windows-31j", bytes, text)) return false;
  }
  return doc.load_string(text.c_str(), pugi::parse_default | pugi::parse_ws_pcdata_single) &&
         std::string(doc.document_element().name()) == "XmlMsg";
}

std::string text_at(const pugi::xml_node& n, const char* path) {
  return n.first_element_by_path(path).child_value();
}

// JSON → elements: objects keep their key order, arrays repeat the element.
void add_json(pugi::xml_node parent, const std::string& name, const json& v) {
  if (v.is_array()) {
    for (const auto& item : v) add_json(parent, name, item);
  } else if (v.is_object()) {
    pugi::xml_node n = parent.append_child(name.c_str());
    for (const auto& [k, child] : v.items()) add_json(n, k, child);
  } else {
    parent.append_child(name.c_str()).text().set(v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
  }
}

void add_text(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text().set(value.c_str());
}

class Sim {
 public:
  explicit Sim(Config c) : cfg_(std::move(c)), cards_(cfg_.card_ca, sim_now) {
    std::ifstream in(cfg_.data);
    data_ = json::parse(in);
    if (!cfg_.root.empty())
      for (const char* d : {"req", "res", "face", "sim-control", ".sim-tmp"}) fs::create_directories(cfg_.root / d);
  }

  const json* persona(const std::string& name) const {
    for (const auto& p : data_["personas"])
      if (p["name"] == name) return &p;
    return nullptr;
  }

  // Matching as the central system does: exact insurer number (spaces included) and number.
  const json* find(const std::string& insurer, const std::string& number) const {
    for (const auto& p : data_["personas"])
      if (p.contains("match") && p["match"].value("InsurerNumber", "") == insurer &&
          p["match"].value("InsuredIdentificationNumber", "") == number)
        return &p;
    return nullptr;
  }

  // The personas a window query selects (docs/simulator-data.md): 居宅同意取得型 (OQSmuhvq 訪問,
  // OQSmuonq オンライン) by their "consents" [{"kind": "home_visit" | "online", "consent_date",
  // "examination_date"?}] inside the window; 医療扶助 (OQSmutic) by a 医療券 of the 診療年月.
  std::vector<const json*> window(const std::string& family, const pugi::xml_node& filter) const {
    std::vector<const json*> out;
    const std::string month = text_at(filter, "MedicalTreatmentMonth");
    const bool by_exam = !text_at(filter, "ExaminationDateFrom").empty();
    const std::string from = text_at(filter, by_exam ? "ExaminationDateFrom" : "ConsentDateFrom");
    const std::string to = text_at(filter, by_exam ? "ExaminationDateTo" : "ConsentDateTo");
    const std::string kind = family == "OQSmuhvq" ? "home_visit" : "online";
    for (const auto& p : data_["personas"]) {
      bool selected = false;
      if (family == "OQSmutic") {
        for (const auto& r : p.value("results", json::array()))
          for (const auto& t : r.value("PublicExpenseResultList", json::object()).value("MedicalTicketInfo", json::array()))
            selected = selected || t.value("MedicalTreatmentMonth", "") == month;
      } else {
        for (const auto& c : p.value("consents", json::array())) {
          const std::string day = c.value(by_exam ? "examination_date" : "consent_date", "");
          selected = selected || (c.value("kind", "") == kind && !day.empty() && from <= day && day <= to);
        }
      }
      if (selected) out.push_back(&p);
    }
    return out;
  }

  bool push_face(const std::string& name) {
    const json* p = persona(name);
    if (!p) {
      std::cerr << "onshi-sim: no persona \"" << name << "\"\n";
      return false;
    }
    pugi::xml_document doc;
    qualification_answer(doc, p, "", "1");
    static std::mt19937_64 rng{std::random_device{}()};
    char id[24];
    std::snprintf(id, sizeof id, "%020llx", static_cast<unsigned long long>(rng()) & 0xFFFFFFFFFFFFFull);
    const std::string file = "OQSsiquc01res_face_" + data_.value("medical_institution_code", "1311111111") + id + "_" +
                             now_stamp("%Y%m%d%H%M%S") + ".xml";
    write(doc, cfg_.root / "face" / file, false);
    std::cout << "face " << file << std::endl;
    return true;
  }

  // The TLS endpoint's answers (docs/decisions/eligibility-tls.md, HTTP profile): the same
  // documents the folder side writes, by interface name; a card query carries CardAuthenticationInfo.
  onshi::sim::HttpReply http(const std::string& interface, const std::string& bytes) {
    std::lock_guard lock(mutex_);
    const std::string text_type = "text/plain; charset=UTF-8";
    pugi::xml_document req, res;
    if (interface == "challenge") {
      if (!load_request(bytes, req)) return {400, text_type, "E0002 XMLの形式が不正です"};
      challenge_answer(req, res);
    } else {
      if (interface.size() != 10 || interface.find_first_of("/._") != std::string::npos)
        return {404, text_type, "E0003 未対応の要求です: " + interface};
      if (!load_request(bytes, req)) return {400, text_type, "E0002 XMLの形式が不正です"};
      const pugi::xml_node card = req.first_element_by_path("XmlMsg/MessageBody/CardAuthenticationInfo");
      if (interface == "OQSsiquc01" && card)
        card_answer(req, card, res);
      else if (!answer(interface, req, res))
        return {404, text_type, "E0003 未対応の要求です: " + interface};
    }
    return {200, cfg_.sjis ? "application/xml; charset=Shift_JIS" : "application/xml; charset=UTF-8", serialize(res)};
  }

  void serve() {
    if (cfg_.root.empty()) {  // TLS only
      while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return;
    }
    while (!g_stop) {
      poll_control();
      std::vector<fs::path> requests;
      for (const auto& e : fs::directory_iterator(cfg_.root / "req")) {
        const std::string name = e.path().filename().string();
        if (name.size() > 14 && name[0] != '.' && name.find("req_") != std::string::npos &&
            e.path().extension() == ".xml" && !ignored_.count(name))
          requests.push_back(e.path());
      }
      std::sort(requests.begin(), requests.end());
      for (const auto& r : requests) handle(r);
      std::this_thread::sleep_for(std::chrono::milliseconds(cfg_.poll_ms));
    }
  }

 private:
  void poll_control() {
    const fs::path face = cfg_.root / "sim-control" / "face";
    if (fs::exists(face)) {
      std::istringstream in(read_all(face));
      fs::remove(face);
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) push_face(line);
    }
    const fs::path fault = cfg_.root / "sim-control" / "fault";
    if (fs::exists(fault)) {
      std::istringstream in(read_all(fault));
      fs::remove(fault);
      in >> next_fault_;
    }
  }

  void handle(const fs::path& request) {
    const std::string name = request.filename().string();
    std::string fault = cfg_.fault;
    if (!next_fault_.empty()) fault = std::exchange(next_fault_, "");
    if (fault == "no-answer") {  // like a terminal whose 連携アプリ is down: the file stays
      ignored_.insert(name);
      std::cout << "ignore " << name << std::endl;
      return;
    }
    const std::string bytes = read_all(request);
    pugi::xml_document req;
    const std::string stem = name.substr(0, name.rfind('.'));
    if (fault == "err" || !load_request(bytes, req)) {
      reject(request, stem, fault == "err" ? "E0001 要求ファイルを処理できませんでした" : "E0002 XMLの形式が不正です");
      return;
    }
    fs::remove(request);  // taken, as OQSComApp does
    if (cfg_.delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(cfg_.delay_ms));

    pugi::xml_document res;
    bool known = false;
    {
      std::lock_guard lock(mutex_);  // the TLS side shares the bulk jobs
      known = answer(name.substr(0, 10), req, res);
    }
    if (!known) {
      reject(request, stem, "E0003 未対応の要求です");
      return;
    }
    std::string res_name = name;
    res_name.replace(res_name.find("req_"), 3, "res");
    write(res, cfg_.root / "res" / res_name, fault == "partial");
    std::cout << "answer " << res_name << std::endl;
  }

  // The answer to one request of interface `op`; false for an interface we do not know.
  bool answer(const std::string& op, const pugi::xml_document& req, pugi::xml_document& res) {
    if (op == "OQSsiquc01") {
      const pugi::xml_node info = req.first_element_by_path("XmlMsg/MessageBody/QualificationConfirmSearchInfo");
      qualification_answer(res, find(text_at(info, "InsurerNumber"), text_at(info, "InsuredIdentificationNumber")),
                           text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"), "2");
      // The search keys come back as sent (eligibility-xml.md §3.2), before the results.
      pugi::xml_node body = res.child("XmlMsg").child("MessageBody");
      if (pugi::xml_node list = body.child("ResultList")) body.insert_copy_before(info, list);
      else body.append_copy(info);
    } else if (bulk_.answer(op, req, res)) {  // 一括照会, 照会番号登録 (bulk.cpp)
    } else if (op == "YZKsiquc01" || op == "TKKsiquc01") {
      history_answer(req, res, op == "YZKsiquc01");
    } else if (op.rfind("DST", 0) == 0) {  // the SDK's own disaster search (disaster.cpp)
      return onshi_sim::disaster_answer(data_, op, req, res, cfg_.sjis);
    } else {
      return false;
    }
    return true;
  }

  void challenge_answer(const pugi::xml_document& req, pugi::xml_document& res) {
    pugi::xml_node h = header(res, text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"));
    add_text(h, "SegmentOfResult", "1");
    add_text(h, "CharacterCodeIdentifier", cfg_.sjis ? "1" : "0");
    pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
    add_text(body, "Challenge", cards_.issue_challenge());
    add_text(body, "ChallengeValidSeconds", std::to_string(onshi::sim::CardAuthority::kChallengeSeconds));
  }

  // Whose card it is: ROOT/sim-control/card-persona (kept, not consumed: a demo
  // writes it before each card patient), else --card-persona.
  std::string card_persona() const {
    if (!cfg_.root.empty()) {
      std::ifstream in(cfg_.root / "sim-control" / "card-persona");
      std::string name;
      if (in >> name && persona(name)) return name;
    }
    return cfg_.card_persona;
  }

  // A card-authenticated 資格確認: the persona of --card-persona answers, as a face result does
  // (ReferenceClassification 1), once the card's certificate and signature pass (card_auth.cpp).
  void card_answer(const pugi::xml_document& req, const pugi::xml_node& card, pugi::xml_document& res) {
    const onshi::sim::CardVerdict v = cards_.check({text_at(card, "IdentityCheck"), text_at(card, "CertificateKind"),
                                                    text_at(card, "AuthenticationCertificate"),
                                                    text_at(card, "Challenge"), text_at(card, "Signature")});
    const std::string afi = text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier");
    std::cout << "card " << v.kind << " " << v.code << std::endl;
    if (v.kind == onshi::sim::CardVerdict::refused) {
      pugi::xml_node h = header(res, afi);
      add_text(h, "ReferenceClassification", "1");
      add_text(h, "SegmentOfResult", "1");
      add_text(h, "CharacterCodeIdentifier", cfg_.sjis ? "1" : "0");
      pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
      add_text(body, "ProcessingResultStatus", "2");
      add_text(body, "ProcessingResultCode", v.code);
      add_text(body, "ProcessingResultMessage", v.message);
      return;
    }
    qualification_answer(res, persona(card_persona()), afi, "1");
    if (v.code.empty()) return;
    pugi::xml_node body = res.child("XmlMsg").child("MessageBody");
    pugi::xml_node status = body.child("ProcessingResultStatus");
    pugi::xml_node code = status ? body.insert_child_after("ProcessingResultCode", status)
                                 : body.prepend_child("ProcessingResultCode");
    code.text().set(v.code.c_str());
    body.insert_child_after("ProcessingResultMessage", code).text().set(v.message.c_str());
    if (v.kind != onshi::sim::CardVerdict::grace) return;
    // R-GRACE: qualification only. The drug, check-up, clinical and surgery consents are void.
    for (pugi::xml_node r : body.child("ResultList").children("ResultOfQualificationConfirmation")) {
      for (const char* info : {"PharmacistsInfo", "SpecificHealthCheckupsInfo", "DiagnosisInfo", "OperationInfo"}) {
        const std::string base = info;
        for (const char* suffix : {"ConsTime", "AvailableTime"}) r.remove_child((base + suffix).c_str());
        pugi::xml_node flag = r.child((base + "ConsFlg").c_str());
        if (flag) flag.text().set("0");
      }
    }
  }

  // A rejected request is moved into res with a .err sibling (eligibility-xml.md §2.6).
  void reject(const fs::path& request, const std::string& stem, const std::string& reason) {
    std::error_code ec;
    fs::rename(request, cfg_.root / "res" / request.filename(), ec);
    const fs::path temp = cfg_.root / ".sim-tmp" / (stem + ".err");
    std::ofstream(temp, std::ios::binary) << reason << "\n";
    fs::rename(temp, cfg_.root / "res" / (stem + ".err"));
    std::cout << "reject " << stem << std::endl;
  }

  pugi::xml_node header(pugi::xml_document& doc, const std::string& afi) {
    pugi::xml_node msg = doc.append_child("XmlMsg");
    pugi::xml_node h = msg.append_child("MessageHeader");
    add_text(h, "ProcessExecutionTime", now_stamp("%Y%m%d%H%M%S"));
    add_text(h, "QualificationConfirmationDate", now_stamp("%Y%m%d"));
    add_text(h, "MedicalInstitutionCode", data_.value("medical_institution_code", "1311111111"));
    if (!afi.empty()) add_text(h, "ArbitraryFileIdentifier", afi);
    return h;
  }

  void qualification_answer(pugi::xml_document& doc, const json* p, const std::string& afi, const char* reference) {
    pugi::xml_node h = header(doc, afi);
    add_text(h, "ReferenceClassification", reference);
    const json none = json::object();
    const json& ph = p && p->contains("header") ? (*p)["header"] : none;
    add_text(h, "SegmentOfResult", ph.value("SegmentOfResult", "1"));
    for (const char* k : {"ErrorCode", "ErrorMessage"})
      if (ph.contains(k)) add_text(h, k, ph[k].get<std::string>());
    add_text(h, "CharacterCodeIdentifier", cfg_.sjis ? "1" : "0");
    pugi::xml_node body = doc.child("XmlMsg").append_child("MessageBody");
    if (!p) {  // 該当資格なし
      add_text(body, "ProcessingResultStatus", "1");
      add_text(body, "QualificationValidity", "4");
      return;
    }
    if (p->contains("body"))
      for (const auto& [k, v] : (*p)["body"].items()) add_json(body, k, v);
    if (p->contains("results") && !(*p)["results"].empty()) {
      pugi::xml_node list = body.append_child("ResultList");
      for (const auto& r : (*p)["results"]) add_json(list, "ResultOfQualificationConfirmation", r);
      for (pugi::xml_node r : list.children("ResultOfQualificationConfirmation")) bulk_.stamp(r, p);  // R-SHOUKAI
    }
  }

  void history_answer(const pugi::xml_document& req, pugi::xml_document& res, bool drugs) {
    const pugi::xml_node rh = req.first_element_by_path("XmlMsg/MessageHeader");
    const json* p = find(text_at(rh, "InsurerNumber"), text_at(rh, "InsuredPersonIdentificationNumber"));
    const char* key = drugs ? "drugs" : "checkups";
    pugi::xml_node h = header(res, text_at(rh, "ArbitraryFileIdentifier"));
    pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
    if (!p || !p->contains(key)) {
      add_text(h, "ResultCode", "2");
      add_text(h, "MessageContents", drugs ? "該当する薬剤情報がありません" : "該当する特定健診情報がありません");
      return;
    }
    add_text(h, "ResultCode", "1");
    const json& r = (*p)["results"][0];
    if (drugs) {
      pugi::xml_node who = h.append_child("QuaInf");
      add_text(who, "Name", r.value("Name", ""));
      add_text(who, "KanaName", r.value("NameKana", ""));
      add_text(who, "Birth", r.value("Birthdate", ""));
      add_text(who, "AdmGendCode", r.value("Sex1", ""));
    } else {
      pugi::xml_node who = h.append_child("QualificationsInfo");
      add_text(who, "Name", r.value("Name", ""));
      add_text(who, "KanasName", r.value("NameKana", ""));
      add_text(who, "Birthday", r.value("Birthdate", ""));
      add_text(who, "AdministrativeGenderCode", r.value("Sex1", ""));
    }
    for (const auto& [k, v] : (*p)[key].items()) add_json(body, k, v);
  }

  // The answer's bytes: declaration, indented tree, in the configured encoding.
  std::string serialize(const pugi::xml_document& doc) {
    pugi::xml_document out;
    pugi::xml_node decl = out.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = cfg_.sjis ? "Shift_JIS" : "UTF-8";
    decl.append_attribute("standalone") = "no";
    for (pugi::xml_node c : doc.children()) out.append_copy(c);
    std::ostringstream s;
    out.save(s, "  ", pugi::format_indent | pugi::format_no_empty_element_tags, pugi::encoding_utf8);
    std::string bytes = s.str();
    if (cfg_.sjis) {
      std::string converted;
      if (convert("windows-31j", "UTF-8", bytes, converted)) bytes = converted;
    }
    return bytes;
  }

  // Answers appear by rename (complete at once) unless a partial write is simulated.
  void write(const pugi::xml_document& doc, const fs::path& target, bool partial) {
    const std::string bytes = serialize(doc);
    if (partial) {
      std::ofstream f(target, std::ios::binary);
      f.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
      f.flush();
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      f.write(bytes.data() + bytes.size() / 2, static_cast<std::streamsize>(bytes.size() - bytes.size() / 2));
      return;
    }
    const fs::path temp = cfg_.root / ".sim-tmp" / target.filename();
    std::ofstream(temp, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    fs::rename(temp, target);
  }


  Config cfg_;
  onshi::sim::CardAuthority cards_;
  std::mutex mutex_;  // the folder loop and TLS connections share the bulk jobs and challenges
  json data_;
  std::set<std::string> ignored_;
  onshi::sim::BulkDesk bulk_{cfg_.bulk_polls, bulk_hooks()};

  onshi::sim::BulkHooks bulk_hooks() {
    return {[this](pugi::xml_document& d, const std::string& afi) { return header(d, afi); },
            [this](const std::string& insurer, const std::string& number) { return find(insurer, number); },
            [this](pugi::xml_document& d, const json* p) { qualification_answer(d, p, "", "2"); },
            [](const char* format) { return now_stamp(format); },
            [this](const std::string& family, const pugi::xml_node& filter) { return window(family, filter); },
            cfg_.sjis};
  }
  std::string next_fault_;
};

int usage() {
  std::cerr << "usage: onshi-sim serve [--root DIR] [--data FILE] [--delay MS] [--fault none|no-answer|partial|err]\n"
               "                       [--encoding utf8|sjis] [--poll MS] [--bulk-polls N] [--today YYYYMMDD]\n"
               "                       [--tls-port N --tls-cert PEM --tls-key PEM [--tls-client-ca PEM]\n"
               "                        [--tls-port-file FILE] [--tls-address A] [--tls-base-path /oqs]\n"
               "                        [--tls-fault none|refuse|close|reset|slow|bad-cert|maintenance]\n"
               "                        [--card-ca DER|PEM] [--card-persona NAME]]\n"
               "       onshi-sim face --root DIR --persona NAME [--data FILE] [--encoding utf8|sjis]\n"
               "serve needs --root, --tls-port or both.\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  Config cfg;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--root") cfg.root = v;
    else if (k == "--data") cfg.data = v;
    else if (k == "--delay") cfg.delay_ms = std::stoi(v);
    else if (k == "--poll") cfg.poll_ms = std::stoi(v);
    else if (k == "--bulk-polls") cfg.bulk_polls = std::stoi(v);
    else if (k == "--fault") cfg.fault = v;
    else if (k == "--encoding") cfg.sjis = v == "sjis";
    else if (k == "--persona") cfg.persona = v;
    else if (k == "--today") cfg.today = v;
    else if (k == "--tls-port") cfg.tls_port = std::stoi(v);
    else if (k == "--tls-cert") cfg.tls.cert = v;
    else if (k == "--tls-key") cfg.tls.key = v;
    else if (k == "--tls-client-ca") cfg.tls.client_ca = v;
    else if (k == "--tls-address") cfg.tls.address = v;
    else if (k == "--tls-base-path") cfg.tls.base_path = v;
    else if (k == "--tls-fault") cfg.tls.fault = v;
    else if (k == "--tls-port-file") cfg.tls_port_file = v;
    else if (k == "--card-ca") cfg.card_ca = v;
    else if (k == "--card-persona") cfg.card_persona = v;
    else return usage();
  }
  const bool tls = cfg.tls_port >= 0;
  if (cfg.root.empty() && !(command == "serve" && tls)) return usage();
  if (!cfg.today.empty() && !set_today(cfg.today)) {
    std::cerr << "onshi-sim: --today wants YYYYMMDD, got " << cfg.today << "\n";
    return 2;
  }
  static const std::set<std::string> tls_faults = {"none", "refuse", "close", "reset", "slow", "bad-cert", "maintenance",
                                                     "maintenance-sjis"};
  if (!tls_faults.count(cfg.tls.fault)) return usage();
  try {
    Sim sim(cfg);
    if (command == "face") {
      if (cfg.persona.empty()) return usage();
      return sim.push_face(cfg.persona) ? 0 : 1;
    }
    if (command != "serve") return usage();
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::unique_ptr<onshi::sim::TlsServer> server;
    if (tls) {
      cfg.tls.port = cfg.tls_port;
      cfg.tls.delay_ms = cfg.delay_ms;
      if (!cfg.card_ca.empty() && !onshi::sim::CardAuthority(cfg.card_ca, sim_now).ready())
        throw std::runtime_error("--card-ca " + cfg.card_ca.string() + " holds no certificate (DER or PEM)");
      if (!sim.persona(cfg.card_persona)) throw std::runtime_error("--card-persona: no persona " + cfg.card_persona);
      server = std::make_unique<onshi::sim::TlsServer>(
          cfg.tls, [&sim](const std::string& interface, const std::string& body) { return sim.http(interface, body); });
      const std::string port = std::to_string(server->port());
      if (!cfg.tls_port_file.empty()) {  // written whole, then renamed: a reader never sees half
        const fs::path temp = cfg.tls_port_file.string() + ".tmp";
        std::ofstream(temp) << port << "\n";
        fs::rename(temp, cfg.tls_port_file);
      }
      std::cout << "onshi-sim tls-port " << port << " fault " << cfg.tls.fault << std::endl;
      server->start();
    }
    if (!cfg.root.empty()) std::cout << "onshi-sim serving " << cfg.root << std::endl;
    sim.serve();
    if (server) {
      // Connection threads are detached and may still be in the middle of an exchange.
      std::cout.flush();
      std::_Exit(0);
    }
  } catch (const std::exception& e) {
    std::cerr << "onshi-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
