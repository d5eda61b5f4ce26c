// Asynchronous calls as jobs (POST of an asynchronous function, GET/DELETE /v1/jobs/<id>): each is
// kept in the store before it starts, so an accepted request survives the service's kill -9 and is
// carried on after it: with the plugin's own resume (a placed folder request is awaited, a bulk job
// resumed), else started again. A job belongs to the desk that made it; no other desk ever sees it.
#pragma once

#include "config.hpp"
#include "events.hpp"
#include "functions.hpp"
#include "journal.hpp"

#include <onshi/plugin.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace onshi::service {

enum class JobState { running, done, failed, cancelled };

class Jobs {
 public:
  Jobs(onshi::plugin::Host app, const Functions& functions, Events& events, Journal& journal, const Config& config);
  ~Jobs();

  // Unfinished jobs of the desk (the cap is config.limits.max_jobs_per_desk).
  std::size_t unfinished(const std::string& desk) const;
  // Keeps the request durably, then starts it. An error when it cannot be kept, or when the plugin
  // refuses it at once (then nothing is kept: it never was a job).
  Result<std::string> submit(const std::string& desk, const Function& f, std::string request);
  // `fn` once when the job has ended (at once if it has; on any thread), unless forgotten first.
  // False: no such job of this desk.
  bool when_done(const std::string& desk, const std::string& id, uint64_t& waiter, std::function<void()> fn);
  void forget(const std::string& id, uint64_t waiter);
  // onshi.job/1 of one of the desk's jobs; nullopt for anyone else's (404: an id tells nothing).
  std::optional<nlohmann::json> view(const std::string& desk, const std::string& id) const;
  // The answer of an ended job as POST would have given it: its result (and media type), or its error.
  struct Answer {
    JobState state = JobState::running;
    std::string result, media_type;
    Error error;
  };
  std::optional<Answer> answer(const std::string& desk, const std::string& id) const;
  nlohmann::json list(const std::string& desk) const;
  // DELETE: the plugin is asked to stop; the job ends cancelled (or as it was going to end).
  std::optional<nlohmann::json> cancel(const std::string& desk, const std::string& id);
  // After a restart: every unfinished job in the store is carried on; ended ones answer GETs again.
  void resume_unfinished();
  // While the service stops, nothing more is recorded: an unfinished job stays unfinished in the
  // store, to be carried on at the next start.
  void stop_recording();
  nlohmann::json counts() const;

 private:
  struct Job;
  void start(const std::string& id);
  void on_progress(const std::string& id, std::string_view doc);
  void on_done(const std::string& id, Result<std::string> result);
  onshi::plugin::Host::Record record_of(const Job& job) const;
  nlohmann::json view_of(const Job& job) const;
  void sweep();  // [locked] ended jobs past their retention leave memory

  onshi::plugin::Host app_;
  const Functions& functions_;
  Events& events_;
  Journal& journal_;
  const Config& config_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;
  uint64_t next_waiter_ = 1;
  bool recording_ = true;
  int64_t last_sweep_ms_ = 0;
};

// 128 random bits as hex: ids that tell nothing and cannot be guessed.
std::string random_id();

}  // namespace onshi::service
