// The two-phase interfaces (eligibility-xml.md §2.4): 一括照会 OQSmuquc01/02 (§3.3) and 照会番号登録
// OQSsiimm01 / OQSmuimm01/02 (§3.5). Building the requests and reading the answers; the job's
// state machine is bulk_job.hpp, the decisions in docs/decisions/eligibility-bulk.md.
#pragma once

#include <onshi/eligibility/protocol.hpp>
#include <onshi/eligibility/outcome.hpp>
#include <onshi/result.hpp>
#include <onshi/support/document.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::eligibility {

// One patient of an upload; arbitrary_identifier maps the result back (§3.3).
struct BulkQuery {
  std::string arbitrary_identifier;
  std::string insurer_number;  // 8 characters, space-padded
  std::string symbol, number, branch, birth_date;
  bool limit_consent = false;
};

// OQSmuquc01req (Shift_JIS): many QualificationConfirmSearchInfo under one ArbitraryFileIdentifier.
Result<std::string> bulk_upload_request(const std::vector<BulkQuery>& queries, std::string_view medical_institution_code,
                                        std::chrono::year_month_day today, std::string_view file_identifier);
// OQSmuquc02req / OQSmuimm02req: the download of `reception_number`. With reception_number empty it
// is our profile's look-up "which reception did the upload `file_identifier` get?" (crash recovery,
// docs/decisions/eligibility-bulk.md); a terminal that does not know it answers with an error.
Result<std::string> bulk_download_request(std::string_view medical_institution_code, std::string_view reception_number,
                                          std::string_view file_identifier);

// What an 01res (or the look-up's 02res) says about an upload.
struct BulkReceipt {
  enum class State { accepted, not_received, refused } state = State::refused;
  std::string reception_number;  // accepted
  std::string code, message;     // refused / not_received: the terminal's words
};
// The look-up's answer that proves the central system never received the upload (our profile).
inline constexpr std::string_view kNotReceivedCode = "E1002";
BulkReceipt bulk_receipt_of(const XmlMsg& answer);

// What one 02res says.
struct BulkDownload {
  enum class State { done, processing, failed } state = State::failed;
  struct Unit {
    std::string arbitrary_identifier;  // echoed from the request
    Outcome outcome;                   // decide() of the unit, as for a single 資格確認
  };
  std::vector<Unit> units;
  std::string code, message;  // failed
};
BulkDownload bulk_download_of(const XmlMsg& answer);
// The same from the typed view (parse_message<BulkResult>), which it consumes.
BulkDownload bulk_download_of(BulkResult answer);

// ---- 照会番号登録 ---------------------------------------------------------------------
struct ReferenceRegistration {
  std::string reference_number;  // ≤ 50 characters: the clinic's own patient number (R-SHOUKAI)
  std::string insurer_number, symbol, number, branch;
};
// OQSsiimm01req for one, OQSmuimm01req for several (the same layout, one info per patient).
Result<std::string> registration_request(const std::vector<ReferenceRegistration>& registrations,
                                         std::string_view medical_institution_code, std::string_view file_identifier);

struct RegistrationResult {
  std::string reference_number;
  bool registered = false;
  std::string code, message;
};
// OQSsiimm01res, or OQSmuimm02res (BulkRegistrationUnit per patient; its layout is a guess, §3.5, so
// any unit holding ReferenceNumberRegistrationInfo + ProcessingResultStatus is read). `state` as for
// a download: processing while SegmentOfResult is 2.
struct RegistrationAnswer {
  BulkDownload::State state = BulkDownload::State::failed;
  std::vector<RegistrationResult> results;
  std::string code, message;
};
RegistrationAnswer registration_answer_of(const XmlMsg& answer);

// ---- queries selected by a window, not by patients (docs/eligibility-messages.md §2, §3) -----
// 居宅同意取得型 re-queries: everyone who consented (or was examined) in the window for 訪問診療等
// (OQSmuhvq) or オンライン診療等 (OQSmuonq); 医療扶助: everyone whose 医療券 for the 診療年月 names
// this clinic (OQSmutic). Two-phase like 一括照会; the 02res units are read by bulk_download_of.
enum class WindowKind { home_visit, online, medical_aid };
inline constexpr support::EnumNames<WindowKind, 3> kWindowKinds{
    {{"home_visit", WindowKind::home_visit}, {"online", WindowKind::online}, {"medical_aid", WindowKind::medical_aid}}};

struct WindowQuery {
  WindowKind kind = WindowKind::home_visit;
  std::string from, to;         // YYYYMMDD, both included: 同意日, or 受診日 when by_examination
  bool by_examination = false;  // オンライン診療等 only
  std::string month;            // YYYYMM: 診療年月 (medical_aid only)
};
// onshi.eligibility.window-query/1 {"kind", "from", "to", "by"?: "consent" | "examination", "month"}:
// a field that cannot be used is named (support::FieldError).
void from_json(const nlohmann::json& doc, WindowQuery& query);
void to_json(nlohmann::json& doc, const WindowQuery& query);

// The interface prefixes of a kind: upload (…01) and download (…02).
std::pair<std::string_view, std::string_view> window_prefixes(WindowKind kind);
// OQSmuhvq01req / OQSmuonq01req / OQSmutic01req (Shift_JIS): one QualificationConfirmSearchInfo holding
// the window (and 診療区分 2 or 3 for the 居宅 kinds).
Result<std::string> window_request(const WindowQuery& query, std::string_view medical_institution_code,
                                   std::string_view file_identifier);

}  // namespace onshi::eligibility
