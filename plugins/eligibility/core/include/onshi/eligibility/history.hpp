// The verification history (issue 5, R-RETAIN): what one entry holds, how long it may be kept, and
// the keys it is found by; and the registered 照会番号 (R-SHOUKAI). Pure functions, or functions
// of the RecordStore they are kept in (the plugin's is the host's store).
// Kept: when, how, the outcome, the qualification fields billing needs, the consent flags, the
// 照会番号. Never kept: the individual number (no outcome carries it), a PIN (never reaches this
// plugin), the address, or anything of an outcome whose insurer withheld data (cache_allowed false:
// only the fact of the check). docs/decisions/eligibility-bulk.md.
#pragma once

#include <onshi/eligibility/outcome.hpp>
#include <onshi/eligibility/record_store.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::eligibility {

inline constexpr std::string_view kHistoryEntrySchema = "onshi.eligibility.history-entry/1";
inline constexpr std::string_view kReferenceSchema = "onshi.eligibility.reference/1";
inline constexpr const char* kHistoryCollection = "history";
inline constexpr const char* kReferenceCollection = "references";

// R-RETAIN: a result of `at` can be looked up until the end of the month after it (JST), so it
// expires at 00:00 JST on the first day of the second month after it.
int64_t retention_end_unix_ms(int64_t at_unix_ms);
// 00:00 JST of a "YYYYMMDD" day; nullopt when it is not a date.
std::optional<int64_t> jst_day_start_unix_ms(std::string_view yyyymmdd);
// "2026-04-01T09:30:00+09:00"
std::string jst_timestamp(int64_t unix_ms);

// One key for a name however it was typed: width (ｼﾝﾘｮｳ = シンリョウ), script (しんりょう), spaces
// and ・ do not matter (ICU: NFKC, Hiragana-Katakana). Kanji names keep their characters.
std::string name_key(std::string_view name);

// How the patient was verified.
struct HistoryContext {
  std::string how;  // "insured", "card", "visual", "face", "bulk"
  int64_t at_unix_ms = 0;
  std::string patient_id;        // the EMR's id, when known (bulk rows, registered 照会番号)
  std::string reference_number;  // 照会番号, from the answer or the registration
  std::string job;               // the 一括照会 job
};

// onshi.eligibility.history-entry/1; nullopt for an answer that is no verification (in_progress).
std::optional<nlohmann::json> history_entry(const Outcome& outcome, const HistoryContext& context);
// "name:<key>", "ref:<照会番号>", "patient:<id>" for the store's exact look-ups.
std::vector<std::string> history_tags(const nlohmann::json& entry);
// The entry as a record of kHistoryCollection (numbered by the store, expiring by R-RETAIN, tagged);
// nullopt as for history_entry. A bulk batch puts these together with its results.
std::optional<StoreRecord> history_record(const Outcome& outcome, const HistoryContext& context);

// What of a qualification may be kept: the billing fields and consent flags (no address).
nlohmann::json keepable_qualification(const Qualification& q);
// An outcome document reduced to what may be stored: everything but the address for a normal
// one; only kind/stage/code for one the insurer withheld data of (cache_allowed false).
nlohmann::json keepable_outcome(const Outcome& outcome);

// ---- 照会番号 (R-SHOUKAI): kept in kReferenceCollection, keyed by the number, until registered again.
// A registered 照会番号 and what it was registered for.
struct Reference {
  std::string reference_number, patient_id;
  std::string insurer_number, symbol, number, branch, birth_date;
};
void from_json(const nlohmann::json& doc, Reference& reference);  // the fields as strings (support::read)
Result<void> save_references(RecordStore& store, const std::vector<Reference>& registered, int64_t now_unix_ms);
std::optional<Reference> find_reference(const RecordStore& store, const std::string& reference_number);
// The "patient" of an outcome, {"reference_number", "patient_id"?}, when `context` or the answer
// carries a 照会番号 (the first one found), else null; the patient id is the context's, or the one
// registered with that number. `context` gets both, for the history entry.
nlohmann::json patient_of(const RecordStore& store, const Outcome& outcome, HistoryContext& context);

}  // namespace onshi::eligibility
