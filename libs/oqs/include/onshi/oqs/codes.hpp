// The code tables of 別紙5-1 業務コード仕様 (OQSCDnnn) and the unnumbered ones, as typed
// values that keep the code exactly as sent: an unknown code is kept verbatim, never dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace onshi::oqs {

enum class CodeTable {
  limit_consent,                // OQSCD001 LimitApplicationCertificateRelatedConsFlg
  reference_classification,     // OQSCD002
  segment_of_result,            // OQSCD003
  processing_result_status,     // OQSCD004
  character_code,               // OQSCD005 CharacterCodeIdentifier
  qualification_validity,       // OQSCD006
  sex,                          // OQSCD007 Sex1, Sex2
  personal_family,              // OQSCD009
  insured_card_classification,  // OQSCD010 (区分, R-KUBUN)
  limit_certificate_class,      // OQSCD011
  limit_certificate_flag,       // OQSCD012 (適用区分)
  specific_disease_category,    // OQSCD013
  reason_of_loss,               // 資格喪失事由 (no table number seen)
  prescription_issue_select,    // 電子/紙の処方箋
  specific_diseases_consent,    // SpecificDiseasesCertificateRelatedConsFlg
  preschool,                    // 未就学区分
  consent_flag,                 // the 0/1 flags of the 薬剤/健診/診療/手術 consents
};

// "OQSCD006", or the element name for the unnumbered tables.
std::string_view code_table_id(CodeTable table);
// The Japanese label, or nothing for a code the table does not (yet) know.
std::optional<std::string_view> code_label(CodeTable table, std::string_view code);
// R-KUBUN: 02, 03, 04 and 06 are 欠番 since 2024-12-02 (still labelled, for old results).
bool code_retired(CodeTable table, std::string_view code);

template <CodeTable Table>
struct Coded {
  std::string value;  // exactly as sent
  static constexpr CodeTable table = Table;
  std::optional<std::string_view> label() const { return code_label(Table, value); }
  bool known() const { return label().has_value(); }
  bool operator==(const Coded&) const = default;
};

}  // namespace onshi::oqs
