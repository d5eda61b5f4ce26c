// お薬手帳 import: JAHIS 電子版お薬手帳データフォーマット (JAHISTCnn), one or several
// QR parts joined by their split-control record 911; Shift_JIS (CP932) bytes.
#pragma once

#include <onshi/disaster/drug_history.hpp>
#include <onshi/disaster/person.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace onshi::disaster {

struct JahisPatient {
  std::string name;
  std::string name_kana;
  std::optional<Sex> sex;
  std::optional<Date> birthdate;
};

struct JahisNotebook {
  std::string version;  // JAHISTC08
  JahisPatient patient;
  std::vector<DrugRecord> drugs;      // source = okusuri_techo
  std::vector<std::string> warnings;  // kept but worth a look (unknown records, RP without 用法)
};

// Each element is the raw bytes of one QR code, in any order. Errors name the
// part, the line and the record number, and say what was wrong.
Result<JahisNotebook> read_jahis(const std::vector<std::string>& parts);

}  // namespace onshi::disaster
