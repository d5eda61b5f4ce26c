// The patient as the window hears them (the 4 basic items) and as the national
// system knows them (a candidate of the disaster search).
#pragma once

#include <onshi/disaster/time.hpp>

#include <optional>
#include <string>

namespace onshi::disaster {

// OQSCD007: 1 男, 2 女, 3 未設定.
enum class Sex { male = 1, female = 2, unset = 3 };

struct InsurerNumbers {
  std::string insurer_number;  // 8 chars; 6-digit 国保 numbers arrive space-padded
  std::string symbol;          // 記号 (may be empty)
  std::string number;          // 番号
  std::string branch;          // 枝番 ("01"; empty for 後期高齢者)
  bool empty() const { return insurer_number.empty() && number.empty(); }
};

// What the operator typed: 氏名 (kanji or kana, any width), 生年月日, 性別, and the
// 4th item 住所 (any part) or 保険者名称; or the insurer numbers with 生年月日.
struct PersonQuery {
  std::string name;       // kanji or kana, as heard or read
  std::string name_kana;  // optional reading when `name` is in kanji
  std::optional<Date> birthdate;
  std::optional<Sex> sex;
  std::string address;       // any part of it (市区町村, 町名 …)
  std::string insurer_name;  // 保険者名称, an alternative 4th item
  InsurerNumbers insurer;    // optional; with the birth date it identifies alone
};

// A person the national system returned for a search; identity only, never drugs.
struct PersonRecord {
  std::string candidate_id;  // the system's handle, echoed in the drug request
  std::string name;          // 氏名 (full-width; may hold ●)
  std::string name_kana;     // half-width katakana; may be blank
  std::string name_of_other;       // 通称 / 本名 (裏面)
  std::string name_of_other_kana;
  Sex sex1 = Sex::unset;
  std::optional<Sex> sex2;
  std::optional<Date> birthdate;  // 1900-01-01 = unknown (医療扶助)
  std::string address;
  std::string post_number;
  std::string insurer_name;
  InsurerNumbers insurer;
};

}  // namespace onshi::disaster
