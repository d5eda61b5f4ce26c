#include "events.hpp"

#include <algorithm>
#include <cstdio>

namespace onshi::service {

using nlohmann::json;
using Record = onshi::plugin::Host::Record;

namespace {

constexpr const char* kEvents = "events";

std::string key_of(uint64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  return buf;
}

json stored_doc(const Event& e) {
  return {{"seq", e.seq}, {"at", e.at_ms}, {"kind", e.kind}, {"plugin", e.plugin}, {"to", e.to}, {"data", e.data}};
}

Event from_stored(const json& d) {
  Event e;
  e.seq = d.value("seq", uint64_t(0));
  e.at_ms = d.value("at", int64_t(0));
  e.kind = d.value("kind", "");
  e.plugin = d.value("plugin", "");
  e.to = d.value("to", std::vector<std::string>{});
  e.data = d.value("data", json::object());
  return e;
}

}  // namespace

bool may_keep(const json& data) {
  return !(data.is_object() && data.contains("cache_allowed") && data["cache_allowed"] == false);
}

bool Event::for_desk(const std::string& desk) const {
  return std::any_of(to.begin(), to.end(), [&](const std::string& d) { return d == kEveryDesk || d == desk; });
}

std::string Event::frame() const {
  json f = {{"schema", "onshi.event/1"}, {"seq", seq}, {"at", at_ms}, {"kind", kind}, {"data", data}};
  if (!plugin.empty()) f["plugin"] = plugin;
  return f.dump(-1, ' ', false, json::error_handler_t::replace);
}

Events::Events(onshi::plugin::Host app, const Config& config, Journal& journal)
    : app_(app), config_(config), journal_(journal) {}

void Events::load() {
  onshi::plugin::Host::Query q;
  q.collection = kEvents;
  q.newest_first = true;
  q.limit = static_cast<uint32_t>(config_.limits.events_in_memory);
  auto rows = app_.store_query(q);
  if (!rows) return journal_.line("error", "events_not_loaded", {{"message", rows.error().message}});
  std::lock_guard lock(mutex_);
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
    const json d = json::parse(it->doc, nullptr, false);
    if (!d.is_object()) continue;
    recent_.push_back(from_stored(d));
    last_ = std::max(last_, recent_.back().seq);
  }
  std::sort(recent_.begin(), recent_.end(), [](const Event& a, const Event& b) { return a.seq < b.seq; });
}

uint64_t Events::publish(std::string kind, std::string plugin, std::vector<std::string> to, json data, bool durable,
                         std::vector<Record> with) {
  std::lock_guard lock(mutex_);
  Event e;
  e.seq = ++last_;
  e.at_ms = real_now_ms();
  e.kind = std::move(kind);
  e.plugin = std::move(plugin);
  e.to = std::move(to);
  e.data = std::move(data);
  if (durable) {
    std::vector<std::string> tags;
    for (const auto& d : e.to) tags.push_back("to:" + d);
    const int64_t keep = std::chrono::duration_cast<std::chrono::milliseconds>(config_.retention.events).count();
    with.push_back({kEvents, key_of(e.seq), e.at_ms, e.at_ms + keep, tags, stored_doc(e).dump()});
  }
  if (!with.empty())
    if (auto put = app_.store_put(with); !put)  // delivered all the same: a desk connected now still hears it
      journal_.line("error", "event_not_kept", {{"seq", e.seq}, {"kind", e.kind}, {"message", put.error().message},
                                                {"hint", put.error().hint}});
  recent_.push_back(e);
  while (recent_.size() > config_.limits.events_in_memory) recent_.pop_front();
  const std::string frame = e.frame();
  std::erase_if(streams_, [&](Stream& s) {
    auto sink = s.sink.lock();
    if (!sink) return true;
    return e.for_desk(s.desk) && !sink->deliver(e.seq, e.kind, frame);
  });
  return e.seq;
}

std::vector<Event> Events::stored_after(const std::string& desk, uint64_t since) const {
  std::vector<Event> out;
  for (const std::string& tag : {"to:" + desk, std::string("to:") + kEveryDesk}) {
    onshi::plugin::Host::Query q;
    q.collection = kEvents;
    q.tag = tag;
    auto rows = app_.store_query(q);
    if (!rows) continue;
    for (const auto& r : *rows) {
      const json d = json::parse(r.doc, nullptr, false);
      if (d.is_object() && d.value("seq", uint64_t(0)) > since) out.push_back(from_stored(d));
    }
  }
  std::sort(out.begin(), out.end(), [](const Event& a, const Event& b) { return a.seq < b.seq; });
  out.erase(std::unique(out.begin(), out.end(), [](const Event& a, const Event& b) { return a.seq == b.seq; }),
            out.end());
  return out;
}

void Events::subscribe(const std::string& desk, std::optional<uint64_t> after, const std::shared_ptr<EventSink>& sink) {
  std::lock_guard lock(mutex_);
  if (after && *after < last_) {
    const uint64_t since = *after;
    // Older than what memory holds: from the store (durable events only; card events are not kept).
    std::vector<Event> backlog;
    if (recent_.empty() || recent_.front().seq > since + 1) backlog = stored_after(desk, since);
    for (const auto& e : recent_)
      if (e.seq > since && (backlog.empty() || e.seq > backlog.back().seq)) backlog.push_back(e);
    for (const auto& e : backlog)
      if (e.for_desk(desk) && !sink->deliver(e.seq, e.kind, e.frame())) return;
  }
  streams_.push_back({desk, sink});
}

uint64_t Events::last_seq() const {
  std::lock_guard lock(mutex_);
  return last_;
}

std::size_t Events::streams() const {
  std::lock_guard lock(mutex_);
  return std::count_if(streams_.begin(), streams_.end(), [](const Stream& s) { return !s.sink.expired(); });
}

}  // namespace onshi::service
