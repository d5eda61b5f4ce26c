// The service's events (GET /v1/events): numbered in one sequence, each for one desk or for every
// desk ("*"), kept in the store for the retention time (card events in memory only) so that a desk
// that reconnects with ?since=<seq> or Last-Event-ID gets what it missed, in order.
//   {"schema": "onshi.event/1", "seq", "at", "kind": card|face|job|queue|disaster|..., "plugin"?, "data"}
#pragma once

#include "config.hpp"
#include "journal.hpp"

#include <onshi/plugin.hpp>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace onshi::service {

inline constexpr const char* kEveryDesk = "*";

// A document may be written to disk unless the insurer restricts it ("cache_allowed": false, R-RES):
// such an answer or event lives in memory only.
bool may_keep(const nlohmann::json& data);

// Where a stream's events go: a WebSocket or an SSE response (server.cpp). deliver() only queues, in
// order; false when the client is gone or too slow (it reconnects and catches up with since=).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual bool deliver(uint64_t seq, const std::string& kind, const std::string& frame) = 0;
};

struct Event {
  uint64_t seq = 0;
  int64_t at_ms = 0;
  std::string kind, plugin;
  std::vector<std::string> to;  // desk names, or kEveryDesk
  nlohmann::json data;
  bool for_desk(const std::string& desk) const;
  std::string frame() const;  // the onshi.event/1 document
};

class Events {
 public:
  Events(onshi::plugin::Host app, const Config& config, Journal& journal);
  // After a restart: the sequence goes on from the newest stored event; the newest are in memory.
  void load();

  // Numbers, keeps and delivers an event; `durable` ones are written to the store together with
  // `with` (a job's record) in one step. Never pass withheld data as durable.
  uint64_t publish(std::string kind, std::string plugin, std::vector<std::string> to, nlohmann::json data,
                   bool durable, std::vector<onshi::plugin::Host::Record> with = {});
  // A desk's stream: every event after `since` it may see (none without since), then each new one,
  // in order.
  void subscribe(const std::string& desk, std::optional<uint64_t> since, const std::shared_ptr<EventSink>& sink);
  uint64_t last_seq() const;
  std::size_t streams() const;

 private:
  std::vector<Event> stored_after(const std::string& desk, uint64_t since) const;

  onshi::plugin::Host app_;
  const Config& config_;
  Journal& journal_;
  mutable std::mutex mutex_;  // held while delivering, so each stream sees the sequence in order
  uint64_t last_ = 0;
  std::deque<Event> recent_;
  struct Stream {
    std::string desk;
    std::weak_ptr<EventSink> sink;
  };
  std::vector<Stream> streams_;
};

}  // namespace onshi::service
