// The onshi.claims.input/1 and onshi.claims.result/1 documents.
#include "claims_test_util.hpp"

#include <onshi/support/base64.hpp>

#include <gtest/gtest.h>

using namespace onshi::claims;
using nlohmann::json;

TEST(ClaimJson, input_round_trips) {
  ClaimInput in = claims_test::golden_input("unknown_c_shaho");
  json once = in;
  auto again = parse_claim_input(once.dump());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(json(*again), once);
  EXPECT_EQ(once["schema"], "onshi.claims.input/1");
  EXPECT_EQ(once["statement"]["contacted_on"], "2026-11-12");
}

TEST(ClaimJson, errors_name_the_field_path) {
  auto doc = json::parse(claims_test::read_bytes(claims_test::golden("unknown_c_shaho.json")));
  auto error_for = [](const json& j) {
    auto r = parse_claim_input(j.dump());
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
  };
  json bad = doc;
  bad["patient"]["birth_date"] = "1980-02-30";
  EXPECT_NE(error_for(bad).find("onshi.claims.input/1 document: field patient.birth_date: "), std::string::npos)
      << error_for(bad);
  bad = doc;
  bad["statement"]["insurance"] = "private";
  EXPECT_NE(error_for(bad).find("statement.insurance: expected one of shaho"), std::string::npos);
  bad = doc;
  bad["billing"]["actual_days"] = 99999999999999999;
  EXPECT_NE(error_for(bad).find("billing.actual_days: must be between 0 and 31"), std::string::npos);
  bad = doc;
  bad["presented"] = 5;
  EXPECT_NE(error_for(bad).find("presented: expected an object"), std::string::npos);
  bad = doc;
  bad["schema"] = "onshi.claims.input/2";
  EXPECT_NE(error_for(bad).find("schema"), std::string::npos);
  bad = doc;
  bad.erase("visit_date");
  EXPECT_NE(error_for(bad).find("visit_date: is required"), std::string::npos);
}

TEST(ClaimJson, malformed_truncated_and_huge_input_is_refused_clearly) {
  std::string text = claims_test::read_bytes(claims_test::golden("verified_shaho.json"));
  auto truncated = parse_claim_input(text.substr(0, text.size() / 2));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(parse_claim_input("[]").ok());
  auto huge = parse_claim_input(std::string(onshi::support::kMaxDocumentBytes + 1, ' '));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("over the limit of 1048576"), std::string::npos);  // 1 MiB
}

TEST(ClaimJson, R_CLAIM_C_result_document_carries_route_ratio_records_and_uke) {
  auto r = decide_claim(claims_test::golden_input("unknown_c_shaho"));
  ASSERT_TRUE(r.ok());
  json doc = json::parse(claim_result_document(*r));
  EXPECT_EQ(doc["schema"], "onshi.claims.result/1");
  EXPECT_EQ(doc["method"]["id"], "R-M7");
  EXPECT_EQ(doc["route"]["id"], "R-CLAIM-C");
  EXPECT_EQ(doc["copay"]["ratio"], 3);
  EXPECT_EQ(doc["copay"]["rule"], "general");
  EXPECT_EQ(doc["records"][1]["id"], "HO");
  EXPECT_EQ(doc["records"][1]["fields"][0]["name"], "保険者番号");
  EXPECT_EQ(doc["records"][1]["fields"][0]["value"], "77777777");
  EXPECT_EQ(doc["uke_text"].get<std::string>().rfind("RE,1,1112,202611,", 0), 0u);
  EXPECT_EQ(doc["uke_sjis_base64"], onshi::support::base64_encode(r->uke_sjis));
  EXPECT_EQ(doc["receipt_file_base64"], onshi::support::base64_encode(r->receipt_file));
}

// The UKE bytes in the result document are RFC 4648 base64 (padded), what any EMR decodes.
TEST(ClaimJson, base64_matches_rfc4648_vectors) {
  using onshi::support::base64_encode;
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}
