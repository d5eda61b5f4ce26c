#include "documents.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <onshi/eligibility/protocol.hpp>
#include <onshi/eligibility/json.hpp>
#include <onshi/eligibility/outcome.hpp>
#include <onshi/eligibility/tls_transport.hpp>
#include <random>

namespace onshi::eligibility::plugin {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Error bad_request(const std::string& what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility", std::string(kRequestSchema) + ": " + what,
                    "fix the request document (see docs/decisions/eligibility.md, Plugin documents)");
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The string at key, "" when absent; an error naming the key when it is not a string.
Result<std::string> text_field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string()) return bad_request(std::string("field ") + key + " must be a string");
  return it->get<std::string>();
}

Result<std::string> insurer_number(const std::string& value) {
  if (auto padded = padded_insurer_number(value)) return *padded;
  return bad_request("field insurer_number must be the 保険者番号: 8 digits, or 6 digits for 国保");
}

std::string random_file_identifier() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

std::string yyyymmdd(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
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

constexpr std::array kInterfaces = {prefix::qualification, prefix::registration,  prefix::bulk_registration,
                                    prefix::bulk_upload,   prefix::bulk_download, prefix::drug_info,
                                    prefix::checkup};
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
  if (b.child("QualificationConfirmSearchInfo"))
    return interface(count(b, "QualificationConfirmSearchInfo") > 1 ? prefix::bulk_upload : prefix::qualification,
                     "req");
  return "unknown";
}

}  // namespace

namespace {

Result<bool> flag_field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return false;
  if (!it->is_boolean()) return bad_request(std::string("field ") + key + " must be true or false");
  return it->get<bool>();
}

// A base64 field that must decode to at least `min_bytes` (never echoing the value).
Result<std::string> base64_field(const json& doc, const char* key, size_t min_bytes, const char* what) {
  auto value = text_field(doc, key);
  if (!value) return std::move(value).error();
  if (value->empty()) return bad_request(std::string("field ") + key + " (" + what + ") is required");
  auto raw = base64_decode(*value);
  if (!raw || raw->size() < min_bytes)
    return bad_request(std::string("field ") + key + " must be " + what + " in base64 (RFC 4648, with padding)");
  return *value;
}

Result<CardQuery> read_card_query(const json& doc) {
  CardQuery q;
  auto cert = base64_field(doc, "certificate", 64, "the card's auth certificate, DER");
  if (!cert) return std::move(cert).error();
  q.certificate = std::move(*cert);
  auto check = text_field(doc, "identity_check");
  if (!check) return std::move(check).error();
  if (*check != "" && *check != "pin" && *check != "visual")
    return bad_request("field identity_check must be \"pin\" (the card signed the challenge) or \"visual\" (目視確認)");
  q.visual_check = *check == "visual";
  if (!q.visual_check) {
    auto challenge = base64_field(doc, "challenge", 16, "the server's challenge from challenge_async");
    if (!challenge) return std::move(challenge).error();
    auto signature = base64_field(doc, "signature", 64, "the card's signature over the challenge");
    if (!signature) return std::move(signature).error();
    q.challenge = std::move(*challenge);
    q.signature = std::move(*signature);
  } else if (doc.contains("signature")) {
    return bad_request("a visual check (identity_check \"visual\") carries no signature");
  }
  auto kind = text_field(doc, "card_kind");
  if (!kind) return std::move(kind).error();
  if (*kind != "" && *kind != "card" && *kind != "smartphone")
    return bad_request("field card_kind must be \"card\" or \"smartphone\" (as card_info says)");
  q.smartphone = *kind == "smartphone";
  auto consent = flag_field(doc, "limit_consent");
  if (!consent) return std::move(consent).error();
  q.limit_consent = *consent;
  return q;
}

}  // namespace

std::string request_kind(std::string_view request_json) {
  const json doc = json::parse(request_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "";
  auto it = doc.find("kind");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

Result<Query> read_query(std::string_view request_json) {
  const json doc = json::parse(request_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return bad_request("the request is not a JSON object");
  if (auto schema = doc.find("schema"); schema != doc.end() && *schema != kRequestSchema)
    return bad_request("schema must be \"" + std::string(kRequestSchema) + "\"");
  auto kind = text_field(doc, "kind");
  if (!kind) return std::move(kind).error();
  if (*kind == "card") {
    auto card = read_card_query(doc);
    if (!card) return std::move(card).error();
    return Query(std::move(*card));
  }
  if (*kind != "insured")
    return make_error(ONSHI_E_NOT_SUPPORTED, "eligibility",
                      "request kind '" + *kind + "' is not supported; this plugin answers kinds \"insured\" and \"card\"",
                      "query with the insurance card's numbers (kind \"insured\") or the My Number card (kind \"card\")");
  InsuredQuery q;
  for (auto [key, field] : {std::pair{"insurer_number", &q.insurer_number},
                            {"symbol", &q.symbol},
                            {"number", &q.number},
                            {"branch", &q.branch},
                            {"birth_date", &q.birth_date}}) {
    auto value = text_field(doc, key);
    if (!value) return std::move(value).error();
    *field = std::move(*value);
  }
  auto insurer = insurer_number(q.insurer_number);
  if (!insurer) return std::move(insurer).error();
  q.insurer_number = std::move(*insurer);
  if (q.number.empty()) return bad_request("field number (被保険者番号) is required");
  if (q.birth_date.size() != 8 || !all_digits(q.birth_date))
    return bad_request("field birth_date must be the 生年月日 as YYYYMMDD");
  if (auto consent = doc.find("limit_consent"); consent != doc.end()) {
    if (!consent->is_boolean()) return bad_request("field limit_consent must be true or false");
    q.limit_consent = consent->get<bool>();
  }
  return Query(std::move(q));
}

Result<std::string> qualification_request(const InsuredQuery& query, std::string_view medical_institution_code,
                                          std::chrono::year_month_day today) {
  QualificationRequest m;
  m.header.QualificationConfirmationDate = yyyymmdd(today);
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
                 {leaf("QualificationConfirmationDate", yyyymmdd(today)),
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

std::chrono::year_month_day jst_day(std::chrono::system_clock::time_point now) {
  return std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now + std::chrono::hours(9)));
}

Result<std::string> parsed_document(std::string_view file_name, std::string_view bytes) {
  const std::string what = file_name.empty() ? std::string("the message") : std::string(file_name);
  auto msg = read_xml_msg(bytes, what);
  if (!msg) return std::move(msg).error();
  std::string type = type_from_name(file_name);
  if (type.empty()) type = type_from_body(*msg);

  ordered_json doc = ordered_json::object();
  doc["schema"] = kParsedSchema;
  doc["type"] = type;
  doc["encoding"] = text::encoding_label(msg->source_encoding);
  doc["message"] = message_tree(*msg);
  if (type == "OQSsiquc01res" || type == kFaceType)
    doc["outcome"] = ordered_json::parse(outcome_document(decide(view_as<QualificationResponse>(*msg))).dump());
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
