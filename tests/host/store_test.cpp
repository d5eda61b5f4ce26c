// The host's durable store and exchange services, as a plugin sees them: a real
// SQLite file in a real state folder, reopened, expired by the host clock,
// damaged, and written by a process that is killed with SIGKILL.
#include "probe_ext.h"

#include <onshi/host.hpp>
#include <onshi/plugin.hpp>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNov1 = 1793491200000;  // 2026-11-01T00:00:00Z

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = fs::temp_directory_path() / ("onshi-store-test-" + std::to_string(getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(state_);
  }
  void TearDown() override { fs::remove_all(state_); }

  onshi::Sdk open(bool with_state = true) {
    onshi::SdkOptions o;
    o.plugin_dirs = {TEST_PLUGINS, STORE_PLUGINS};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.test.probe", "onshi.test.probe2"};
    o.log_level = ONSHI_LOG_ERROR + 1;
    if (with_state) o.state_dir = state_.string();
    auto sdk = onshi::Sdk::open(o);
    if (!sdk) ADD_FAILURE() << sdk.error().message;
    return std::move(sdk).value();
  }

  struct Probe {
    onshi_instance* instance;
    const probe_ext_v1* t;
  };
  static Probe probe(const onshi::Sdk& sdk, const char* id = "onshi.test.probe") {
    auto ext = sdk.extension<probe_ext_v1>(PROBE_EXT_ID, id);
    if (!ext) {
      ADD_FAILURE() << ext.error().message;
      return {};
    }
    return {ext->instance, ext->vtable};
  }

  static onshi_status put(Probe p, const char* key, int64_t at, int64_t expires = 0, const char* tag = nullptr,
                          const char* doc = "{}", onshi_error* err = nullptr) {
    onshi_error local = onshi::empty_error();
    return p.t->store_put(p.instance, "history", key, at, expires, tag, doc, err ? err : &local);
  }

  static onshi_store_query query(const char* tag = nullptr, int64_t since = 0, int64_t until = 0,
                                 bool newest_first = false) {
    return onshi_store_query{sizeof(onshi_store_query), "history", nullptr, tag, since, until, 0, newest_first};
  }

  // "key doc" lines of what the probe's query returns.
  static std::vector<std::string> lines(Probe p, const onshi_store_query& q, onshi_status* status = nullptr) {
    std::string text;
    onshi_writer w = onshi::append_to(text);
    onshi_error err = onshi::empty_error();
    onshi_status st = p.t->store_query(p.instance, &q, &w, &err);
    if (status) *status = st;
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  fs::path state_;
};

TEST_F(StoreTest, RecordsSurviveAReopenAndStayWithTheirOwnPlugin) {
  {
    auto sdk = open();
    EXPECT_EQ(put(probe(sdk), "a", 1, 0, nullptr, R"({"outcome":"valid"})"), ONSHI_OK);
  }
  auto sdk = open();
  EXPECT_EQ(lines(probe(sdk), query()), std::vector<std::string>{R"(a {"outcome":"valid"})"});
  EXPECT_TRUE(lines(probe(sdk, "onshi.test.probe2"), query()).empty());  // another plugin sees nothing
  EXPECT_TRUE(fs::exists(state_ / "onshi.db"));
}

TEST_F(StoreTest, APutWithAnExistingKeyReplacesTheRecordAndItsTags) {
  auto sdk = open();
  auto p = probe(sdk);
  ASSERT_EQ(put(p, "a", 1, 0, "name:ﾔﾏﾀﾞ", "old"), ONSHI_OK);
  ASSERT_EQ(put(p, "a", 2, 0, "ref:P1", "new"), ONSHI_OK);
  EXPECT_EQ(lines(p, query()), std::vector<std::string>{"a new"});
  EXPECT_TRUE(lines(p, query("name:ﾔﾏﾀﾞ")).empty());
  EXPECT_EQ(lines(p, query("ref:P1")).size(), 1u);
}

TEST_F(StoreTest, QueriesSelectByTagAndTimeRangeInEitherOrder) {
  auto sdk = open();
  auto p = probe(sdk);
  put(p, "d1", kNov1 + 1 * kDay, 0, "name:ｻﾄｳ");
  put(p, "d2", kNov1 + 2 * kDay, 0, "name:ｽｽﾞｷ");
  put(p, "d3", kNov1 + 3 * kDay, 0, "name:ｻﾄｳ");
  auto keys = [](std::vector<std::string> l) {
    for (auto& s : l) s = s.substr(0, s.find(' '));
    return l;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys(lines(p, query("name:ｻﾄｳ"))), (V{"d1", "d3"}));
  EXPECT_EQ(keys(lines(p, query(nullptr, kNov1 + 2 * kDay))), (V{"d2", "d3"}));
  EXPECT_EQ(keys(lines(p, query(nullptr, 0, kNov1 + 2 * kDay))), (V{"d1"}));
  EXPECT_EQ(keys(lines(p, query(nullptr, 0, 0, true))), (V{"d3", "d2", "d1"}));
  auto limited = query(nullptr, 0, 0, true);
  limited.limit = 1;
  EXPECT_EQ(keys(lines(p, limited)), (V{"d3"}));
  onshi_error err = onshi::empty_error();
  uint32_t erased = 0;
  auto by_name = query("name:ｻﾄｳ");
  ASSERT_EQ(p.t->store_erase(p.instance, &by_name, &erased, &err), ONSHI_OK) << err.message;
  EXPECT_EQ(erased, 2u);
  EXPECT_EQ(keys(lines(p, query())), (V{"d2"}));
}

TEST_F(StoreTest, HostAssignedKeysFollowTheOrderOfWriting) {
  auto sdk = open();
  auto p = probe(sdk);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(put(p, nullptr, 5, 0, nullptr, std::to_string(i).c_str()), ONSHI_OK);
  auto l = lines(p, query());
  ASSERT_EQ(l.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l[i].substr(l[i].find(' ') + 1), std::to_string(i));
  EXPECT_LT(l[0], l[1]);
  EXPECT_LT(l[1], l[2]);
  EXPECT_EQ(l[0].find(' '), 12u);  // zero-padded, so keys sort as numbers
}

// R-RETAIN: the host clock, not the system clock, decides what has expired.
TEST_F(StoreTest, R_RETAIN_RecordsPastTheirExpiryAreNeverReturnedAndArePurgedByTheRealTime) {
  auto sdk = open();
  auto p = probe(sdk);
  // Visibility follows the SDK clock, so retention is testable at its boundary.
  const int64_t end_of_december = kNov1 + 61 * kDay;  // 2027-01-01T00:00Z
  sdk.set_time_ms(kNov1 + 20 * kDay);
  ASSERT_EQ(put(p, "kept", kNov1 + 20 * kDay, end_of_december), ONSHI_OK);
  ASSERT_EQ(put(p, "forever", kNov1 + 20 * kDay, 0), ONSHI_OK);
  sdk.set_time_ms(end_of_december - 1);
  EXPECT_EQ(lines(p, query()).size(), 2u);
  sdk.set_time_ms(end_of_december);
  auto l = lines(p, query());
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].substr(0, 7), "forever");
  // Deleting follows the real time only: a record whose expiry the real time has passed is gone
  // from the file at the next purge (a write, at most every few minutes), whatever the SDK
  // clock says afterwards.
  const int64_t real_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  sdk.set_time_ms(real_now - 10 * kDay);
  ASSERT_EQ(put(p, "expired", real_now - 10 * kDay, real_now - kDay), ONSHI_OK);
  EXPECT_EQ(lines(p, query()).size(), 3u);  // kept, forever, expired: all still in their time
  auto reopened = open();  // a new session purges at its first write
  p = probe(reopened);
  reopened.set_time_ms(real_now - 10 * kDay);
  ASSERT_EQ(put(p, "later", real_now - 10 * kDay), ONSHI_OK);
  auto after = lines(p, query());
  EXPECT_EQ(after.size(), 3u) << "the write purged 'expired' from the file";
  for (const auto& line : after) EXPECT_NE(line.substr(0, 7), "expired");
}

// Security finding 3: a command with a clock pinned far ahead (--now 2099-01-01, even one that is
// then refused) erased every record. A pinned clock now hides records from queries but never
// deletes them.
TEST_F(StoreTest, A_clock_pinned_in_the_future_hides_records_but_never_erases_them) {
  auto sdk = open();
  auto p = probe(sdk);
  const int64_t real_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_EQ(put(p, "history-1", real_now, real_now + 40 * kDay), ONSHI_OK);
  sdk.set_time_ms(4070908800000);  // 2099-01-01
  ASSERT_EQ(put(p, "history-2", 4070908800000, 4070908800000 + 40 * kDay), ONSHI_OK);
  EXPECT_EQ(lines(p, query()).size(), 1u);  // only what is alive in 2099
  sdk.set_time_ms(0);                       // back to the real clock
  EXPECT_EQ(lines(p, query()).size(), 2u);  // history-1 was hidden, not erased
}

// Security finding 5: onshi.db and the plugins' state folders were 0644/0755. Owner only now,
// whatever the umask the EMR runs with.
TEST_F(StoreTest, The_store_and_every_plugin_state_folder_are_owner_only_whatever_the_umask) {
  const mode_t before = ::umask(0);
  {
    auto sdk = open();
    ASSERT_EQ(put(probe(sdk), "a", 1), ONSHI_OK);
    auto mode = [](const fs::path& p) {
      struct stat st {};
      return ::stat(p.c_str(), &st) == 0 ? st.st_mode & 0777 : 0777u;
    };
    EXPECT_EQ(mode(state_), 0700u);
    EXPECT_EQ(mode(state_ / "onshi.test.probe"), 0700u);
    for (const char* f : {"onshi.db", "onshi.db-wal", "onshi.db-shm"})
      if (fs::exists(state_ / f)) EXPECT_EQ(mode(state_ / f), 0600u) << f;
    EXPECT_TRUE(fs::exists(state_ / "onshi.db-wal"));
  }
  ::umask(before);
}

TEST_F(StoreTest, PutsThatReturnedSurviveKill9) {
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // writes until killed, telling the parent after each put returned
    close(acks[0]);
    auto sdk = open();
    auto p = probe(sdk);
    for (int i = 0;; ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "k%06d", i);
      if (put(p, key, i) != ONSHI_OK) _exit(3);
      if (write(acks[1], "+", 1) != 1) _exit(4);
    }
  }
  close(acks[1]);
  int acked = 0;
  char c;
  while (acked < 50 && read(acks[0], &c, 1) == 1) ++acked;
  kill(child, SIGKILL);
  while (read(acks[0], &c, 1) == 1) ++acked;  // acks already in the pipe count too
  close(acks[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself with " << WEXITSTATUS(status);
  ASSERT_GE(acked, 50);
  auto sdk = open();
  auto l = lines(probe(sdk), query());
  EXPECT_GE(int(l.size()), acked);  // every acknowledged put is there (one more may have committed)
  EXPECT_LE(int(l.size()), acked + 1);
  for (int i = 0; i < acked; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%06d", i);
    EXPECT_EQ(l[i].substr(0, 7), key);
  }
}

TEST_F(StoreTest, WithoutAStateFolderThePluginIsToldWhatToDo) {
  auto sdk = open(false);
  onshi_error err = onshi::empty_error();
  EXPECT_EQ(put(probe(sdk), "a", 1, 0, nullptr, "{}", &err), ONSHI_E_NOT_INITIALIZED);
  EXPECT_NE(std::string(err.hint).find("state_dir"), std::string::npos) << err.hint;
}

TEST_F(StoreTest, ADamagedStoreFileIsReportedAndThePluginsStillLoad) {
  fs::create_directories(state_);
  std::ofstream(state_ / "onshi.db") << std::string(4096, 'x');  // not a database
  auto sdk = open();
  auto p = probe(sdk);
  ASSERT_NE(p.t, nullptr);
  onshi_error err = onshi::empty_error();
  EXPECT_EQ(put(p, "a", 1, 0, nullptr, "{}", &err), ONSHI_E_IO);
  EXPECT_NE(std::string(err.message).find("onshi.db"), std::string::npos) << err.message;
  EXPECT_NE(std::string(err.hint).find("damaged"), std::string::npos) << err.hint;
}

TEST_F(StoreTest, ExchangeWithoutAnEligibilityPluginSaysWhichPluginToEnable) {
  auto sdk = open();
  auto p = probe(sdk);
  onshi_error err = onshi::empty_error();
  EXPECT_EQ(p.t->exchange(p.instance, &err), ONSHI_E_NOT_SUPPORTED);
  EXPECT_NE(std::string(err.message).find("DSTsiquc01"), std::string::npos) << err.message;
  EXPECT_NE(std::string(err.hint).find("eligibility"), std::string::npos) << err.hint;
}

}  // namespace

namespace {

// onshi_sdk_app_host: the application (onshi serve) keeps its own state in the one store, on the one
// clock, as plugins do, under its own name and apart from every plugin's records.
TEST_F(StoreTest, The_application_uses_the_hosts_services_under_its_own_name) {
  std::vector<std::string> logged;
  std::mutex mutex;
  auto open_app = [&] {
    onshi::SdkOptions o;
    o.host_name = "serve-test";
    o.plugin_dirs = {TEST_PLUGINS};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.test.probe"};
    o.state_dir = state_.string();
    o.config_json = R"({"app:serve-test": {"listen": "127.0.0.1:0"}})";
    o.log_level = ONSHI_LOG_INFO;
    o.log = [&](int32_t, std::string_view id, std::string_view message) {
      std::lock_guard lock(mutex);
      logged.push_back(std::string(id) + " " + std::string(message));
    };
    auto sdk = onshi::Sdk::open(o);
    EXPECT_TRUE(sdk.ok());
    return std::move(sdk).value();
  };
  {
    onshi::Sdk sdk = open_app();
    ASSERT_NE(sdk.app_host(), nullptr);
    const onshi::plugin::Host app(sdk.app_host());
    ASSERT_TRUE(app.has_store());
    auto kept = app.store_put({{"history", "job-1", kNov1, 0, {"desk:a"}, R"({"job":1})"}});
    ASSERT_TRUE(kept.ok()) << kept.error().message;
    // The probe plugin has a record of the same collection and key: neither sees the other's.
    ASSERT_EQ(put(probe(sdk), "job-1", kNov1, 0, nullptr, R"({"probe":1})"), ONSHI_OK);
    EXPECT_EQ(lines(probe(sdk), query()), std::vector<std::string>{R"(job-1 {"probe":1})"});
    onshi::plugin::Host::Query all;
    all.collection = "history";
    auto mine = app.store_query(all);
    ASSERT_TRUE(mine.ok());
    ASSERT_EQ(mine->size(), 1u);
    EXPECT_EQ((*mine)[0].doc, R"({"job":1})");
    EXPECT_EQ((*mine)[0].tags, std::vector<std::string>{"desk:a"});

    sdk.set_time_ms(kNov1 + kDay);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(app.now().time_since_epoch()).count(),
              kNov1 + kDay);
    EXPECT_EQ(app.config("listen"), "127.0.0.1:0");
    app.info("listening");
    std::promise<void> ran;
    ASSERT_TRUE(app.post([&] { ran.set_value(); }));
    EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
    std::lock_guard lock(mutex);
    EXPECT_NE(std::find(logged.begin(), logged.end(), "app:serve-test listening"), logged.end());
  }
  onshi::Sdk again = open_app();  // what the application kept is there after a restart
  onshi::plugin::Host::Query job;
  job.collection = "history";
  job.key = "job-1";
  auto kept = onshi::plugin::Host(again.app_host()).store_query(job);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 1u);
}

}  // namespace
