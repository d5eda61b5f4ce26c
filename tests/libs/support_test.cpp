// libs/support: the document toolkit every plugin reads its JSON with, base64, dates and JST.
#include <onshi/support/base64.hpp>
#include <onshi/support/dates.hpp>
#include <onshi/support/document.hpp>

#include <gtest/gtest.h>

namespace onshi::support {

// A small document of the shape plugins use: nested objects, arrays, an enum, dates, bounds.
enum class Sex { male, female, unset };
constexpr EnumNames<Sex, 3> kSexes{{{"male", Sex::male}, {"female", Sex::female}, {"unset", Sex::unset}}};
struct Visit {
  std::optional<Date> on;
  int points = 0;
};
struct Patient {
  std::string name;
  Sex sex = Sex::unset;
  std::optional<bool> insured;
  std::vector<Visit> visits;
  std::optional<Visit> first;
};
void from_json(const json& j, Visit& v) {
  read(j, "on", v.on);
  read(j, "points", v.points, 0, 99999);
}
void to_json(json& j, const Visit& v) { j = {{"on", optional_value(v.on)}, {"points", v.points}}; }
void from_json(const json& j, Patient& p) {
  p.name = required_text(j, "name");
  read(j, "sex", p.sex, kSexes);
  read(j, "insured", p.insured);
  read_array(j, "visits", p.visits);
  read_object(j, "first", p.first);
}
void to_json(json& j, const Patient& p) {
  j = {{"name", p.name}, {"sex", kSexes.name(p.sex)}, {"visits", p.visits}, {"first", optional_value(p.first)}};
}

namespace {
constexpr const char* kSchema = "onshi.test.patient/1";

TEST(Document, reads_nested_objects_arrays_enums_and_dates) {
  auto p = read_document<Patient>(
      R"({"schema":"onshi.test.patient/1","name":"高橋","sex":"female","insured":true,
          "visits":[{"on":"2026-04-01","points":120},{"on":"20260402"}],"first":{"points":1}})",
      kSchema);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->sex, Sex::female);
  EXPECT_EQ(p->insured, true);
  ASSERT_EQ(p->visits.size(), 2u);
  EXPECT_EQ(p->visits[1].on, make_date(2026, 4, 2));
  EXPECT_EQ(p->first->points, 1);
  const json back = document_of(kSchema, *p);
  EXPECT_EQ(back["schema"], kSchema);
  EXPECT_EQ(back["visits"][0]["on"], "2026-04-01");
  EXPECT_EQ(from_document<Patient>(back, kSchema)->visits[0].points, 120);
}

TEST(Document, an_error_names_the_path_of_the_field_and_what_was_expected) {
  struct Case {
    const char* body;
    const char* says;
  } cases[] = {
      {R"("name":"a","visits":[{"points":1},{"on":"2026-02-30"}])", "field visits[1].on: '2026-02-30' is not a date YYYY-MM-DD"},
      {R"("name":"a","first":{"points":100000})", "field first.points: must be between 0 and 99999"},
      {R"("name":"a","sex":"m")", "field sex: expected one of male, female, unset"},
      {R"("name":"a","first":[1])", "field first: expected an object"},
      {R"("name":"a","visits":{})", "field visits: expected an array"},
      {R"("name":"a","insured":"yes")", "field insured: expected true or false"},
      {R"("sex":"male")", "field name: is required"},
      {R"("name":"a","visits":[{"points":"1"}])", "field visits[0].points: expected an integer"},
  };
  for (const auto& c : cases) {
    auto p = read_document<Patient>(std::string(R"({"schema":"onshi.test.patient/1",)") + c.body + "}", kSchema);
    ASSERT_FALSE(p.ok()) << c.body;
    EXPECT_EQ(p.error().code, ONSHI_E_INVALID_ARGUMENT);
    EXPECT_EQ(p.error().message, std::string(kSchema) + " document: " + c.says) << c.body;
  }
}

TEST(Document, schema_size_and_syntax_are_checked_before_any_field) {
  auto wrong = read_document<Patient>(R"({"schema":"onshi.test.patient/2","name":"a"})", kSchema);
  EXPECT_NE(wrong.error().message.find("\"onshi.test.patient/2\""), std::string::npos) << wrong.error().message;
  EXPECT_FALSE(read_document<Patient>(R"({"name":"a"})", kSchema).ok());
  EXPECT_FALSE(read_document<Patient>("[1,2]", kSchema).ok());
  EXPECT_NE(read_document<Patient>("{\"name\":", kSchema).error().message.find("not valid JSON"), std::string::npos);
  const std::string big = R"({"schema":"onshi.test.patient/1","name":")" + std::string(2000, 'a') + "\"}";
  auto too_big = read_document<Patient>(big, kSchema, 1000);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message.find("over the limit of 1000"), std::string::npos);
  EXPECT_TRUE(read_document<Patient>(big, kSchema, 4000).ok());
  // nlohmann alone would read the object before a NUL and ignore the rest (found by service_json_fuzz).
  const std::string nul = std::string(R"({"schema":"onshi.test.patient/1","name":"a"})") + '\0' + "junk";
  auto after_nul = read_document<Patient>(nul, kSchema);
  ASSERT_FALSE(after_nul.ok());
  EXPECT_NE(after_nul.error().message.find("NUL byte at offset 44"), std::string::npos) << after_nul.error().message;
  EXPECT_FALSE(parse_request(nul, kSchema, 4000).ok());
}

TEST(Base64, round_trips_every_length_and_refuses_what_is_not_base64) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << n;
    bytes += static_cast<char>(n * 37);
  }
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_decode("YWI="), "ab");
  for (const char* bad : {"YWI", "YW=I", "Y=WI", "YWI!", "YWI=YWI="}) EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(Dates, parse_and_format_in_both_forms_and_refuse_what_is_not_a_day) {
  EXPECT_EQ(parse_date("2024-02-29", "d").value(), make_date(2024, 2, 29));
  EXPECT_EQ(parse_date("20240229", "d").value(), make_date(2024, 2, 29));
  for (const char* bad : {"2023-02-29", "20231301", "2024-1-01", "2024/01/01", "", "２０２４０１０１"})
    EXPECT_FALSE(parse_date(bad, "d").ok()) << bad;
  EXPECT_EQ(iso_date(make_date(2026, 4, 1)), "2026-04-01");
  EXPECT_EQ(compact_date(make_date(2026, 4, 1)), "20260401");
  EXPECT_EQ(compact_month(make_date(2026, 4, 1)), "202604");
  auto t = parse_time("2024-03-07T24:00:00Z", "t");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(iso_time(*t), "2024-03-08T00:00:00Z");
  EXPECT_EQ(compact_time(*t), "20240308000000");
  EXPECT_FALSE(parse_time("2024-03-07T24:00:01Z", "t").ok());
}

// "Today" for a date rule is the JST day: 14:59:59Z is still the same day, 15:00:00Z the next.
TEST(Dates, jst_day_turns_at_15_00_utc) {
  using namespace std::chrono;
  const auto evening = sys_days{make_date(2026, 3, 31)} + hours(14) + minutes(59) + seconds(59);
  EXPECT_EQ(jst_day(evening), make_date(2026, 3, 31));
  EXPECT_EQ(jst_day(evening + seconds(1)), make_date(2026, 4, 1));
  EXPECT_EQ(jst_midnight(make_date(2026, 4, 1)), evening + seconds(1));
}

}  // namespace
}  // namespace onshi::support
