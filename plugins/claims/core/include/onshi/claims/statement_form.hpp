// onshi/claims/statement_form.hpp: the 被保険者資格申立書 (別紙様式) as a printable,
// self-contained A4 HTML page, prefilled from what is already known (R-M7).
#pragma once

#include <onshi/claims/types.hpp>

#include <optional>
#include <string>

namespace onshi::claims {

struct StatementPrefill {
  Patient patient;                          // the card's 基本4情報, the EMR's kana and phone
  std::optional<StatementAnswers> answers;  // anything the patient already told
  std::optional<Date> today;                // the date line
  std::string clinic_name;                  // shown in the heading
};

// The era of a date for the form's 生年月日 boxes: 明治 … 令和 and the year in it.
struct EraYear {
  const char* era;
  int year;
};
EraYear japanese_era(Date d);

// Every field of the official form; the signature stays blank. All text is escaped.
std::string render_statement_form(const StatementPrefill& prefill);

}  // namespace onshi::claims
