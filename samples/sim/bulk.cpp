#include "bulk.hpp"

#include <iostream>
#include <sstream>

namespace onshi::sim {

namespace {

std::string text_at(const pugi::xml_node& n, const char* path) { return n.first_element_by_path(path).child_value(); }

void add_text(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text().set(value.c_str());
}

std::string raw(const pugi::xml_node& n) {
  std::ostringstream s;
  n.print(s, "", pugi::format_raw);
  return s.str();
}

}  // namespace

void BulkDesk::end_header(pugi::xml_node h, const char* segment) {
  add_text(h, "SegmentOfResult", segment);
  add_text(h, "CharacterCodeIdentifier", hooks_.sjis ? "1" : "0");
}

bool BulkDesk::answer(const std::string& interface, const pugi::xml_document& req, pugi::xml_document& res) {
  const std::string family = interface.substr(0, 8), phase = interface.size() == 10 ? interface.substr(8) : "";
  if ((family == "OQSmuhvq" || family == "OQSmuonq" || family == "OQSmutic") && (phase == "01" || phase == "02")) {
    if (phase == "01") upload(req, res, false, family);
    else download(req, res, false, family);
  } else if (interface == "OQSmuquc01" || interface == "OQSmuimm01") upload(req, res, interface == "OQSmuimm01");
  else if (interface == "OQSmuquc02" || interface == "OQSmuimm02") download(req, res, interface == "OQSmuimm02");
  else if (interface == "OQSsiimm01") {
    pugi::xml_node h = hooks_.header(res, text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"));
    end_header(h, "1");
    pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
    register_one(req.first_element_by_path("XmlMsg/MessageBody/ReferenceNumberRegistrationInfo"), body);
  } else {
    return false;
  }
  return true;
}

void BulkDesk::register_one(const pugi::xml_node& info, pugi::xml_node unit) {
  unit.append_copy(info);
  const nlohmann::ordered_json* p = hooks_.find(text_at(info, "InsurerNumber"), text_at(info, "InsuredIdentificationNumber"));
  const std::string ref = text_at(info, "ReferenceNumber");
  if (!p || ref.empty() || ref.size() > 50) {
    add_text(unit, "ProcessingResultStatus", "2");
    add_text(unit, "ProcessingResultCode", p ? "E2002" : "E2001");
    add_text(unit, "ProcessingResultMessage", p ? "照会番号が不正です" : "該当する被保険者が見つかりません");
    return;
  }
  refs_[(*p)["name"].get<std::string>()] = ref;
  add_text(unit, "ProcessingResultStatus", "1");
  std::cout << "register " << ref << std::endl;
}

void BulkDesk::stamp(pugi::xml_node result, const nlohmann::ordered_json* persona) const {
  if (!persona) return;
  auto it = refs_.find((*persona)["name"].get<std::string>());
  if (it == refs_.end()) return;
  pugi::xml_node ref = result.child("ReferenceNumber");
  if (!ref) ref = result.append_child("ReferenceNumber");
  ref.text().set(it->second.c_str());
}

void BulkDesk::upload(const pugi::xml_document& req, pugi::xml_document& res, bool registration,
                      const std::string& window) {
  const std::string afi = text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier");
  const std::string reception = hooks_.now_stamp("%Y%m%d") + std::to_string(100000 + jobs_.size());
  Job& job = jobs_[reception];
  job.registration = registration;
  job.window = window;
  const char* unit = registration ? "ReferenceNumberRegistrationInfo" : "QualificationConfirmSearchInfo";
  for (pugi::xml_node info : req.first_element_by_path("XmlMsg/MessageBody").children(unit)) job.infos.push_back(raw(info));
  if (!afi.empty()) by_afi_[afi] = reception;
  ++uploads_;
  std::cout << "bulk-upload " << reception << " " << job.infos.size() << " afi " << afi << " uploads " << uploads_
            << std::endl;
  pugi::xml_node h = hooks_.header(res, afi);
  end_header(h, "1");
  pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
  add_text(body, "ReceptionNumber", reception);
  add_text(body, "ReceptionDateTime", hooks_.now_stamp("%Y%m%d%H%M%S"));
}

void BulkDesk::download(const pugi::xml_document& req, pugi::xml_document& res, bool registration,
                        const std::string& window) {
  const std::string afi = text_at(req, "XmlMsg/MessageHeader/ArbitraryFileIdentifier");
  std::string reception = text_at(req, "XmlMsg/MessageBody/ReceptionNumber");
  pugi::xml_node h = hooks_.header(res, afi);
  if (reception.empty()) {
    // Our profile's look-up after a crash: which reception did the upload `afi` get? A reception
    // number, or E1002 (never received): the only answer that allows sending it again.
    auto known = by_afi_.find(afi);
    std::cout << "bulk-lookup " << afi << " " << (known == by_afi_.end() ? "not-received" : known->second) << std::endl;
    if (known == by_afi_.end()) {
      end_header(h, "9");
      add_text(h, "ErrorCode", "E1002");
      add_text(h, "ErrorMessage", "該当する受付がありません");
    } else {
      add_text(h, "ReceptionNumber", known->second);
      end_header(h, "2");
    }
    res.child("XmlMsg").append_child("MessageBody");
    return;
  }
  add_text(h, "ReceptionNumber", reception);
  auto it = jobs_.find(reception);
  if (it == jobs_.end() || it->second.registration != registration || it->second.window != window) {
    end_header(h, "9");
    add_text(h, "ErrorCode", "E1001");
    add_text(h, "ErrorMessage", "受付番号が見つかりません");
    res.child("XmlMsg").append_child("MessageBody");
    return;
  }
  Job& job = it->second;
  if (job.polls++ < polls_) {
    end_header(h, "2");  // 処理中: ask again later
    res.child("XmlMsg").append_child("MessageBody");
    return;
  }
  end_header(h, "1");
  if (!job.window.empty()) {
    pugi::xml_node count = h.append_child("NumberOfProcessingResult");
    const int units = window_units(job, res.child("XmlMsg").append_child("MessageBody"));
    count.text().set(std::to_string(units).c_str());
    add_text(h, "NumberOfNormalProcessing", std::to_string(units));
    add_text(h, "NumberOfError", "0");
    return;
  }
  add_text(h, "NumberOfProcessingResult", std::to_string(job.infos.size()));
  pugi::xml_node body = res.child("XmlMsg").append_child("MessageBody");
  int normal = 0;
  for (const auto& text : job.infos) {
    pugi::xml_document qd;
    qd.load_string(text.c_str(), pugi::parse_default | pugi::parse_ws_pcdata_single);
    const pugi::xml_node info = qd.document_element();
    if (registration) {
      pugi::xml_node unit = body.append_child("BulkRegistrationUnit");
      register_one(info, unit);
      normal += std::string(unit.child_value("ProcessingResultStatus")) == "1";
      continue;
    }
    pugi::xml_node unit = body.append_child("BulkConfirmUnit");
    unit.append_copy(info);
    pugi::xml_document single;
    hooks_.single_answer(single, hooks_.find(text_at(info, "InsurerNumber"), text_at(info, "InsuredIdentificationNumber")));
    for (pugi::xml_node c : single.first_element_by_path("XmlMsg/MessageBody").children()) unit.append_copy(c);
    ++normal;
  }
  add_text(h, "NumberOfNormalProcessing", std::to_string(normal));
  add_text(h, "NumberOfError", std::to_string(job.infos.size() - normal));
}

int BulkDesk::window_units(const Job& job, pugi::xml_node body) {
  pugi::xml_document qd;
  if (!job.infos.empty()) qd.load_string(job.infos[0].c_str(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  int units = 0;
  for (const nlohmann::ordered_json* p : hooks_.window(job.window, qd.document_element())) {
    pugi::xml_node unit = body.append_child("BulkConfirmUnit");
    pugi::xml_document single;
    hooks_.single_answer(single, p);
    for (pugi::xml_node c : single.first_element_by_path("XmlMsg/MessageBody").children()) unit.append_copy(c);
    ++units;
  }
  std::cout << "window " << job.window << " " << units << std::endl;
  return units;
}

}  // namespace onshi::sim
