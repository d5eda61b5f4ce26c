// onshi-sim: a stand-in for the 資格確認端末's 連携アプリ and the central system, over the
// shared folders req/res/face. See docs/simulator-data.md for the data set and the personas.
//
//   onshi-sim serve --root DIR [--data FILE] [--delay MS] [--fault none|no-answer|partial|err]
//                   [--encoding utf8|sjis] [--poll MS] [--bulk-polls N]
//   onshi-sim face  --root DIR --persona NAME [--data FILE] [--encoding utf8|sjis]
//
// While serving, files in ROOT/sim-control steer it: `face` (persona names, one a line) pushes
// face results; `fault` (one word) applies to the next request only. Both are consumed.
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
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

struct Config {
  fs::path root;
  fs::path data = ONSHI_SIM_DEFAULT_DATA;
  int delay_ms = 0;
  int poll_ms = 100;
  int bulk_polls = 1;  // 02req answers 処理中 this many times before the result
  std::string fault = "none";
  bool sjis = false;
  std::string persona;
};

volatile std::sig_atomic_t g_stop = 0;

std::string now_stamp(const char* format) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
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
  explicit Sim(Config c) : cfg_(std::move(c)) {
    std::ifstream in(cfg_.data);
    data_ = json::parse(in);
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

  void serve() {
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
    const std::string op = name.substr(0, 10);
    if (op == "OQSsiquc01") {
      const pugi::xml_node info = req.first_element_by_path("XmlMsg/MessageBody/QualificationConfirmSearchInfo");
      qualification_answer(res, find(text_at(info, "InsurerNumber"), text_at(info, "InsuredIdentificationNumber")),
                           text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"), "2");
    } else if (op == "OQSsiimm01" || op == "OQSmuimm01") {
      registration_answer(req, res);
    } else if (op == "OQSmuquc01") {
      bulk_upload_answer(req, res);
    } else if (op == "OQSmuquc02") {
      bulk_download_answer(req, res);
    } else if (op == "YZKsiquc01" || op == "TKKsiquc01") {
      history_answer(req, res, op == "YZKsiquc01");
    } else {
      reject(request, stem, "E0003 未対応の要求です");
      return;
    }
    std::string res_name = name;
    res_name.replace(res_name.find("req_"), 3, "res");
    write(res, cfg_.root / "res" / res_name, fault == "partial");
    std::cout << "answer " << res_name << std::endl;
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
    }
  }

  void registration_answer(const pugi::xml_document& req, pugi::xml_document& res) {
    pugi::xml_node h = header(res, text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"));
    add_text(h, "SegmentOfResult", "1");
    add_text(h, "CharacterCodeIdentifier", cfg_.sjis ? "1" : "0");
    pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
    for (pugi::xml_node info : req.first_element_by_path("XmlMsg/MessageBody").children("ReferenceNumberRegistrationInfo"))
      body.append_copy(info);
    add_text(body, "ProcessingResultStatus", "1");
  }

  void bulk_upload_answer(const pugi::xml_document& req, pugi::xml_document& res) {
    const std::string reception = now_stamp("%Y%m%d") + std::to_string(100000 + bulk_.size());
    auto& job = bulk_[reception];
    for (pugi::xml_node info : req.first_element_by_path("XmlMsg/MessageBody").children("QualificationConfirmSearchInfo")) {
      std::ostringstream s;
      info.print(s, "", pugi::format_raw);
      job.queries.push_back(s.str());
    }
    pugi::xml_node h = header(res, text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"));
    add_text(h, "SegmentOfResult", "1");
    add_text(h, "CharacterCodeIdentifier", cfg_.sjis ? "1" : "0");
    pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
    add_text(body, "ReceptionNumber", reception);
    add_text(body, "ReceptionDateTime", now_stamp("%Y%m%d%H%M%S"));
  }

  void bulk_download_answer(const pugi::xml_document& req, pugi::xml_document& res) {
    const std::string reception = text_at(req, "XmlMsg/MessageBody/ReceptionNumber");
    pugi::xml_node h = header(res, text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"));
    add_text(h, "ReceptionNumber", reception);
    auto it = bulk_.find(reception);
    if (it == bulk_.end()) {
      add_text(h, "SegmentOfResult", "9");
      add_text(h, "ErrorCode", "E1001");
      add_text(h, "ErrorMessage", "受付番号が見つかりません");
      add_text(h, "CharacterCodeIdentifier", cfg_.sjis ? "1" : "0");
      res.child("XmlMsg").append_child("MessageBody");
      return;
    }
    if (it->second.polls++ < cfg_.bulk_polls) {
      add_text(h, "SegmentOfResult", "2");  // 処理中: ask again later
      add_text(h, "CharacterCodeIdentifier", cfg_.sjis ? "1" : "0");
      res.child("XmlMsg").append_child("MessageBody");
      return;
    }
    add_text(h, "SegmentOfResult", "1");
    add_text(h, "CharacterCodeIdentifier", cfg_.sjis ? "1" : "0");
    add_text(h, "NumberOfProcessingResult", std::to_string(it->second.queries.size()));
    pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
    int normal = 0;
    for (const auto& q : it->second.queries) {
      pugi::xml_document qd;
      qd.load_string(q.c_str(), pugi::parse_default | pugi::parse_ws_pcdata_single);
      const pugi::xml_node info = qd.document_element();
      pugi::xml_node unit = body.append_child("BulkConfirmUnit");
      unit.append_copy(info);
      pugi::xml_document single;
      qualification_answer(single, find(text_at(info, "InsurerNumber"), text_at(info, "InsuredIdentificationNumber")),
                           "", "2");
      for (pugi::xml_node c : single.first_element_by_path("XmlMsg/MessageBody").children()) unit.append_copy(c);
      ++normal;
    }
    add_text(h, "NumberOfNormalProcessing", std::to_string(normal));
    add_text(h, "NumberOfError", "0");
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

  // Answers appear by rename (complete at once) unless a partial write is simulated.
  void write(const pugi::xml_document& doc, const fs::path& target, bool partial) {
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

  struct BulkJob {
    std::vector<std::string> queries;
    int polls = 0;
  };

  Config cfg_;
  json data_;
  std::set<std::string> ignored_;
  std::map<std::string, BulkJob> bulk_;
  std::string next_fault_;
};

int usage() {
  std::cerr << "usage: onshi-sim serve --root DIR [--data FILE] [--delay MS] [--fault none|no-answer|partial|err]\n"
               "                       [--encoding utf8|sjis] [--poll MS] [--bulk-polls N]\n"
               "       onshi-sim face --root DIR --persona NAME [--data FILE] [--encoding utf8|sjis]\n";
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
    else return usage();
  }
  if (cfg.root.empty()) return usage();
  try {
    Sim sim(cfg);
    if (command == "face") {
      if (cfg.persona.empty()) return usage();
      return sim.push_face(cfg.persona) ? 0 : 1;
    }
    if (command != "serve") return usage();
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::cout << "onshi-sim serving " << cfg.root << std::endl;
    sim.serve();
  } catch (const std::exception& e) {
    std::cerr << "onshi-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
