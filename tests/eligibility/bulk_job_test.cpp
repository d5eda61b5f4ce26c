// The 一括照会 state machine alone (core bulk_job.hpp): no host, no simulator process. Its
// surroundings are fakes a test can break at will: a store in memory that a "kill -9" stops at
// any put (what the process had not put yet is lost, the rest stays), a terminal that answers
// 01res/02res with the terminal's own XML (libs/oqs) and remembers what the central system
// received across the clinic's crashes, and the core's AsioReactor on this thread.
// The same rules against the real simulator and a real killed process: bulk_test.cpp.
#include <onshi/eligibility/asio_reactor.hpp>
#include <onshi/eligibility/bulk.hpp>
#include <onshi/eligibility/bulk_job.hpp>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "files.hpp"

namespace onshi::eligibility {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kMarch15 = 1773536400000;  // 2026-03-15 10:00 JST
constexpr int64_t kMay1 = 1777561200000;     // 2026-05-01 00:00 JST: R-RETAIN's end for March

// ---- the store: every put atomic; a kill stops it at a chosen put

class MemoryStore final : public RecordStore {
 public:
  // The process dies once `puts` puts are stored: right after the last of them (early), or as it
  // tries the next one (late: whatever it did in between, such as sending, happened). `on_kill`
  // tells the terminal that nobody is listening any more.
  void kill_after(int puts, bool early, std::function<void()> on_kill) {
    limit_ = puts, early_ = early, on_kill_ = std::move(on_kill);
    if (early_ && puts_ >= limit_) kill();
  }
  void restart() { dead_ = false, limit_ = -1; }
  int puts() const { return puts_; }

  Result<void> put(const std::vector<StoreRecord>& records) override {
    if (dead_ || (!early_ && puts_ == limit_)) {
      if (!dead_) kill();
      return make_error(ONSHI_E_IO, "store", "the process was killed before this put");
    }
    for (StoreRecord r : records) {
      if (r.key.empty()) r.key = std::to_string(++numbered_);  // as the host's store numbers history entries
      auto& row = rows_[{r.collection, r.key}];
      if (row.first == 0) row.first = ++order_;
      row.second = std::move(r);
    }
    ++puts_;
    if (early_ && puts_ == limit_) kill();
    return {};
  }

  Result<std::vector<StoreRecord>> query(const StoreQuery& q) const override {
    std::vector<std::pair<uint64_t, StoreRecord>> found;
    for (const auto& [id, row] : rows_) {
      const StoreRecord& r = row.second;
      if (id.first != q.collection || (q.key && r.key != *q.key)) continue;
      if (q.tag && std::find(r.tags.begin(), r.tags.end(), *q.tag) == r.tags.end()) continue;
      found.emplace_back(row.first, r);
    }
    std::sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
      return q.newest_first ? a.first > b.first : a.first < b.first;
    });
    std::vector<StoreRecord> out;
    for (auto& [order, r] : found) out.push_back(std::move(r));
    return out;
  }

  std::vector<StoreRecord> all(const std::string& collection) const {
    StoreQuery q;
    q.collection = collection;
    return *query(q);
  }

 private:
  void kill() {
    dead_ = true;
    if (on_kill_) on_kill_();
  }
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, StoreRecord>> rows_;  // → (first put, record)
  uint64_t order_ = 0, numbered_ = 0;
  int puts_ = 0, limit_ = -1;
  bool early_ = false, dead_ = false;
  std::function<void()> on_kill_;
};

// ---- the terminal: the central system's memory survives the clinic's crashes

MessageHeader answer_header(const std::string& afi, const char* segment) {
  MessageHeader h;
  h.ArbitraryFileIdentifier = afi;
  h.SegmentOfResult = Coded<CodeTable::segment_of_result>{segment};
  return h;
}

class FakeTerminal final : public Terminal {
 public:
  enum class UploadAnswer { receipt, timeout };  // timeout: received, but the 01res never came back

  explicit FakeTerminal(boost::asio::io_context& io) : io_(io) {}

  // What a test may change.
  fs::path share;  // the terminal's shared folder: each 01res is also left in its res (empty: TLS)
  UploadAnswer upload_answer = UploadAnswer::receipt;
  bool ambiguous_lookup = false;  // the look-up by ArbitraryFileIdentifier says neither "this reception" nor E1002
  int processing_polls = 0;      // 02res 処理中 answers before the results, per reception

  // What it saw.
  std::map<std::string, int> received;      // ArbitraryFileIdentifier → uploads the central system received
  std::map<std::string, int> upload_sends;  // ArbitraryFileIdentifier → uploads the clinic sent (arrived or not)
  std::map<std::string, int> not_received;  // ArbitraryFileIdentifier → look-ups answered E1002
  std::map<std::string, int> lookups;       // ArbitraryFileIdentifier → look-ups asked
  std::map<std::string, int> downloads;     // reception number → 02req asked
  int cancels = 0;

  // The clinic's process died: what it sends now arrives nowhere, and no answer reaches it.
  void clinic_killed() {
    down_ = true;
    pending_.clear();
  }
  void clinic_restarted() { down_ = false; }

  Result<uint64_t> send(std::string_view prefix, std::string request, Reply reply) override {
    const uint64_t id = next_++;
    if (prefix == prefix::bulk_upload)
      ++upload_sends[*parse_message<BulkUploadRequest>(request)->header.ArbitraryFileIdentifier];
    if (down_) return id;
    Result<std::string> answer = answer_to(prefix, request);
    pending_[id] = std::move(reply);
    boost::asio::post(io_, [this, id, answer = std::move(answer)]() mutable { deliver(id, std::move(answer)); });
    return id;
  }

  void cancel(uint64_t exchange) override {
    ++cancels;
    if (pending_.count(exchange))
      boost::asio::post(io_, [this, exchange] {
        deliver(exchange, make_error(ONSHI_E_CANCELLED, "fake", "the exchange was cancelled"));
      });
  }

 private:
  void deliver(uint64_t id, Result<std::string> answer) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Reply reply = std::move(it->second);
    pending_.erase(it);
    reply(std::move(answer));
  }

  Result<std::string> answer_to(std::string_view prefix, const std::string& request) {
    if (prefix == prefix::bulk_upload) return upload(*parse_message<BulkUploadRequest>(request));
    if (prefix == prefix::bulk_download) return download(*parse_message<BulkReception>(request));
    if (prefix == prefix::registration) return registration(*parse_message<RegistrationRequest>(request));
    return make_error(ONSHI_E_NOT_SUPPORTED, "fake", "no such interface: " + std::string(prefix));
  }

  Result<std::string> upload(const BulkUploadRequest& req) {
    const std::string afi = req.header.ArbitraryFileIdentifier.value_or("");
    const std::string reception = "2026031500000" + std::to_string(receptions_.size() + 1);
    ++received[afi];
    reception_of_[afi] = reception;
    receptions_[reception] = req.body.QualificationConfirmSearchInfo;
    BulkReception res;
    res.header = answer_header(afi, "1");
    res.body.ReceptionNumber = reception;
    auto bytes = write_message(res);
    if (!share.empty()) onshi::test::write_bytes(share / "res" / ("OQSmuquc01res_" + reception + ".xml"), *bytes);
    if (upload_answer == UploadAnswer::timeout)
      return make_error(ONSHI_E_TIMEOUT, "fake", "no OQSmuquc01res within the time allowed");
    return bytes;
  }

  Result<std::string> download(const BulkReception& req) {
    const std::string afi = req.header.ArbitraryFileIdentifier.value_or("");
    const std::string reception = req.body.ReceptionNumber.value_or("");
    if (reception.empty()) {  // the look-up by ArbitraryFileIdentifier (our profile)
      ++lookups[afi];
      BulkReception res;
      auto known = reception_of_.find(afi);
      if (ambiguous_lookup) {
        res.header = answer_header(afi, "9");
        res.header.ErrorCode = "E9001";
        res.header.ErrorMessage = "システムが混雑しています";
      } else if (known == reception_of_.end()) {
        ++not_received[afi];
        res.header = answer_header(afi, "9");
        res.header.ErrorCode = std::string(kNotReceivedCode);
        res.header.ErrorMessage = "該当する受付がありません";
      } else {
        res.header = answer_header(afi, "2");
        res.header.ReceptionNumber = known->second;
      }
      return write_message(res);
    }
    BulkResult res;
    res.header = answer_header(afi, ++downloads[reception] <= processing_polls ? "2" : "1");
    res.header.ReceptionNumber = reception;
    if (res.header.SegmentOfResult->value == "1")
      for (const auto& info : receptions_.at(reception)) {
        BulkConfirmUnit& unit = res.body.BulkConfirmUnit.emplace_back();
        unit.QualificationConfirmSearchInfo = info;  // echoes its ArbitraryIdentifier
        unit.ProcessingResultStatus = Coded<CodeTable::processing_result_status>{"1"};
        unit.QualificationValidity = Coded<CodeTable::qualification_validity>{"4"};  // 該当資格なし
      }
    return write_message(res);
  }

  Result<std::string> registration(const RegistrationRequest& req) {
    RegistrationResponse res;
    res.header = answer_header(req.header.ArbitraryFileIdentifier.value_or(""), "1");
    res.body.ReferenceNumberRegistrationInfo = req.body.ReferenceNumberRegistrationInfo.at(0);
    res.body.ProcessingResultStatus = Coded<CodeTable::processing_result_status>{"1"};
    return write_message(res);
  }

  boost::asio::io_context& io_;
  bool down_ = false;
  uint64_t next_ = 1;
  std::map<uint64_t, Reply> pending_;
  std::map<std::string, std::string> reception_of_;  // afi → reception number
  std::map<std::string, std::vector<QualificationConfirmSearchInfo>> receptions_;
};

// ---- one run of the clinic's process: a reactor and a fresh BulkJobs over the surviving store

struct Completion {
  int calls = 0;
  onshi_status status = ONSHI_OK;
  std::string message;
  json document;
  BulkJobs::Done done() {
    return [this](Result<std::string> r) {
      ++calls;
      status = r ? ONSHI_OK : r.error().code;
      if (r) document = json::parse(*r);
      else message = r.error().message;
    };
  }
};

struct Clinic {
  Clinic(boost::asio::io_context& io, MemoryStore& store, FakeTerminal& terminal, fs::path root = {})
      : reactor(io),
        jobs(BulkServices{reactor, store, terminal,
                          [] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(kMarch15)); },
                          BulkSettings{"1311111111", std::chrono::milliseconds(1), 3, std::move(root)}}) {}
  BulkJobs::Progress progress() {
    return [this](const json& p) { stages.push_back(p["stage"]); };
  }
  AsioReactor reactor;
  BulkJobs jobs;
  std::vector<std::string> stages;
};

void run(boost::asio::io_context& io) {
  io.restart();
  io.run_for(std::chrono::seconds(10));
}

BulkPatient patient(std::string id, std::string insurer, std::string number, std::string birth) {
  return BulkPatient{std::move(id), "", std::move(insurer), "", std::move(number), "", std::move(birth)};
}

// Five patients in two chunks (3 + 2), and one whose 照会番号 is not registered (a result at once).
BulkRequest two_chunks() {
  BulkRequest r;
  for (int i = 0; i < 5; ++i)
    r.patients.push_back(patient("P" + std::to_string(i), "06139992", std::to_string(1000 + i), "19800515"));
  r.patients.push_back(BulkPatient{"P5", "K-UNREGISTERED", "", "", "", "", ""});
  return r;
}

std::set<std::string> chunk_afis(const MemoryStore& store) {
  std::set<std::string> afis;
  for (const auto& record : store.all("bulk-jobs")) {
    const json job = json::parse(record.doc);  // kept: a loop over a temporary's member would outlive it
    for (const auto& c : job["chunks"]) afis.insert(c["afi"]);
  }
  return afis;
}

int bulk_history_entries(const MemoryStore& store) {
  int n = 0;
  for (const auto& e : store.all("history")) n += json::parse(e.doc)["how"] == "bulk";
  return n;
}

// What holds after any crash and resume: one result per patient, one history entry per patient
// queried, and every chunk received by the central system exactly once.
void expect_complete_and_never_resent(const json& result, const MemoryStore& store, const FakeTerminal& terminal) {
  EXPECT_EQ(result["state"], "done");
  ASSERT_EQ(result["results"].size(), 6u) << "a result lost";
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(result["results"].contains("P" + std::to_string(i)));
  EXPECT_EQ(result["results"]["P5"]["kind"], "failed") << "an unregistered 照会番号 cannot be queried";
  EXPECT_EQ(result["results"]["P0"]["kind"], "no_data");
  EXPECT_EQ(store.all("bulk-results").size(), 6u) << "a result kept twice or lost";
  EXPECT_EQ(bulk_history_entries(store), 5) << "one history entry per patient queried, none twice";
  const auto afis = chunk_afis(store);
  ASSERT_EQ(afis.size(), 2u);
  for (const std::string& afi : afis) {
    EXPECT_EQ(terminal.received.count(afi) ? terminal.received.at(afi) : 0, 1) << "chunk " << afi;
    const int sends = terminal.upload_sends.count(afi) ? terminal.upload_sends.at(afi) : 0;
    const int proven = terminal.not_received.count(afi) ? terminal.not_received.at(afi) : 0;
    EXPECT_LE(sends, 1 + proven) << "chunk " << afi << " sent again without proof that it never arrived";
  }
}

// The clinic's world for one test: the terminal and the store outlive every runner made over them.
struct BulkJob : ::testing::Test {
  boost::asio::io_context io;
  MemoryStore store;
  FakeTerminal terminal{io};
  std::deque<Completion> completions;  // where each operation's completion lands

  Completion& started(Result<uint64_t> op) {
    EXPECT_TRUE(op.ok()) << op.error().message;
    return completions.back();
  }
  Completion& start(Clinic& clinic, const BulkRequest& request = two_chunks()) {
    return started(clinic.jobs.start(request, clinic.progress(), completions.emplace_back().done()));
  }
  Completion& resume(Clinic& clinic, const std::optional<std::string>& job) {
    return started(clinic.jobs.resume(job, clinic.progress(), completions.emplace_back().done()));
  }
};

// ---- S5: a crash at every put of a 2-chunk job, then a fresh runner over what survived

constexpr int kPutsOfAJob = 8;  // the job; 2 × uploading; 2 × uploaded; 2 × batch; done

TEST_F(BulkJob, S5_a_job_makes_the_puts_the_crash_test_enumerates) {
  Clinic clinic(io, store, terminal);
  const Completion& done = start(clinic);
  run(io);
  ASSERT_EQ(done.calls, 1);
  expect_complete_and_never_resent(done.document, store, terminal);
  EXPECT_EQ(store.puts(), kPutsOfAJob);
}

// (puts that survive, killed at once or later, the shared folder's res or TLS)
struct BulkJobCrash : BulkJob, ::testing::WithParamInterface<std::tuple<int, bool, bool>> {};

TEST_P(BulkJobCrash, S5_crash_then_resume_every_patient_one_result_no_upload_resent) {
  const auto [survive, early, folder] = GetParam();
  onshi::test::TempDir root;
  fs::create_directories(root.path / "res");
  if (folder) terminal.share = root.path;
  {
    Clinic first(io, store, terminal, terminal.share);
    store.kill_after(survive, early, [&] { terminal.clinic_killed(); });
    (void)first.jobs.start(two_chunks(), first.progress(), completions.emplace_back().done());  // fails when even
    run(io);                                                                                    // the job was lost
  }  // the process is gone: its timers and its memory with it

  store.restart();
  terminal.clinic_restarted();
  Clinic second(io, store, terminal, terminal.share);
  // Not even the job stored: the EMR starts it again. Else by its id: a job that finished before
  // the kill completes at once with its stored results.
  const json stored = json::parse(*second.jobs.jobs())["jobs"];
  const Completion& done = stored.empty() ? start(second) : resume(second, stored[0]["job"].get<std::string>());
  run(io);
  ASSERT_EQ(done.calls, 1) << done.message;
  expect_complete_and_never_resent(done.document, store, terminal);
  if (folder) {  // an upload that arrived left its 01res in res: adopted from there; asked only when none did
    for (const auto& [afi, n] : terminal.lookups) EXPECT_EQ(n, terminal.not_received[afi]) << afi;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPut, BulkJobCrash,
                         ::testing::Combine(::testing::Range(0, kPutsOfAJob + 1), ::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return "after_put_" + std::to_string(std::get<0>(info.param)) +
                                  (std::get<1>(info.param) ? "_killed_at_once" : "_killed_later") +
                                  (std::get<2>(info.param) ? "_folder" : "_tls");
                         });

// ---- the other rules

TEST_F(BulkJob, S5_an_upload_without_answer_and_an_ambiguous_lookup_end_unknown_never_resent) {
  terminal.upload_answer = FakeTerminal::UploadAnswer::timeout;
  terminal.ambiguous_lookup = true;
  Completion* done;
  {
    Clinic clinic(io, store, terminal);
    done = &start(clinic);
    run(io);
  }
  ASSERT_EQ(done->calls, 1) << done->message;
  EXPECT_EQ(done->document["state"], "unknown");
  ASSERT_EQ(done->document["unknown"].size(), 2u);
  EXPECT_EQ(done->document["unknown"][0]["patients"].size(), 3u);
  EXPECT_EQ(done->document["results"].size(), 1u) << "only the unregistered 照会番号's failure";
  EXPECT_TRUE(done->document.contains("hint"));
  for (const std::string& afi : chunk_afis(store)) {
    EXPECT_EQ(terminal.upload_sends[afi], 1) << "an upload of unknown fate was sent again";
    EXPECT_EQ(terminal.lookups[afi], 1);
  }
  // Resumed by its id (a person checked the terminal's screen): it asks again, still without resending.
  terminal.ambiguous_lookup = false;
  Clinic again(io, store, terminal);
  auto oldest_running = again.jobs.resume(std::nullopt, again.progress(), [](Result<std::string>) {});
  ASSERT_FALSE(oldest_running.ok()) << "an unknown job is no longer running";
  EXPECT_EQ(oldest_running.error().code, ONSHI_E_NOT_FOUND);
  const json jobs = json::parse(*again.jobs.jobs())["jobs"];
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["state"], "unknown");
  const Completion& resumed = resume(again, jobs[0]["job"].get<std::string>());
  run(io);
  ASSERT_EQ(resumed.calls, 1) << resumed.message;
  EXPECT_EQ(resumed.document["state"], "done");
  EXPECT_EQ(resumed.document["results"].size(), 6u);
  for (const std::string& afi : chunk_afis(store)) EXPECT_EQ(terminal.upload_sends[afi], 1);
}

TEST_F(BulkJob, polls_while_processing_twice_then_stores_the_results) {
  terminal.processing_polls = 2;
  Clinic clinic(io, store, terminal);
  const Completion& done = start(clinic);
  run(io);
  ASSERT_EQ(done.calls, 1) << done.message;
  expect_complete_and_never_resent(done.document, store, terminal);
  ASSERT_EQ(terminal.downloads.size(), 2u);
  for (const auto& [reception, asked] : terminal.downloads) EXPECT_EQ(asked, 3) << "処理中, 処理中, 完了";
  EXPECT_EQ(std::count(clinic.stages.begin(), clinic.stages.end(), "waiting"), 4);
  for (const char* stage : {"saved", "uploading", "sent", "uploaded", "downloaded", "received", "done"})
    EXPECT_NE(std::find(clinic.stages.begin(), clinic.stages.end(), stage), clinic.stages.end()) << stage;
}

TEST_F(BulkJob, cancel_completes_exactly_once_and_the_job_stays_resumable) {
  terminal.processing_polls = 1000;  // never finished while we watch
  Completion* done;
  {
    Clinic clinic(io, store, terminal);
    auto started = clinic.jobs.start(two_chunks(), clinic.progress(), completions.emplace_back().done());
    ASSERT_TRUE(started.ok());
    const uint64_t op = *started;
    done = &completions.back();
    while (std::count(clinic.stages.begin(), clinic.stages.end(), "waiting") < 3) io.run_one();
    clinic.jobs.cancel(op);
    clinic.jobs.cancel(op);
    run(io);
    EXPECT_EQ(done->calls, 1);
    EXPECT_EQ(done->status, ONSHI_E_CANCELLED);
    EXPECT_NE(done->message.find("paused"), std::string::npos) << done->message;
    clinic.jobs.cancel(op);  // after the completion: nothing
    run(io);
  }
  EXPECT_EQ(done->calls, 1) << "and not again when its runner goes";
  terminal.processing_polls = 0;
  Clinic later(io, store, terminal);
  const Completion& resumed = resume(later, std::nullopt);
  run(io);
  ASSERT_EQ(resumed.calls, 1) << resumed.message;
  expect_complete_and_never_resent(resumed.document, store, terminal);
}

TEST_F(BulkJob, closing_completes_open_operations_once_with_cancelled) {
  terminal.processing_polls = 1000;
  Completion *running, *queued;
  {
    Clinic clinic(io, store, terminal);
    running = &start(clinic);
    io.run_for(std::chrono::milliseconds(50));
    queued = &start(clinic);  // not run yet
  }
  run(io);  // whatever the terminal still had to say goes nowhere
  for (const Completion* c : {running, queued}) {
    EXPECT_EQ(c->calls, 1);
    EXPECT_EQ(c->status, ONSHI_E_CANCELLED);
  }
}

TEST_F(BulkJob, R_RETAIN_the_job_its_patients_results_and_history_expire_at_the_end_of_the_following_month) {
  Clinic clinic(io, store, terminal);
  const Completion& done = start(clinic);
  run(io);
  ASSERT_EQ(done.calls, 1);
  const std::string id = done.document["job"];
  EXPECT_EQ(id.size(), std::string("B20260315100000-1a2b3c").size()) << id;
  EXPECT_TRUE(id.starts_with("B20260315100000-")) << "when it was made, JST";
  for (const char* collection : {"bulk-jobs", "bulk-patients", "bulk-results", "history"})
    for (const auto& r : store.all(collection)) EXPECT_EQ(r.expires_unix_ms, kMay1) << collection;
  // The layout the store keeps (docs/decisions/eligibility-bulk.md), whatever version wrote it.
  const auto jobs = store.all("bulk-jobs");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].key, id);
  const json job = json::parse(jobs[0].doc);
  std::set<std::string> keys;
  for (const auto& [k, v] : job.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"schema", "job", "state", "created_unix_ms", "limit_consent", "label",
                                         "unresolved", "total", "chunks"}));
  EXPECT_EQ(job["schema"], "onshi.eligibility.bulk-job/1");
  EXPECT_EQ(job["chunks"][0], (json{{"first", 0}, {"count", 3}, {"afi", job["chunks"][0]["afi"]}, {"state", "done"},
                                    {"reception_number", job["chunks"][0]["reception_number"]}, {"poll_failures", 0}}));
  const json patients = json::parse(store.all("bulk-patients").at(0).doc);
  EXPECT_EQ(patients[0], (json{{"patient_id", "P0"}, {"insurer_number", "06139992"}, {"symbol", ""}, {"number", "1000"},
                               {"branch", ""}, {"birth_date", "19800515"}}));
  EXPECT_EQ(patients[5], (json{{"patient_id", "P5"}, {"reference_number", "K-UNREGISTERED"}}));
  const auto results = store.all("bulk-results");
  EXPECT_EQ(results[0].key, id + "/000005") << "the unresolved row's result, put with the job";
  EXPECT_EQ(results[0].tags, std::vector<std::string>{"job:" + id});
  EXPECT_EQ(json::parse(results[1].doc)["patient_id"], "P0");
  EXPECT_EQ(json::parse(store.all("history").at(0).doc)["job"], id);
}

TEST_F(BulkJob, R_SHOUKAI_a_registered_reference_number_is_queried_by_its_registered_numbers) {
  Clinic clinic(io, store, terminal);
  const Completion& registered = started(clinic.jobs.register_references(
      {Reference{"K-1", "EMR-1", "06139992", "", "5678", "", "19800515"}}, completions.emplace_back().done()));
  run(io);
  ASSERT_EQ(registered.calls, 1) << registered.message;
  EXPECT_EQ(registered.document["results"][0]["registered"], true);
  ASSERT_TRUE(find_reference(store, "K-1").has_value());
  BulkRequest by_reference;
  by_reference.patients.push_back(BulkPatient{"EMR-1", "K-1", "", "", "", "", ""});
  const Completion& done = start(clinic, by_reference);
  run(io);
  ASSERT_EQ(done.calls, 1) << done.message;
  EXPECT_EQ(done.document["results"]["EMR-1"]["kind"], "no_data");
  const json patients = json::parse(store.all("bulk-patients").at(0).doc);
  EXPECT_EQ(patients[0]["number"], "5678");
  EXPECT_EQ(patients[0]["birth_date"], "19800515");
}

}  // namespace
}  // namespace onshi::eligibility
