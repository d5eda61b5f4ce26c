#include "store.hpp"

#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cstddef>
#include <cstdio>

namespace onshi::host {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS records(
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL,
  at_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, doc BLOB NOT NULL,
  UNIQUE(owner, collection, key));
CREATE INDEX IF NOT EXISTS records_by_time ON records(owner, collection, at_ms);
CREATE INDEX IF NOT EXISTS records_by_expiry ON records(expires_ms) WHERE expires_ms > 0;
CREATE TABLE IF NOT EXISTS tags(
  tag TEXT NOT NULL, record INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  PRIMARY KEY(tag, record)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_record ON tags(record);
PRAGMA user_version = 1;
)sql";

constexpr int64_t kPurgeEveryMs = 60'000;

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) { rc_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return s_; }
  void text(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT); }
  void int64(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void blob(int i, const uint8_t* p, size_t n) { sqlite3_bind_blob64(s_, i, n ? p : (const uint8_t*)"", n, SQLITE_TRANSIENT); }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

std::string column_text(sqlite3_stmt* s, int i) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, sqlite3_column_bytes(s, i)) : std::string();
}

// WHERE clause shared by query and erase; binds in order after ?1 owner, ?2 now.
struct Filter {
  std::string sql = " WHERE r.owner = ?1 AND r.collection = ?3 AND (r.expires_ms = 0 OR r.expires_ms > ?2)";
  explicit Filter(const onshi_store_query& q) {
    if (q.key) sql += " AND r.key = ?4";
    if (q.tag) sql += " AND r.id IN (SELECT record FROM tags WHERE tag = ?5)";
    if (q.since_unix_ms) sql += " AND r.at_ms >= ?6";
    if (q.until_unix_ms) sql += " AND r.at_ms < ?7";
  }
  static void bind(Stmt& st, const std::string& owner, const onshi_store_query& q, int64_t now_ms) {
    st.text(1, owner);
    st.int64(2, now_ms);
    st.text(3, q.collection);
    if (q.key) st.text(4, q.key);
    if (q.tag) st.text(5, q.tag);
    if (q.since_unix_ms) st.int64(6, q.since_unix_ms);
    if (q.until_unix_ms) st.int64(7, q.until_unix_ms);
  }
};

bool complete(const onshi_store_query& q) {
  return q.struct_size >= offsetof(onshi_store_query, newest_first) + sizeof q.newest_first && q.collection;
}

Error bad_query() {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "store", "a store query needs struct_size and a collection",
                    "set query.struct_size = sizeof(onshi_store_query) and name the collection");
}

}  // namespace

Error Store::sqlite_error(const std::string& doing) const {
  int rc = sqlite3_extended_errcode(db_);
  std::string message = doing + " in " + file_.string() + ": " + sqlite3_errmsg(db_);
  // A full disk often reaches SQLite as an I/O error (its shared-memory file cannot grow): say so.
  struct statvfs fs {};
  if (((rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR) && ::statvfs(file_.parent_path().c_str(), &fs) == 0 &&
      uint64_t(fs.f_bavail) * fs.f_frsize < (1u << 20))
    return make_error(ONSHI_E_IO, "store",
                      doing + ": the disk holding " + file_.parent_path().string() + " is full (" +
                          std::to_string(uint64_t(fs.f_bavail) * fs.f_frsize / 1024) + " KiB free)",
                      "free disk space there; nothing was written, the store is as it was", rc);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return make_error(ONSHI_E_IO, "store", message, "free disk space; nothing was written", rc);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return make_error(ONSHI_E_IO, "store", message,
                        "the store file is damaged: stop the EMR, move the file aside and restore it from backup", rc);
    case SQLITE_BUSY:
    case SQLITE_LOCKED: {
      Error e = make_error(ONSHI_E_BUSY, "store", message, "another program holds the store; try again", rc);
      e.retryable = true;
      return e;
    }
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return make_error(ONSHI_E_IO, "store", message, "make the state folder writable by the EMR's user", rc);
    default:
      return make_error(ONSHI_E_IO, "store", message, "check the disk holding the state folder", rc);
  }
}

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& file) {
  // Owner only, whatever the umask: SQLite gives its -wal and -shm files the mode of the database.
  make_private_dirs(file.parent_path());
  if (const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600); fd >= 0) {
    ::fchmod(fd, 0600);
    ::close(fd);
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  std::unique_ptr<Store> store(new Store(db, file));
  if (rc != SQLITE_OK) return store->sqlite_error("cannot open the store");
  sqlite3_busy_timeout(db, 5000);  // other processes (a second CLI) share the file
  // WAL + FULL: each commit is on disk when it returns, and readers never block the writer.
  // secure_delete: what is erased (a refused request, an expired record) is overwritten, not left
  // in the file's free space.
  const char* setup =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";
  if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK)
    return store->sqlite_error("cannot prepare the store");
  return store;
}

Store::~Store() { sqlite3_close_v2(db_); }

Result<void> Store::purge_expired(int64_t now_ms) {
  if (now_ms - last_purge_ms_ < kPurgeEveryMs && now_ms >= last_purge_ms_) return {};
  Stmt st(db_, "DELETE FROM records WHERE expires_ms > 0 AND expires_ms <= ?1");
  if (!st.ok()) return sqlite_error("cannot purge expired records");
  st.int64(1, now_ms);
  if (st.step() != SQLITE_DONE) return sqlite_error("cannot purge expired records");
  if (sqlite3_changes(db_) > 0) forget_old_pages();
  last_purge_ms_ = now_ms;
  return {};
}

Result<void> Store::put(const std::string& owner, const onshi_store_record* records, uint32_t count, int64_t real_now_ms) {
  if (count && !records)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "store", "put without records", "pass an array of count records");
  for (uint32_t i = 0; i < count; ++i) {
    const auto& r = records[i];
    if (!ONSHI_HAS_FIELD(onshi_store_record, &r, doc) || !r.collection || !*r.collection ||
        (r.tag_count && !r.tags) || (r.doc.size && !r.doc.data))
      return make_error(ONSHI_E_INVALID_ARGUMENT, "store",
                        "record " + std::to_string(i) + " lacks struct_size, a collection, its tags or its data",
                        "fill every field of onshi_store_record");
  }
  std::lock_guard lock(mutex_);
  if (auto purged = purge_expired(real_now_ms); !purged) return purged;
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return sqlite_error("cannot start writing");
  auto fail = [&](const std::string& doing) {
    Error e = sqlite_error(doing);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  Stmt upsert(db_,
              "INSERT INTO records(owner, collection, key, at_ms, expires_ms, doc) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
              "ON CONFLICT(owner, collection, key) DO UPDATE SET at_ms = excluded.at_ms, "
              "expires_ms = excluded.expires_ms, doc = excluded.doc RETURNING id");
  Stmt next_id(db_, "SELECT COALESCE(MAX(id), 0) + 1 FROM records");
  Stmt drop_tags(db_, "DELETE FROM tags WHERE record = ?1");
  Stmt add_tag(db_, "INSERT OR IGNORE INTO tags(tag, record) VALUES(?1, ?2)");
  if (!upsert.ok() || !next_id.ok() || !drop_tags.ok() || !add_tag.ok()) return fail("cannot prepare a write");
  for (uint32_t i = 0; i < count; ++i) {
    const auto& r = records[i];
    std::string key;
    if (r.key) {
      key = r.key;
    } else {  // host-assigned, in order of writing
      if (next_id.step() != SQLITE_ROW) return fail("cannot number a record");
      char buf[24];
      std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(sqlite3_column_int64(next_id.get(), 0)));
      key = buf;
      next_id.reset();
    }
    upsert.text(1, owner);
    upsert.text(2, r.collection);
    upsert.text(3, key);
    upsert.int64(4, r.at_unix_ms);
    upsert.int64(5, r.expires_unix_ms);
    upsert.blob(6, r.doc.data, r.doc.size);
    if (upsert.step() != SQLITE_ROW) return fail("cannot write a record to '" + std::string(r.collection) + "'");
    int64_t id = sqlite3_column_int64(upsert.get(), 0);
    upsert.reset();
    drop_tags.int64(1, id);
    if (drop_tags.step() != SQLITE_DONE) return fail("cannot replace a record's tags");
    drop_tags.reset();
    for (uint32_t t = 0; t < r.tag_count; ++t) {
      if (!r.tags[t]) continue;
      add_tag.text(1, r.tags[t]);
      add_tag.int64(2, id);
      if (add_tag.step() != SQLITE_DONE) return fail("cannot write a record's tags");
      add_tag.reset();
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("cannot commit");
  return {};
}

Result<std::vector<StoredRecord>> Store::query(const std::string& owner, const onshi_store_query& q, int64_t now_ms) {
  if (!complete(q)) return bad_query();
  Filter filter(q);
  std::string sql =
      "SELECT r.collection, r.key, r.at_ms, r.expires_ms, r.doc, "
      "(SELECT group_concat(tag, char(31)) FROM tags WHERE record = r.id) FROM records r" +
      filter.sql + (q.newest_first ? " ORDER BY r.at_ms DESC, r.id DESC" : " ORDER BY r.at_ms, r.id");
  if (q.limit) sql += " LIMIT " + std::to_string(q.limit);
  std::lock_guard lock(mutex_);
  Stmt st(db_, sql);
  if (!st.ok()) return sqlite_error("cannot read the store");
  Filter::bind(st, owner, q, now_ms);
  std::vector<StoredRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    sqlite3_stmt* s = st.get();
    StoredRecord r;
    r.collection = column_text(s, 0);
    r.key = column_text(s, 1);
    r.at_unix_ms = sqlite3_column_int64(s, 2);
    r.expires_unix_ms = sqlite3_column_int64(s, 3);
    auto* doc = static_cast<const char*>(sqlite3_column_blob(s, 4));
    r.doc.assign(doc ? doc : "", sqlite3_column_bytes(s, 4));
    std::string tags = column_text(s, 5);
    for (size_t start = 0; !tags.empty() && start <= tags.size();) {
      size_t end = tags.find('\x1f', start);
      if (end == std::string::npos) end = tags.size();
      r.tags.push_back(tags.substr(start, end - start));
      start = end + 1;
    }
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return sqlite_error("cannot read the store");
  return out;
}

Result<uint32_t> Store::erase(const std::string& owner, const onshi_store_query& q, int64_t now_ms) {
  if (!complete(q)) return bad_query();
  Filter filter(q);
  std::lock_guard lock(mutex_);
  Stmt st(db_, "DELETE FROM records AS r" + filter.sql);
  if (!st.ok()) return sqlite_error("cannot erase from the store");
  Filter::bind(st, owner, q, now_ms);
  if (st.step() != SQLITE_DONE) return sqlite_error("cannot erase from the store");
  const auto erased = static_cast<uint32_t>(sqlite3_changes(db_));
  if (erased > 0) forget_old_pages();
  return erased;
}

// The write-ahead log still holds the pages as they were before an erase: copy the current ones
// into the file and empty the log. Best effort: a reader of another process may hold it open, and
// the next erase or close tries again.
void Store::forget_old_pages() { sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr); }

}  // namespace onshi::host
