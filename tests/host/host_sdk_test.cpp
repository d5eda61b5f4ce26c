// The host SDK against real plugin libraries: every load stage, the services
// as plugins see them, and the C++ wrapper (onshi/host.hpp).
#include "abi_layout.h"
#include "probe_ext.h"

#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/host.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace {

onshi::SdkOptions test_options(std::vector<std::string> dirs = {TEST_PLUGINS}) {
  onshi::SdkOptions o;
  o.host_name = "host-sdk-test";
  o.plugin_dirs = std::move(dirs);
  o.use_default_dirs = false;
  o.log_level = ONSHI_LOG_ERROR + 1;
  return o;
}

onshi::Sdk open_sdk(const onshi::SdkOptions& o) {
  auto sdk = onshi::Sdk::open(o);
  if (!sdk) ADD_FAILURE() << sdk.error().message;
  return std::move(sdk).value();
}

onshi::PluginInfo info(const onshi::Sdk& sdk, const char* id) {
  auto p = sdk.plugin(id);
  if (!p) ADD_FAILURE() << "plugin " << id << " was not discovered";
  return p.value_or(onshi::PluginInfo{});
}

nlohmann::json diagnostics(const onshi::Sdk& sdk, const char* plugin_id) {
  auto ext = sdk.extension<onshi_diagnostics_v1>(ONSHI_EXT_DIAGNOSTICS, plugin_id);
  if (!ext) {
    ADD_FAILURE() << ext.error().message;
    return {};
  }
  std::string text;
  onshi_writer w = onshi::append_to(text);
  onshi_error err = onshi::empty_error();
  EXPECT_EQ(ext->vtable->self_test(ext->instance, &w, &err), ONSHI_OK) << err.message;
  return nlohmann::json::parse(text);
}

bool mapped(const std::string& library_name) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream all;
  all << maps.rdbuf();
  return all.str().find(library_name) != std::string::npos;
}

TEST(Loader, GoodPluginLoadsAndServesItsExtension) {
  auto sdk = open_sdk(test_options());
  auto good = info(sdk, "onshi.test.good");
  EXPECT_EQ(good.state_name(), std::string("loaded")) << good.message;
  EXPECT_EQ(good.version, "1.0.0");
  EXPECT_EQ(good.provides, std::vector<std::string>{"onshi.diagnostics/1"});
  EXPECT_TRUE(std::filesystem::path(good.library_path).is_absolute());
  EXPECT_EQ(diagnostics(sdk, "onshi.test.good")["plugin"], "onshi.test.good");
}

struct StageCase {
  const char* id;
  const char* stage;
  const char* in_message;
  const char* in_hint;
};

TEST(Loader, EachBrokenPluginReportsItsStageAndTheHostCarriesOn) {
  const StageCase cases[] = {
      {"onshi.test.no-entry", "symbol", "does not export onshi_get_plugin_entry", "onshi_add_plugin"},
      {"onshi.test.abi-major", "abi", "built for plugin ABI 2.0", "built for ABI 1"},
      {"onshi.test.impostor", "identity", "'onshi.test.someone-else'", "another plugin"},
      {"onshi.test.missing-dep", "open", "libonshi_test_dependency.so", "ldd -r"},
      {"onshi.test.init-error", "init", "license.key not found", "vendor's CD"},
      {"onshi.test.broken-promise", "extension", "onshi.card-reader/1", "reinstall"},
      {"onshi.test.bad-manifest", "manifest", "is not valid JSON", "fix the manifest"},
  };
  auto sdk = open_sdk(test_options());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id);
    auto p = info(sdk, c.id);
    EXPECT_EQ(p.state_name(), std::string("failed"));
    EXPECT_EQ(p.stage, c.stage);
    EXPECT_NE(p.message.find(c.in_message), std::string::npos) << p.message;
    EXPECT_NE(p.hint.find(c.in_hint), std::string::npos) << p.hint;
    EXPECT_FALSE(p.manifest_path.empty());
  }
  // The host is alive and the good plugins still work.
  EXPECT_EQ(diagnostics(sdk, "onshi.test.good")["ok"], true);
  EXPECT_EQ(diagnostics(sdk, "onshi.test.v1_0")["ok"], true);
}

TEST(Loader, AbiMajorMismatchIsRefusedBeforeTheLibraryIsOpened) {
  auto sdk = open_sdk(test_options());
  EXPECT_EQ(info(sdk, "onshi.test.abi-major").stage, "abi");
  EXPECT_FALSE(mapped("libonshi_test_abi2.so"));
}

TEST(Loader, CreateFailureIsReportedWithThePluginsOwnWords) {
  auto o = test_options();
  o.config_json = R"({"onshi.test.good": {"fail_create": true}})";
  auto sdk = open_sdk(o);
  auto p = info(sdk, "onshi.test.good");
  EXPECT_EQ(p.stage, "create");
  EXPECT_NE(p.message.find("fail_create was set"), std::string::npos) << p.message;
  EXPECT_NE(p.hint.find("remove fail_create"), std::string::npos) << p.hint;
}

TEST(Loader, UnknownExtensionIdLoadsWithAWarning) {
  auto sdk = open_sdk(test_options());
  auto probe = info(sdk, "onshi.test.probe");
  EXPECT_TRUE(probe.loaded()) << probe.message;
  EXPECT_NE(probe.warnings.find("extension: 'com.example.probe/1' is not an extension this host knows"),
            std::string::npos)
      << probe.warnings;
  EXPECT_TRUE(sdk.extension<probe_ext_v1>(PROBE_EXT_ID).ok());  // asked for by name, it still works
}

TEST(Loader, OnlyEnabledPluginsAreOpened) {
  auto o = test_options();
  o.enabled_ids = std::vector<std::string>{"onshi.test.good"};
  auto sdk = open_sdk(o);
  EXPECT_TRUE(info(sdk, "onshi.test.good").loaded());
  EXPECT_EQ(info(sdk, "onshi.test.probe").state_name(), std::string("not-enabled"));
  EXPECT_FALSE(mapped("libonshi_test_probe.so"));
}

TEST(Loader, DisableShutsDownButNeverUnloads) {
  auto sdk = open_sdk(test_options());
  ASSERT_TRUE(sdk.disable("onshi.test.good").ok());
  EXPECT_EQ(info(sdk, "onshi.test.good").state_name(), std::string("disabled"));
  EXPECT_FALSE(sdk.extension<onshi_diagnostics_v1>(ONSHI_EXT_DIAGNOSTICS, "onshi.test.good").ok());
  EXPECT_TRUE(mapped("libonshi_test_good.so"));
  auto missing = sdk.disable("no.such.plugin");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ONSHI_E_NOT_FOUND);
}

TEST(Loader, PluginPathFromTheEnvironmentAndFirstIdWins) {
  ::setenv("ONSHI_PLUGIN_PATH", (std::string("/nonexistent:") + TEST_PLUGINS).c_str(), 1);
  auto o = test_options({TEST_PLUGINS});  // the same folder again: each id only once
  o.use_default_dirs = true;
  auto sdk = open_sdk(o);
  ::unsetenv("ONSHI_PLUGIN_PATH");
  int goods = 0;
  for (const auto& p : sdk.plugins()) goods += p.id == "onshi.test.good";
  EXPECT_EQ(goods, 1);
  EXPECT_TRUE(info(sdk, "onshi.test.good").loaded());
}

TEST(Loader, TwoSdksInOneProcessShareThePlugins) {
  auto a = open_sdk(test_options());
  auto b = open_sdk(test_options());
  EXPECT_TRUE(info(a, "onshi.test.good").loaded());
  EXPECT_TRUE(info(b, "onshi.test.good").loaded());
  EXPECT_EQ(diagnostics(b, "onshi.test.good")["ok"], true);
}

TEST(Loader, APluginThatKilledTheProcessWhileStartingIsSkippedNextTime) {
  auto state = std::filesystem::temp_directory_path() / ("onshi-crash-" + std::to_string(::getpid()));
  std::filesystem::remove_all(state);
  auto o = test_options({CRASH_PLUGINS});
  o.state_dir = state.string();
  pid_t child = ::fork();
  if (child == 0) {
    auto sdk = onshi::Sdk::open(o);  // the crash plugin aborts in init
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the crash plugin should have killed the child";
  auto sdk = open_sdk(o);
  auto p = info(sdk, "onshi.test.crash");
  EXPECT_EQ(p.stage, "init");
  EXPECT_NE(p.message.find("ended while this plugin was starting"), std::string::npos) << p.message;
  EXPECT_NE(p.hint.find("delete"), std::string::npos);
  std::filesystem::remove_all(state);
}

// Two desks (or two tests) starting the same plugin at once used to read each other's marker as a
// crash. A marker whose process is still alive is someone starting it now: load as usual.
TEST(Loader, AMarkerOfAProcessStillRunningIsNoCrash) {
  auto state = std::filesystem::temp_directory_path() / ("onshi-crash-live-" + std::to_string(::getpid()));
  std::filesystem::remove_all(state);
  auto o = test_options({CRASH_PLUGINS});
  o.state_dir = state.string();
  auto crash_once = [&] {
    pid_t child = ::fork();
    if (child == 0) {
      auto sdk = onshi::Sdk::open(o);  // the crash plugin aborts in init
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFSIGNALED(status);
  };
  ASSERT_TRUE(crash_once()) << "the crash plugin should have killed the child";
  std::vector<std::filesystem::path> markers;
  for (const auto& e : std::filesystem::directory_iterator(state / "starting")) markers.push_back(e.path());
  ASSERT_EQ(markers.size(), 1u);
  // The same marker, as if our parent (alive) were starting the plugin right now.
  std::filesystem::rename(markers[0], state / "starting" / ("onshi.test.crash." + std::to_string(::getppid()) + ".marker"));
  EXPECT_TRUE(crash_once()) << "a live process's marker must not stop the load (it was tried, and crashed again)";
  auto sdk = open_sdk(o);  // the second crash left its own marker: now it is skipped
  EXPECT_EQ(info(sdk, "onshi.test.crash").stage, "init");
  std::filesystem::remove_all(state);
}

// Security finding 9: a plugin crashing in init aborted every start of an EMR that opens the SDK
// without a state folder (nowhere to leave the marker). The user's own state folder takes it then.
TEST(Loader, APluginThatKilledTheProcessIsSkippedNextTimeEvenWithoutAStateFolder) {
  const auto home = std::filesystem::temp_directory_path() / ("onshi-crash-home-" + std::to_string(::getpid()));
  std::filesystem::remove_all(home);
  std::filesystem::create_directories(home);
  const std::string xdg = (home / "state").string();
  ::setenv("XDG_STATE_HOME", xdg.c_str(), 1);
  auto o = test_options({CRASH_PLUGINS});  // no state_dir
  pid_t child = ::fork();
  if (child == 0) {
    auto sdk = onshi::Sdk::open(o);  // the crash plugin aborts in init
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the crash plugin should have killed the child";
  auto sdk = open_sdk(o);  // would abort here, as before, if nothing had been remembered
  auto p = info(sdk, "onshi.test.crash");
  EXPECT_EQ(p.stage, "init");
  EXPECT_NE(p.hint.find(xdg), std::string::npos) << p.hint;
  struct stat st {};
  ASSERT_EQ(::stat((home / "state" / "onshi" / "starting").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ::unsetenv("XDG_STATE_HOME");
  std::filesystem::remove_all(home);
}

// Fuzzing (host_manifest_fuzz) found that a manifest with a number out of range ended the process
// that opened the SDK: nlohmann's out_of_range crossed onshi_sdk_open. A wrong type, an ABI number
// past 16 bits and a crash marker with an absurd pid are read the same way: reported, never thrown.
TEST(Loader, ManifestsWithNumbersOutOfRangeOrWrongTypesAreReportedNotACrash) {
  const auto dir = std::filesystem::temp_directory_path() / ("onshi-bad-manifests-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::pair<const char*, const char*> manifests[] = {
      {"onshi.test.overflow", R"({"manifest_version": 1, "id": "x", "abi": {"major": 1e99999}})"},
      {"onshi.test.version-text", R"({"manifest_version": "1", "id": "x"})"},
      {"onshi.test.abi-too-big", R"({"manifest_version": 1, "id": "onshi.test.abi-too-big", "library": "x.so",
                                     "abi": {"major": 65537}, "provides": ["onshi.diagnostics/1"]})"},
  };
  for (auto [id, text] : manifests) {
    std::filesystem::create_directories(dir / id);
    std::ofstream(dir / id / (std::string(id) + ".onshi-plugin.json")) << text;
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  const auto state = dir / "state";
  std::filesystem::create_directories(state / "starting");
  std::ofstream(state / "starting" / "onshi.test.good.99999999999999999999999.marker") << "x";
  auto o = test_options({dir.string(), TEST_PLUGINS});
  o.state_dir = state.string();
  auto sdk = open_sdk(o);
  for (auto [id, text] : manifests) {
    const auto p = info(sdk, id);
    EXPECT_EQ(p.stage, "manifest") << id;
    EXPECT_NE(p.message.find(id), std::string::npos) << "the error names the file: " << p.message;
  }
  EXPECT_TRUE(info(sdk, "onshi.test.good").loaded()) << "the others load as before";
  std::filesystem::remove_all(dir);
}

// Security finding 9: a plugin folder any local user may write could put its own "onshi.test.good"
// ahead of the genuine one, with only an INFO line. Now its code is never run, the refusal says why,
// and the genuine plugin further down the search path loads.
TEST(Loader, APluginInAFolderOthersMayWriteIsNeverRunAndDoesNotShadowTheGenuineOne) {
  namespace fs = std::filesystem;
  const fs::path open_dir = fs::temp_directory_path() / ("onshi-open-plugins-" + std::to_string(::getpid()));
  fs::remove_all(open_dir);
  fs::create_directories(open_dir);
  fs::copy(fs::path(TEST_PLUGINS) / "onshi_test_good", open_dir / "onshi_test_good", fs::copy_options::recursive);
  fs::permissions(open_dir, fs::perms::all);  // 0777, as a careless installer leaves it
  fs::permissions(open_dir / "onshi_test_good", fs::perms::all);
  auto sdk = open_sdk(test_options({open_dir.string(), TEST_PLUGINS}));
  std::vector<onshi::PluginInfo> good;
  for (const auto& p : sdk.plugins())
    if (p.id == "onshi.test.good") good.push_back(p);
  ASSERT_EQ(good.size(), 2u);
  EXPECT_EQ(good[0].stage, "trust");
  EXPECT_NE(good[0].message.find("writable by other users"), std::string::npos) << good[0].message;
  EXPECT_NE(good[0].hint.find("chmod go-w"), std::string::npos);
  EXPECT_TRUE(good[1].loaded());
  EXPECT_EQ(good[1].library_path.find(open_dir.string()), std::string::npos) << "the genuine library is the one run";
  EXPECT_TRUE(info(sdk, "onshi.test.good").loaded());
  fs::remove_all(open_dir);
}

TEST(Services, ClockSetByATestIsSeenByEveryPlugin) {
  auto sdk = open_sdk(test_options());
  const int64_t t = 1774000000000;  // 2026-03-20
  sdk.set_time_ms(t);
  EXPECT_EQ(sdk.now_ms(), t);
  EXPECT_EQ(diagnostics(sdk, "onshi.test.good")["now_unix_ms"], t);  // C++ plugin
  EXPECT_EQ(diagnostics(sdk, "onshi.test.v1_0")["now_unix_ms"], t);  // frozen C plugin
  sdk.set_time_ms(0);
  auto system_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(diagnostics(sdk, "onshi.test.good")["now_unix_ms"].get<double>(), double(system_ms), 5000.0);
}

TEST(Services, ConfigSectionBelongsToEachPlugin) {
  auto o = test_options();
  o.config_json = R"({"onshi.test.good": {"greeting": "こんにちは"}, "onshi.test.probe": {"greeting": "no"}})";
  auto sdk = open_sdk(o);
  auto d = diagnostics(sdk, "onshi.test.good");
  EXPECT_EQ(d["greeting"], "こんにちは");
  EXPECT_EQ(d["config"]["greeting"], "こんにちは");
}

TEST(Services, LogLinesAreStampedWithThePluginId) {
  std::mutex m;
  std::vector<std::pair<std::string, std::string>> lines;
  auto o = test_options();
  o.log_level = ONSHI_LOG_DEBUG;
  o.log = [&](int32_t, std::string_view plugin, std::string_view message) {
    std::lock_guard l(m);
    lines.emplace_back(plugin, message);
  };
  {
    auto sdk = open_sdk(o);
  }
  bool from_good = false, from_host = false;
  for (auto& [plugin, message] : lines) {
    from_good |= plugin == "onshi.test.good" && message == "good plugin created";
    from_host |= plugin == "host" && message.find("onshi.test.init-error failed at init") != std::string::npos;
  }
  EXPECT_TRUE(from_good);
  EXPECT_TRUE(from_host);
}

TEST(Services, ExecutorRunsPostsTimersAndFdWatchesForPlugins) {
  auto sdk = open_sdk(test_options());
  auto probe = sdk.extension<probe_ext_v1>(PROBE_EXT_ID, "onshi.test.probe");
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  EXPECT_EQ(probe->vtable->run_post(probe->instance), 2);
  EXPECT_EQ(probe->vtable->run_timers(probe->instance), 1);   // the cancelled timer never ran
  EXPECT_EQ(probe->vtable->run_watch(probe->instance), 2);    // nothing after unwatch
  EXPECT_EQ(probe->vtable->run_overlaps(probe->instance), 0);  // one plugin's callbacks never overlap
}

// What a reader vendor copies must load and answer through the contract.
TEST(Template, ReaderVendorTemplateLoadsAndAnswers) {
  auto sdk = open_sdk(test_options({TEMPLATE_PLUGINS}));
  auto p = info(sdk, "com.example.reader");
  ASSERT_TRUE(p.loaded()) << p.stage << ": " << p.message;
  EXPECT_TRUE(p.warnings.empty()) << p.warnings;
  auto reader = sdk.extension<onshi_card_reader_v1>(ONSHI_EXT_CARD_READER);
  ASSERT_TRUE(reader.ok());
  std::string text;
  onshi_writer w = onshi::append_to(text);
  onshi_error err = onshi::empty_error();
  ASSERT_EQ(reader->vtable->list_readers(reader->instance, &w, &err), ONSHI_OK);
  auto readers = nlohmann::json::parse(text);
  EXPECT_EQ(readers["schema"], "onshi.reader.readers/1");
  EXPECT_EQ(readers["readers"][0]["name"], "Example Reader 00");
  // R-PIN: a malformed PIN is refused before anything reaches the card.
  EXPECT_EQ(reader->vtable->verify_pin(reader->instance, nullptr, "12a4", &err), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("4 digits"), std::string::npos);
  err = onshi::empty_error();
  EXPECT_EQ(reader->vtable->verify_pin(reader->instance, nullptr, "1234", &err), ONSHI_E_NO_CARD);
  EXPECT_NE(std::string(err.hint).find("place the My Number card"), std::string::npos);
}

TEST(Sdk, BadOptionsAreAnErrorNotACrash) {
  onshi_sdk_options o{};  // struct_size 0
  onshi_sdk* sdk = nullptr;
  onshi_error err = onshi::empty_error();
  EXPECT_EQ(onshi_sdk_open(&o, &sdk, &err), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.hint).find("struct_size"), std::string::npos);
  auto bad_config = test_options();
  bad_config.config_json = "{not json";
  auto r = onshi::Sdk::open(bad_config);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().domain, "config");
}

}  // namespace
