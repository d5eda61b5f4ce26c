// onshi/claims/json.hpp: the documents that cross the plugin boundary.
//   onshi.claims.input/1  — ClaimInput (what was shown, visit, patient, numbers, 申立書)
//   onshi.claims.result/1 — ClaimResult (method, route, ratio, warnings, records, UKE)
// docs/decisions/claims.md shows both with an example. Read and written with libs/support's
// document toolkit, so errors name the field path like every other plugin's.
#pragma once

#include <onshi/abi/onshi_ext_claims.h>
#include <onshi/claims/claim.hpp>
#include <onshi/support/document.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace onshi::claims {

using support::json;

// The names each enum takes in documents (the first is written for a value not listed).
inline constexpr support::EnumNames<VisitKind, 2> kVisitKinds{
    {{"first_visit", VisitKind::first_visit}, {"revisit", VisitKind::revisit}}};
inline constexpr support::EnumNames<CardCheck, 5> kCardChecks{{{"not_done", CardCheck::not_done},
                                                               {"valid", CardCheck::valid},
                                                               {"lost", CardCheck::lost},
                                                               {"no_data", CardCheck::no_data},
                                                               {"failed", CardCheck::failed}}};
inline constexpr support::EnumNames<CardForm, 2> kCardForms{
    {{"physical", CardForm::physical}, {"smartphone", CardForm::smartphone}}};
inline constexpr support::EnumNames<Outage, 4> kOutages{{{"none", Outage::none},
                                                        {"terminal", Outage::terminal},
                                                        {"reader", Outage::reader},
                                                        {"network", Outage::network}}};
inline constexpr support::EnumNames<Sex, 3> kSexes{
    {{"male", Sex::male}, {"female", Sex::female}, {"unset", Sex::unset}}};
inline constexpr support::EnumNames<DeclaredInsurance, 5> kDeclared{{{"shaho", DeclaredInsurance::shaho},
                                                                     {"kokuho", DeclaredInsurance::kokuho},
                                                                     {"kouki", DeclaredInsurance::kouki},
                                                                     {"other", DeclaredInsurance::other},
                                                                     {"unknown", DeclaredInsurance::unknown}}};
inline constexpr support::EnumNames<PayerKind, 5> kPayers{{{"shaho", PayerKind::shaho},
                                                           {"kokuho", PayerKind::kokuho},
                                                           {"kouki", PayerKind::kouki},
                                                           {"medical_aid", PayerKind::medical_aid},
                                                           {"unknown", PayerKind::unknown}}};
inline constexpr support::EnumNames<AgeBand, 4> kBands{{{"preschool", AgeBand::preschool},
                                                        {"working_age", AgeBand::working_age},
                                                        {"elderly_70_74", AgeBand::elderly_70_74},
                                                        {"kouki", AgeBand::kouki}}};

// A field that must be present ("key: is required"), read like support::read.
template <class T>
T required(const json& j, const char* key) {
  if (!support::find(j, key)) support::fail(key, "is required");
  std::optional<T> value;
  support::read(j, key, value);
  return *value;
}

// The parts of onshi.claims.input/1; the plugin's other documents reuse them (a patient
// reads the same everywhere). from_json throws (nlohmann's convention): read a whole
// document with parse_claim_input or support::read_document.
void from_json(const json& j, Qualification& q);
void from_json(const json& j, Presented& p);
void from_json(const json& j, Patient& p);
void from_json(const json& j, StatementAnswers& s);
void from_json(const json& j, Billing& b);
void from_json(const json& j, Clinic& c);
void from_json(const json& j, Disaster& d);
void from_json(const json& j, ClaimInput& in);
void to_json(json& j, const Qualification& q);
void to_json(json& j, const Presented& p);
void to_json(json& j, const Patient& p);
void to_json(json& j, const StatementAnswers& s);
void to_json(json& j, const Billing& b);
void to_json(json& j, const Clinic& c);
void to_json(json& j, const ClaimInput& in);
void to_json(json& j, const Warning& w);
void to_json(json& j, const DeferredCheck& c);
void to_json(json& j, const ClaimResult& r);

// Parses and checks an onshi.claims.input/1 document; errors name the field path.
Result<ClaimInput> parse_claim_input(std::string_view text);

// The onshi.claims.result/1 document, serialized.
std::string claim_result_document(const ClaimResult& result);

}  // namespace onshi::claims
