#include <onshi/disaster/search_message.hpp>

#include "shift_jis.hpp"

#include <pugixml.hpp>

#include <cctype>
#include <cstdio>
#include <sstream>

namespace onshi::disaster {
namespace {

constexpr size_t kMaxResponseBytes = 4 * 1024 * 1024;

// 閲覧者区分 in the header: 1 医師, 2 歯科医師, 3 薬剤師, 4 被選定者.
const char* viewer_code(Role r) {
  switch (r) {
    case Role::doctor: return "1";
    case Role::dentist: return "2";
    case Role::pharmacist: return "3";
    default: return "4";
  }
}

void add(pugi::xml_node parent, const char* name, const std::string& value) {
  if (!value.empty()) parent.append_child(name).text().set(value.c_str());
}

pugi::xml_node start(pugi::xml_document& doc, const MessageContext& ctx) {
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  decl.append_attribute("standalone") = "no";
  auto msg = doc.append_child("XmlMsg");
  auto header = msg.append_child("MessageHeader");
  add(header, "QualificationConfirmationDate", compact_date(Date{std::chrono::floor<std::chrono::days>(ctx.at)}));
  add(header, "MedicalInstitutionCode", ctx.medical_institution_code);
  add(header, "ArbitraryFileIdentifier", ctx.file_id);
  add(header, "DisasterDeclarationReference", ctx.declaration);
  add(header, "ViewerIdentifier", ctx.viewer.id);
  add(header, "ViewerClassification", viewer_code(ctx.viewer.role));
  return msg.append_child("MessageBody");
}

void add_insurer(pugi::xml_node parent, const InsurerNumbers& n) {
  add(parent, "InsurerNumber", n.insurer_number);
  add(parent, "InsuredCardSymbol", n.symbol);
  add(parent, "InsuredIdentificationNumber", n.number);
  add(parent, "InsuredBranchNumber", n.branch);
}

std::string to_string(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

Error protocol_error(std::string what) {
  return make_error(ONSHI_E_PROTOCOL, "disaster", "DSTsiquc01res: " + what,
                    "keep the response file and report it; the look-up can be repeated");
}

std::string child(pugi::xml_node n, const char* name) { return n.child(name).text().as_string(); }

std::optional<Sex> sex_of(const std::string& code) {
  if (code == "1") return Sex::male;
  if (code == "2") return Sex::female;
  if (code == "3") return Sex::unset;
  return std::nullopt;
}

// The XML declaration decides the encoding; Shift_JIS is converted before parsing.
Result<std::string> as_utf8(std::string_view xml) {
  if (xml.substr(0, 3) == "\xEF\xBB\xBF") xml.remove_prefix(3);
  auto end = xml.find("?>");
  std::string decl(xml.substr(0, end == std::string_view::npos ? 0 : end));
  for (auto& c : decl) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (decl.find("shift_jis") != std::string::npos || decl.find("windows-31j") != std::string::npos ||
      decl.find("cp932") != std::string::npos) {
    auto text = detail::shift_jis_to_utf8(xml, "DSTsiquc01res");
    if (!text) return std::move(text).error();
    // pugixml reads UTF-8 only; drop the now-wrong declaration.
    auto close = text->find("?>");
    return close == std::string::npos ? *text : text->substr(close + 2);
  }
  return std::string(xml);
}

}  // namespace

std::string write_search_request(const MessageContext& ctx, const PersonQuery& q) {
  pugi::xml_document doc;
  auto info = start(doc, ctx).append_child("DisasterSearchInfo");
  add(info, "Name", q.name);
  add(info, "NameKana", q.name_kana);
  if (q.birthdate) add(info, "Birthdate", compact_date(*q.birthdate));
  if (q.sex) add(info, "Sex", std::to_string(static_cast<int>(*q.sex)));
  add(info, "Address", q.address);
  add(info, "InsurerName", q.insurer_name);
  add_insurer(info, q.insurer);
  return to_string(doc);
}

std::string write_drug_request(const MessageContext& ctx, const PersonRecord& p, const Consent& consent,
                               DrugPeriod period) {
  pugi::xml_document doc;
  auto info = start(doc, ctx).append_child("DisasterDrugInfoRequest");
  add(info, "CandidateIdentifier", p.candidate_id);
  add_insurer(info, p.insurer);
  if (p.birthdate) add(info, "Birthdate", compact_date(*p.birthdate));
  // 1 口頭同意, 2 同意なし (意思確認不能・生命身体の保護)
  add(info, "ConsentClassification", consent.kind() == ConsentKind::verbal ? "1" : "2");
  add(info, "ConsentTime", compact_time(consent.at()));
  add(info, "ConsentRecorder", consent.by());
  auto yyyymm = [](std::chrono::year_month ym) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02u", static_cast<int>(ym.year()), static_cast<unsigned>(ym.month()));
    return std::string(buf);
  };
  add(info, "StartDate", yyyymm(period.from));
  add(info, "EndDate", yyyymm(period.to));
  add(info, "FileCategory", "2");  // XML, as YZKsiquc01
  return to_string(doc);
}

Result<SearchResponse> read_search_response(std::string_view xml) {
  if (xml.size() > kMaxResponseBytes) return protocol_error("the response is larger than 4 MiB");
  auto text = as_utf8(xml);
  if (!text) return std::move(text).error();
  pugi::xml_document doc;
  // parse_default skips any DOCTYPE: no DTD, no external entity is ever read.
  auto parsed = doc.load_buffer(text->data(), text->size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return protocol_error(std::string("not well-formed XML (") + parsed.description() + " at byte " +
                                     std::to_string(parsed.offset) + ")");
  auto msg = doc.child("XmlMsg");
  auto header = msg.child("MessageHeader");
  auto body = msg.child("MessageBody");
  if (!msg || !header) return protocol_error("no XmlMsg/MessageHeader");

  SearchResponse out;
  out.file_id = child(header, "ArbitraryFileIdentifier");
  std::string segment = child(header, "SegmentOfResult");
  if (segment != "1") {
    return make_error(ONSHI_E_REFUSED, "disaster",
                      "the national system refused the disaster search (SegmentOfResult " + segment + ", " +
                          child(header, "ErrorCode") + " " + child(header, "ErrorMessage") + ")",
                      "check that the declaration covers this facility; otherwise try again later");
  }
  if (child(body, "ProcessingResultStatus") != "1") {
    return make_error(ONSHI_E_REFUSED, "disaster",
                      "the disaster search ended in error (" + child(body, "ProcessingResultCode") + " " +
                          child(body, "ProcessingResultMessage") + ")",
                      "check the items entered and search again");
  }
  auto list = body.child("CandidateList");
  int index = 0;
  for (auto c : list.children("Candidate")) {
    ++index;
    PersonRecord p;
    p.candidate_id = child(c, "CandidateIdentifier");
    if (p.candidate_id.empty()) return protocol_error("Candidate " + std::to_string(index) + " has no CandidateIdentifier");
    p.name = child(c, "Name");
    p.name_kana = child(c, "NameKana");
    p.name_of_other = child(c, "NameOfOther");
    p.name_of_other_kana = child(c, "NameOfOtherKana");
    auto sex1 = sex_of(child(c, "Sex1"));
    if (!sex1) return protocol_error("Candidate " + std::to_string(index) + ": Sex1 '" + child(c, "Sex1") + "' is not 1, 2 or 3");
    p.sex1 = *sex1;
    p.sex2 = sex_of(child(c, "Sex2"));
    auto birth = parse_date(child(c, "Birthdate"), "Candidate " + std::to_string(index) + " Birthdate");
    if (!birth) return protocol_error(birth.error().message);
    p.birthdate = *birth;
    p.address = child(c, "Address");
    p.post_number = child(c, "PostNumber");
    p.insurer_name = child(c, "InsurerName");
    p.insurer = {child(c, "InsurerNumber"), child(c, "InsuredCardSymbol"), child(c, "InsuredIdentificationNumber"),
                 child(c, "InsuredBranchNumber")};
    out.candidates.push_back(std::move(p));
  }
  std::string total = child(body, "NumberOfCandidates");
  out.total_candidates = total.empty() ? static_cast<int>(out.candidates.size()) : body.child("NumberOfCandidates").text().as_int(-1);
  if (out.total_candidates < static_cast<int>(out.candidates.size()))
    return protocol_error("NumberOfCandidates '" + total + "' is less than the candidates listed");
  return out;
}

}  // namespace onshi::disaster
