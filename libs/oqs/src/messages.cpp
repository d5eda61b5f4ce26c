#include <onshi/oqs/messages.hpp>

#include "xml_doc.hpp"

#include <array>
#include <cstdint>
#include <tuple>
#include <utility>

namespace onshi::oqs {
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
       F(InsuredBranchNumber), F(Birthdate), F(LimitApplicationCertificateRelatedConsFlg), F(ArbitraryIdentifier),
       F(ConsentDateFrom), F(ConsentDateTo), F(ExaminationDateFrom), F(ExaminationDateTo), F(MedicalTreatmentMonth),
       F(MedicalTreatmentFlag))
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
FIELDS(MedicalSubsidyInfo, F(MedicalSubsidyInsurerNumber), F(MedicalSubsidyRecipientNumber), F(CertificationName),
       F(ValidFrom), F(ValidTo), F(IsAlwaysReimbursement), F(IsNotDisclosed))
FIELDS(MedicalSubsidyList, F(MedicalSubsidyInfo))
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
       F(BeneficiaryNumber), F(WelfareOfficeName), F(PublicExpenseResultList), F(QualificationConfirmationKey),
       F(MedicalSubsidyList))
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
FIELDS(DisasterRequestHeader, F(QualificationConfirmationDate), F(MedicalInstitutionCode), F(ArbitraryFileIdentifier),
       F(DisasterDeclarationReference), F(ViewerIdentifier), F(ViewerClassification))
FIELDS(DisasterSearchInfo, F(Name), F(NameKana), F(Birthdate), F(Sex), F(Address), F(InsurerName), F(InsurerNumber),
       F(InsuredCardSymbol), F(InsuredIdentificationNumber), F(InsuredBranchNumber))
FIELDS(DisasterSearchRequestBody, F(DisasterSearchInfo))
FIELDS(Candidate, F(CandidateIdentifier), F(Name), F(NameKana), F(NameOfOther), F(NameOfOtherKana), F(Sex1), F(Sex2),
       F(Birthdate), F(Address), F(PostNumber), F(InsurerName), F(InsurerNumber), F(InsuredCardSymbol),
       F(InsuredIdentificationNumber), F(InsuredBranchNumber))
FIELDS(CandidateList, F(Candidate))
FIELDS(DisasterSearchResponseBody, F(ProcessingResultStatus), F(ProcessingResultCode), F(ProcessingResultMessage),
       F(NumberOfCandidates), F(CandidateList))
FIELDS(DisasterDrugInfoRequest, F(CandidateIdentifier), F(InsurerNumber), F(InsuredCardSymbol),
       F(InsuredIdentificationNumber), F(InsuredBranchNumber), F(Birthdate), F(ConsentClassification), F(ConsentTime),
       F(ConsentRecorder), F(StartDate), F(EndDate), F(FileCategory))
FIELDS(DisasterDrugRequestBody, F(DisasterDrugInfoRequest))

#undef FIELDS
#undef F

// ---- reading, from a caller's Element tree (view_as) or straight from the pugixml nodes
// (parse_message), through the same few accessors so both give the same view.
using detail::Node;
std::string_view name_of(const Element& e) { return e.name; }
std::string_view name_of(const Node& n) { return n.node.name(); }
// The element's text into `out` (empty), or false for a group (it has child elements).
bool leaf_text(const Element& e, std::string& out) {
  if (!e.children.empty()) return false;
  out = e.text;
  return true;
}
bool leaf_text(const Node& n, std::string& out) { return detail::leaf_text(n.node, out); }
const Element& element_of(const Element& e) { return e; }
using detail::element_of;
template <class F>
void for_each_child(const Element& e, F&& f) {
  for (const Element& c : e.children) f(c);
}
template <class F>
void for_each_child(const Node& n, F&& f) {  // the walk that also checks the tree (TreeCheck)
  for (pugi::xml_node c = n.node.first_child();; c = c.next_sibling()) {
    const pugi::xml_node_type t = c.type();  // node_null past the last child: one call instead of two
    if (t == pugi::node_null) break;
    if (t == pugi::node_element && n.check->enter(c, n.depth + 1)) f(Node{c, n.depth + 1, n.check});
  }
}

// Each assign() takes the element, or declines (a repeat or an unexpected shape) so the
// caller keeps it verbatim in `extra`.
template <class N, class T>
void read_into(const N& e, T& out);
template <class N>
void read_into(const N& e, Element& out) {
  out = element_of(e);
}

// Text and codes are built in place: a value is one string construction, not three.
template <class N>
bool assign(Text& t, const N& e) {
  if (t) return false;
  if (!leaf_text(e, t.emplace())) t.reset();
  return t.has_value();
}
template <CodeTable C, class N>
bool assign(Code<C>& t, const N& e) {
  if (t) return false;
  if (!leaf_text(e, t.emplace().value)) t.reset();
  return t.has_value();
}
template <class G, class N>
bool assign(std::optional<G>& t, const N& e) {
  if (t) return false;
  read_into(e, t.emplace());
  return true;
}
template <class G, class N>
bool assign(std::vector<G>& t, const N& e) {
  read_into(e, t.emplace_back());
  return true;
}

// A view's fields as a table of names and assign() functions, built once per view and node kind,
// with a hash of the names: shuffled answers are matched as fast as ordered ones.
template <class T, class N>
struct FieldTable {
  struct Entry {
    std::string_view name;
    bool (*assign)(T&, const N&);
  };
  template <std::size_t... I>
  static constexpr auto make(std::index_sequence<I...>) {
    return std::array<Entry, sizeof...(I)>{Entry{std::get<I>(Fields<T>::list).name, [](T& out, const N& e) {
      return assign(out.*(std::get<I>(Fields<T>::list).member), e);
    }}...};
  }
  static constexpr auto entries = make(std::make_index_sequence<std::tuple_size_v<decltype(Fields<T>::list)>>{});

  // Open addressing over a few bytes of the name; 256 slots for at most 60 fields.
  static constexpr std::size_t kSlots = 256;
  static constexpr uint8_t kEmpty = 0xFF;
  static_assert(entries.size() < kSlots / 4);
  static constexpr std::size_t hash(std::string_view n) {
    return (n.size() * 131u + static_cast<uint8_t>(n[0]) * 31u + static_cast<uint8_t>(n[n.size() / 2]) * 7u +
            static_cast<uint8_t>(n.back())) % kSlots;
  }
  static constexpr auto slots = [] {
    std::array<uint8_t, kSlots> s{};
    s.fill(kEmpty);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      std::size_t h = hash(entries[i].name);
      while (s[h] != kEmpty) h = (h + 1) % kSlots;
      s[h] = static_cast<uint8_t>(i);
    }
    return s;
  }();
  static const Entry* find(std::string_view name) {
    if (name.empty()) return nullptr;
    for (std::size_t h = hash(name); slots[h] != kEmpty; h = (h + 1) % kSlots)
      if (entries[slots[h]].name == name) return &entries[slots[h]];
    return nullptr;
  }
};

template <class N, class T>
void read_into(const N& e, T& out) {
  for_each_child(e, [&](const N& c) {
    const auto* f = FieldTable<T, N>::find(name_of(c));
    if (!f || !f->assign(out, c)) out.extra.push_back(element_of(c));
  });
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
  // The view is read into the result itself (one return object), not moved into it at the end.
  Result<M> out{M{}};
  detail::XmlDoc doc;  // read_xml_msg without its Element tree: the view is read from the nodes
  if (auto loaded = detail::load_xml(bytes, what, limits, doc); !loaded) {
    out = std::move(loaded).error();
    return out;
  }
  detail::TreeCheck check{what, limits, doc};
  M& m = *out;
  if (check.enter(doc.header, 1)) read_into(Node{doc.header, 1, &check}, m.header);
  if (!doc.body) read_into(Element{"MessageBody", {}, {}}, m.body);  // header only, as read_xml_msg gives it
  else if (check.enter(doc.body, 1)) read_into(Node{doc.body, 1, &check}, m.body);
  for (pugi::xml_node e : doc.extra)
    if (check.enter(e, 1)) m.extra.push_back(element_of(Node{e, 1, &check}));
  if (check.error) out = std::move(*check.error);
  return out;
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
INSTANTIATE(DisasterSearchRequest)
INSTANTIATE(DisasterSearchResponse)
INSTANTIATE(DisasterDrugRequest)
#undef INSTANTIATE

std::optional<std::string> padded_insurer_number(std::string_view typed) {
  const auto first = typed.find_first_not_of(' ');
  const std::string_view d = first == std::string_view::npos ? std::string_view() : typed.substr(first);
  if ((d.size() != 6 && d.size() != 8) || d.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::string(8 - d.size(), ' ').append(d);
}

}  // namespace onshi::oqs
