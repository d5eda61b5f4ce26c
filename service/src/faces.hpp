// Face-reader results belong to one patient at one desk. A desk says whom it expects
// (POST /v1/desk/expectations: birth date, 照会番号, reader, a time window); a result that matches
// exactly one desk's expectation goes to that desk alone. Anything else (no match, or several desks
// expecting someone alike) waits in the clinic-wide queue (GET /v1/queue) until a receptionist claims
// it (POST /v1/queue/<id>/claim): the first claim wins. A result never reaches two desks.
#pragma once

#include "config.hpp"
#include "events.hpp"
#include "journal.hpp"

#include <onshi/plugin.hpp>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace onshi::service {

class Faces {
 public:
  Faces(onshi::plugin::Host app, Events& events, Journal& journal, const Config& config);
  // The queue as it was before a restart (entries within their retention).
  void load();

  // onshi.expectation-request/1 {"birth_date", "reference_number"?, "reader"?, "window_seconds"?}
  // → onshi.expectation/1; INVALID_ARGUMENT naming the field.
  Result<nlohmann::json> expect(const std::string& desk, const nlohmann::json& request);
  nlohmann::json expectations(const std::string& desk) const;
  bool forget(const std::string& desk, const std::string& id);

  // A plugin's event that concerns one patient (onshi.plugin-event/1 with "route").
  void route(const std::string& plugin, const nlohmann::json& event);

  nlohmann::json queue() const;
  // The entry's data for the desk that claims it first; NOT_FOUND when gone, REFUSED when another
  // desk claimed it.
  Result<nlohmann::json> claim(const std::string& desk, const std::string& id);
  std::size_t queued() const;

 private:
  struct Expectation {
    std::string id, desk, birth_date, reference_number, reader;
    int64_t until_ms = 0;
  };
  struct Entry {
    std::string id, plugin, kind;
    int64_t at_ms = 0;
    nlohmann::json data;
  };
  void deliver(const std::string& desk, const std::string& plugin, const std::string& kind, nlohmann::json data,
               const std::string& why);
  static bool matches(const Expectation& e, const nlohmann::json& route);

  onshi::plugin::Host app_;
  Events& events_;
  Journal& journal_;
  const Config& config_;
  mutable std::mutex mutex_;
  std::vector<Expectation> expected_;
  std::map<std::string, Entry> queue_;
  std::map<std::string, std::string> claimed_;  // entry id → desk, so a late claim is told it was taken
};

}  // namespace onshi::service
