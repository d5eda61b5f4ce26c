#include "documents.hpp"

#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/eligibility/bulk.hpp>
#include <onshi/eligibility/json.hpp>
#include <onshi/eligibility/outcome.hpp>
#include <onshi/eligibility/protocol.hpp>
#include <onshi/support/base64.hpp>
#include <onshi/support/document.hpp>
#include <onshi/text/encoding.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>

#include <unistd.h>

namespace onshi::eligibility::plugin {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A request's field that cannot be used: the error names it (support::FieldError's path).
[[noreturn]] void bad(const char* key, const std::string& problem) { support::fail(key, problem); }

// 4 hex digits naming this PC (a hash of its host name), then 12 random ones: two programs writing
// one req folder never share an identifier, and an answer names the PC that asked.
std::string random_file_identifier() {
  static const unsigned host_part = [] {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    uint32_t h = 2166136261u;  // FNV-1a
    for (const char* c = name; *c; ++c) h = (h ^ static_cast<unsigned char>(*c)) * 16777619u;
    return (h ^ (h >> 16)) & 0xffffu;
  }();
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%04x%04x%08x", host_part, rd() & 0xffffu, rd());
  return buf;
}

// ---- parse ----------------------------------------------------------------------------------

// Elements as the simulator's data file writes them: text → string, group → object in document
// order, a repeated element → array of its occurrences.
ordered_json tree(const Element& e) {
  if (e.children.empty()) return e.text;
  ordered_json group = ordered_json::object();
  for (const auto& child : e.children) {
    ordered_json value = tree(child);
    auto it = group.find(child.name);
    if (it == group.end())
      group[child.name] = std::move(value);
    else if (it->is_array())
      it->push_back(std::move(value));
    else
      *it = ordered_json::array({std::move(*it), std::move(value)});
  }
  return group;
}

ordered_json message_tree(const XmlMsg& msg) {
  ordered_json m = ordered_json::object();
  m["MessageHeader"] = tree(msg.header);
  m["MessageBody"] = tree(msg.body);
  for (const auto& e : msg.extra) m[e.name] = tree(e);
  return m;
}

constexpr std::array kInterfaces = {prefix::qualification,       prefix::registration,        prefix::bulk_registration,
                                    prefix::bulk_upload,         prefix::bulk_download,       prefix::drug_info,
                                    prefix::checkup,             prefix::home_visit_upload,   prefix::home_visit_download,
                                    prefix::online_upload,       prefix::online_download,     prefix::medical_aid_upload,
                                    prefix::medical_aid_download};
constexpr std::string_view kFaceType = "OQSsiquc01res_face";

// "OQSsiquc01res" from "…/OQSsiquc01res_202604010001.xml"; "" when the name says nothing.
std::string type_from_name(std::string_view file_name) {
  if (auto slash = file_name.find_last_of('/'); slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  if (file_name.starts_with(prefix::face)) return std::string(kFaceType);
  for (std::string_view interface : kInterfaces) {
    if (!file_name.starts_with(interface)) continue;
    const std::string_view direction = file_name.substr(interface.size(), 3);
    if (direction == "req" || direction == "res") return std::string(interface) + std::string(direction);
  }
  return {};
}

// The 02res of 一括照会 or of a window query: BulkConfirmUnit per patient (eligibility-xml.md §3.3).
bool is_download_answer(std::string_view type) {
  for (std::string_view p :
       {prefix::bulk_download, prefix::home_visit_download, prefix::online_download, prefix::medical_aid_download})
    if (type.size() == p.size() + 3 && type.starts_with(p) && type.ends_with("res")) return true;
  return false;
}

size_t count(const Element& e, std::string_view name) {
  return std::count_if(e.children.begin(), e.children.end(), [&](const Element& c) { return c.name == name; });
}

// The type from what the message holds, for a file whose name was not given or not telling.
std::string type_from_body(const XmlMsg& m) {
  const Element &h = m.header, &b = m.body;
  auto interface = [](std::string_view p, const char* direction) { return std::string(p) + direction; };
  if (h.child("ResultCode") || h.child("QuaInf") || h.child("QualificationsInfo"))
    return interface(
        h.child("QualificationsInfo") || b.child("SpecificHealthCheckupInfo") ? prefix::checkup : prefix::drug_info,
        "res");
  if (h.child("InsuredPersonIdentificationNumber") || h.child("InsuranceCardSymbol"))
    return interface(b.child("StartDate") ? prefix::drug_info : prefix::checkup, "req");
  if (b.child("BulkConfirmUnit")) return interface(prefix::bulk_download, "res");
  if (b.child("ReferenceNumberRegistrationInfo")) {
    if (b.child("ProcessingResultStatus")) return interface(prefix::registration, "res");
    return interface(count(b, "ReferenceNumberRegistrationInfo") > 1 ? prefix::bulk_registration : prefix::registration,
                     "req");
  }
  if (b.child("ReceptionNumber"))
    return h.child("SegmentOfResult") ? interface(prefix::bulk_upload, "res") : interface(prefix::bulk_download, "req");
  if (b.child("ProcessingResultStatus") || b.child("QualificationValidity") || b.child("ResultList")) {
    // A folder request is always by insurance numbers (2); a card reading (1) comes as a face push (§3.2).
    const Element* by = h.child("ReferenceClassification");
    return by && by->text == "1" ? std::string(kFaceType) : interface(prefix::qualification, "res");
  }
  if (const Element* search = b.child("QualificationConfirmSearchInfo")) {
    // A window instead of a patient (docs/eligibility-messages.md §2.1, §3.1): 診療年月 or 診療区分 2/3.
    if (search->child("MedicalTreatmentMonth")) return interface(prefix::medical_aid_upload, "req");
    if (const Element* flag = search->child("MedicalTreatmentFlag"))
      return interface(flag->text == "3" ? prefix::online_upload : prefix::home_visit_upload, "req");
    return interface(count(b, "QualificationConfirmSearchInfo") > 1 ? prefix::bulk_upload : prefix::qualification,
                     "req");
  }
  return "unknown";
}

}  // namespace

namespace {

// A base64 field that must decode to at least `min_bytes` (never echoing the value).
std::string base64_field(const json& doc, const char* key, size_t min_bytes, const char* what) {
  std::string value;
  support::read(doc, key, value);
  if (value.empty()) bad(key, std::string("(") + what + ") is required");
  auto raw = support::base64_decode(value);
  if (!raw || raw->size() < min_bytes) bad(key, std::string("must be ") + what + " in base64 (RFC 4648, with padding)");
  return value;
}

}  // namespace

void refuse_individual_number(const char* key, std::string_view value) {
  if (text::looks_like_individual_number(value))
    bad(key, "has the shape of an individual number (マイナンバー, 12 digits): it was not sent, kept or shown; type "
             "the number printed on the insurance card or certificate");
}

void from_json(const json& doc, InsuredQuery& q) {
  for (auto [key, field] : {std::pair{"insurer_number", &q.insurer_number},
                            {"symbol", &q.symbol},
                            {"number", &q.number},
                            {"branch", &q.branch},
                            {"birth_date", &q.birth_date}})
    support::read(doc, key, *field);
  auto padded = padded_insurer_number(q.insurer_number);
  if (!padded) bad("insurer_number", "must be the 保険者番号: 8 digits, or 6 digits for 国保");
  q.insurer_number = std::move(*padded);
  if (q.number.empty()) bad("number", "(被保険者番号) is required");
  refuse_individual_number("number", q.number);
  refuse_individual_number("symbol", q.symbol);
  if (q.birth_date.size() != 8 || !all_digits(q.birth_date)) bad("birth_date", "must be the 生年月日 as YYYYMMDD");
  support::read(doc, "limit_consent", q.limit_consent);
}

void from_json(const json& doc, CardQuery& q) {
  q.certificate = base64_field(doc, "certificate", 64, "the card's auth certificate, DER");
  std::string check;
  support::read(doc, "identity_check", check);
  if (check != "" && check != "pin" && check != "visual")
    bad("identity_check", "must be \"pin\" (the card signed the challenge) or \"visual\" (目視確認)");
  q.visual_check = check == "visual";
  if (!q.visual_check) {
    q.challenge = base64_field(doc, "challenge", 16, "the server's challenge from challenge_async");
    q.signature = base64_field(doc, "signature", 64, "the card's signature over the challenge");
  } else if (doc.contains("signature")) {
    bad("signature", "is not sent with a visual check (identity_check \"visual\")");
  }
  std::string kind;
  support::read(doc, "card_kind", kind);
  if (kind != "" && kind != "card" && kind != "smartphone")
    bad("card_kind", "must be \"card\" or \"smartphone\" (as card_info says)");
  q.smartphone = kind == "smartphone";
  support::read(doc, "limit_consent", q.limit_consent);
}

std::string request_kind(std::string_view request_json) {
  const json doc = json::parse(request_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "";
  auto it = doc.find("kind");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

Result<Query> read_query(std::string_view request_json) {
  auto parsed = parse_request(request_json, ONSHI_SCHEMA_ELIGIBILITY_REQUEST);
  if (!parsed) return std::move(parsed).error();
  const json& doc = *parsed;
  const std::string kind = doc.value("kind", json("")).is_string() ? doc.value("kind", std::string()) : "";
  if (kind == "card") {
    auto card = support::from_document<CardQuery>(doc, ONSHI_SCHEMA_ELIGIBILITY_REQUEST);
    if (!card) return std::move(card).error();
    return Query(std::move(*card));
  }
  if (kind != "insured")
    return make_error(ONSHI_E_NOT_SUPPORTED, "eligibility",
                      "request kind '" + kind + "' is not supported; this plugin answers kinds \"insured\" and \"card\"",
                      "query with the insurance card's numbers (kind \"insured\") or the My Number card (kind \"card\")");
  auto insured = support::from_document<InsuredQuery>(doc, ONSHI_SCHEMA_ELIGIBILITY_REQUEST);
  if (!insured) return std::move(insured).error();
  return Query(std::move(*insured));
}

Result<std::string> qualification_request(const InsuredQuery& query, std::string_view medical_institution_code,
                                          std::chrono::year_month_day today) {
  QualificationRequest m;
  m.header.QualificationConfirmationDate = support::compact_date(today);
  m.header.MedicalInstitutionCode = std::string(medical_institution_code);
  m.header.ArbitraryFileIdentifier = random_file_identifier();  // unique per request (§5)
  auto& search = m.body.QualificationConfirmSearchInfo.emplace();
  search.InsurerNumber = query.insurer_number;
  if (!query.symbol.empty()) search.InsuredCardSymbol = query.symbol;
  search.InsuredIdentificationNumber = query.number;
  if (!query.branch.empty()) search.InsuredBranchNumber = query.branch;
  search.Birthdate = query.birth_date;
  search.LimitApplicationCertificateRelatedConsFlg = Coded<CodeTable::limit_consent>{query.limit_consent ? "1" : "0"};
  return write_message(m);
}

namespace {

Element leaf(std::string name, std::string text) { return Element{std::move(name), std::move(text), {}}; }

Element request_header(std::string_view medical_institution_code, std::chrono::year_month_day today) {
  return Element{"MessageHeader",
                 "",
                 {leaf("QualificationConfirmationDate", support::compact_date(today)),
                  leaf("MedicalInstitutionCode", std::string(medical_institution_code)),
                  leaf("ArbitraryFileIdentifier", random_file_identifier())}};
}

}  // namespace

Result<std::string> card_request(const CardQuery& query, std::string_view medical_institution_code,
                                 std::chrono::year_month_day today) {
  Element info{"CardAuthenticationInfo", "", {}};
  info.children.push_back(leaf("IdentityCheck", query.visual_check ? "2" : "1"));
  info.children.push_back(leaf("CertificateKind", query.smartphone ? "2" : "1"));
  info.children.push_back(leaf("AuthenticationCertificate", query.certificate));
  if (!query.visual_check) {
    info.children.push_back(leaf("Challenge", query.challenge));
    info.children.push_back(leaf("Signature", query.signature));
  }
  XmlMsg m;
  m.header = request_header(medical_institution_code, today);
  m.body = Element{"MessageBody",
                   "",
                   {std::move(info), leaf("LimitApplicationCertificateRelatedConsFlg", query.limit_consent ? "1" : "0")}};
  return write_xml_msg(m);
}

Result<std::string> challenge_request(std::string_view medical_institution_code, std::chrono::year_month_day today) {
  XmlMsg m;
  m.header = request_header(medical_institution_code, today);
  m.body = Element{"MessageBody", "", {}};
  return write_xml_msg(m);
}

Result<std::string> parsed_document(std::string_view file_name, std::string_view bytes) {
  const std::string what = file_name.empty() ? std::string("the message") : std::string(file_name);
  auto msg = read_xml_msg(bytes, what);
  if (!msg) return std::move(msg).error();
  std::string type = type_from_name(file_name);
  if (type.empty()) type = type_from_body(*msg);

  ordered_json doc = ordered_json::object();
  doc["schema"] = ONSHI_SCHEMA_ELIGIBILITY_PARSED;
  doc["type"] = type;
  doc["encoding"] = text::encoding_label(msg->source_encoding);
  doc["message"] = message_tree(*msg);
  if (type == "OQSsiquc01res" || type == kFaceType)
    doc["outcome"] = ordered_json::parse(outcome_document(decide(view_as<QualificationResponse>(*msg))).dump());
  if (is_download_answer(type)) {  // a two-phase query's units, each decided as a single 資格確認
    BulkDownload d = bulk_download_of(*msg);
    if (d.state == BulkDownload::State::done) {
      doc["results"] = ordered_json::array();
      for (const auto& unit : d.units)
        doc["results"].push_back(ordered_json::parse(outcome_document(unit.outcome).dump()));
    } else {
      doc["download"] = {{"state", d.state == BulkDownload::State::processing ? "processing" : "failed"},
                         {"code", d.code},
                         {"message", d.message}};
    }
  }
  if (type == "YZKsiquc01res") {
    auto history = drug_history_of(view_as<DrugInfoResponse>(*msg));
    if (history)
      doc["drug_history"] = ordered_json::parse(drug_history_document(*history).dump());
    else  // the terminal's own words: no history for this person, not a broken file
      doc["drug_history_error"] = {{"message", history.error().message}, {"hint", history.error().hint}};
  }
  return doc.dump();
}

}  // namespace onshi::eligibility::plugin
