#include <onshi/oqs/drug_history.hpp>

namespace onshi::oqs {
namespace {

// The three branches of the answer name the same things differently (S2 ProcessDrugInfoAsync).
struct Branch {
  std::string_view source;
  std::string_view container;  // "" when the month elements sit directly in MessageBody
  std::string_view month_inf, month, prescriber_code, prescriber_name, pharmacy_code, pharmacy_name, in_out;
  std::string_view date_infs, date_inf, date, prescribed_on, drug_infs, drug_inf;
  std::string_view item_prefix;  // "", "Cz", "Sh" in front of DrugC, DrugN, Qua1, ...
};

constexpr Branch kBranches[] = {
    {"claim", "", "MeTrMonthInf", "MeTrMonth", "MeTrDiHCd", "MeTrDiHNm", "PrlsHCd", "PrlsHNm", "InOut", "DiDateInfs",
     "DiDateInf", "DiDate", "PrDate", "DrugInfs", "DrugInf", ""},
    {"dispensing", "CzDiInf", "CzDiMonthInf", "CzDiMonth", "CzMeTrDiHCd", "CzMeTrDiHNm", "CzPrlsHCd", "CzPrlsHNm",
     "CzPrCl", "CzDiDateInfs", "CzDiDateInf", "CzDiDate", "CzPrDate", "CzDrugInfs", "CzDrugInf", "Cz"},
    {"prescription", "ShPrInf", "ShPrMonthInf", "ShPrMonth", "ShMeTrDiHCd", "ShMeTrDiHNm", "ShPrHCd", "ShPrHNm",
     "ShPrCl", "ShPrDateInfs", "ShPrDateInf", "ShPrDate", "ShPrDate", "ShDrugInfs", "ShDrugInf", "Sh"},
};

Text text_of(const Element& parent, std::string_view name) {
  const Element* e = parent.child(name);
  return e ? Text(e->text) : std::nullopt;
}

template <class Fn>
void each(const Element& parent, std::string_view name, Fn&& fn) {
  for (const Element& c : parent.children)
    if (c.name == name) fn(c);
}

void read_branch(const Branch& b, const Element& month_inf, std::vector<DrugDispensing>& out) {
  DrugDispensing common;
  common.source = b.source;
  common.month = text_of(month_inf, b.month);
  common.prescriber_code = text_of(month_inf, b.prescriber_code);
  common.prescriber_name = text_of(month_inf, b.prescriber_name);
  common.pharmacy_code = text_of(month_inf, b.pharmacy_code);
  common.pharmacy_name = text_of(month_inf, b.pharmacy_name);
  common.in_out = text_of(month_inf, b.in_out);
  const std::string p(b.item_prefix);
  each(month_inf, b.date_infs, [&](const Element& date_infs) {
    each(date_infs, b.date_inf, [&](const Element& date_inf) {
      DrugDispensing day = common;
      day.date = text_of(date_inf, b.date);
      day.prescribed_on = text_of(date_inf, b.prescribed_on);
      each(date_inf, b.drug_infs, [&](const Element& drug_infs) {
        each(drug_infs, b.drug_inf, [&](const Element& drug) {
          DrugDispensing d = day;
          d.drug_code = text_of(drug, p + "DrugC");
          d.drug_name = text_of(drug, p + "DrugN");
          d.ingredient = text_of(drug, p + "IngreN");
          d.quantity = text_of(drug, p + "Qua1");
          d.unit = text_of(drug, p + "Unit");
          d.usage = text_of(drug, p + "UsageN");
          d.days = text_of(drug, p + "Times");
          out.push_back(std::move(d));
        });
      });
    });
  });
}

}  // namespace

Result<DrugHistory> drug_history_of(const DrugInfoResponse& response) {
  const HistoryResponseHeader& h = response.header;
  Text result_code = h.ResultCode;
  Text message = h.MessageContents;
  if (!result_code)
    if (const Element* e = response.body.find("ResultCode")) result_code = e->text;
  if (!message)
    if (const Element* e = response.body.find("MessageContents")) message = e->text;
  if (result_code != "1") {
    // ResultCode 2: the system holds no drug information for this person (a fact, not a fault).
    Error e = make_error(result_code == "2" ? ONSHI_E_NOT_FOUND : ONSHI_E_PROTOCOL, "xml",
                         "薬剤情報 answer: ResultCode " + result_code.value_or("(absent)") +
                             (message ? ": " + *message : std::string()),
                         "check the patient's consent to 薬剤情報 (PharmacistsInfoConsFlg and its AvailableTime)");
    if (result_code == "2") e.native_code = 2;
    return e;
  }

  DrugHistory history;
  if (h.QuaInf) {
    history.patient_name = h.QuaInf->Name;
    history.patient_kana = h.QuaInf->KanaName;
    history.birthdate = h.QuaInf->Birth;
    history.sex = h.QuaInf->AdmGendCode;
  }
  for (const Branch& b : kBranches) {
    const Element* container = b.container.empty() ? &response.body : response.body.child(b.container);
    if (!container) continue;
    each(*container, b.month_inf, [&](const Element& m) { read_branch(b, m, history.dispensings); });
  }
  return history;
}

}  // namespace onshi::oqs
