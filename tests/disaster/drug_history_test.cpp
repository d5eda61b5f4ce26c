// Drug history as a doctor reads it (R-DISASTER): newest first, one line per drug,
// the same dispensing from several sources merged, each source visible.
#include "support.hpp"

#include <onshi/disaster/jahis.hpp>

namespace onshi::disaster::test {
namespace {

// The national answer (YZKsiquc01res shape) as libs/oqs reads it.
oqs::DrugHistory national_history() {
  oqs::DrugDispensing amlodipine;
  amlodipine.source = "dispensing";
  amlodipine.date = "20240105";
  amlodipine.drug_name = "アムロジピン錠5mg「サワイ」";
  amlodipine.drug_code = "622083501";
  amlodipine.quantity = "1";
  amlodipine.unit = "錠";
  amlodipine.usage = "1日1回朝食後";
  amlodipine.days = "28";
  amlodipine.prescriber_name = "輪島中央クリニック";
  amlodipine.pharmacy_name = "さくら薬局輪島店";
  oqs::DrugDispensing warfarin;
  warfarin.source = "claim";
  warfarin.date = "20231102";
  warfarin.drug_name = "ワルファリンK錠1mg";
  warfarin.drug_code = "3332001F1015";
  warfarin.quantity = "2";
  warfarin.unit = "錠";
  oqs::DrugDispensing undated;
  undated.drug_name = "ビソプロロールフマル酸塩錠2.5mg";
  oqs::DrugHistory history;
  history.dispensings = {amlodipine, warfarin, undated};
  return history;
}

class History : public ::testing::Test {
 protected:
  NameMatcher m = NameMatcher::create().value();
};

TEST_F(History, R_DISASTER_national_answer_is_read_tolerantly) {
  auto records = national_drugs(national_history());
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].code_kind, DrugCodeKind::receipt);
  EXPECT_EQ((*records)[0].days, 28);
  EXPECT_EQ((*records)[1].code_kind, DrugCodeKind::yj);
  EXPECT_FALSE((*records)[2].dispensed_on.has_value());
  for (const auto& r : *records) EXPECT_EQ(r.source, DrugSource::national_system);

  EXPECT_EQ((*records)[0].dose, "1錠");
  EXPECT_EQ((*records)[0].prescriber, "輪島中央クリニック");
  EXPECT_EQ((*records)[0].pharmacy, "さくら薬局輪島店");

  auto history = national_history();
  history.dispensings[1].date = "20231302";
  auto bad = national_drugs(history);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("entry 2"), std::string::npos) << bad.error().message;
  history = national_history();
  history.dispensings[0].days = "28日";
  bad = national_drugs(history);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("entry 1"), std::string::npos) << bad.error().message;
}

TEST_F(History, R_DISASTER_same_dispensing_from_two_sources_is_one_line_showing_both) {
  auto national = national_drugs(national_history()).value();
  std::vector<std::string> parts{fixture("techo-single.txt")};
  auto techo = read_jahis(parts).value();
  std::vector<DrugRecord> all = national;
  all.insert(all.end(), techo.drugs.begin(), techo.drugs.end());

  DrugHistoryView view = merge_history(m, all);
  // 3 national + 4 notebook, of which the 2024-01-05 amlodipine is in both.
  ASSERT_EQ(view.lines.size(), 6u);
  const DrugLine& first = view.lines[0];
  EXPECT_EQ(first.record.dispensed_on, day("2024-01-05"));
  EXPECT_EQ(first.record.drug_name, "アムロジピン錠5mg「サワイ」");
  EXPECT_EQ(first.sources, (std::vector<DrugSource>{DrugSource::national_system, DrugSource::okusuri_techo}));
  EXPECT_EQ(first.record.days, 28);                        // what the national record carried
  EXPECT_EQ(first.record.pharmacy, "さくら薬局輪島店");

  // Newest first, the undated line last.
  for (size_t i = 1; i + 1 < view.lines.size(); ++i)
    EXPECT_GE(*view.lines[i - 1].record.dispensed_on, *view.lines[i].record.dispensed_on);
  EXPECT_FALSE(view.lines.back().record.dispensed_on.has_value());
}

TEST_F(History, R_DISASTER_a_second_record_fills_what_the_first_lacked) {
  DrugRecord national;
  national.dispensed_on = day("2024-01-05");
  national.drug_name = "ワルファリンK錠1mg";
  DrugRecord techo = national;
  techo.source = DrugSource::okusuri_techo;
  techo.drug_name = "ワルファリンＫ錠１ｍｇ";
  techo.usage = "1日1回夕食後";
  techo.prescriber = "輪島中央クリニック";
  DrugRecord other_day = techo;
  other_day.dispensed_on = day("2024-02-05");
  auto view = merge_history(m, {national, techo, other_day});
  ASSERT_EQ(view.lines.size(), 2u);
  EXPECT_EQ(view.lines[1].record.usage, "1日1回夕食後");
  EXPECT_EQ(view.lines[1].record.drug_name, "ワルファリンK錠1mg");  // what the first source said stays
  EXPECT_EQ(view.lines[0].sources, std::vector<DrugSource>{DrugSource::okusuri_techo});
}

TEST_F(History, R_DISASTER_view_json_lists_sources_per_line) {
  auto national = national_drugs(national_history()).value();
  nlohmann::json j = merge_history(m, national);
  EXPECT_EQ(j["schema"], "onshi.disaster.drug-history-view/1");
  ASSERT_EQ(j["lines"].size(), 3u);
  EXPECT_EQ(j["lines"][0]["sources"], nlohmann::json::array({"national_system"}));
  EXPECT_EQ(j["lines"][0]["dispensed_on"], "2024-01-05");
  EXPECT_EQ(j["lines"][0]["code_kind"], "receipt");
  EXPECT_TRUE(j["lines"][2]["dispensed_on"].is_null());
}

}  // namespace
}  // namespace onshi::disaster::test
