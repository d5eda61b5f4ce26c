// One outcome the EMR can act on, from the four places a 資格確認 answer can say something:
// transport (.err, timeout) → header (SegmentOfResult, ErrorCode) → record
// (ProcessingResultStatus, ProcessingResultCode) → eligibility (QualificationValidity). R-RES.
#pragma once

#include <onshi/text/encoding.hpp>
#include <onshi/eligibility/protocol.hpp>
#include <onshi/result.hpp>
#include <onshi/support/document.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::eligibility {

enum class OutcomeKind {
  valid,          // 資格有効 (also 6 有効（未登録）of 医療扶助)
  lost,           // 資格無効: the old qualification is kept, a 旧資格 claim (R-CLAIM-B) needs it
  lost_with_new,  // 資格無効（新しい資格あり）
  no_data,        // 該当資格なし
  needs_person,   // 複数該当 or several results: staff must pick, never automatic
  withheld,       // the insurer withholds all or part (DV etc.): show and keep only what was sent
  in_progress,    // SegmentOfResult 2 (処理中): ask again later
  failed,         // see `stage`, `code`, `message`
};
enum class FailureStage { none, transport, header, record, eligibility };

// Their names in documents (onshi.eligibility.outcome/1 "kind" and "stage").
inline constexpr support::EnumNames<OutcomeKind, 8> kOutcomeKinds{{{"valid", OutcomeKind::valid},
                                                                   {"lost", OutcomeKind::lost},
                                                                   {"lost_with_new", OutcomeKind::lost_with_new},
                                                                   {"no_data", OutcomeKind::no_data},
                                                                   {"needs_person", OutcomeKind::needs_person},
                                                                   {"withheld", OutcomeKind::withheld},
                                                                   {"in_progress", OutcomeKind::in_progress},
                                                                   {"failed", OutcomeKind::failed}}};
inline constexpr support::EnumNames<FailureStage, 5> kFailureStages{{{"none", FailureStage::none},
                                                                     {"transport", FailureStage::transport},
                                                                     {"header", FailureStage::header},
                                                                     {"record", FailureStage::record},
                                                                     {"eligibility", FailureStage::eligibility}}};
inline std::string_view to_string(OutcomeKind kind) { return kOutcomeKinds.name(kind); }
inline std::string_view to_string(FailureStage stage) { return kFailureStages.name(stage); }

// R-BLACKDOT: a field whose characters need care.
struct CharsetNote {
  std::string field;  // "Name", "Address", ...
  bool black_dot = false;
  std::vector<std::string> outside_jis_x0208;  // the characters, UTF-8
};

// A 公費 the result carries, as a claim's KO needs it (docs/eligibility-messages.md §4, §5):
// a 医療扶助 医療券 (source "medical_aid", from PublicExpenseResultList) or a 医療費助成 受給者証 the
// patient chose to use at the reader (source "medical_subsidy", PMH; its element names are inferred).
struct PublicExpense {
  std::string source;                       // medical_aid | medical_subsidy
  Text payer_number, recipient_number;      // 公費負担者番号 (8) / 受給者番号: KO as sent
  Text name;                                // 受給者証名 (medical_subsidy)
  Text valid_from, valid_until;             // YYYYMMDD
  Text treatment_month;                     // 診療年月 of a 医療券 (YYYYMM)
  Text self_pay_amount;                     // 本人支払額 of a 医療券, yen
  bool always_reimbursed = false;           // 償還払い only: never on the claim
  bool other_institution = false;           // 医療券 for another 指定医療機関 (OQSCD026 1): call the 福祉事務所
  bool operator==(const PublicExpense&) const = default;
};

// What a claim and the reception window need from one ResultOfQualificationConfirmation
// (R-FIELDS), values exactly as sent.
struct Qualification {
  Text insured_card_classification;  // 区分 code, R-KUBUN
  bool medical_assistance = false;   // 区分 A1 = 医療扶助
  bool retired_classification = false;  // 02/03/04/06: 欠番 since 2024-12-02
  Text insurer_number, insurer_name, insured_card_symbol, insured_identification_number, insured_branch_number;
  Text personal_family_classification, insured_name;
  Text name, name_kana, name_of_other, name_of_other_kana, sex1, sex2;
  Text birthdate;
  bool birthdate_unknown = false;  // 19000101 (医療扶助, R-FIELDS)
  Text address, post_number;
  Text qualification_date, disqualification_date, valid_from, valid_until;
  Text contribution_ratio;  // "010" = 1割 (後期高齢者 only)
  bool preschool = false;   // 未就学: 2割 (R-RATIO)
  Text reason_of_loss;
  Text elderly_contribution_ratio;     // 高齢受給者
  Text limit_classification_flag;      // 限度額 適用区分 (OQSCD012)
  Text public_expense_number, beneficiary_number, welfare_office_name;  // 医療扶助
  Text reference_number;  // 照会番号 (R-SHOUKAI)
  std::vector<PublicExpense> public_expenses;  // 医療券 and 公費 blocks, in the order sent
  Text pharmacists_info_consent, pharmacists_info_available_until;
  Text checkups_info_consent, checkups_info_available_until;
  std::vector<CharsetNote> charset_notes;  // R-BLACKDOT; match on kana when a name has '●'
  bool operator==(const Qualification&) const = default;
};
inline bool operator==(const CharsetNote& a, const CharsetNote& b) {
  return a.field == b.field && a.black_dot == b.black_dot && a.outside_jis_x0208 == b.outside_jis_x0208;
}

struct Outcome {
  OutcomeKind kind = OutcomeKind::failed;
  FailureStage stage = FailureStage::none;
  std::string code;     // ErrorCode / ProcessingResultCode / QualificationValidity as sent
  std::string message;  // ErrorMessage / ProcessingResultMessage (display as is), or ours
  std::string hint;     // what staff can do next
  bool retryable = false;
  std::string note;     // a normal-with-note ProcessingResultCode/Message (e.g. カード失効期限3か月前)
  std::vector<Qualification> qualifications;  // 1 for valid/lost/withheld, several for needs_person
  std::vector<std::string> withheld_fields;   // element names the insurer did not send
  bool cache_allowed = false;                 // true only when decide() found nothing withheld in any entry
  Text reference_classification;              // 1 card, 2 insurance numbers
  Text arbitrary_file_identifier;
  Text processed_at;                          // ProcessExecutionTime
};

Qualification qualification_of(const ResultOfQualificationConfirmation& r);
Outcome decide(const QualificationResponse& response);
// A transport failure (timeout, .err, unreadable file) becomes a `failed` outcome of stage transport.
Outcome decide(const Result<QualificationResponse>& response);

// Elements an insurer always registers; their absence in a result means the insurer withholds them.
const std::vector<std::string_view>& always_registered_fields();

}  // namespace onshi::eligibility
