// onshi.eligibility-records/1 through the SDK against the real simulator: the verification history
// (R-RETAIN purge at the month boundary by the injected clock; never the withheld data or more than
// billing needs), 照会番号 registration single and bulk and the matching of later results
// (R-SHOUKAI), and the onshi CLI commands bulk / history / register-ref.
#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>

#include <condition_variable>
#include <cstdio>
#include <set>
#include <mutex>
#include <nlohmann/json.hpp>
#include <onshi/host.hpp>

#include "records_support.hpp"

namespace onshi::eligibility {
namespace {

using namespace test;
using namespace std::chrono_literals;
using nlohmann::json;


// The outcome document of a call that must complete with ONSHI_OK.
json outcome_of(Completion& done) {
  EXPECT_TRUE(done.wait_for(20s)) << "no completion";
  EXPECT_EQ(done.status(), ONSHI_OK) << done.result().error().message;
  const auto result = done.result();
  return result ? json::parse(*result) : json();
}

struct Inbox {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<json> documents;
  onshi_document_listener listener{sizeof(onshi_document_listener), this,
                                   [](void* ctx, onshi_status st, onshi_bytes doc, const onshi_error*) {
                                     auto& in = *static_cast<Inbox*>(ctx);
                                     std::lock_guard lock(in.mutex);
                                     if (st == ONSHI_OK)
                                       in.documents.push_back(json::parse(
                                           std::string(reinterpret_cast<const char*>(doc.data), doc.size)));
                                     in.cv.notify_all();
                                   }};
  json wait_one() {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return !documents.empty(); }));
    return documents.empty() ? json() : documents.front();
  }
};

// 2026-03-15 10:00 JST
constexpr int64_t kMarch15 = 1773536400000;
constexpr int64_t kHour = 3600 * 1000;

struct Records : RecordsSdk {
  void SetUp() override {
    make_folders();
    start_sim();
    open_sdk("records-test");
    sdk->set_time_ms(kMarch15);
  }

  json verify(const std::string& insurer, const std::string& number, const std::string& birth) {
    Completion done;
    const std::string request = json{{"kind", "insured"}, {"insurer_number", insurer}, {"number", number},
                                     {"birth_date", birth}}.dump();
    onshi_error err = empty_error();
    uint64_t op = 0;
    EXPECT_EQ(elig.vtable->query_async(elig.instance, bytes_of(request), done.get(), &op, &err), ONSHI_OK);
    return outcome_of(done);
  }
  json history(json query = json::object()) {
    std::string text;
    onshi_writer w = append_to(text);
    onshi_error err = empty_error();
    const std::string q = query.dump();
    EXPECT_EQ(rec.vtable->history_find(rec.instance, bytes_of(q), &w, &err), ONSHI_OK) << err.message;
    return text.empty() ? json() : json::parse(text)["entries"];
  }
  json register_refs(json registrations) {
    Completion done;
    const std::string request = json{{"registrations", registrations}}.dump();
    onshi_error err = empty_error();
    uint64_t op = 0;
    EXPECT_EQ(rec.vtable->register_reference_async(rec.instance, bytes_of(request), done.get(), &op, &err), ONSHI_OK);
    return outcome_of(done);
  }
};

TEST_F(Records, R_RETAIN_history_kept_until_the_end_of_the_following_month_then_purged) {
  EXPECT_EQ(verify("06139992", "5678", "19800515")["kind"], "valid");
  ASSERT_EQ(history().size(), 1u);
  const json e = history()[0];
  EXPECT_EQ(e["how"], "insured");
  EXPECT_EQ(e["kind"], "valid");
  EXPECT_EQ(e["at"], "2026-03-15T10:00:00+09:00");
  EXPECT_EQ(e["qualifications"][0]["insured_identification_number"], "5678");
  sdk->set_time_ms(kMarch15 + 24 * kHour);  // other days are found by date
  EXPECT_EQ(history({{"since", "20260315"}, {"until", "20260315"}}).size(), 1u);
  EXPECT_EQ(history({{"since", "20260316"}}).size(), 0u);
  // 2026-04-30 23:59:59 JST: still there. 2026-05-01 00:00:00 JST: gone (R-RETAIN).
  const int64_t may1 = 1777561200000;
  sdk->set_time_ms(may1 - 1000);
  EXPECT_EQ(history().size(), 1u);
  sdk->set_time_ms(may1);
  EXPECT_EQ(history().size(), 0u);
}

TEST_F(Records, R_RES_history_never_keeps_withheld_data_nor_more_than_billing_needs) {
  const json withheld = verify("06134449", "5555", "19700101");
  EXPECT_EQ(withheld["kind"], "withheld");
  EXPECT_EQ(verify("06139992", "5678", "19800515")["kind"], "valid");
  const json entries = history();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1]["kind"], "withheld");  // newest first
  EXPECT_TRUE(entries[1]["withheld"].get<bool>());
  EXPECT_TRUE(entries[1]["qualifications"].empty());
  for (const auto& q : entries[0]["qualifications"])
    for (const char* never : {"address", "post_number", "insured_name", "charset_notes"}) EXPECT_FALSE(q.contains(never)) << never;
  // Nothing of the withheld answer reached the disk: not its insurer's name, not its record.
  sdk.reset();
  const std::string db = read_bytes(state.path / "onshi.db") + read_bytes(state.path / "onshi.db-wal");
  const json persona = [] {
    const json all = json::parse(read_bytes(ONSHI_SIM_DATA));
    for (const auto& p : all["personas"])
      if (p["name"] == "withheld") return p;
    return json();
  }();
  for (const auto& [k, v] : persona["results"][0].items())
    if (v.is_string() && v.get<std::string>().size() >= 4 && k != "InsurerNumber" && k != "InsuredIdentificationNumber") {
      EXPECT_EQ(db.find(v.get<std::string>()), std::string::npos) << "stored withheld field " << k;
    }
  EXPECT_EQ(db.find("霞が関"), std::string::npos) << "an address is not needed to bill, so it is not kept";
}

TEST_F(Records, history_by_name_ignores_width_script_and_spaces) {
  verify("06139992", "5678", "19800515");  // 診療　太郎, ｼﾝﾘｮｳ ﾀﾛｳ
  verify("  138123", "456789", "19850220");
  for (const char* name : {"しんりょう　たろう", "シンリョウタロウ", "ｼﾝﾘｮｳ ﾀﾛｳ", "診療太郎"}) {
    const json found = history({{"name", name}});
    ASSERT_EQ(found.size(), 1u) << name;
    EXPECT_EQ(found[0]["qualifications"][0]["name_kana"], "ｼﾝﾘｮｳ ﾀﾛｳ");
  }
  EXPECT_TRUE(history({{"name", "たなか"}}).empty());
}

TEST_F(Records, R_SHOUKAI_single_registration_then_query_and_face_push_carry_the_patient) {
  const json reg = register_refs(json::array({{{"reference_number", "K0001"}, {"patient_id", "EMR-1"},
                                               {"insurer_number", "06139992"}, {"number", "5678"}}}));
  ASSERT_EQ(reg["results"].size(), 1u);
  EXPECT_TRUE(reg["results"][0]["registered"].get<bool>());
  const json outcome = verify("06139992", "5678", "19800515");
  EXPECT_EQ(outcome["patient"]["reference_number"], "K0001");
  EXPECT_EQ(outcome["patient"]["patient_id"], "EMR-1");
  // A face push for the same person (the card, later): matched too.
  Inbox faces;
  onshi_error err = empty_error();
  ASSERT_EQ(elig.vtable->set_face_listener(elig.instance, &faces.listener, &err), ONSHI_OK);
  write_bytes(root.path / "sim-control" / "face", "shaho-valid\n");
  const json face = faces.wait_one();
  EXPECT_EQ(face["patient"]["patient_id"], "EMR-1");
  elig.vtable->set_face_listener(elig.instance, nullptr, &err);
  const json by_ref = history({{"reference_number", "K0001"}});
  ASSERT_EQ(by_ref.size(), 2u);
  EXPECT_EQ(by_ref[0]["how"], "face");
  EXPECT_EQ(by_ref[1]["how"], "insured");
  EXPECT_EQ(history({{"patient_id", "EMR-1"}}).size(), 2u);
}

TEST_F(Records, R_SHOUKAI_bulk_registration_then_bulk_query_by_reference_number) {
  const json reg = register_refs(json::array(
      {{{"reference_number", "R-100"}, {"patient_id", "EMR-100"}, {"insurer_number", "138123"}, {"number", "456789"},
        {"birth_date", "19850220"}},
       {{"reference_number", "R-200"}, {"insurer_number", "06131114"}, {"number", "2222"}, {"birth_date", "19881111"}},
       {{"reference_number", "R-300"}, {"insurer_number", "06199999"}, {"number", "1"}}}));
  ASSERT_EQ(reg["results"].size(), 3u);
  EXPECT_TRUE(reg["results"][0]["registered"].get<bool>());
  EXPECT_TRUE(reg["results"][1]["registered"].get<bool>());
  EXPECT_FALSE(reg["results"][2]["registered"].get<bool>()) << "nobody has those numbers";
  Completion done;
  Inbox progress;
  const std::string request =
      json{{"patients", {{{"patient_id", "EMR-100"}, {"reference_number", "R-100"}},
                         {{"patient_id", "EMR-200"}, {"reference_number", "R-200"}},
                         {{"patient_id", "EMR-300"}, {"reference_number", "R-300"}},
                         {{"patient_id", "EMR-400"}, {"insurer_number", "06139992"}, {"number", "5678"},
                          {"birth_date", "19800515"}}}}}
          .dump();
  onshi_error err = empty_error();
  uint64_t op = 0;
  ASSERT_EQ(rec.vtable->bulk_start_async(rec.instance, bytes_of(request), &progress.listener, done.get(), &op, &err),
            ONSHI_OK)
      << err.message;
  const json result = outcome_of(done);
  EXPECT_EQ(result["state"], "done");
  const json& r = result["results"];
  EXPECT_EQ(r["EMR-100"]["kind"], "valid");
  EXPECT_EQ(r["EMR-100"]["patient"]["reference_number"], "R-100");
  EXPECT_EQ(r["EMR-200"]["kind"], "lost");
  EXPECT_EQ(r["EMR-200"]["patient"]["reference_number"], "R-200");
  EXPECT_EQ(r["EMR-300"]["kind"], "failed") << "an unregistered 照会番号 cannot be queried";
  EXPECT_EQ(r["EMR-400"]["kind"], "valid");
  std::lock_guard lock(progress.mutex);
  std::set<std::string> stages;
  for (const auto& p : progress.documents) stages.insert(p["stage"]);
  for (const char* s : {"saved", "uploading", "uploaded", "waiting", "received", "done"}) EXPECT_TRUE(stages.count(s)) << s;
}

TEST_F(Records, a_bad_request_names_the_field_at_fault_and_starts_nothing) {
  Completion done;
  onshi_error err = empty_error();
  uint64_t op = 0;
  const json patients = {{{"patient_id", "A"}, {"insurer_number", "06139992"}, {"number", "5678"}, {"birth_date", "19800515"}},
                         {{"patient_id", "B"}, {"insurer_number", "06139992"}, {"number", "5678"}, {"birth_date", "1980-05-15"}}};
  const std::string bulk = json{{"patients", patients}}.dump();
  EXPECT_EQ(rec.vtable->bulk_start_async(rec.instance, bytes_of(bulk), nullptr, done.get(), &op, &err), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("patients[1].birth_date"), std::string::npos) << err.message;
  err = empty_error();
  const std::string refs = json{{"registrations", {{{"reference_number", "K1"}, {"insurer_number", "06139992"}, {"number", "1"}},
                                                   {{"reference_number", "K1"}, {"insurer_number", "06139992"}, {"number", "2"}}}}}
                               .dump();
  EXPECT_EQ(rec.vtable->register_reference_async(rec.instance, bytes_of(refs), done.get(), &op, &err), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("registrations[1].reference_number"), std::string::npos) << err.message;
  std::string jobs;
  onshi_writer w = append_to(jobs);
  ASSERT_EQ(rec.vtable->bulk_jobs(rec.instance, &w, &err), ONSHI_OK);
  EXPECT_TRUE(json::parse(jobs)["jobs"].empty()) << "nothing was stored";
  EXPECT_EQ(done.calls(), 0) << "a call that cannot start has no completion";
}

// R-NOMYNUM: 12 digits however typed, in a 照会番号 or a 被保険者番号, is refused by every records
// function before anything is sent or stored, and the digits are not echoed in the error.
TEST_F(Records, R_NOMYNUM_a_twelve_digit_reference_or_number_is_refused_and_not_echoed) {
  for (const std::string typed : {"123456789012", "1234 5678 9012", "1234-5678-9012",
                                  "\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12"}) {
    SCOPED_TRACE(typed);
    auto no_echo = [&](const onshi_error& err) {
      const std::string message = std::string(err.message) + err.hint;
      EXPECT_EQ(message.find("9012"), std::string::npos) << message;
      EXPECT_EQ(message.find(typed), std::string::npos) << message;
    };
    Completion done;
    uint64_t op = 0;
    onshi_error err = empty_error();
    const std::string refs =
        json{{"registrations", {{{"reference_number", typed}, {"insurer_number", "06139992"}, {"number", "1"}}}}}.dump();
    EXPECT_EQ(rec.vtable->register_reference_async(rec.instance, bytes_of(refs), done.get(), &op, &err),
              ONSHI_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(err.message).find("reference_number"), std::string::npos) << err.message;
    no_echo(err);
    err = empty_error();
    const std::string bulk = json{{"patients", {{{"patient_id", "A"}, {"insurer_number", "06139992"},
                                                 {"number", typed}, {"birth_date", "19800515"}}}}}.dump();
    EXPECT_EQ(rec.vtable->bulk_start_async(rec.instance, bytes_of(bulk), nullptr, done.get(), &op, &err),
              ONSHI_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(err.message).find("patients[0].number"), std::string::npos) << err.message;
    no_echo(err);
    err = empty_error();
    std::string out;
    onshi_writer w = append_to(out);
    const std::string find = json{{"reference_number", typed}}.dump();
    EXPECT_EQ(rec.vtable->history_find(rec.instance, bytes_of(find), &w, &err), ONSHI_E_INVALID_ARGUMENT);
    no_echo(err);
    EXPECT_EQ(done.calls(), 0);
  }
  for (const auto& e : fs::directory_iterator(root.path / "req")) ADD_FAILURE() << "sent: " << e.path();
}

// ---- the CLI ----

using onshi::test::CliRun;

CliRun cli(const std::vector<std::string>& args) {
  return onshi::test::run(onshi::test::command_line(ONSHI_CLI_EXE, args));
}

using RecordsCli = RecordsCliFolders;

TEST_F(RecordsCli, bulk_history_register_ref_from_the_command_line) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "20", "--bulk-polls", "1"});
  EXPECT_EQ(run({"register-ref", "--ref", "C-1", "--insurer", "06139992", "--number", "5678", "--patient", "EMR-C1"}).exit, 0);
  const fs::path csv = state.path / "appointments.csv";
  write_bytes(csv,
              "patient_id,insurer_number,symbol,number,branch,birth_date,reference_number\n"
              "A1,06139992,,5678,,19800515,\n"
              "A2,06131114,,2222,,19881111,\n"
              "\"A3\",138123,,456789,,19850220,\n");
  const CliRun bulk = run({"bulk", csv.string(), "--json"});
  EXPECT_EQ(bulk.exit, 1) << "one lost qualification is a negative answer\n" << bulk.out;
  const json result = json::parse(bulk.out);
  EXPECT_EQ(result["results"]["A1"]["kind"], "valid");
  EXPECT_EQ(result["results"]["A1"]["patient"]["reference_number"], "C-1");
  EXPECT_EQ(result["results"]["A2"]["kind"], "lost");
  EXPECT_EQ(result["results"]["A3"]["kind"], "valid");
  const CliRun text = run({"history", "--name", "しんりょう たろう"});
  EXPECT_EQ(text.exit, 0);
  EXPECT_NE(text.out.find("照会番号 C-1"), std::string::npos) << text.out;
  const json found = json::parse(run({"history", "--ref", "C-1", "--json"}).out);
  EXPECT_EQ(found["entries"].size(), 1u);
  EXPECT_EQ(run({"history", "--since", "2026-01-01"}).exit, 2);
  EXPECT_EQ(run({"register-ref", "--ref", "X"}).exit, 2);
  EXPECT_EQ(run({"bulk", (state.path / "missing.csv").string()}).exit, 3);
  EXPECT_EQ(cli({"bulk", "--help"}).exit, 0);
  const fs::path refs = state.path / "refs.csv";
  write_bytes(refs, "reference_number,insurer_number,symbol,number,branch\nC-2,06131114,,2222,\nC-3,06132229,,3333,\n");
  const json reg = json::parse(run({"register-ref", "--csv", refs.string(), "--json"}).out);
  EXPECT_EQ(reg["results"].size(), 2u);
}

}  // namespace
}  // namespace onshi::eligibility
