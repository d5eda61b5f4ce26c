#include <onshi/eligibility/bulk.hpp>

#include <onshi/support/dates.hpp>

#include <cstdio>

namespace onshi::eligibility {
namespace {

std::string yyyymmdd(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

std::string code_of(const Code<CodeTable::segment_of_result>& c) { return c ? c->value : ""; }

// SegmentOfResult of an answer's header: 1 done, 2 processing (§2.4), anything else failed.
BulkDownload::State segment_state(const MessageHeader& h) {
  const std::string s = code_of(h.SegmentOfResult);
  return s == "1" ? BulkDownload::State::done : s == "2" ? BulkDownload::State::processing : BulkDownload::State::failed;
}

std::string header_message(const MessageHeader& h) {
  const std::string s = code_of(h.SegmentOfResult);
  return h.ErrorMessage.value_or(s.empty() ? "the answer has no SegmentOfResult" : "SegmentOfResult " + s + " (異常終了)");
}


}  // namespace

Result<std::string> bulk_upload_request(const std::vector<BulkQuery>& queries, std::string_view medical_institution_code,
                                        std::chrono::year_month_day today, std::string_view file_identifier) {
  BulkUploadRequest m;
  m.header.QualificationConfirmationDate = yyyymmdd(today);
  m.header.MedicalInstitutionCode = std::string(medical_institution_code);
  m.header.ArbitraryFileIdentifier = std::string(file_identifier);
  m.body.QualificationConfirmSearchInfo.reserve(queries.size());
  for (const BulkQuery& q : queries) {
    auto& s = m.body.QualificationConfirmSearchInfo.emplace_back();
    s.InsurerNumber = q.insurer_number;
    if (!q.symbol.empty()) s.InsuredCardSymbol = q.symbol;
    s.InsuredIdentificationNumber = q.number;
    if (!q.branch.empty()) s.InsuredBranchNumber = q.branch;
    s.Birthdate = q.birth_date;
    s.LimitApplicationCertificateRelatedConsFlg = Coded<CodeTable::limit_consent>{q.limit_consent ? "1" : "0"};
    s.ArbitraryIdentifier = q.arbitrary_identifier;
  }
  return write_message(m);
}

Result<std::string> bulk_download_request(std::string_view medical_institution_code, std::string_view reception_number,
                                          std::string_view file_identifier) {
  BulkReception m;
  m.header.MedicalInstitutionCode = std::string(medical_institution_code);
  m.header.ArbitraryFileIdentifier = std::string(file_identifier);
  if (!reception_number.empty()) m.body.ReceptionNumber = std::string(reception_number);
  return write_message(m);
}

BulkReceipt bulk_receipt_of(const XmlMsg& answer) {
  const auto m = view_as<BulkReception>(answer);
  BulkReceipt r;
  const std::string segment = code_of(m.header.SegmentOfResult);
  const std::string reception = m.body.ReceptionNumber.value_or(m.header.ReceptionNumber.value_or(""));
  // A look-up answered with 処理中 or the results themselves still names the reception.
  if ((segment == "1" || segment == "2") && !reception.empty()) {
    r.state = BulkReceipt::State::accepted;
    r.reception_number = reception;
    return r;
  }
  r.code = m.header.ErrorCode.value_or(segment);
  r.message = segment == "1" ? "the answer carries no ReceptionNumber" : header_message(m.header);
  r.state = r.code == kNotReceivedCode ? BulkReceipt::State::not_received : BulkReceipt::State::refused;
  return r;
}

BulkDownload bulk_download_of(const XmlMsg& answer) { return bulk_download_of(view_as<BulkResult>(answer)); }

BulkDownload bulk_download_of(BulkResult m) {
  BulkDownload d;
  d.state = segment_state(m.header);
  if (d.state != BulkDownload::State::done) {
    if (d.state == BulkDownload::State::failed) {
      d.code = m.header.ErrorCode.value_or(code_of(m.header.SegmentOfResult));
      d.message = header_message(m.header);
    }
    return d;
  }
  d.units.reserve(m.body.BulkConfirmUnit.size());
  if (!m.header.ReferenceClassification)
    m.header.ReferenceClassification = Coded<CodeTable::reference_classification>{"2"};
  for (BulkConfirmUnit& u : m.body.BulkConfirmUnit) {
    // Each unit answers like a single 資格確認 (§3.3), so the single query's rules decide it (R-RES).
    // Its parts are moved, not copied: the unit is read once.
    QualificationResponse single;
    single.header = m.header;
    single.body.ProcessingResultStatus = std::move(u.ProcessingResultStatus);
    single.body.ProcessingResultCode = std::move(u.ProcessingResultCode);
    single.body.ProcessingResultMessage = std::move(u.ProcessingResultMessage);
    single.body.QualificationValidity = std::move(u.QualificationValidity);
    single.body.QualificationConfirmSearchInfo = std::move(u.QualificationConfirmSearchInfo);
    if (u.ResultList) single.body.ResultList = std::move(u.ResultList);
    else if (!u.ResultOfQualificationConfirmation.empty())
      single.body.ResultList = ResultList{std::move(u.ResultOfQualificationConfirmation), {}};
    if (u.ReferenceNumber && single.body.ResultList)  // the unit's 照会番号 belongs to its results (R-SHOUKAI)
      for (auto& r : single.body.ResultList->ResultOfQualificationConfirmation)
        if (!r.ReferenceNumber) r.ReferenceNumber = u.ReferenceNumber;
    BulkDownload::Unit unit;
    if (single.body.QualificationConfirmSearchInfo && single.body.QualificationConfirmSearchInfo->ArbitraryIdentifier)
      unit.arbitrary_identifier = *single.body.QualificationConfirmSearchInfo->ArbitraryIdentifier;
    unit.outcome = decide(single);
    d.units.push_back(std::move(unit));
  }
  return d;
}

Result<std::string> registration_request(const std::vector<ReferenceRegistration>& registrations,
                                         std::string_view medical_institution_code, std::string_view file_identifier) {
  RegistrationRequest m;
  m.header.MedicalInstitutionCode = std::string(medical_institution_code);
  m.header.ArbitraryFileIdentifier = std::string(file_identifier);
  for (const ReferenceRegistration& r : registrations) {
    auto& info = m.body.ReferenceNumberRegistrationInfo.emplace_back();
    info.ReferenceNumber = r.reference_number;
    info.InsurerNumber = r.insurer_number;
    if (!r.symbol.empty()) info.InsuredCardSymbol = r.symbol;
    info.InsuredIdentificationNumber = r.number;
    if (!r.branch.empty()) info.InsuredBranchNumber = r.branch;
  }
  return write_message(m);
}

RegistrationAnswer registration_answer_of(const XmlMsg& answer) {
  RegistrationAnswer a;
  const auto header = view_as<BulkReception>(answer).header;
  a.state = segment_state(header);
  if (a.state != BulkDownload::State::done) {
    if (a.state == BulkDownload::State::failed) {
      a.code = header.ErrorCode.value_or(code_of(header.SegmentOfResult));
      a.message = header_message(header);
    }
    return a;
  }
  auto result_of = [](const Element& holder) {
    RegistrationResult r;
    if (const Element* info = holder.child("ReferenceNumberRegistrationInfo"))
      if (const Element* ref = info->child("ReferenceNumber")) r.reference_number = ref->text;
    const Element* status = holder.child("ProcessingResultStatus");
    r.registered = status && status->text == "1";
    if (const Element* c = holder.child("ProcessingResultCode")) r.code = c->text;
    if (const Element* m = holder.child("ProcessingResultMessage")) r.message = m->text;
    if (!status && r.message.empty()) r.message = "the answer has no ProcessingResultStatus";
    return r;
  };
  bool units = false;
  for (const Element& e : answer.body.children)
    if (e.child("ReferenceNumberRegistrationInfo") && e.child("ProcessingResultStatus")) {
      a.results.push_back(result_of(e));
      units = true;
    }
  if (!units) a.results.push_back(result_of(answer.body));  // OQSsiimm01res: the body itself
  return a;
}

// ---- window queries ----

namespace {

bool is_date(const std::string& s) {
  if (s.size() != 8 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  const std::chrono::year_month_day d{std::chrono::year(std::stoi(s.substr(0, 4))),
                                      std::chrono::month(std::stoul(s.substr(4, 2))),
                                      std::chrono::day(std::stoul(s.substr(6, 2)))};
  return d.ok();
}

bool is_month(const std::string& s) {
  return s.size() == 6 && s.find_first_not_of("0123456789") == std::string::npos && s.substr(4) >= "01" &&
         s.substr(4) <= "12";
}

}  // namespace

void from_json(const nlohmann::json& doc, WindowQuery& q) {
  support::read(doc, "kind", q.kind, kWindowKinds);
  if (!support::find(doc, "kind")) support::fail("kind", "is required: \"home_visit\", \"online\" or \"medical_aid\"");
  if (q.kind == WindowKind::medical_aid) {
    support::read(doc, "month", q.month);
    if (!is_month(q.month)) support::fail("month", "must be the 診療年月 as YYYYMM");
    for (const char* key : {"from", "to", "by"})
      if (support::find(doc, key)) support::fail(key, "is not used by a 医療扶助 query: it asks by \"month\"");
    return;
  }
  support::read(doc, "from", q.from);
  support::read(doc, "to", q.to);
  if (!is_date(q.from)) support::fail("from", "must be the first day of the window as YYYYMMDD");
  if (q.to.empty()) q.to = q.from;
  if (!is_date(q.to)) support::fail("to", "must be the last day of the window as YYYYMMDD");
  if (q.to < q.from) support::fail("to", "is before \"from\"");
  std::string by = "consent";
  support::read(doc, "by", by);
  if (by != "consent" && by != "examination") support::fail("by", "must be \"consent\" (同意日) or \"examination\" (受診日)");
  q.by_examination = by == "examination";
  if (q.by_examination && q.kind != WindowKind::online)
    support::fail("by", "\"examination\" (受診日) selects オンライン診療等 only; 訪問診療等 asks by 同意日");
  if (support::find(doc, "month")) support::fail("month", "is used by a 医療扶助 query only");
}

void to_json(nlohmann::json& doc, const WindowQuery& q) {
  doc = {{"kind", kWindowKinds.name(q.kind)}};
  if (q.kind == WindowKind::medical_aid) doc["month"] = q.month;
  else doc["from"] = q.from, doc["to"] = q.to, doc["by"] = q.by_examination ? "examination" : "consent";
}

std::pair<std::string_view, std::string_view> window_prefixes(WindowKind kind) {
  switch (kind) {
    case WindowKind::home_visit: return {prefix::home_visit_upload, prefix::home_visit_download};
    case WindowKind::online: return {prefix::online_upload, prefix::online_download};
    case WindowKind::medical_aid: break;
  }
  return {prefix::medical_aid_upload, prefix::medical_aid_download};
}

Result<std::string> window_request(const WindowQuery& q, std::string_view medical_institution_code,
                                   std::string_view file_identifier) {
  BulkUploadRequest m;  // no QualificationConfirmationDate: the peer sends none for these (M)
  m.header.MedicalInstitutionCode = std::string(medical_institution_code);
  m.header.ArbitraryFileIdentifier = std::string(file_identifier);
  auto& s = m.body.QualificationConfirmSearchInfo.emplace_back();
  if (q.kind == WindowKind::medical_aid) {
    s.MedicalTreatmentMonth = q.month;
    return write_message(m);
  }
  (q.by_examination ? s.ExaminationDateFrom : s.ConsentDateFrom) = q.from;
  (q.by_examination ? s.ExaminationDateTo : s.ConsentDateTo) = q.to;
  s.MedicalTreatmentFlag = q.kind == WindowKind::home_visit ? "2" : "3";  // OQSCD028
  return write_message(m);
}

}  // namespace onshi::eligibility
