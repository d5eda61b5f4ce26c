#include <onshi/eligibility/outcome.hpp>

#include <algorithm>

namespace onshi::eligibility {
namespace {

template <CodeTable C>
Text raw(const Code<C>& c) {
  return c ? Text(c->value) : std::nullopt;
}

std::string utf8_of(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

void note_charset(std::vector<CharsetNote>& notes, std::string_view field, const Text& value) {
  if (!value) return;
  const text::CharsetFlags flags = text::check_charset(*value);
  if (!flags.any()) return;
  CharsetNote n{std::string(field), flags.black_dot, {}};
  for (char32_t c : flags.outside_jis_x0208) n.outside_jis_x0208.push_back(utf8_of(c));
  notes.push_back(std::move(n));
}

bool is_one(const Text& t) { return t && *t == "1"; }

// 医療券 (医療扶助) and PMH 公費 blocks. A block marked 不開示 is dropped here, so it is never shown,
// kept or billed (R-RES); the rest of the record stays usable.
void read_public_expenses(const ResultOfQualificationConfirmation& r, std::vector<PublicExpense>& out) {
  if (r.PublicExpenseResultList)
    for (const MedicalTicketInfo& t : r.PublicExpenseResultList->MedicalTicketInfo) {
      PublicExpense& p = out.emplace_back();
      p.source = "medical_aid";
      p.payer_number = r.PublicExpenseNumber ? r.PublicExpenseNumber : r.InsurerNumber;
      p.recipient_number = r.BeneficiaryNumber ? r.BeneficiaryNumber : r.InsuredIdentificationNumber;
      p.valid_from = t.MedicalTicketValidDate;
      p.valid_until = t.MedicalTicketExpirationDate;
      p.treatment_month = t.MedicalTreatmentMonth;
      p.self_pay_amount = t.SelfPayAmount;
      p.other_institution = is_one(t.DesignatedMedicalInstitutionFlag);
    }
  if (r.MedicalSubsidyList)
    for (const MedicalSubsidyInfo& m : r.MedicalSubsidyList->MedicalSubsidyInfo) {
      if (is_one(m.IsNotDisclosed)) continue;
      PublicExpense& p = out.emplace_back();
      p.source = "medical_subsidy";
      p.payer_number = m.MedicalSubsidyInsurerNumber;
      p.recipient_number = m.MedicalSubsidyRecipientNumber;
      p.name = m.CertificationName;
      p.valid_from = m.ValidFrom;
      p.valid_until = m.ValidTo;
      p.always_reimbursed = is_one(m.IsAlwaysReimbursement);
    }
}

std::vector<std::string> withheld_in(const ResultOfQualificationConfirmation& r) {
  const std::pair<std::string_view, const Text*> present[] = {
      {"Name", &r.Name},
      {"Birthdate", &r.Birthdate},
      {"Address", &r.Address},
      {"InsurerNumber", &r.InsurerNumber},
      {"InsuredIdentificationNumber", &r.InsuredIdentificationNumber},
  };
  std::vector<std::string> missing;
  for (const auto& [name, value] : present)
    if (!*value) missing.emplace_back(name);
  if (!r.Sex1) missing.emplace_back("Sex1");
  return missing;
}

Outcome failure(FailureStage stage, std::string code, std::string message, std::string hint, bool retryable) {
  Outcome o;
  o.kind = OutcomeKind::failed;
  o.stage = stage;
  o.code = std::move(code);
  o.message = std::move(message);
  o.hint = std::move(hint);
  o.retryable = retryable;
  o.cache_allowed = true;  // nothing of a record: nothing withheld
  return o;
}

}  // namespace

const std::vector<std::string_view>& always_registered_fields() {
  static const std::vector<std::string_view> fields = {"Name", "Birthdate", "Address", "InsurerNumber",
                                                       "InsuredIdentificationNumber", "Sex1"};
  return fields;
}

namespace {

// Filled in place: decide() builds each qualification inside the outcome, copying each value once.
void read_qualification(const ResultOfQualificationConfirmation& r, Qualification& q) {
  q.insured_card_classification = raw(r.InsuredCardClassification);
  q.medical_assistance = q.insured_card_classification == "A1";
  q.retired_classification =
      q.insured_card_classification && code_retired(CodeTable::insured_card_classification, *q.insured_card_classification);
  q.insurer_number = r.InsurerNumber;
  q.insurer_name = r.InsurerName;
  q.insured_card_symbol = r.InsuredCardSymbol;
  q.insured_identification_number = r.InsuredIdentificationNumber;
  q.insured_branch_number = r.InsuredBranchNumber;
  q.personal_family_classification = raw(r.PersonalFamilyClassification);
  q.insured_name = r.InsuredName;
  q.name = r.Name;
  q.name_kana = r.NameKana;
  q.name_of_other = r.NameOfOther;
  q.name_of_other_kana = r.NameOfOtherKana;
  q.sex1 = raw(r.Sex1);
  q.sex2 = raw(r.Sex2);
  q.birthdate = r.Birthdate;
  q.birthdate_unknown = r.Birthdate == "19000101" || r.Birthdate == "1900-01-01";
  q.address = r.Address;
  q.post_number = r.PostNumber;
  q.qualification_date = r.QualificationDate;
  q.disqualification_date = r.DisqualificationDate;
  q.valid_from = r.InsuredCardValidDate;
  q.valid_until = r.InsuredCardExpirationDate;
  q.contribution_ratio = r.InsuredPartialContributionRatio;
  q.preschool = r.PreschoolClassification && r.PreschoolClassification->value == "1";
  q.reason_of_loss = raw(r.ReasonOfLoss);
  if (r.ElderlyRecipientCertificateInfo)
    q.elderly_contribution_ratio = r.ElderlyRecipientCertificateInfo->ElderlyRecipientContributionRatio;
  if (r.LimitApplicationCertificateRelatedInfo)
    q.limit_classification_flag = raw(r.LimitApplicationCertificateRelatedInfo->LimitApplicationCertificateClassificationFlag);
  q.public_expense_number = r.PublicExpenseNumber;
  q.beneficiary_number = r.BeneficiaryNumber;
  q.welfare_office_name = r.WelfareOfficeName;
  q.reference_number = r.ReferenceNumber;
  read_public_expenses(r, q.public_expenses);
  q.pharmacists_info_consent = raw(r.PharmacistsInfoConsFlg);
  q.pharmacists_info_available_until = r.PharmacistsInfoAvailableTime;
  q.checkups_info_consent = raw(r.SpecificHealthCheckupsInfoConsFlg);
  q.checkups_info_available_until = r.SpecificHealthCheckupsInfoAvailableTime;
  note_charset(q.charset_notes, "Name", r.Name);
  note_charset(q.charset_notes, "NameOfOther", r.NameOfOther);
  note_charset(q.charset_notes, "InsuredName", r.InsuredName);
  note_charset(q.charset_notes, "Address", r.Address);
}

}  // namespace

Qualification qualification_of(const ResultOfQualificationConfirmation& r) {
  Qualification q;
  read_qualification(r, q);
  return q;
}

Outcome decide(const QualificationResponse& response) {
  const MessageHeader& h = response.header;
  const QualificationResponseBody& b = response.body;

  // Header: the whole request.
  const std::string segment = h.SegmentOfResult ? h.SegmentOfResult->value : "";
  if (segment == "2") {
    Outcome o = failure(FailureStage::none, "", "処理中", "ask again in a few seconds", true);
    o.kind = OutcomeKind::in_progress;
    return o;
  }
  if (segment != "1")
    return failure(FailureStage::header, h.ErrorCode.value_or(segment),
                   h.ErrorMessage.value_or(segment.empty() ? "the answer has no SegmentOfResult"
                                                           : "SegmentOfResult " + segment + " (異常終了)"),
                   "check the request's numbers and birth date and try again; if it repeats, call the terminal's "
                   "support desk with this code",
                   false);

  // Record: this query.
  const std::string status = b.ProcessingResultStatus ? b.ProcessingResultStatus->value : "";
  if (status != "1")
    return failure(FailureStage::record, b.ProcessingResultCode.value_or(status),
                   b.ProcessingResultMessage.value_or(status.empty() ? "the answer has no ProcessingResultStatus"
                                                                     : "ProcessingResultStatus " + status),
                   "show the message to staff; correct the numbers typed (R-ACCURACY) or use the card", false);

  // Eligibility.
  Outcome o;
  o.stage = FailureStage::none;
  o.reference_classification = raw(h.ReferenceClassification);
  o.arbitrary_file_identifier = h.ArbitraryFileIdentifier;
  o.processed_at = h.ProcessExecutionTime;
  if (b.ProcessingResultCode || b.ProcessingResultMessage)
    o.note = b.ProcessingResultCode.value_or("") + (b.ProcessingResultMessage ? " " + *b.ProcessingResultMessage : "");
  const std::string validity = b.QualificationValidity ? b.QualificationValidity->value : "";
  o.code = validity;
  // A reference, not `cond ? list : {}`: that conditional is a copy of every result.
  static const std::vector<ResultOfQualificationConfirmation> none;
  const auto& results = b.ResultList ? b.ResultList->ResultOfQualificationConfirmation : none;
  o.qualifications.reserve(results.size());
  for (const auto& r : results) read_qualification(r, o.qualifications.emplace_back());
  // R-RES: what any entry withholds keeps the whole answer out of every cache, whatever it decides.
  for (const auto& r : results)
    for (auto& field : withheld_in(r))
      if (std::find(o.withheld_fields.begin(), o.withheld_fields.end(), field) == o.withheld_fields.end())
        o.withheld_fields.push_back(std::move(field));
  o.cache_allowed = o.withheld_fields.empty();

  if (validity == "4") {
    o.kind = OutcomeKind::no_data;
    o.hint = "check the numbers with the patient; if the card was used, the insurer may not have registered yet";
    o.qualifications.clear();
    return o;
  }
  if (validity == "5" || results.size() > 1) {
    o.kind = OutcomeKind::needs_person;
    o.hint = "several qualifications match: staff must choose with the patient";
    return o;
  }
  if (validity != "1" && validity != "2" && validity != "3" && validity != "6") {
    Outcome f = failure(FailureStage::eligibility, validity,
                        validity.empty() ? "the answer has no QualificationValidity"
                                         : "unknown QualificationValidity \"" + validity + "\"",
                        "the SDK does not know this code; treat the patient as unverified and report it", false);
    f.qualifications = std::move(o.qualifications);
    return f;
  }
  if (results.empty())
    return failure(FailureStage::eligibility, validity, "QualificationValidity " + validity + " without any result",
                   "treat the patient as unverified and ask again", true);

  if (validity == "2") {
    o.kind = OutcomeKind::lost;
    o.hint = "資格無効: ask for the new insurance; otherwise bill with this old qualification (R-CLAIM-B)";
  } else if (validity == "3") {
    o.kind = OutcomeKind::lost_with_new;
    o.hint = "資格無効 (新しい資格あり): ask the patient for the new insurance card or use the card again";
  } else {
    o.kind = o.withheld_fields.empty() ? OutcomeKind::valid : OutcomeKind::withheld;
    if (o.kind == OutcomeKind::withheld)
      o.hint = "the insurer withholds part of this record: do not display or store what is missing";
  }
  return o;
}

Outcome decide(const Result<QualificationResponse>& response) {
  if (response) return decide(*response);
  const Error& e = response.error();
  return failure(FailureStage::transport, std::to_string(e.code), e.message, e.hint, e.retryable);
}

}  // namespace onshi::eligibility
