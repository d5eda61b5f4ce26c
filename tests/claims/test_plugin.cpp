// The claims plugin as an EMR reaches it: loaded by the SDK, "onshi.claims/1" called
// through its C table with documents (docs/decisions/claims.md, "Plugin documents").
#include "claims_cases.hpp"
#include "claims_test_util.hpp"

#include <onshi/abi/onshi_ext_claims.h>
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/claims/numbers.hpp>
#include <onshi/host.hpp>
#include <onshi/support/base64.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <thread>

namespace {

using nlohmann::json;
using Function = onshi_document_fn onshi_claims_v1::*;

struct Reply {
  onshi_status status = ONSHI_E_INTERNAL;
  std::string out;
  onshi_error err = onshi::empty_error();
  json doc() const { return json::parse(out); }
};

class ClaimsPlugin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    onshi::SdkOptions o;
    o.host_name = "claims-plugin-test";
    o.plugin_dirs = {ONSHI_PLUGIN_BUILD_DIR};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.claims"};
    auto sdk = onshi::Sdk::open(o);
    ASSERT_TRUE(sdk.ok()) << sdk.error().message;
    sdk_ = std::make_unique<onshi::Sdk>(std::move(sdk).value());
  }
  static void TearDownTestSuite() { sdk_.reset(); }

  static onshi::Extension<onshi_claims_v1> claims() {
    auto ext = sdk_->extension<onshi_claims_v1>(ONSHI_EXT_CLAIMS, "onshi.claims");
    EXPECT_TRUE(ext.ok()) << ext.error().message;
    return ext.ok() ? *ext : onshi::Extension<onshi_claims_v1>{};
  }

 public:
  static Reply call(Function function, const std::string& in,
                    onshi_status (*write)(void*, const uint8_t*, uint64_t) = &append) {
    auto ext = claims();
    Reply r;
    if (!ext.vtable) return r;
    const onshi_writer writer{&r.out, write};
    r.status = (ext.vtable->*function)(ext.instance, onshi::bytes_of(in),
                                       &writer, &r.err);
    return r;
  }
  static Reply call(Function function, const json& in) { return call(function, in.dump()); }

  static onshi_status ONSHI_ABI append(void* ctx, const uint8_t* data, uint64_t size) {
    static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(data), size);
    return ONSHI_OK;
  }

  static inline std::unique_ptr<onshi::Sdk> sdk_;
};

json copay_request(const char* birth, const char* on) {
  return {{"schema", "onshi.claims.copay-request/1"}, {"birth_date", birth}, {"on", on}};
}

json with(json document, const char* key, json value) {
  document[key] = std::move(value);
  return document;
}

json number_request(const char* kind, const std::string& number) {
  return {{"schema", "onshi.claims.number-request/1"}, {"kind", kind}, {"number", number}};
}

// n verifications on `date`, `cards` of them with the My Number card.
void add_checks(json& list, const char* date, int n, int cards) {
  for (int i = 0; i < n; ++i) list.push_back({{"date", date}, {"my_number_card", i < cards}});
}

json usage_request(const char* month, json verifications) {
  return {{"schema", "onshi.claims.usage-request/1"}, {"month", month}, {"verifications", std::move(verifications)}};
}

// ---- loading and diagnostics ---------------------------------------------------------

TEST_F(ClaimsPlugin, LoadsAndProvidesClaimsAndDiagnostics) {
  auto info = sdk_->plugin("onshi.claims");
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->loaded()) << info->stage << ": " << info->message;
  EXPECT_EQ(info->provides,
            (std::vector<std::string>{"onshi.claims/1", "onshi.diagnostics/1", "onshi.documents/1"}));
  EXPECT_EQ(claims().vtable->struct_size, sizeof(onshi_claims_v1));
}

TEST_F(ClaimsPlugin, SelfTestPassesAndReadsTheHostClock) {
  const int64_t pinned = 1'795'000'000'000;  // the host clock, not the system's
  sdk_->set_time_ms(pinned);
  auto ext = sdk_->extension<onshi_diagnostics_v1>(ONSHI_EXT_DIAGNOSTICS, "onshi.claims");
  ASSERT_TRUE(ext.ok());
  std::string text;
  const onshi_writer writer{&text, &ClaimsPlugin::append};
  onshi_error err = onshi::empty_error();
  ASSERT_EQ(ext->vtable->self_test(ext->instance, &writer, &err), ONSHI_OK) << err.message;
  sdk_->set_time_ms(0);
  json report = json::parse(text);
  EXPECT_EQ(report["ok"], true) << text;
  EXPECT_EQ(report["now_unix_ms"], pinned);
  for (const auto& check : report["checks"]) EXPECT_EQ(check["ok"], true) << check.dump();
}

// ---- decide ---------------------------------------------------------------------------

TEST_F(ClaimsPlugin, DecideWritesTheGoldenReceiptFileForEveryGoldenInput) {
  for (const auto& entry : std::filesystem::directory_iterator(CLAIMS_GOLDEN_DIR)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    auto r = call(&onshi_claims_v1::decide, claims_test::read_bytes(entry.path()));
    ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
    json result = r.doc();
    EXPECT_EQ(result["schema"], "onshi.claims.result/1");
    auto expected = entry.path();
    expected.replace_extension(".UKE");
    EXPECT_EQ(onshi::support::base64_decode(result.value("receipt_file_base64", "")),
              claims_test::read_bytes(expected));
  }
}

TEST_F(ClaimsPlugin, R_CLAIM_C_UnknownKoukiPatientGetsTheUnknownClaim) {
  auto r = call(&onshi_claims_v1::decide, claims_test::read_bytes(claims_test::golden("unknown_c_kouki.json")));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  json result = r.doc();
  EXPECT_EQ(result["route"]["id"], "R-CLAIM-C");
  EXPECT_EQ(result["method"]["id"], "R-M7");
  EXPECT_EQ(result["records"][1]["id"], "HO");
  EXPECT_EQ(result["records"][1]["fields"][0]["value"], "77777779");
}

TEST_F(ClaimsPlugin, DecideRefusesBadInputNamingTheField) {
  json input = json::parse(claims_test::read_bytes(claims_test::golden("verified_shaho.json")));
  input["patient"]["birth_date"] = "1980-13-01";
  auto r = call(&onshi_claims_v1::decide, input);
  EXPECT_EQ(r.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(r.err.message).find("patient.birth_date"), std::string::npos) << r.err.message;
  EXPECT_NE(std::string(r.err.hint), "");
  EXPECT_TRUE(r.out.empty());

  EXPECT_EQ(call(&onshi_claims_v1::decide, std::string("{\"schema\": ")).status, ONSHI_E_INVALID_ARGUMENT);
}

TEST_F(ClaimsPlugin, DecideFromManyThreadsAtOnceGivesTheSameResult) {  // the manifest says thread_safety "full"
  const std::string input = claims_test::read_bytes(claims_test::golden("unknown_c_shaho.json"));
  const std::string expected = call(&onshi_claims_v1::decide, input).out;
  ASSERT_FALSE(expected.empty());
  std::vector<std::string> results(8);
  std::vector<std::thread> threads;
  for (auto& result : results)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) result = call(&onshi_claims_v1::decide, input).out;
    });
  for (auto& t : threads) t.join();
  for (const auto& result : results) EXPECT_EQ(result, expected);
}

// ---- sizes and the writer, the same for every function ---------------------------------

TEST_F(ClaimsPlugin, EveryFunctionRefusesDocumentsOver1MiB) {
  const std::string huge = "{\"schema\": \"x\", \"pad\": \"" + std::string(1 << 20, 'a') + "\"}";
  for (Function f : {&onshi_claims_v1::decide, &onshi_claims_v1::copay, &onshi_claims_v1::check_number,
                     &onshi_claims_v1::statement_form, &onshi_claims_v1::usage_rate}) {
    auto r = call(f, huge);
    EXPECT_EQ(r.status, ONSHI_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(r.err.message).find("over the limit of 1048576"), std::string::npos) << r.err.message;
  }
}

TEST_F(ClaimsPlugin, EveryFunctionNamesTheSchemaItExpects) {
  const std::pair<Function, const char*> cases[] = {
      {&onshi_claims_v1::decide, "onshi.claims.input/1"},
      {&onshi_claims_v1::copay, "onshi.claims.copay-request/1"},
      {&onshi_claims_v1::check_number, "onshi.claims.number-request/1"},
      {&onshi_claims_v1::statement_form, "onshi.claims.statement-prefill/1"},
      {&onshi_claims_v1::usage_rate, "onshi.claims.usage-request/1"},
      {&onshi_claims_v1::merge, "onshi.claims.merge-request/1"},
  };
  for (const auto& [f, schema] : cases) {
    auto r = call(f, json{{"schema", "onshi.claims.something-else/1"}});
    EXPECT_EQ(r.status, ONSHI_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(r.err.hint).find(schema), std::string::npos) << r.err.hint;
  }
}

TEST_F(ClaimsPlugin, AWriterThatRefusesStopsTheCallWithItsStatus) {
  auto refuse = [](void*, const uint8_t*, uint64_t) -> onshi_status { return ONSHI_E_CANCELLED; };
  auto r = call(&onshi_claims_v1::check_number, number_request("insurer", "39270004").dump(), refuse);
  EXPECT_EQ(r.status, ONSHI_E_CANCELLED);
}

// ---- copay ------------------------------------------------------------------------------

TEST_F(ClaimsPlugin, R_RATIO_KoukiStartsOnThe75thBirthday) {
  json before = with(copay_request("1950-04-02", "2025-04-01"), "card_ratio", 2);
  json on_birthday = with(copay_request("1950-04-02", "2025-04-02"), "card_ratio", 1);

  auto r = call(&onshi_claims_v1::copay, before);
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  EXPECT_EQ(r.doc()["schema"], "onshi.claims.copay/1");
  EXPECT_EQ(r.doc()["band"], "elderly_70_74");
  EXPECT_EQ(r.doc()["rule"], "elderly_card");
  EXPECT_EQ(r.doc()["ratio"], 2);
  EXPECT_EQ(r.doc()["boundaries"]["kouki_first_day"], "2025-04-02");

  r = call(&onshi_claims_v1::copay, on_birthday);
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  EXPECT_EQ(r.doc()["band"], "kouki");
  EXPECT_EQ(r.doc()["rule"], "kouki_card");
  EXPECT_EQ(r.doc()["ratio"], 1);
}

TEST_F(ClaimsPlugin, R_RATIO_PreschoolAndWorkingAge) {
  auto r = call(&onshi_claims_v1::copay, copay_request("2021-06-15", "2026-11-10"));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  EXPECT_EQ(r.doc()["ratio"], 2);
  EXPECT_EQ(r.doc()["rule"], "preschool");
  r = call(&onshi_claims_v1::copay, copay_request("1990-06-15", "2026-11-10"));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  EXPECT_EQ(r.doc()["ratio"], 3);
  EXPECT_EQ(r.doc()["band"], "working_age");
}

TEST_F(ClaimsPlugin, R_RATIO_StatementMarkedUnknownWarns) {
  auto r = call(&onshi_claims_v1::copay, with(copay_request("1945-06-01", "2026-11-10"), "statement", true));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  EXPECT_EQ(r.doc()["ratio"], 1);
  ASSERT_EQ(r.doc()["warnings"].size(), 1u);
  EXPECT_EQ(r.doc()["warnings"][0]["rule"], "R-RATIO");
}

TEST_F(ClaimsPlugin, CopayErrorsNameTheField) {
  const std::pair<json, const char*> cases[] = {
      {copay_request("1945-06-01", "2026-11-10"), "card_ratio"},  // 後期 with nothing to take the ratio from
      {with(copay_request("1990-01-01", "2026-11-10"), "payer", "nhs"), "payer"},
      {copay_request("1990-01-01", "2026-02-30"), "on"},
      {json{{"schema", "onshi.claims.copay-request/1"}, {"on", "2026-11-10"}}, "birth_date"},
      {with(copay_request("1990-01-01", "2026-11-10"), "card_ratio", "3"), "card_ratio"},
  };
  for (const auto& [request, field] : cases) {
    SCOPED_TRACE(request.dump());
    auto r = call(&onshi_claims_v1::copay, request);
    EXPECT_EQ(r.status, ONSHI_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(r.err.message).find(field), std::string::npos) << r.err.message;
  }
}

// ---- check_number -------------------------------------------------------------------------

TEST_F(ClaimsPlugin, R_ACCURACY_EveryKoukiUnionNumberIsValidAndTellsItsPrefecture) {
  for (const std::string& number : onshi::claims::kouki_union_numbers()) {
    SCOPED_TRACE(number);
    auto r = call(&onshi_claims_v1::check_number, number_request("insurer", number));
    ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
    json check = r.doc();
    EXPECT_EQ(check["schema"], "onshi.claims.number-check/1");
    EXPECT_EQ(check["valid"], true);
    EXPECT_EQ(check["houbetsu"], "39");
    EXPECT_EQ(check["prefecture"], number.substr(2, 2));
    EXPECT_EQ(check["payer"], "kouki");
  }
}

TEST_F(ClaimsPlugin, R_ACCURACY_AWrongCheckDigitIsAnAnswerNotAnError) {
  std::string number = onshi::claims::kouki_union_numbers()[26];
  number.back() = char('0' + (number.back() - '0' + 1) % 10);
  auto r = call(&onshi_claims_v1::check_number, number_request("insurer", number));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  json check = r.doc();
  EXPECT_EQ(check["valid"], false);
  EXPECT_EQ(check["number"], number);
  EXPECT_NE(check["message"].get<std::string>().find("digit 8"), std::string::npos) << check["message"];
  EXPECT_FALSE(check["hint"].get<std::string>().empty());
  EXPECT_FALSE(check.contains("houbetsu"));
}

TEST_F(ClaimsPlugin, R_ACCURACY_SixDigitKokuhoAndOtherKinds) {
  auto kokuho = call(&onshi_claims_v1::check_number, number_request("insurer", "138057")).doc();
  EXPECT_EQ(kokuho["valid"], true) << kokuho["message"];
  EXPECT_EQ(kokuho["payer"], "kokuho");
  EXPECT_TRUE(kokuho["houbetsu"].is_null());

  // 生活保護 (法別 12) is a payer by itself; a local (8x) number passes a wrong digit with a warning.
  std::string aid = "1213101";
  aid += char('0' + onshi::claims::check_digit(aid));
  auto medical_aid = call(&onshi_claims_v1::check_number, number_request("public-expense", aid)).doc();
  EXPECT_EQ(medical_aid["valid"], true) << medical_aid["message"];
  EXPECT_EQ(medical_aid["payer"], "medical_aid");
  std::string local = "8013101";
  local += char('0' + (onshi::claims::check_digit(local) + 1) % 10);
  auto local_check = call(&onshi_claims_v1::check_number, number_request("public-expense", local)).doc();
  EXPECT_EQ(local_check["valid"], true);
  EXPECT_EQ(local_check["warnings"].size(), 1u);

  std::string recipient = "123456";
  auto good = call(&onshi_claims_v1::check_number,
                   number_request("recipient", recipient + char('0' + onshi::claims::check_digit(recipient))));
  EXPECT_EQ(good.doc()["valid"], true);
  auto short_one = call(&onshi_claims_v1::check_number, number_request("recipient", recipient)).doc();
  EXPECT_EQ(short_one["valid"], false);
  EXPECT_NE(short_one["message"].get<std::string>().find("7 digits"), std::string::npos);
}

TEST_F(ClaimsPlugin, CheckNumberRefusesAnUnknownKindOrANumberThatIsNotText) {
  auto r = call(&onshi_claims_v1::check_number, number_request("passport", "123"));
  EXPECT_EQ(r.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(r.err.message).find("field kind"), std::string::npos) << r.err.message;
  r = call(&onshi_claims_v1::check_number, json{{"schema", "onshi.claims.number-request/1"}, {"number", 39270004}});
  EXPECT_EQ(r.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(r.err.message).find("field number"), std::string::npos) << r.err.message;
}

// R-NOMYNUM: however the 12 digits are typed, they are refused and never echoed back.
TEST_F(ClaimsPlugin, R_NOMYNUM_TwelveDigitsHoweverTypedAreRefusedAndNotEchoed) {
  for (const std::string typed : {"123456789012", "1234 5678 9012", "1234-5678-9012",
                                  "\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12"}) {
    SCOPED_TRACE(typed);
    auto r = call(&onshi_claims_v1::check_number, number_request("insurer", typed));
    ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
    EXPECT_EQ(r.doc()["valid"], false);
    EXPECT_TRUE(r.doc()["number"].is_null());
    for (const std::string leak : {typed, std::string("123456789012"), std::string("5678")})
      EXPECT_EQ(r.out.find(leak), std::string::npos) << "echoed: " << r.out;
  }
  // Full-width digits of a real 8-digit insurer number are that number, folded.
  std::string insurer = "3913001";
  insurer += char('0' + onshi::claims::check_digit(insurer));
  std::string wide;
  for (char c : insurer) wide += std::string("\xEF\xBC") + char(0x90 + (c - '0'));
  auto folded = call(&onshi_claims_v1::check_number, number_request("insurer", wide)).doc();
  EXPECT_EQ(folded["valid"], true) << folded.dump();
  EXPECT_EQ(folded["number"], insurer);
}

// onshi.documents/1: every claims function by name, as `onshi serve` offers it, with the same answer.
TEST_F(ClaimsPlugin, EveryFunctionIsOfferedByNameWithTheSameAnswer) {
  auto docs = sdk_->extension<onshi_documents_v1>(ONSHI_EXT_DOCUMENTS, "onshi.claims");
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  std::string listed;
  const onshi_writer list_writer{&listed, &ClaimsPlugin::append};
  onshi_error err = onshi::empty_error();
  ASSERT_EQ(docs->vtable->list(docs->instance, &list_writer, &err), ONSHI_OK) << err.message;
  const json list = json::parse(listed);
  EXPECT_EQ(list["schema"], ONSHI_SCHEMA_DOCUMENTS_LIST);
  std::vector<std::string> names;
  for (const auto& f : list["functions"]) {
    EXPECT_EQ(f["extension"], ONSHI_EXT_CLAIMS);
    EXPECT_EQ(f["async"], false);
    names.push_back(f["name"]);
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"decide", "copay", "check_number", "statement_form", "usage_rate", "merge"}));

  const std::string request = copay_request("2022-01-01", "2025-04-01").dump();
  std::string by_name;
  const onshi_writer writer{&by_name, &ClaimsPlugin::append};
  ASSERT_EQ(docs->vtable->call(docs->instance, ONSHI_EXT_CLAIMS, "copay", onshi::bytes_of(request), &writer, &err),
            ONSHI_OK)
      << err.message;
  EXPECT_EQ(by_name, call(&onshi_claims_v1::copay, request).out);

  err = onshi::empty_error();
  EXPECT_EQ(docs->vtable->call(docs->instance, ONSHI_EXT_CLAIMS, "refund", onshi::bytes_of(request), &writer, &err),
            ONSHI_E_NOT_FOUND);
  EXPECT_NE(std::string(err.message).find("refund"), std::string::npos) << err.message;
  EXPECT_NE(std::string(err.hint).find("list"), std::string::npos) << err.hint;
  uint64_t op = 0;
  err = onshi::empty_error();
  EXPECT_EQ(docs->vtable->call_async(docs->instance, ONSHI_EXT_CLAIMS, "copay", onshi::bytes_of(request), nullptr,
                                     nullptr, &op, &err),
            ONSHI_E_NOT_FOUND)
      << "copay is synchronous";
  EXPECT_EQ(docs->vtable->cancel(docs->instance, 12345), ONSHI_E_NOT_FOUND);
}

// ---- statement_form ---------------------------------------------------------------------

TEST_F(ClaimsPlugin, StatementFormEscapesThePatientAndPrintsTheDate) {
  json prefill = {{"schema", "onshi.claims.statement-prefill/1"},
                  {"patient", {{"name", "山田 <script>太郎"}, {"birth_date", "1980-02-29"}}},
                  {"statement", {{"insurance", "kokuho"}}},
                  {"today", "2026-11-10"}};
  auto r = call(&onshi_claims_v1::statement_form, prefill);
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  EXPECT_EQ(r.out.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(r.out.find("山田 &lt;script&gt;太郎"), std::string::npos);
  EXPECT_EQ(r.out.find("<script>"), std::string::npos);
  EXPECT_NE(r.out.find("2026 年 11 月 10 日"), std::string::npos);
}

TEST_F(ClaimsPlugin, StatementFormErrorsNameTheNestedField) {
  json prefill = {{"schema", "onshi.claims.statement-prefill/1"}, {"patient", {{"birth_date", "1980/02/29"}}}};
  auto r = call(&onshi_claims_v1::statement_form, prefill);
  EXPECT_EQ(r.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(r.err.message).find("patient.birth_date"), std::string::npos) << r.err.message;
  prefill.erase("patient");
  r = call(&onshi_claims_v1::statement_form, prefill);
  EXPECT_NE(std::string(r.err.message).find("field patient: is required"), std::string::npos) << r.err.message;
}

// ---- usage_rate ---------------------------------------------------------------------------

// The usage document of a rate month: the 加算 in force in that month, and what its rate decides.
json usage_of(const char* month, int cards, int total, json extra = json::object()) {
  json list = json::array();
  add_checks(list, (std::string(month) + "-05").c_str(), total, cards);
  json request = usage_request(month, list);
  request.update(extra);
  auto r = ClaimsPlugin::call(&onshi_claims_v1::usage_rate, request);
  EXPECT_EQ(r.status, ONSHI_OK) << r.err.message;
  return r.status == ONSHI_OK ? r.doc() : json();
}

TEST_F(ClaimsPlugin, R_RATE_CountsOnlyTheMonthAndDecidesLaterBillingMonths) {
  json list = json::array();
  add_checks(list, "2024-11-02", 10, 3);
  add_checks(list, "2024-10-31", 5, 5);  // another month
  auto r = call(&onshi_claims_v1::usage_rate, usage_request("2024-11", list));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  json usage = r.doc();
  EXPECT_EQ(usage["schema"], "onshi.claims.usage/1");
  EXPECT_EQ(usage["card_count"], 3);
  EXPECT_EQ(usage["total_count"], 10);
  EXPECT_DOUBLE_EQ(usage["rate"].get<double>(), 0.3);
  EXPECT_EQ(usage["in_force"]["thresholds"], (json{15, 10, 5}));
  EXPECT_FALSE(usage["in_force"]["source"].get<std::string>().empty());
  // 2024-11's rate decides 2025-02 first (M−3), under that period's 30/20/10 %: 30 % is exactly 加算1.
  const json& first = usage["decides"][0];
  EXPECT_EQ(first["billing_month"], "2025-02");
  EXPECT_EQ(first["principal"], true);
  EXPECT_EQ(first["kasan"], "加算1");
  EXPECT_EQ(first["threshold_percent"], 30);
  EXPECT_EQ(first["points"], 11);
}

// The three cases, and the rule boundaries around them.
TEST_F(ClaimsPlugin, R_RATE_TheRateDecidesTheTierOfTheLaterPeriodNotOfItsOwnMonth) {
  json nov = usage_of("2024-11", 16, 100);  // decides 2025-02: 30/20/10 → 加算3, not 加算1
  EXPECT_EQ(nov["decides"][0]["billing_month"], "2025-02");
  EXPECT_EQ(nov["decides"][0]["kasan"], "加算3");
  json aug = usage_of("2024-08", 16, 100);  // decided 2024-11 (15/10/5): 加算1; was refused
  EXPECT_EQ(aug["in_force"]["kind"], "flat");
  EXPECT_EQ(aug["decides"][0]["billing_month"], "2024-11");
  EXPECT_EQ(aug["decides"][0]["kasan"], "加算1");
  json jan = usage_of("2026-01", 35, 100);  // decides 2026-04 (70/50/30): 加算3 or 6, not 加算1
  EXPECT_EQ(jan["decides"][0]["billing_month"], "2026-04");
  EXPECT_EQ(jan["decides"][0]["kasan"], "加算3");
  EXPECT_EQ(jan["decides"][0]["kasan_without_eprescription"], "加算6");
  EXPECT_EQ(jan["decides"][0]["points"], 10);
  EXPECT_EQ(jan["decides"][0]["points_without_eprescription"], 8);
  EXPECT_EQ(jan["decides"].size(), 2u);  // 2026-04 and 2026-05; 2026-06 has another rule
  // The 小児科特例 (27 % in 2026-03..05).
  EXPECT_EQ(usage_of("2026-01", 28, 100)["decides"][0]["tier"], 0);
  EXPECT_EQ(usage_of("2026-01", 28, 100, {{"pediatric_exception", true}})["decides"][0]["kasan"], "加算3");
}

TEST_F(ClaimsPlugin, R_RATE_2026_FromJuneTheNewAdditionIsInForceAndNoDxAdditionIsNamed) {
  EXPECT_EQ(usage_of("2026-05", 60, 100)["in_force"]["name"], "医療DX推進体制整備加算");
  json june = usage_of("2026-06", 60, 100);
  EXPECT_EQ(june["in_force"]["name"], "電子的診療情報連携体制整備加算");
  EXPECT_EQ(june["in_force"]["minimum"], 30);
  json december = usage_of("2026-12", 55, 100);
  EXPECT_EQ(december["in_force"]["name"], "電子的診療情報連携体制整備加算");
  EXPECT_EQ(december.dump().find("医療DX推進体制整備加算\", \"kind\""), std::string::npos);
  EXPECT_TRUE(december["decides"].empty());
  EXPECT_NE(december["decides_error"]["message"].get<std::string>().find("no rule known"), std::string::npos);
  // The last rate month the table maps, and the first it does not.
  EXPECT_EQ(usage_of("2026-02", 60, 100)["decides"][0]["billing_month"], "2026-05");
  EXPECT_TRUE(usage_of("2026-03", 60, 100).contains("decides_error"));
}

TEST_F(ClaimsPlugin, R_RATE_EveryMonthFrom2024_07ToToday_NamesTheAdditionInForceAndItsSource) {
  for (int y = 2024, m = 7; y < 2027; m == 12 ? (++y, m = 1) : ++m) {
    const std::string month = std::to_string(y) + (m < 10 ? "-0" : "-") + std::to_string(m);
    SCOPED_TRACE(month);
    json u = usage_of(month.c_str(), 50, 100);
    ASSERT_TRUE(u["in_force"].contains("name")) << u["in_force"];
    EXPECT_FALSE(u["in_force"]["source"].get<std::string>().empty());
    EXPECT_EQ(u["in_force"]["name"], y * 100 + m >= 202606 ? "電子的診療情報連携体制整備加算" : "医療DX推進体制整備加算");
  }
  json before = usage_of("2024-05", 50, 100);
  EXPECT_NE(before["in_force"]["error"]["message"].get<std::string>().find("no rule known"), std::string::npos);
}

TEST_F(ClaimsPlugin, R_RATE_AnEmptyMonthAndBadEntriesAreErrors) {
  json list = json::array();
  add_checks(list, "2026-11-02", 2, 1);
  auto empty = call(&onshi_claims_v1::usage_rate, usage_request("2026-12", list));
  EXPECT_EQ(empty.status, ONSHI_E_NOT_FOUND);
  EXPECT_NE(std::string(empty.err.message).find("undefined"), std::string::npos) << empty.err.message;

  list[1]["date"] = "yesterday";
  auto bad = call(&onshi_claims_v1::usage_rate, usage_request("2026-11", list));
  EXPECT_EQ(bad.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bad.err.message).find("verifications[1].date"), std::string::npos) << bad.err.message;

  auto bad_month = call(&onshi_claims_v1::usage_rate, usage_request("2026-1", list));
  EXPECT_NE(std::string(bad_month.err.message).find("field month"), std::string::npos) << bad_month.err.message;

  list[1] = 5;
  auto not_an_object = call(&onshi_claims_v1::usage_rate, usage_request("2026-11", list));
  EXPECT_EQ(not_an_object.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(not_an_object.err.message).find("field verifications[1]: "), std::string::npos)
      << not_an_object.err.message;
}

}  // namespace

// ---- the issue-17 claim cases through the C table (claims_cases.hpp) ------------------------

namespace {
void run_cases(const std::string& rule) {
  const auto cases = claims_cases::cases(rule);
  ASSERT_FALSE(cases.empty()) << rule;
  for (const auto& c : cases) {
    auto r = ClaimsPlugin::call(&onshi_claims_v1::decide, c.input);
    const json result = r.status == ONSHI_OK ? r.doc() : json();
    claims_cases::check(c, r.status == ONSHI_OK ? &result : nullptr, r.err.message);
  }
}
}  // namespace

TEST_F(ClaimsPlugin, R_KUBUN_05_PaysTenWariAndFilesNoElectronicClaim) { run_cases("R-KUBUN-05"); }
TEST_F(ClaimsPlugin, R_DISASTER_CLAIM_OralDeclarationFillsWithNines) { run_cases("R-DISASTER-CLAIM"); }
TEST_F(ClaimsPlugin, R_KOUKI_75_TheOldInsurerIsNeverBilledFromThe75thBirthday) { run_cases("R-KOUKI-75"); }
TEST_F(ClaimsPlugin, R_RATIO_ImpossibleDeclaredRatioWarnsAndTheLimitClassSetsTheNote) { run_cases("R-RATIO"); }
TEST_F(ClaimsPlugin, R_M5_OldCardsAndTheProvisionalHandlingByDate) { run_cases("R-M5"); }
TEST_F(ClaimsPlugin, R_M9_AnOutageWaitsForTheCheckAndBillsWhatItFinds) { run_cases("R-M9"); }
TEST_F(ClaimsPlugin, R_M10_TheSmartphonePortalVerifiesAndTheNoticeNeedsTheCard) { run_cases("R-M10"); }
TEST_F(ClaimsPlugin, R_FIELDS_KouhiFromTheOnlineResultFillsTheKoRecords) { run_cases("R-FIELDS"); }

TEST_F(ClaimsPlugin, R_M9_TheDeferredCheckSaysWhatToQueue) {
  json in = claims_cases::input("2026-11-10", claims_cases::patient("1980-05-15"), claims_cases::kCardFailed);
  in["outage"] = "reader";
  in["previous"] = claims_cases::qualification(claims_cases::kShaho);
  auto by_numbers = call(&onshi_claims_v1::decide, in);
  ASSERT_EQ(by_numbers.status, ONSHI_OK) << by_numbers.err.message;
  const json check = by_numbers.doc()["deferred_check"];
  EXPECT_EQ(check["patient_id"], "2001");
  EXPECT_EQ(check["visit_date"], "2026-11-10");
  EXPECT_EQ(check["outage"], "reader");
  EXPECT_EQ(check["insurer_number"], claims_cases::kShaho);
  EXPECT_EQ(check["birth_date"], "19800515");
  EXPECT_EQ(check["presented"], (json{"my_number_card", "past_visit"}));
  in.erase("previous");
  in["statement"] = {{"address", "東京都千代田区1-1"}};
  auto by_reference = call(&onshi_claims_v1::decide, in).doc()["deferred_check"];
  EXPECT_EQ(by_reference["reference_number"], "2001");  // the clinic's 照会番号 (R-SHOUKAI)
  EXPECT_FALSE(by_reference.contains("number"));
}

// The 不詳 and disaster fill numbers are accepted (an EMR stores them) but never billed as read.
TEST_F(ClaimsPlugin, R_CLAIM_C_TheUnknownNumbersAreValidFillNumbers) {
  for (const char* fill : {"77777777", "77777779", "99999999"}) {
    SCOPED_TRACE(fill);
    json check = call(&onshi_claims_v1::check_number, number_request("insurer", fill)).doc();
    EXPECT_EQ(check["valid"], true) << check.dump();
    EXPECT_EQ(check["payer"], "unknown");
    EXPECT_EQ(check["fill"], true);
  }
  EXPECT_EQ(call(&onshi_claims_v1::check_number, number_request("insurer", "77777778")).doc()["valid"], false);
  json in = claims_cases::input("2026-11-10", claims_cases::patient("1980-05-15"), claims_cases::kCertificate);
  in["shown"] = claims_cases::qualification("77777777");
  auto read_as_shown = call(&onshi_claims_v1::decide, in);
  EXPECT_EQ(read_as_shown.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(read_as_shown.err.message).find("fill"), std::string::npos) << read_as_shown.err.message;
}

// ---- merge: the SDK's insurance records into the レセコン's RECEIPTC.UKE -------------------------

namespace {

// Patient 2001 of tests/claims/uke/recon_202612.UKE, on a 申立書 (R-CLAIM-C).
json statement_claim() {
  json in = claims_cases::input("2026-11-10", claims_cases::patient("1960-01-01"), claims_cases::kCardFailed);
  in["statement"] = {{"insurance", "shaho"}, {"employer", "七尾製作所"}};
  return in;
}

// A vector, not a json: `{claim}` would be the claim itself, not an array of it, under clang.
json merge_request(std::vector<json> claims, const std::string& file = claims_test::read_bytes(claims_test::recon_file())) {
  return {{"schema", "onshi.claims.merge-request/1"},
          {"receipt_file_base64", onshi::support::base64_encode(file)},
          {"claims", json(std::move(claims))}};
}

std::vector<std::string> lines_of(const std::string& file) {
  std::vector<std::string> out;
  for (size_t at = 0, crlf; (crlf = file.find("\r\n", at)) != std::string::npos; at = crlf + 2)
    out.push_back(file.substr(at, crlf - at));
  return out;
}

std::string merged_file(const json& result) {
  return onshi::support::base64_decode(result["receipt_file_base64"].get<std::string>()).value_or("");
}

}  // namespace

TEST_F(ClaimsPlugin, R_CLAIM_C_MergeFillsTheReceiptAndKeepsEveryOtherRecordByteForByte) {
  json verified = claims_cases::input("2026-11-10", claims_cases::patient("1980-05-15"), claims_cases::kCardValid);
  verified["patient"]["chart_number"] = "1001";
  verified["online"] = claims_cases::qualification(claims_cases::kShaho);
  auto r = call(&onshi_claims_v1::merge, merge_request({statement_claim(), verified}));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  const json result = r.doc();
  EXPECT_EQ(result["schema"], "onshi.claims.merge-result/1");
  ASSERT_EQ(result["merged"].size(), 1u);
  EXPECT_EQ(result["merged"][0]["route"], "R-CLAIM-C");
  EXPECT_EQ(result["merged"][0]["line"], 7);
  EXPECT_EQ(result["merged"][0]["comments_added"], 6);
  ASSERT_EQ(result["skipped"].size(), 1u);
  EXPECT_EQ(result["skipped"][0]["chart_number"], "1001");  // verified: the レセコン's numbers stand

  const std::string original = claims_test::read_bytes(claims_test::recon_file());
  const std::string merged = merged_file(result);
  EXPECT_EQ(merged.back(), '\x1A');
  const auto before = lines_of(original), after = lines_of(merged);
  ASSERT_EQ(after.size(), before.size() + 6);
  // Lines 1–7, 9–10 and 11–14 are the レセコン's bytes, in order; line 8 (HO) carries the 不詳 fill;
  // the comments sit after the receipt's SY, before its first 摘要 record.
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(after[i], before[i]) << "line " << i + 1;
  EXPECT_EQ(after[7].substr(0, 13), "HO,77777777,,");
  EXPECT_EQ(after[8], before[8]);
  EXPECT_EQ(after[9], before[9]);
  EXPECT_EQ(after[10], "CO,01,1,820000246,");
  for (size_t i = 11; i < 16; ++i) EXPECT_EQ(after[i].rfind("CO,01,1,83000050", 0), 0u) << after[i];
  for (size_t i = 10; i < before.size(); ++i) EXPECT_EQ(after[i + 6], before[i]) << "line " << i + 1;
  EXPECT_EQ(result["go"]["count"], 2);
  EXPECT_EQ(result["go"]["points"], 588);
  // Merging the merged file again changes nothing.
  auto again = call(&onshi_claims_v1::merge, merge_request({statement_claim()}, merged));
  ASSERT_EQ(again.status, ONSHI_OK) << again.err.message;
  EXPECT_EQ(merged_file(again.doc()), merged);
  EXPECT_EQ(again.doc()["merged"][0]["comments_added"], 0);
}

TEST_F(ClaimsPlugin, R_CLAIM_B_MergePutsTheOldNumbersIntoTheReceipt) {
  json old = statement_claim();
  old["previous"] = claims_cases::qualification(claims_cases::kShaho, "8765", {{"branch", "01"}});
  auto r = call(&onshi_claims_v1::merge, merge_request({old}));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  EXPECT_EQ(r.doc()["merged"][0]["route"], "R-CLAIM-B");
  EXPECT_EQ(r.doc()["merged"][0]["comments_added"], 0);
  const auto after = lines_of(merged_file(r.doc()));
  EXPECT_EQ(after[7].rfind("HO,06130017,", 0), 0u) << after[7];
  EXPECT_NE(after[8].find(",01,"), std::string::npos) << "SN 枝番: " << after[8];
}

TEST_F(ClaimsPlugin, UKE_MergeRecomputesGoFromTheRecordsInTheFile) {
  std::string file = claims_test::read_bytes(claims_test::recon_file());
  file.replace(file.find("GO,2,588,99"), 11, "GO,7,1,99");
  auto r = call(&onshi_claims_v1::merge, merge_request({statement_claim()}, file));
  ASSERT_EQ(r.status, ONSHI_OK) << r.err.message;
  EXPECT_NE(merged_file(r.doc()).find("\r\nGO,2,588,99\r\n"), std::string::npos);
}

TEST_F(ClaimsPlugin, UKE_MergeRefusesAFileThatDoesNotParseOrAReceiptItCannotMatch) {
  std::string broken = claims_test::read_bytes(claims_test::recon_file());
  broken.replace(broken.find(",300,"), 5, ",3x0,");
  auto bad_file = call(&onshi_claims_v1::merge, merge_request({statement_claim()}, broken));
  EXPECT_EQ(bad_file.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bad_file.err.message).find("line 8 field 5 (HO 合計点数)"), std::string::npos)
      << bad_file.err.message;

  json nobody = statement_claim();
  nobody["patient"]["chart_number"] = "9999";
  auto unmatched = call(&onshi_claims_v1::merge, merge_request({nobody}));
  EXPECT_EQ(unmatched.status, ONSHI_E_REFUSED);
  EXPECT_NE(std::string(unmatched.err.message).find("0 receipts"), std::string::npos) << unmatched.err.message;

  json other_person = statement_claim();
  other_person["patient"]["birth_date"] = "1961-01-01";
  auto mismatch = call(&onshi_claims_v1::merge, merge_request({other_person}));
  EXPECT_EQ(mismatch.status, ONSHI_E_REFUSED);
  EXPECT_NE(std::string(mismatch.err.message).find("生年月日"), std::string::npos) << mismatch.err.message;

  json kokuho = statement_claim();  // a 国保 claim goes to the 国保連's file, not this 支払基金 one
  kokuho["statement"]["insurance"] = "kokuho";
  auto office = call(&onshi_claims_v1::merge, merge_request({kokuho}));
  EXPECT_EQ(office.status, ONSHI_E_REFUSED);
  EXPECT_NE(std::string(office.err.message).find("審査支払機関"), std::string::npos) << office.err.message;
}
