#include <onshi/eligibility/messages.hpp>

#include <tuple>

namespace onshi::eligibility {
namespace {

// Each view lists its elements once, in the specification's order: that list drives
// both reading (match by name, any order) and writing (spec order, then the unknown ones).
template <class T, class M>
struct Field {
  std::string_view name;
  M T::*member;
};
template <class T, class M>
constexpr Field<T, M> field(std::string_view name, M T::*member) {
  return {name, member};
}

template <class T>
struct Fields;

#define F(name) field(#name, &S::name)
#define FIELDS(Type, ...)                                          \
  template <>                                                      \
  struct Fields<Type> {                                            \
    using S = Type;                                                \
    static constexpr auto list = std::make_tuple(__VA_ARGS__);     \
  };

FIELDS(MessageHeader, F(ProcessExecutionTime), F(QualificationConfirmationDate), F(MedicalInstitutionCode),
       F(ArbitraryFileIdentifier), F(ReferenceClassification), F(SegmentOfResult), F(ErrorCode), F(ErrorMessage),
       F(CharacterCodeIdentifier), F(ReceptionNumber), F(NumberOfProcessingResult), F(NumberOfNormalProcessing),
       F(NumberOfError))
FIELDS(QualificationConfirmSearchInfo, F(InsurerNumber), F(InsuredCardSymbol), F(InsuredIdentificationNumber),
       F(InsuredBranchNumber), F(Birthdate), F(LimitApplicationCertificateRelatedConsFlg), F(ArbitraryIdentifier))
FIELDS(ElderlyRecipientCertificateInfo, F(ElderlyRecipientCertificateDate), F(ElderlyRecipientValidStartDate),
       F(ElderlyRecipientValidEndDate), F(ElderlyRecipientContributionRatio))
FIELDS(LimitApplicationCertificateRelatedInfo, F(LimitApplicationCertificateClassification),
       F(LimitApplicationCertificateClassificationFlag), F(LimitApplicationCertificateDate),
       F(LimitApplicationCertificateValidStartDate), F(LimitApplicationCertificateValidEndDate),
       F(LimitApplicationCertificateLongTermDate))
FIELDS(SpecificDiseasesCertificateInfo, F(SpecificDiseasesDiseaseCategory), F(SpecificDiseasesCertificateDate),
       F(SpecificDiseasesValidStartDate), F(SpecificDiseasesValidEndDate), F(SpecificDiseasesSelfPay))
FIELDS(SpecificDiseasesCertificateList, F(SpecificDiseasesCertificateInfo))
FIELDS(MedicalTicketInfo, F(TicketType), F(MedicalTicketValidDate), F(MedicalTicketExpirationDate), F(IssueNumber),
       F(MedicalTreatmentMonth), F(DesignatedMedicalInstitutionCode), F(DesignatedMedicalInstitutionFlag),
       F(DesignatedMedicalInstitutionName), F(PrescriptionIssuerMedicalInstitutionCode),
       F(PrescriptionIssuerMedicalInstitutionName), F(InjuryName1), F(InjuryName2), F(InjuryName3),
       F(MedicalTreatmentType), F(SelfPayAmount), F(DistrictContactName), F(HandlingContactName),
       F(SingleOrCombinedUse), F(StatusOfSocialInsurance), F(ConsistencyFlag), F(StatusOfInfecton),
       F(StatusOfElderlyMedicalCare), F(StatusOfPrefecturalExpenses), F(Remarks1), F(Remarks2), F(Remarks3))
FIELDS(PublicExpenseResultList, F(MedicalTicketInfo))
FIELDS(ResultOfQualificationConfirmation, F(InsuredCardClassification), F(InsurerNumber), F(InsuredCardSymbol),
       F(InsuredIdentificationNumber), F(InsuredBranchNumber), F(PersonalFamilyClassification), F(InsuredName),
       F(Name), F(NameOfOther), F(NameKana), F(NameOfOtherKana), F(Sex1), F(Sex2), F(Birthdate), F(Address),
       F(PostNumber), F(QualificationDate), F(DisqualificationDate), F(InsuredCertificateIssuanceDate),
       F(InsuredCardValidDate), F(InsuredCardExpirationDate), F(InsuredPartialContributionRatio),
       F(PreschoolClassification), F(ReasonOfLoss), F(InsurerName), F(ElderlyRecipientCertificateInfo),
       F(LimitApplicationCertificateRelatedConsFlg), F(LimitApplicationCertificateRelatedConsTime),
       F(LimitApplicationCertificateRelatedInfo), F(SpecificDiseasesCertificateRelatedConsFlg),
       F(SpecificDiseasesCertificateRelatedConsTime), F(SpecificDiseasesCertificateList),
       F(SpecificHealthCheckupsInfoConsFlg), F(SpecificHealthCheckupsInfoConsTime),
       F(SpecificHealthCheckupsInfoAvailableTime), F(PharmacistsInfoConsFlg), F(PharmacistsInfoConsTime),
       F(PharmacistsInfoAvailableTime), F(DiagnosisInfoConsFlg), F(DiagnosisInfoConsTime),
       F(DiagnosisInfoAvailableTime), F(OperationInfoConsFlg), F(OperationInfoConsTime),
       F(OperationInfoAvailableTime), F(ReferenceNumber), F(ArbitraryIdentifier), F(PublicExpenseNumber),
       F(BeneficiaryNumber), F(WelfareOfficeName), F(PublicExpenseResultList), F(QualificationConfirmationKey))
FIELDS(ResultList, F(ResultOfQualificationConfirmation))
FIELDS(QualificationRequestBody, F(QualificationConfirmSearchInfo))
FIELDS(QualificationResponseBody, F(ProcessingResultStatus), F(ProcessingResultCode), F(ProcessingResultMessage),
       F(QualificationValidity), F(PrescriptionIssueSelect), F(QualificationConfirmSearchInfo), F(ResultList))
FIELDS(ReferenceNumberRegistrationInfo, F(ReferenceNumber), F(InsurerNumber), F(InsuredCardSymbol),
       F(InsuredIdentificationNumber), F(InsuredBranchNumber))
FIELDS(RegistrationRequestBody, F(ReferenceNumberRegistrationInfo))
FIELDS(RegistrationResponseBody, F(ReferenceNumberRegistrationInfo), F(ProcessingResultStatus),
       F(ProcessingResultCode), F(ProcessingResultMessage))
FIELDS(BulkUploadRequestBody, F(QualificationConfirmSearchInfo))
FIELDS(BulkReceptionBody, F(ReceptionNumber), F(ReceptionDateTime))
FIELDS(BulkConfirmUnit, F(QualificationConfirmSearchInfo), F(ProcessingResultStatus), F(ProcessingResultCode),
       F(ProcessingResultMessage), F(QualificationValidity), F(ResultOfQualificationConfirmation), F(ResultList),
       F(ReferenceNumber))
FIELDS(BulkResultBody, F(BulkConfirmUnit))
FIELDS(HistoryRequestHeader, F(MedicalInstitutionCode), F(InsurerNumber), F(InsuranceCardSymbol),
       F(InsuredPersonIdentificationNumber), F(BranchNumber), F(ArbitraryFileIdentifier))
FIELDS(HistoryRequestBody, F(StartDate), F(EndDate), F(FileCategory), F(PrDiInfClassification),
       F(MedicalTreatmentFlag))
FIELDS(QuaInf, F(Name), F(KanaName), F(Birth), F(AdmGendCode))
FIELDS(QualificationsInfo, F(Name), F(KanasName), F(Birthday), F(AdministrativeGenderCode))
FIELDS(HistoryResponseHeader, F(ProcessExecutionTime), F(MedicalInstitutionCode), F(ArbitraryFileIdentifier),
       F(ResultCode), F(MessageContents), F(QuaInf), F(QualificationsInfo))
FIELDS(HealthCheckupResultAndQuestionInfo, F(ItemCode), F(ItemName), F(DataType), F(DataValue), F(Unit), F(Oid),
       F(DataValueName))
FIELDS(HealthCheckupResultAndQuestionInfos, F(HealthCheckupResultAndQuestionInfo))
FIELDS(SpecificHealthCheckupInfo, F(EffectiveTime), F(HealthCheckupResultAndQuestionInfos))
FIELDS(CheckupResponseBody, F(SpecificHealthCheckupInfo))

#undef FIELDS
#undef F

// ---- reading: each assign() takes the element, or declines (a repeat or an unexpected
// shape) so the caller keeps it verbatim in `extra`.
template <class T>
void read_into(const Element& e, T& out);
void read_into(const Element& e, Element& out) { out = e; }

bool assign(Text& t, const Element& e) {
  if (t || !e.children.empty()) return false;
  t = e.text;
  return true;
}
template <CodeTable C>
bool assign(Code<C>& t, const Element& e) {
  if (t || !e.children.empty()) return false;
  t = Coded<C>{e.text};
  return true;
}
template <class G>
bool assign(std::optional<G>& t, const Element& e) {
  if (t) return false;
  read_into(e, t.emplace());
  return true;
}
template <class G>
bool assign(std::vector<G>& t, const Element& e) {
  read_into(e, t.emplace_back());
  return true;
}

template <class T>
void read_into(const Element& e, T& out) {
  for (const Element& c : e.children) {
    bool used = false;
    std::apply([&](const auto&... f) { ((used = used || (c.name == f.name && assign(out.*(f.member), c))), ...); },
               Fields<T>::list);
    if (!used) out.extra.push_back(c);
  }
}

// ---- writing
template <class T>
void write_from(const T& in, Element& out);
void write_from(const Element& in, Element& out) {
  out.text = in.text;
  out.children = in.children;
}

void emit(Element& parent, std::string_view name, const Text& t) {
  if (t) parent.children.push_back({std::string(name), *t, {}});
}
template <CodeTable C>
void emit(Element& parent, std::string_view name, const Code<C>& t) {
  if (t) parent.children.push_back({std::string(name), t->value, {}});
}
template <class G>
void emit(Element& parent, std::string_view name, const std::optional<G>& t) {
  if (!t) return;
  Element& g = parent.children.emplace_back();
  g.name = name;
  write_from(*t, g);
}
template <class G>
void emit(Element& parent, std::string_view name, const std::vector<G>& list) {
  for (const G& item : list) {
    Element& g = parent.children.emplace_back();
    g.name = name;
    write_from(item, g);
  }
}

template <class T>
void write_from(const T& in, Element& out) {
  std::apply([&](const auto&... f) { (emit(out, f.name, in.*(f.member)), ...); }, Fields<T>::list);
  out.children.insert(out.children.end(), in.extra.begin(), in.extra.end());
}

}  // namespace

template <class M>
M view_as(const XmlMsg& msg) {
  M m;
  read_into(msg.header, m.header);
  read_into(msg.body, m.body);
  m.extra = msg.extra;
  return m;
}

template <class M>
XmlMsg to_xml_msg(const M& message) {
  XmlMsg msg;
  msg.header.name = "MessageHeader";
  msg.body.name = "MessageBody";
  write_from(message.header, msg.header);
  write_from(message.body, msg.body);
  msg.extra = message.extra;
  return msg;
}

template <class M>
Result<M> parse_message(std::string_view bytes, std::string_view what, const ReadLimits& limits) {
  auto msg = read_xml_msg(bytes, what, limits);
  if (!msg) return std::move(msg).error();
  return view_as<M>(*msg);
}

template <class M>
Result<std::string> write_message(const M& message, const WriteOptions& options) {
  return write_xml_msg(to_xml_msg(message), options);
}

#define INSTANTIATE(M)                                                                        \
  template M view_as<M>(const XmlMsg&);                                                       \
  template XmlMsg to_xml_msg<M>(const M&);                                                    \
  template Result<M> parse_message<M>(std::string_view, std::string_view, const ReadLimits&); \
  template Result<std::string> write_message<M>(const M&, const WriteOptions&);
INSTANTIATE(QualificationRequest)
INSTANTIATE(QualificationResponse)
INSTANTIATE(RegistrationRequest)
INSTANTIATE(RegistrationResponse)
INSTANTIATE(BulkUploadRequest)
INSTANTIATE(BulkReception)
INSTANTIATE(BulkResult)
INSTANTIATE(HistoryRequest)
INSTANTIATE(DrugInfoResponse)
INSTANTIATE(CheckupResponse)
#undef INSTANTIATE

}  // namespace onshi::eligibility
