// Typed views of the terminal's messages. Every field is the element's exact text
// (nothing is number-parsed: "  123456", "010", "01" stay as sent); an absent element is
// std::nullopt, an empty one is "". Elements a view does not know are kept in `extra`
// and written back after the known ones, so a read-then-write loses nothing.
#pragma once

#include <onshi/oqs/codes.hpp>
#include <onshi/oqs/xml_msg.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::oqs {

using Text = std::optional<std::string>;
template <CodeTable T>
using Code = std::optional<Coded<T>>;

// ---- header -----------------------------------------------------------------
struct MessageHeader {
  Text ProcessExecutionTime;
  Text QualificationConfirmationDate;
  Text MedicalInstitutionCode;
  Text ArbitraryFileIdentifier;
  Code<CodeTable::reference_classification> ReferenceClassification;
  Code<CodeTable::segment_of_result> SegmentOfResult;
  Text ErrorCode;
  Text ErrorMessage;
  Code<CodeTable::character_code> CharacterCodeIdentifier;
  Text ReceptionNumber;
  Text NumberOfProcessingResult;
  Text NumberOfNormalProcessing;
  Text NumberOfError;
  std::vector<Element> extra;
  bool operator==(const MessageHeader&) const = default;
};

// ---- 資格確認 (OQSsiquc01, face push, bulk units) ---------------------------------
struct QualificationConfirmSearchInfo {
  Text InsurerNumber;  // 8 characters, 6-digit numbers left-padded with spaces
  Text InsuredCardSymbol;
  Text InsuredIdentificationNumber;
  Text InsuredBranchNumber;
  Text Birthdate;
  Code<CodeTable::limit_consent> LimitApplicationCertificateRelatedConsFlg;
  Text ArbitraryIdentifier;
  // The window of a 居宅同意取得型 re-query (OQSmuhvq01 / OQSmuonq01) or a 医療扶助 query (OQSmutic01):
  // no patient, a filter (docs/eligibility-messages.md; names from a production peer, M).
  Text ConsentDateFrom, ConsentDateTo;          // 同意日 YYYYMMDD
  Text ExaminationDateFrom, ExaminationDateTo;  // 受診日 YYYYMMDD, オンライン診療等 only
  Text MedicalTreatmentMonth;                   // 診療年月 YYYYMM, 医療扶助 only
  Text MedicalTreatmentFlag;                    // 診療区分 OQSCD028: 2 訪問診療等, 3 オンライン診療等
  std::vector<Element> extra;
  bool operator==(const QualificationConfirmSearchInfo&) const = default;
};

struct ElderlyRecipientCertificateInfo {
  Text ElderlyRecipientCertificateDate;
  Text ElderlyRecipientValidStartDate;
  Text ElderlyRecipientValidEndDate;
  Text ElderlyRecipientContributionRatio;  // "020" = 2割
  std::vector<Element> extra;
  bool operator==(const ElderlyRecipientCertificateInfo&) const = default;
};

struct LimitApplicationCertificateRelatedInfo {
  Code<CodeTable::limit_certificate_class> LimitApplicationCertificateClassification;
  Code<CodeTable::limit_certificate_flag> LimitApplicationCertificateClassificationFlag;
  Text LimitApplicationCertificateDate;
  Text LimitApplicationCertificateValidStartDate;
  Text LimitApplicationCertificateValidEndDate;
  Text LimitApplicationCertificateLongTermDate;
  std::vector<Element> extra;
  bool operator==(const LimitApplicationCertificateRelatedInfo&) const = default;
};

struct SpecificDiseasesCertificateInfo {
  Code<CodeTable::specific_disease_category> SpecificDiseasesDiseaseCategory;
  Text SpecificDiseasesCertificateDate;
  Text SpecificDiseasesValidStartDate;
  Text SpecificDiseasesValidEndDate;
  Text SpecificDiseasesSelfPay;
  std::vector<Element> extra;
  bool operator==(const SpecificDiseasesCertificateInfo&) const = default;
};

struct SpecificDiseasesCertificateList {
  std::vector<oqs::SpecificDiseasesCertificateInfo> SpecificDiseasesCertificateInfo;
  std::vector<Element> extra;
  bool operator==(const SpecificDiseasesCertificateList&) const = default;
};

// 医療券・調剤券 of 医療扶助 (spelling of StatusOfInfecton is the interface's own).
struct MedicalTicketInfo {
  Text TicketType, MedicalTicketValidDate, MedicalTicketExpirationDate, IssueNumber, MedicalTreatmentMonth,
      DesignatedMedicalInstitutionCode, DesignatedMedicalInstitutionFlag, DesignatedMedicalInstitutionName,
      PrescriptionIssuerMedicalInstitutionCode, PrescriptionIssuerMedicalInstitutionName, InjuryName1, InjuryName2,
      InjuryName3, MedicalTreatmentType, SelfPayAmount, DistrictContactName, HandlingContactName, SingleOrCombinedUse,
      StatusOfSocialInsurance, ConsistencyFlag, StatusOfInfecton, StatusOfElderlyMedicalCare,
      StatusOfPrefecturalExpenses, Remarks1, Remarks2, Remarks3;
  std::vector<Element> extra;
  bool operator==(const MedicalTicketInfo&) const = default;
};

struct PublicExpenseResultList {
  std::vector<oqs::MedicalTicketInfo> MedicalTicketInfo;
  std::vector<Element> extra;
  bool operator==(const PublicExpenseResultList&) const = default;
};

// 医療費助成 受給者証 on the card (PMH, from 2025–2026): one 公費 the patient agreed to use at the reader.
// INFERRED: the terminal's element names are not public; these are the デジタル庁 PMH API's field names
// (medicalSubsidyInsurerNumber, ...) in the interface's PascalCase, docs/eligibility-messages.md §4.
struct MedicalSubsidyInfo {
  Text MedicalSubsidyInsurerNumber;    // 公費負担者番号, 8 digits: KO as is
  Text MedicalSubsidyRecipientNumber;  // 公費受給者番号 (7 digits nationally; 地方単独 may be longer)
  Text CertificationName;              // 受給者証名
  Text ValidFrom, ValidTo;             // 有効期間 YYYYMMDD
  Text IsAlwaysReimbursement;          // 1: always 償還払い, not on the claim
  Text IsNotDisclosed;                 // 1: 不開示 (R-RES withheld)
  std::vector<Element> extra;
  bool operator==(const MedicalSubsidyInfo&) const = default;
};

struct MedicalSubsidyList {
  std::vector<oqs::MedicalSubsidyInfo> MedicalSubsidyInfo;
  std::vector<Element> extra;
  bool operator==(const MedicalSubsidyList&) const = default;
};

struct ResultOfQualificationConfirmation {
  Code<CodeTable::insured_card_classification> InsuredCardClassification;
  Text InsurerNumber;
  Text InsuredCardSymbol;
  Text InsuredIdentificationNumber;
  Text InsuredBranchNumber;
  Code<CodeTable::personal_family> PersonalFamilyClassification;
  Text InsuredName;
  Text Name;
  Text NameOfOther;
  Text NameKana;
  Text NameOfOtherKana;
  Code<CodeTable::sex> Sex1;
  Code<CodeTable::sex> Sex2;
  Text Birthdate;
  Text Address;
  Text PostNumber;
  Text QualificationDate;
  Text DisqualificationDate;
  Text InsuredCertificateIssuanceDate;
  Text InsuredCardValidDate;
  Text InsuredCardExpirationDate;
  Text InsuredPartialContributionRatio;
  Code<CodeTable::preschool> PreschoolClassification;
  Code<CodeTable::reason_of_loss> ReasonOfLoss;
  Text InsurerName;
  std::optional<oqs::ElderlyRecipientCertificateInfo> ElderlyRecipientCertificateInfo;
  Code<CodeTable::limit_consent> LimitApplicationCertificateRelatedConsFlg;
  Text LimitApplicationCertificateRelatedConsTime;
  std::optional<oqs::LimitApplicationCertificateRelatedInfo> LimitApplicationCertificateRelatedInfo;
  Code<CodeTable::specific_diseases_consent> SpecificDiseasesCertificateRelatedConsFlg;
  Text SpecificDiseasesCertificateRelatedConsTime;
  std::optional<oqs::SpecificDiseasesCertificateList> SpecificDiseasesCertificateList;
  Code<CodeTable::consent_flag> SpecificHealthCheckupsInfoConsFlg;
  Text SpecificHealthCheckupsInfoConsTime;
  Text SpecificHealthCheckupsInfoAvailableTime;
  Code<CodeTable::consent_flag> PharmacistsInfoConsFlg;
  Text PharmacistsInfoConsTime;
  Text PharmacistsInfoAvailableTime;
  Code<CodeTable::consent_flag> DiagnosisInfoConsFlg;
  Text DiagnosisInfoConsTime;
  Text DiagnosisInfoAvailableTime;
  Code<CodeTable::consent_flag> OperationInfoConsFlg;
  Text OperationInfoConsTime;
  Text OperationInfoAvailableTime;
  Text ReferenceNumber;
  Text ArbitraryIdentifier;
  Text PublicExpenseNumber;
  Text BeneficiaryNumber;
  Text WelfareOfficeName;
  std::optional<oqs::PublicExpenseResultList> PublicExpenseResultList;
  Text QualificationConfirmationKey;
  std::optional<oqs::MedicalSubsidyList> MedicalSubsidyList;  // INFERRED (PMH), see MedicalSubsidyInfo
  std::vector<Element> extra;
  bool operator==(const ResultOfQualificationConfirmation&) const = default;
};

struct ResultList {
  std::vector<oqs::ResultOfQualificationConfirmation> ResultOfQualificationConfirmation;
  std::vector<Element> extra;
  bool operator==(const ResultList&) const = default;
};

struct QualificationRequestBody {
  std::optional<oqs::QualificationConfirmSearchInfo> QualificationConfirmSearchInfo;
  std::vector<Element> extra;
  bool operator==(const QualificationRequestBody&) const = default;
};

// Also the layout of the face push (OQSsiquc01res_face_…).
struct QualificationResponseBody {
  Code<CodeTable::processing_result_status> ProcessingResultStatus;
  Text ProcessingResultCode;
  Text ProcessingResultMessage;
  Code<CodeTable::qualification_validity> QualificationValidity;
  Code<CodeTable::prescription_issue_select> PrescriptionIssueSelect;
  std::optional<oqs::QualificationConfirmSearchInfo> QualificationConfirmSearchInfo;
  std::optional<oqs::ResultList> ResultList;
  std::vector<Element> extra;
  bool operator==(const QualificationResponseBody&) const = default;
};

// ---- 照会番号登録 (OQSsiimm01; OQSmuimm01 carries several infos) -----------------------
struct ReferenceNumberRegistrationInfo {
  Text ReferenceNumber;  // the clinic's own patient number (R-SHOUKAI)
  Text InsurerNumber;
  Text InsuredCardSymbol;
  Text InsuredIdentificationNumber;
  Text InsuredBranchNumber;
  std::vector<Element> extra;
  bool operator==(const ReferenceNumberRegistrationInfo&) const = default;
};

struct RegistrationRequestBody {
  std::vector<oqs::ReferenceNumberRegistrationInfo> ReferenceNumberRegistrationInfo;
  std::vector<Element> extra;
  bool operator==(const RegistrationRequestBody&) const = default;
};

struct RegistrationResponseBody {
  std::optional<oqs::ReferenceNumberRegistrationInfo> ReferenceNumberRegistrationInfo;
  Code<CodeTable::processing_result_status> ProcessingResultStatus;
  Text ProcessingResultCode;
  Text ProcessingResultMessage;
  std::vector<Element> extra;
  bool operator==(const RegistrationResponseBody&) const = default;
};

// ---- 一括照会 (OQSmuquc01req/res, 02req/res) --------------------------------------
struct BulkUploadRequestBody {
  std::vector<oqs::QualificationConfirmSearchInfo> QualificationConfirmSearchInfo;
  std::vector<Element> extra;
  bool operator==(const BulkUploadRequestBody&) const = default;
};

struct BulkReceptionBody {  // 01res (受付結果) and 02req (ダウンロード要求)
  Text ReceptionNumber;
  Text ReceptionDateTime;
  std::vector<Element> extra;
  bool operator==(const BulkReceptionBody&) const = default;
};

struct BulkConfirmUnit {
  std::optional<oqs::QualificationConfirmSearchInfo> QualificationConfirmSearchInfo;
  Code<CodeTable::processing_result_status> ProcessingResultStatus;
  Text ProcessingResultCode;
  Text ProcessingResultMessage;
  Code<CodeTable::qualification_validity> QualificationValidity;
  std::vector<oqs::ResultOfQualificationConfirmation> ResultOfQualificationConfirmation;  // directly in the unit (S6)
  std::optional<oqs::ResultList> ResultList;                                               // or wrapped (S2)
  Text ReferenceNumber;
  std::vector<Element> extra;
  bool operator==(const BulkConfirmUnit&) const = default;
};

struct BulkResultBody {
  std::vector<oqs::BulkConfirmUnit> BulkConfirmUnit;
  std::vector<Element> extra;
  bool operator==(const BulkResultBody&) const = default;
};

// ---- 薬剤情報 (YZKsiquc01) and 特定健診情報 (TKKsiquc01) -------------------------------
// Their request header uses other names than the 資格確認 family: InsuranceCardSymbol,
// InsuredPersonIdentificationNumber, BranchNumber.
struct HistoryRequestHeader {
  Text MedicalInstitutionCode;
  Text InsurerNumber;
  Text InsuranceCardSymbol;
  Text InsuredPersonIdentificationNumber;
  Text BranchNumber;
  Text ArbitraryFileIdentifier;
  std::vector<Element> extra;
  bool operator==(const HistoryRequestHeader&) const = default;
};

struct HistoryRequestBody {
  Text StartDate;  // YYYYMM, 薬剤 only
  Text EndDate;
  Text FileCategory;  // 1 PDF, 2 XML
  Text PrDiInfClassification;
  Text MedicalTreatmentFlag;
  std::vector<Element> extra;
  bool operator==(const HistoryRequestBody&) const = default;
};

struct QuaInf {  // 薬剤 response: who the history belongs to
  Text Name, KanaName, Birth, AdmGendCode;
  std::vector<Element> extra;
  bool operator==(const QuaInf&) const = default;
};

struct QualificationsInfo {  // 特定健診 response: who the results belong to
  Text Name, KanasName, Birthday, AdministrativeGenderCode;
  std::vector<Element> extra;
  bool operator==(const QualificationsInfo&) const = default;
};

struct HistoryResponseHeader {
  Text ProcessExecutionTime;
  Text MedicalInstitutionCode;
  Text ArbitraryFileIdentifier;
  Text ResultCode;  // "1" = OK; else MessageContents says why
  Text MessageContents;
  std::optional<oqs::QuaInf> QuaInf;
  std::optional<oqs::QualificationsInfo> QualificationsInfo;
  std::vector<Element> extra;
  bool operator==(const HistoryResponseHeader&) const = default;
};

struct HealthCheckupResultAndQuestionInfo {
  Text ItemCode, ItemName, DataType, DataValue, Unit, Oid, DataValueName;
  std::vector<Element> extra;
  bool operator==(const HealthCheckupResultAndQuestionInfo&) const = default;
};

struct HealthCheckupResultAndQuestionInfos {
  std::vector<oqs::HealthCheckupResultAndQuestionInfo> HealthCheckupResultAndQuestionInfo;
  std::vector<Element> extra;
  bool operator==(const HealthCheckupResultAndQuestionInfos&) const = default;
};

struct SpecificHealthCheckupInfo {
  Text EffectiveTime;
  std::optional<oqs::HealthCheckupResultAndQuestionInfos> HealthCheckupResultAndQuestionInfos;
  std::vector<Element> extra;
  bool operator==(const SpecificHealthCheckupInfo&) const = default;
};

struct CheckupResponseBody {
  std::vector<oqs::SpecificHealthCheckupInfo> SpecificHealthCheckupInfo;
  std::vector<Element> extra;
  bool operator==(const CheckupResponseBody&) const = default;
};

// ---- the SDK's own disaster search (DSTsiquc01/02, docs/disaster-search-message.md) ---------
// Not an official interface: the real 災害時医療情報閲覧 is a screen of the terminal.
struct DisasterRequestHeader {
  Text QualificationConfirmationDate;
  Text MedicalInstitutionCode;
  Text ArbitraryFileIdentifier;
  Text DisasterDeclarationReference;
  Text ViewerIdentifier;
  Text ViewerClassification;  // 1 医師, 2 歯科医師, 3 薬剤師, 4 被選定者
  std::vector<Element> extra;
  bool operator==(const DisasterRequestHeader&) const = default;
};

struct DisasterSearchInfo {
  Text Name, NameKana, Birthdate;
  Code<CodeTable::sex> Sex;
  Text Address, InsurerName, InsurerNumber, InsuredCardSymbol, InsuredIdentificationNumber, InsuredBranchNumber;
  std::vector<Element> extra;
  bool operator==(const DisasterSearchInfo&) const = default;
};

struct DisasterSearchRequestBody {
  std::optional<oqs::DisasterSearchInfo> DisasterSearchInfo;
  std::vector<Element> extra;
  bool operator==(const DisasterSearchRequestBody&) const = default;
};

struct Candidate {
  Text CandidateIdentifier, Name, NameKana, NameOfOther, NameOfOtherKana;
  Code<CodeTable::sex> Sex1, Sex2;
  Text Birthdate, Address, PostNumber, InsurerName, InsurerNumber, InsuredCardSymbol, InsuredIdentificationNumber,
      InsuredBranchNumber;
  std::vector<Element> extra;
  bool operator==(const Candidate&) const = default;
};

struct CandidateList {
  std::vector<oqs::Candidate> Candidate;
  std::vector<Element> extra;
  bool operator==(const CandidateList&) const = default;
};

struct DisasterSearchResponseBody {
  Code<CodeTable::processing_result_status> ProcessingResultStatus;
  Text ProcessingResultCode;
  Text ProcessingResultMessage;
  Text NumberOfCandidates;  // all who matched; may exceed the list
  std::optional<oqs::CandidateList> CandidateList;
  std::vector<Element> extra;
  bool operator==(const DisasterSearchResponseBody&) const = default;
};

struct DisasterDrugInfoRequest {
  Text CandidateIdentifier, InsurerNumber, InsuredCardSymbol, InsuredIdentificationNumber, InsuredBranchNumber,
      Birthdate;
  Text ConsentClassification;  // 1 口頭同意, 2 同意なし (意思確認不能・生命身体の保護)
  Text ConsentTime, ConsentRecorder;
  Text StartDate, EndDate;  // YYYYMM
  Text FileCategory;        // 2 XML
  std::vector<Element> extra;
  bool operator==(const DisasterDrugInfoRequest&) const = default;
};

struct DisasterDrugRequestBody {
  std::optional<oqs::DisasterDrugInfoRequest> DisasterDrugInfoRequest;
  std::vector<Element> extra;
  bool operator==(const DisasterDrugRequestBody&) const = default;
};

// ---- messages -----------------------------------------------------------------
template <class Header, class Body>
struct Message {
  Header header;
  Body body;
  std::vector<Element> extra;  // other children of <XmlMsg>
  bool operator==(const Message&) const = default;
};

using QualificationRequest = Message<MessageHeader, QualificationRequestBody>;    // OQSsiquc01req
using QualificationResponse = Message<MessageHeader, QualificationResponseBody>;  // OQSsiquc01res, face push
using RegistrationRequest = Message<MessageHeader, RegistrationRequestBody>;      // OQSsiimm01req, OQSmuimm01req
using RegistrationResponse = Message<MessageHeader, RegistrationResponseBody>;    // OQSsiimm01res
using BulkUploadRequest = Message<MessageHeader, BulkUploadRequestBody>;          // OQSmuquc01req
using BulkReception = Message<MessageHeader, BulkReceptionBody>;                  // OQSmuquc01res, OQSmuquc02req
using BulkResult = Message<MessageHeader, BulkResultBody>;                        // OQSmuquc02res
using HistoryRequest = Message<HistoryRequestHeader, HistoryRequestBody>;         // YZKsiquc01req, TKKsiquc01req
using DrugInfoResponse = Message<HistoryResponseHeader, Element>;  // YZKsiquc01res; see drug_history.hpp
using CheckupResponse = Message<HistoryResponseHeader, CheckupResponseBody>;      // TKKsiquc01res
using DisasterSearchRequest = Message<DisasterRequestHeader, DisasterSearchRequestBody>;  // DSTsiquc01req
using DisasterSearchResponse = Message<MessageHeader, DisasterSearchResponseBody>;       // DSTsiquc01res
using DisasterDrugRequest = Message<DisasterRequestHeader, DisasterDrugRequestBody>;      // DSTsiquc02req
// DSTsiquc02res is a DrugInfoResponse (the YZKsiquc01res shape).

// Typed view of a generic message and back. Defined for the aliases above.
template <class M>
M view_as(const XmlMsg& msg);
template <class M>
XmlMsg to_xml_msg(const M& message);

// read_xml_msg + view_as / to_xml_msg + write_xml_msg.
template <class M>
Result<M> parse_message(std::string_view bytes, std::string_view what = "XML message", const ReadLimits& limits = {});
template <class M>
Result<std::string> write_message(const M& message, const WriteOptions& options = {});

// The 保険者番号 as the interface writes it (eligibility-xml.md §5): 8 digits stay, a 6-digit 国保
// number is left-padded with spaces ("138123" → "  138123"); nullopt for anything else.
std::optional<std::string> padded_insurer_number(std::string_view typed);

// File-name prefixes of the interfaces (eligibility-xml.md §2.3).
namespace prefix {
inline constexpr std::string_view qualification = "OQSsiquc01";
inline constexpr std::string_view face = "OQSsiquc01res_face_";
inline constexpr std::string_view registration = "OQSsiimm01";
inline constexpr std::string_view bulk_registration = "OQSmuimm01";
inline constexpr std::string_view bulk_upload = "OQSmuquc01";
inline constexpr std::string_view bulk_download = "OQSmuquc02";
inline constexpr std::string_view drug_info = "YZKsiquc01";
inline constexpr std::string_view checkup = "TKKsiquc01";
inline constexpr std::string_view disaster_search = "DSTsiquc01";
inline constexpr std::string_view disaster_drugs = "DSTsiquc02";
// Two-phase queries selected by a window, not by patients (01 upload, 02 download; BulkUploadRequest /
// BulkReception / BulkResult layouts). docs/eligibility-messages.md.
inline constexpr std::string_view home_visit_upload = "OQSmuhvq01";    // 居宅同意取得型 訪問診療等
inline constexpr std::string_view home_visit_download = "OQSmuhvq02";
inline constexpr std::string_view online_upload = "OQSmuonq01";        // 居宅同意取得型 オンライン診療等
inline constexpr std::string_view online_download = "OQSmuonq02";
inline constexpr std::string_view medical_aid_upload = "OQSmutic01";   // 医療扶助 by 診療年月
inline constexpr std::string_view medical_aid_download = "OQSmutic02";
}  // namespace prefix

}  // namespace onshi::oqs
