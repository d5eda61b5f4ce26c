#include "host_store.hpp"

#include <onshi/disaster/json.hpp>
#include <onshi/support/document.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace onshi::disaster::plugin {
namespace {

using nlohmann::json;

constexpr const char* kDeclarationState = "onshi.disaster.declaration-state/1";

Error unreadable(const char* collection, const std::string& key, const std::string& why) {
  return make_error(ONSHI_E_PROTOCOL, "disaster",
                    std::string("the stored ") + collection + " record '" + key + "' cannot be read: " + why,
                    "report this; the record was written by another version of the disaster plugin");
}

// An exclusive lock on <state_dir>/audit.lock while held: other processes on the same state folder
// (a second desk, a CLI beside the EMR) wait, so no two of them seal a record after the same head.
class ChainLock {
 public:
  explicit ChainLock(const std::filesystem::path& file)
      : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) {
    while (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~ChainLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  ChainLock(const ChainLock&) = delete;
  ChainLock& operator=(const ChainLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace

int64_t unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Result<void> require_store(const Host& host) {
  if (host.has_store()) return {};
  return make_error(kUnavailable, "disaster",
                    "the host offers no durable store (onshi.host.store/1): disaster mode keeps its declaration and "
                    "audit log there and cannot run without it",
                    "open the SDK with a state_dir (onshi: --state-dir DIR) on a host SDK that provides the store");
}

// Kept with no expiry: no public rule limits how long a clinic keeps its own
// access log, and the OQS keeps its own (docs/decisions/disaster.md).
Result<void> StoreAuditSink::write(const AuditRecord& record) {
  if (auto ok = require_store(host_); !ok) return ok;
  auto secret = key(true);
  if (!secret) return std::move(secret).error();
  // Read the head and put the record after it as one step for every process on this state folder;
  // two desks each sealing after the same head forked the chain, which then read as tampered.
  const std::filesystem::path lock_file = std::filesystem::path(*host_.config("state_dir")) / "audit.lock";
  const ChainLock lock(lock_file);
  if (!lock.held())
    return make_error(ONSHI_E_IO, "disaster", "cannot lock the audit log (" + lock_file.string() + ")",
                      "check the state folder (disk full, permissions)");
  Host::Query last;
  last.collection = kCollectionAudit;
  last.newest_first = true;
  last.limit = 1;
  auto newest = host_.store_query(last);
  if (!newest) return std::move(newest).error();
  const ChainHead head = newest->empty() ? ChainHead{} : head_of(json::parse(newest->front().doc, nullptr, false));
  json doc = record;
  const auto real = std::chrono::floor<std::chrono::seconds>(host_.real_now());
  doc["real_at"] = iso_time(real);  // the SDK clock may be pinned (a drill): the real time is kept too
  const int32_t mode = host_.clock_mode();
  doc["clock"] = mode == ONSHI_CLOCK_REAL ? "real" : mode == ONSHI_CLOCK_REHEARSAL ? "rehearsal" : "pinned";
  Host::Record r;
  r.collection = kCollectionAudit;
  r.at_unix_ms = unix_ms(real);  // stored in the order of the real time, whatever the SDK clock says
  r.tags = {std::string("event:") + event_name(record.event), "operator:" + record.operator_id};
  r.doc = seal_record(std::move(doc), head, *secret).dump();
  return host_.store_put({r});
}

Result<StoreAuditSink::Log> StoreAuditSink::read_all() const {
  if (auto ok = require_store(host_); !ok) return std::move(ok).error();
  Host::Query all;
  all.collection = kCollectionAudit;
  auto stored = host_.store_query(all);
  if (!stored) return std::move(stored).error();
  Log log;
  for (const auto& r : *stored) log.records.push_back(json::parse(r.doc, nullptr, false));
  auto secret = key(false);
  if (!secret) {
    log.chain = {false, static_cast<int64_t>(log.records.size()), 1, 0, secret.error().message};
    if (log.records.empty()) log.chain = {};
    return log;
  }
  log.chain = verify_chain(log.records, *secret);
  return log;
}

Result<std::string> StoreAuditSink::key(bool create) const {
  const auto dir = host_.config("state_dir");
  if (!dir || dir->empty())
    return make_error(ONSHI_E_NOT_INITIALIZED, "disaster", "no state folder for the audit log's key",
                      "open the SDK with a state_dir (onshi: --state-dir DIR)");
  const std::filesystem::path path = std::filesystem::path(*dir) / "audit.key";
  std::string key(32, '\0');
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    const std::string fresh = new_chain_key();
    const int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out >= 0) {
      const bool ok = !fresh.empty() && ::write(out, fresh.data(), fresh.size()) == ssize_t(fresh.size()) && ::fsync(out) == 0;
      ::close(out);
      if (!ok) return make_error(ONSHI_E_IO, "disaster", "cannot write the audit log's key " + path.string(),
                                 "check the state folder (disk full, permissions)");
    }
    fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0)
    return make_error(ONSHI_E_IO, "disaster", "the audit log's key " + path.string() + " cannot be read",
                      "it seals every audit record; restore it from the clinic's backup");
  const ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != ssize_t(key.size()))
    return make_error(ONSHI_E_IO, "disaster", "the audit log's key " + path.string() + " is damaged",
                      "restore it from the clinic's backup");
  return key;
}

Result<void> StoreLocalHistory::keep(const RetainedRetrieval& retrieval) {
  if (auto ok = require_store(host_); !ok) return ok;
  Host::Record r;
  r.collection = kCollectionLocalHistory;
  r.at_unix_ms = unix_ms(retrieval.retrieved_at);
  r.expires_unix_ms = unix_ms(retrieval.keep_until);  // the host purges it then
  r.doc = json(retrieval).dump();
  if (retrieval.person.birthdate) r.tags.push_back("birth:" + iso_date(*retrieval.person.birthdate));
  r.tags.push_back("candidate:" + retrieval.person.candidate_id);
  // One record per retrieval; the same person seen again is a new record.
  return host_.store_put({r});
}

Result<std::vector<RetainedRetrieval>> StoreLocalHistory::born_on(Date birthdate) {
  if (auto ok = require_store(host_); !ok) return std::move(ok).error();
  Host::Query q;
  q.collection = kCollectionLocalHistory;
  q.tag = "birth:" + iso_date(birthdate);
  auto records = host_.store_query(q);
  if (!records) return std::move(records).error();
  std::vector<RetainedRetrieval> out;
  for (const auto& r : *records) {
    auto retained = parse_retained_retrieval(json::parse(r.doc, nullptr, false));
    if (!retained) return unreadable(kCollectionLocalHistory, r.key, retained.error().message);
    out.push_back(std::move(*retained));
  }
  return out;
}

Result<void> save_declaration(const Host& host, const DeclarationState& state, TimePoint now) {
  if (auto ok = require_store(host); !ok) return ok;
  json doc = {{"schema", kDeclarationState}, {"declaration", nullptr}, {"ended_at", nullptr}, {"end_reason", ""}};
  if (state.declaration) doc["declaration"] = *state.declaration;
  if (state.ended_at) doc["ended_at"] = iso_time(*state.ended_at);
  doc["end_reason"] = state.end_reason;
  Host::Record r;
  r.collection = kCollectionDeclaration;
  r.key = "current";
  r.at_unix_ms = unix_ms(now);
  r.doc = doc.dump();
  return host.store_put({r});
}

Result<DeclarationState> load_declaration(const Host& host) {
  if (auto ok = require_store(host); !ok) return std::move(ok).error();
  Host::Query q;
  q.collection = kCollectionDeclaration;
  q.key = "current";
  auto records = host.store_query(q);
  if (!records) return std::move(records).error();
  DeclarationState state;
  if (records->empty()) return state;
  auto doc = support::parse_document(records->front().doc, kDeclarationState);
  if (!doc) return unreadable(kCollectionDeclaration, "current", doc.error().message);
  if (const json* d = support::find(*doc, "declaration")) {
    auto declaration = parse_declaration(*d);
    if (!declaration) return unreadable(kCollectionDeclaration, "current", declaration.error().message);
    state.declaration = std::move(*declaration);
  }
  if (const json* ended = support::find(*doc, "ended_at"); ended && ended->is_string()) {
    auto t = parse_time(ended->get<std::string>(), "ended_at");
    if (!t) return unreadable(kCollectionDeclaration, "current", t.error().message);
    state.ended_at = *t;
  }
  state.end_reason = doc->value("end_reason", "");
  return state;
}

}  // namespace onshi::disaster::plugin
