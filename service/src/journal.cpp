#include "journal.hpp"

#include <cstdio>
#include <ctime>

namespace onshi::service {

using nlohmann::json;

int64_t real_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string utc_now_text() {
  const int64_t ms = real_now_ms();
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

Journal::~Journal() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  flush();
}

void Journal::attach_store(onshi::plugin::Host app, std::chrono::hours keep) {
  std::lock_guard lock(mutex_);
  app_ = app;
  keep_ = keep;
  if (!writer_.joinable()) writer_ = std::thread([this] { write_loop(); });
}

void Journal::line(const char* level, const char* event, json fields) {
  if (!verbose_ && std::string_view(level) == "debug") return;
  nlohmann::ordered_json out = {{"ts", utc_now_text()}, {"level", level}, {"event", event}};
  for (auto& [key, value] : fields.items()) out[key] = value;
  const std::string text = out.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::lock_guard lock(out_mutex_);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void Journal::sdk_line(int32_t level, std::string_view plugin, std::string_view message) {
  static const char* const names[] = {"debug", "info", "warn", "error", "error"};
  line(level >= 0 && level <= 4 ? names[level] : "info", "plugin_log",
       {{"plugin", std::string(plugin)}, {"message", std::string(message)}});
}

void Journal::request(const RequestRecord& r) {
  json fields = {{"desk", r.desk}, {"method", r.method}, {"route", r.route}, {"status", r.status},
                 {"ms", r.ms}, {"remote", r.remote}};
  line(r.status >= 500 ? "warn" : "info", "request", fields);
  std::lock_guard lock(mutex_);
  if (!app_) return;
  const int64_t now = real_now_ms();
  pending_.push_back({"audit", "", now, now + std::chrono::duration_cast<std::chrono::milliseconds>(keep_).count(),
                      {"desk:" + r.desk}, fields.dump()});
  if (pending_.size() >= 256) wake_.notify_all();
}

void Journal::flush() {
  std::vector<onshi::plugin::Host::Record> batch;
  std::optional<onshi::plugin::Host> app;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
    app = app_;
  }
  if (batch.empty() || !app) return;
  if (auto put = app->store_put(batch); !put)
    line("error", "audit_not_kept", {{"records", batch.size()}, {"message", put.error().message}, {"hint", put.error().hint}});
}

void Journal::write_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(200));
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace onshi::service
