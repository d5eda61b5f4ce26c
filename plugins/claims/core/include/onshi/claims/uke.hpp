// onshi/claims/uke.hpp: レセプト電算 (UKE) records and their Shift_JIS text.
// Records keep their fields by name so the result document can show them; the
// encoder turns them into CSV lines (no quotes, CRLF after every record).
#pragma once

#include <onshi/claims/types.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace onshi::claims {

struct Field {
  std::string name;   // the 記録条件仕様 item, e.g. 保険者番号
  std::string value;  // UTF-8, already in the field's mode (半角 / 全角)
};

struct Record {
  std::string id;  // IR, RE, HO, KO, SN, CO, GO
  std::vector<Field> fields;
};

// Full-width text for 漢字-mode fields: ASCII and half-width kana become full-width,
// a few Unicode look-alikes become their JIS X 0208 forms (〜→～, −→－, —→―);
// with `katakana` hiragana become katakana too (カタカナ氏名).
std::string to_kanji_mode(std::string_view utf8, bool katakana = false);

// UTF-8 → Shift_JIS limited to JIS X 0201 and JIS X 0208 levels 1/2 (the UKE
// character set). `●` passes as is (R-BLACKDOT); anything else without a code is
// an error naming `what` and the character.
Result<std::string> encode_shift_jis(std::string_view utf8, std::string_view what);

// "HO,01130012,…" in UTF-8, without line end.
std::string record_line(const Record& record);

// The records as Shift_JIS lines, each ending in CRLF.
Result<std::string> render_uke(const std::vector<Record>& records);

// A whole single-volume RECEIPTC.UKE: IR, the receipts' records, GO, then 0x1A.
// `payer_office` is the IR 審査支払機関 (1 支払基金, 2 国保連).
Result<std::string> render_receipt_file(const Clinic& clinic, int payer_office, Date claim_month,
                                        const std::vector<Record>& receipts, int receipt_count,
                                        long total_points);

}  // namespace onshi::claims
