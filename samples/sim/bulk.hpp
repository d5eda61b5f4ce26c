// The simulator's two-phase desk (eligibility-xml.md §2.4): 一括照会 OQSmuquc01/02 (§3.3) and
// 照会番号登録 OQSsiimm01 / OQSmuimm01/02 (§3.5), over the folders and the TLS endpoint alike.
// Registered 照会番号 stick to the person (the persona), so every later answer about them — single,
// face push, bulk — carries the ReferenceNumber, even after an insurer change (R-SHOUKAI).
// docs/simulator-data.md describes the behaviour; docs/decisions/eligibility-bulk.md the look-up.
#pragma once

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace onshi::sim {

struct BulkHooks {
  // Starts an answer document: XmlMsg/MessageHeader with the clinic, times and `afi`.
  std::function<pugi::xml_node(pugi::xml_document&, const std::string& afi)> header;
  // The persona the central system finds for these numbers, or nullptr (該当資格なし).
  std::function<const nlohmann::ordered_json*(const std::string& insurer, const std::string& number)> find;
  // The full single 資格確認 answer for a persona (nullptr: 該当資格なし), as OQSsiquc01res.
  std::function<void(pugi::xml_document&, const nlohmann::ordered_json* persona)> single_answer;
  std::function<std::string(const char* strftime_format)> now_stamp;  // JST
  // The personas a window query selects: `family` OQSmuhvq / OQSmuonq / OQSmutic, `filter` its
  // QualificationConfirmSearchInfo (同意日/受診日 window or 診療年月).
  std::function<std::vector<const nlohmann::ordered_json*>(const std::string& family, const pugi::xml_node& filter)>
      window;
  bool sjis = false;  // CharacterCodeIdentifier
};

class BulkDesk {
 public:
  // `processing_polls`: how many 02req are answered 処理中 (SegmentOfResult 2) before the results.
  BulkDesk(int processing_polls, BulkHooks hooks) : polls_(processing_polls), hooks_(std::move(hooks)) {}

  // The answer to OQSmuquc01/02, OQSsiimm01, OQSmuimm01/02 and the window queries OQSmuhvq01/02,
  // OQSmuonq01/02, OQSmutic01/02; false for any other interface.
  bool answer(const std::string& interface, const pugi::xml_document& req, pugi::xml_document& res);
  // R-SHOUKAI: the registered ReferenceNumber of `persona`, added to a ResultOfQualificationConfirmation.
  void stamp(pugi::xml_node result, const nlohmann::ordered_json* persona) const;

 private:
  struct Job {
    std::vector<std::string> infos;  // each QualificationConfirmSearchInfo / ReferenceNumberRegistrationInfo, raw
    bool registration = false;
    std::string window;  // the window query's family (OQSmuhvq, …); empty for a 一括照会 or registration
    int polls = 0;
  };
  void upload(const pugi::xml_document& req, pugi::xml_document& res, bool registration, const std::string& window = "");
  void download(const pugi::xml_document& req, pugi::xml_document& res, bool registration, const std::string& window = "");
  // One BulkConfirmUnit per persona the window selects, each the persona's single answer.
  int window_units(const Job& job, pugi::xml_node body);
  // One ReferenceNumberRegistrationInfo registered; its answer status goes into `unit`.
  void register_one(const pugi::xml_node& info, pugi::xml_node unit);
  void end_header(pugi::xml_node h, const char* segment);

  int polls_;
  BulkHooks hooks_;
  std::map<std::string, Job> jobs_;              // by ReceptionNumber
  std::map<std::string, std::string> by_afi_;    // ArbitraryFileIdentifier of the upload → ReceptionNumber
  std::map<std::string, std::string> refs_;      // persona name → registered ReferenceNumber
  int uploads_ = 0;
};

}  // namespace onshi::sim
