#include <onshi/oqs/codes.hpp>

#include <array>
#include <utility>

namespace onshi::oqs {
namespace {

using Entry = std::pair<std::string_view, std::string_view>;

struct Table {
  CodeTable table;
  std::string_view id;
  std::initializer_list<Entry> entries;
};

// Values from eligibility-xml.md §3-§4; 区分 labels as shown since 2024-12-02 (R-KUBUN).
const Table kTables[] = {
    {CodeTable::limit_consent, "OQSCD001", {{"0", "未同意"}, {"1", "同意"}}},
    {CodeTable::reference_classification, "OQSCD002", {{"1", "マイナンバーカード"}, {"2", "被保険者証情報"}}},
    {CodeTable::segment_of_result, "OQSCD003", {{"1", "正常終了"}, {"2", "処理中"}, {"9", "異常終了"}}},
    {CodeTable::processing_result_status, "OQSCD004", {{"1", "正常終了"}, {"2", "エラー"}}},
    {CodeTable::character_code, "OQSCD005", {{"0", "UTF-8"}, {"1", "Shift_JIS"}}},
    {CodeTable::qualification_validity,
     "OQSCD006",
     {{"1", "有効"}, {"2", "無効"}, {"3", "無効（新しい資格あり）"}, {"4", "該当資格なし"}, {"5", "複数該当"},
      {"6", "有効（未登録）"}}},
    {CodeTable::sex, "OQSCD007", {{"1", "男"}, {"2", "女"}, {"3", "未設定"}}},
    {CodeTable::personal_family, "OQSCD009", {{"1", "本人"}, {"2", "家族"}}},
    {CodeTable::insured_card_classification,
     "OQSCD010",
     {{"01", "一般"},
      {"02", "被保険者証（退職）【欠番】"},
      {"03", "短期被保険者証（一般）【欠番】"},
      {"04", "短期被保険者証（退職）【欠番】"},
      {"05", "特別療養費支給対象者"},
      {"06", "特例退職被保険者証【欠番】"},
      {"07", "自衛官"},
      {"A1", "医療扶助"}}},
    {CodeTable::limit_certificate_class,
     "OQSCD011",
     {{"01", "限度額適用認定証"}, {"02", "限度額適用・標準負担額減額認定証"}, {"03", "標準負担額減額認定証"}}},
    {CodeTable::limit_certificate_flag,
     "OQSCD012",
     {{"A01", "ア"},
      {"A02", "イ"},
      {"A03", "ウ"},
      {"A04", "エ"},
      {"A05", "オ"},
      {"A06", "オ（境）"},
      {"B01", "現役並みⅢ"},
      {"B02", "現役並みⅡ"},
      {"B03", "現役並みⅠ"},
      {"B04", "一般"},
      {"B05", "低所得Ⅱ"},
      {"B06", "低所得Ⅰ"},
      {"B07", "低所得Ⅰ（老福）"},
      {"B08", "低所得Ⅰ（境）"},
      {"B09", "一般Ⅱ"},
      {"B10", "一般Ⅰ"}}},
    {CodeTable::specific_disease_category,
     "OQSCD013",
     {{"1", "人工透析を要する慢性腎不全"}, {"2", "先天性血液凝固因子障害"}, {"3", "血液凝固因子製剤起因HIV"}}},
    {CodeTable::reason_of_loss,
     "ReasonOfLoss",
     {{"01", "死亡"}, {"02", "生活保護受給開始"}, {"03", "医療保険等の資格取得"}, {"99", "その他"}}},
    {CodeTable::prescription_issue_select, "PrescriptionIssueSelect", {{"1", "電子処方箋"}, {"2", "紙の処方箋"}}},
    {CodeTable::specific_diseases_consent,
     "SpecificDiseasesCertificateRelatedConsFlg",
     {{"0", "同意なし"}, {"1", "同意あり"}, {"2", "同意有効期限切れ"}}},
    {CodeTable::preschool, "PreschoolClassification", {{"1", "未就学"}}},
    {CodeTable::consent_flag, "ConsFlg", {{"0", "同意なし"}, {"1", "同意あり"}}},
};

const Table* find(CodeTable t) {
  for (const auto& table : kTables)
    if (table.table == t) return &table;
  return nullptr;
}

}  // namespace

std::string_view code_table_id(CodeTable table) {
  const Table* t = find(table);
  return t ? t->id : std::string_view{};
}

std::optional<std::string_view> code_label(CodeTable table, std::string_view code) {
  if (const Table* t = find(table))
    for (const auto& [value, label] : t->entries)
      if (value == code) return label;
  return std::nullopt;
}

bool code_retired(CodeTable table, std::string_view code) {
  return table == CodeTable::insured_card_classification &&
         (code == "02" || code == "03" || code == "04" || code == "06");
}

}  // namespace onshi::oqs
