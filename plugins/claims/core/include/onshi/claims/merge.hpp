// onshi/claims/merge.hpp: the SDK's insurance records merged into the レセコン's own monthly
// RECEIPTC.UKE. The SDK writes only the insurance part of a レセプト (RE identity, HO/KO, SN, the
// 不詳/disaster CO comments); the レセコン writes the rest. The merge replaces identifiers in the
// matching receipt and adds the comments; every other record stays byte for byte, and GO is
// recomputed from the HO/KO records actually in the file. Decisions: docs/decisions/claims.md,
// "Merging into the レセコン's RECEIPTC.UKE".
#pragma once

#include <onshi/claims/claim.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace onshi::claims {

// One record of a RECEIPTC.UKE as read: its line number (1-based), its bytes without CRLF, and its
// fields split on commas (Shift_JIS, as in the file; fields[0] is the record id).
struct UkeLine {
  size_t line = 0;
  std::string bytes;
  std::vector<std::string> fields;
  const std::string& id() const { return fields.front(); }
};

struct UkeFile {
  std::vector<UkeLine> records;  // IR first, GO last
  bool eof_marker = false;       // the 0x1A after the last CRLF (some writers leave it out)
};

// Reads a RECEIPTC.UKE: Shift_JIS (cp932, strict), CRLF after every record, IR first, GO last,
// the record ids and the fields the merge relies on checked. A pure function of the bytes: an
// error names the line and the field ("RECEIPTC.UKE line 12 field 3 (HO 被保険者証等の番号): ...").
Result<UkeFile> parse_uke(std::string_view bytes);

// The bytes of a file (each record's bytes + CRLF, then 0x1A when it had one).
std::string render(const UkeFile& file);

// One visit's claim, to merge.
struct MergeClaim {
  ClaimInput input;   // as for decide_claim; its records are what is merged
  std::string label;  // where it came from (a file name), for the report
};

struct FieldChange {
  std::string record, field, from, to;  // UTF-8
};

struct MergedReceipt {
  std::string label, chart_number, month, route;
  size_t line = 0;  // the receipt's RE line
  std::vector<FieldChange> changes;
  int comments_added = 0;
};

struct SkippedClaim {
  std::string label, chart_number, reason;
};

struct MergeResult {
  std::string file;  // the merged RECEIPTC.UKE bytes
  std::vector<MergedReceipt> merged;
  std::vector<SkippedClaim> skipped;
  long count = 0, points = 0;  // the recomputed GO 総件数 and 総合計点数
  std::vector<Warning> warnings;
};

// Merges the claims routed B, C or disaster (and those verified after an outage, R-M9) into the
// file; the others are skipped with the reason (the レセコン's own numbers stand, or there is no
// electronic claim). A claim whose receipt is not exactly one (by カルテ番号 + 診療年月), or whose
// レセプト種別, 生年月日 or 審査支払機関 differs, is refused: a person must look.
Result<MergeResult> merge_claims(std::string_view receipt_file, const std::vector<MergeClaim>& claims);

}  // namespace onshi::claims
