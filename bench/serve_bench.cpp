// onshi serve, measured (issue 15), each figure next to a baseline of the same run:
//   overhead  one 資格確認 through the service (HTTP on loopback, a desk's keep-alive connection) vs the
//             same in-process (the SDK's query_async), one after another: median and p99
//   scale     D desks × N verifications at once through the service vs one desk through it (the
//             overhead run) and vs D threads of one in-process SDK: answers/s, p99; and 0 lost,
//             0 duplicated, 0 to the wrong desk (each answer is the asked patient's; each desk's job
//             list is exactly its own answers), and no request name used twice (the terminal's log)
//   faces     F desks with overlapping expectations, P face pushes: misrouted, duplicated, lost, queued
// Against onshi-sim on the terminal's folders; `onshi serve` and the SDK load the same plugin. One PC
// names at most 9999 requests a day, so desks × per-desk stays within that (scripts/bench.sh: 20 × 499).
//   serve_bench [--desks 20] [--per-desk 499] [--overhead 300] [--face-desks 10] [--faces 200]
#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/host.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "serve_process.hpp"
#include "sim_process.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using onshi::test::fs::path;

// Persons of onshi-sim with a birth date each (samples/sim/personas.json).
const char* kPeople[][4] = {{"shaho-valid", "06139992", "5678", "19800515"},
                            {"kokuho-valid", "138123", "456789", "19850220"},
                            {"kouki-1wari", "39131230", "00012345", "19450310"},
                            {"jieikan", "07135015", "3000123", "19900101"},
                            {"tokubetsu", "138123", "777001", "19700707"},
                            {"lost-old", "06131114", "2222", "19881111"},
                            {"lost-new", "06132229", "3333", "19920202"},
                            {"blackdot", "06135552", "6666", "19600606"},
                            {"blank-kana", "06136667", "7777", "19951212"},
                            {"preschool", "138123", "888002", "20220810"},
                            {"gendogaku", "06137772", "8888", "19720303"},
                            {"koureisha", "06138887", "9999", "19540101"}};
constexpr size_t kPeopleCount = sizeof kPeople / sizeof kPeople[0];

// The insured number an answer is about ("" for an answer about nobody: a failure).
std::string number_of(const json& outcome) {
  if (!outcome.is_object() || !outcome.contains("qualifications") || !outcome["qualifications"].is_array() ||
      outcome["qualifications"].empty())
    return "";
  return outcome["qualifications"][0].value("insured_identification_number", "");
}

json query_of(size_t i) {
  const auto& p = kPeople[i % kPeopleCount];
  return {{"kind", "insured"}, {"insurer_number", p[1]}, {"number", p[2]}, {"birth_date", p[3]}};
}

std::string token_of(const std::string& desk) { return "bench token of " + desk; }

std::string sha256_hex(const std::string& text) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(text.data(), text.size(), d, &n, EVP_sha256(), nullptr);
  std::string out;
  char b[3];
  for (unsigned i = 0; i < n; ++i) std::snprintf(b, sizeof b, "%02x", d[i]), out += b;
  return out;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Stats {
  double median = 0, p99 = 0;
};
Stats stats_of(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

// A desk's keep-alive connection to the service.
class Desk {
 public:
  Desk(int port, std::string name) : name_(std::move(name)), stream_(io_) {
    stream_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }
  struct Reply {
    unsigned status = 0;
    json doc;
    std::string job;
  };
  Reply send(http::verb method, const std::string& target, const std::string& body = "") {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::authorization, "Bearer " + token_of(name_));
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    Reply r{res.result_int(), json::parse(res.body(), nullptr, false), std::string(res["X-Onshi-Job"])};
    return r;
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  net::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// A desk's event stream (SSE), read on a thread of its own.
class Stream {
 public:
  Stream(int port, const std::string& desk) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    const std::string req = "GET /v1/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                            "Authorization: Bearer " + token_of(desk) + "\r\n\r\n";
    net::write(socket_, net::buffer(req));
    reader_ = std::thread([this] {
      std::string text;
      char buf[8192];
      boost::system::error_code ec;
      for (;;) {
        const size_t n = socket_.read_some(net::buffer(buf), ec);
        if (ec) return;
        text.append(buf, n);
        for (auto end = text.find("\n\n"); end != std::string::npos; end = text.find("\n\n")) {
          const std::string block = text.substr(0, end);
          text.erase(0, end + 2);
          const auto at = block.find("data: ");
          if (at == std::string::npos) continue;
          json e = json::parse(block.substr(at + 6), nullptr, false);
          std::lock_guard lock(mutex_);
          if (e.is_object()) events_.push_back(std::move(e));
        }
      }
    });
  }
  ~Stream() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    reader_.join();
  }
  std::vector<json> of_kind(const std::string& kind) {
    std::lock_guard lock(mutex_);
    std::vector<json> out;
    for (const auto& e : events_)
      if (e.value("kind", "") == kind) out.push_back(e);
    return out;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  std::thread reader_;
  std::mutex mutex_;
  std::vector<json> events_;
};

int arg(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == name) return std::atoi(argv[i + 1]);
  return fallback;
}

onshi::Sdk in_process(const path& root, const path& state) {
  onshi::SdkOptions o;
  o.host_name = "serve-bench";
  o.plugin_dirs = {ONSHI_PLUGIN_BUILD_DIR};
  o.use_default_dirs = false;
  o.enabled_ids = std::vector<std::string>{"onshi.eligibility"};
  o.state_dir = state.string();
  o.config_json = json{{"onshi.eligibility", {{"folder", {{"root", root.string()}, {"rescan_ms", 50}}}}}}.dump();
  o.log_level = ONSHI_LOG_ERROR + 1;
  auto sdk = onshi::Sdk::open(o);
  if (!sdk) std::fprintf(stderr, "cannot open the SDK: %s\n", sdk.error().message.c_str()), std::exit(1);
  return std::move(sdk).value();
}

// One 資格確認 in-process, waited for; its latency, and whether it is the asked patient's.
bool ask_in_process(const onshi::Extension<onshi_eligibility_v1>& e, size_t i, double& latency) {
  onshi::Completion done;
  const std::string text = query_of(i).dump();
  uint64_t op = 0;
  onshi_error err = onshi::empty_error();
  const auto t0 = Clock::now();
  if (e.vtable->query_async(e.instance, onshi::bytes_of(text), done.get(), &op, &err) != ONSHI_OK) return false;
  done.wait_for(std::chrono::seconds(60));
  latency = ms(Clock::now() - t0);
  auto r = done.result();
  if (!r) return false;
  return number_of(json::parse(*r, nullptr, false)) == kPeople[i % kPeopleCount][2];
}

}  // namespace

int main(int argc, char** argv) {
  const int desks = arg(argc, argv, "--desks", 20), per_desk = arg(argc, argv, "--per-desk", 499);
  const int sequential = arg(argc, argv, "--overhead", 300);
  const int face_desks = std::min<int>(arg(argc, argv, "--face-desks", 10), kPeopleCount);
  const int faces = arg(argc, argv, "--faces", 200);
  // A PC names at most 9999 requests a day (yyyyMMdd + a 4-digit daily sequence, kept in its state
  // folder: docs/decisions/eligibility.md); each phase below has a state folder of its own.
  if (desks * per_desk > 9999 || sequential > 9999)
    return std::fprintf(stderr, "%d desks x %d is over the 9999 request names one PC has in a day\n", desks, per_desk), 2;
  onshi::test::TempDir oqs, work;
  for (const char* sub : {"req", "res", "face"}) std::filesystem::create_directories(oqs.path / sub);
  onshi::test::SimProcess sim({"serve", "--root", oqs.path.string(), "--poll", "2"}, work.path / "sim.log");
  if (!sim.started()) return std::fprintf(stderr, "onshi-sim did not start\n"), 1;

  // ---- the baselines, in-process
  std::vector<double> direct, direct_scale;
  double direct_seconds = 0;
  int direct_wrong = 0;
  {
    onshi::Sdk sdk = in_process(oqs.path, work.path / "sdk-overhead");
    auto e = sdk.extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY);
    for (int i = 0; i < sequential; ++i) {
      double l = 0;
      direct_wrong += !ask_in_process(*e, i, l);
      direct.push_back(l);
    }
  }
  {
    onshi::Sdk sdk = in_process(oqs.path, work.path / "sdk-scale");
    auto e = sdk.extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY);
    std::mutex m;
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int d = 0; d < desks; ++d)
      threads.emplace_back([&, d] {
        for (int i = 0; i < per_desk; ++i) {
          double l = 0;
          const bool right = ask_in_process(*e, d * 7 + i, l);
          std::lock_guard lock(m);
          direct_wrong += !right;
          direct_scale.push_back(l);
        }
      });
    for (auto& t : threads) t.join();
    direct_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }

  // ---- the service
  json desk_list = json::array({{{"name", "overhead"}, {"token_sha256", sha256_hex(token_of("overhead"))}}});
  for (int d = 0; d < std::max(desks, face_desks); ++d)
    desk_list.push_back({{"name", "desk-" + std::to_string(d)}, {"token_sha256", sha256_hex(token_of("desk-" + std::to_string(d)))}});
  // The same configuration for each phase, in a folder of its own (its state folder inside).
  auto config_in = [&](const path& dir) {
    std::filesystem::create_directories(dir);
    return json{{"listen", "127.0.0.1:0"},
                {"state_dir", (dir / "state").string()},
                {"plugin_dirs", {ONSHI_PLUGIN_BUILD_DIR}},
                {"use_default_plugin_dirs", false},
                {"plugins", {{"onshi.eligibility", {{"folder", {{"root", oqs.path.string()}, {"rescan_ms", 50}}}}}}},
                {"desks", desk_list},
                {"threads", 2},
                {"limits", {{"max_jobs_per_desk", per_desk + 10}, {"max_connections", 1000}}}}
        .dump();
  };

  std::vector<double> served;
  int served_wrong = 0;
  double one_desk_seconds = 0;
  {
    onshi::test::ServeProcess serve(work.path / "serve-overhead", config_in(work.path / "serve-overhead"));
    if (!serve.port()) return std::fprintf(stderr, "onshi serve did not start:\n%s\n", serve.log().c_str()), 1;
    const auto one_desk_t0 = Clock::now();
    Desk desk(serve.port(), "overhead");
    for (int i = 0; i < sequential; ++i) {
      const auto t0 = Clock::now();
      auto r = desk.send(http::verb::post, "/v1/onshi.eligibility/1/query", query_of(i).dump());
      served.push_back(ms(Clock::now() - t0));
      served_wrong += r.status != 200 || number_of(r.doc) != kPeople[i % kPeopleCount][2];
    }
    one_desk_seconds = std::chrono::duration<double>(Clock::now() - one_desk_t0).count();
  }
  const Stats a = stats_of(direct), b = stats_of(served);
  std::printf("overhead: %d verifications one after another\n", sequential);
  std::printf("  in-process      median %.2f ms, p99 %.2f ms\n", a.median, a.p99);
  std::printf("  through serve   median %.2f ms, p99 %.2f ms  (%.2fx median, %.2fx p99; wrong answers %d/%d)\n",
              b.median, b.p99, b.median / a.median, b.p99 / a.p99, served_wrong, direct_wrong);

  // Scale: every desk at once, each on its own connection, its verifications one after another.
  onshi::test::ServeProcess serve(work.path / "serve-scale", config_in(work.path / "serve-scale"));
  if (!serve.port()) return std::fprintf(stderr, "onshi serve did not start:\n%s\n", serve.log().c_str()), 1;
  std::vector<double> scale;
  std::map<std::string, std::vector<std::string>> jobs_of;  // desk → X-Onshi-Job of each answer
  std::atomic<int> wrong_patient{0}, failed{0};
  std::mutex m;
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int d = 0; d < desks; ++d)
    threads.emplace_back([&, d] {
      Desk desk(serve.port(), "desk-" + std::to_string(d));
      for (int i = 0; i < per_desk; ++i) {
        const auto s = Clock::now();
        auto r = desk.send(http::verb::post, "/v1/onshi.eligibility/1/query", query_of(d * 7 + i).dump());
        const double l = ms(Clock::now() - s);
        if (r.status != 200 || number_of(r.doc).empty()) {
          ++failed;
          std::lock_guard lock(m);
          if (failed <= 3) std::fprintf(stderr, "not answered: HTTP %u %s\n", r.status, r.doc.dump().substr(0, 300).c_str());
        } else if (number_of(r.doc) != kPeople[(d * 7 + i) % kPeopleCount][2]) {
          ++wrong_patient;
        }
        std::lock_guard lock(m);
        scale.push_back(l);
        jobs_of[desk.name()].push_back(r.job);
      }
    });
  for (auto& t : threads) t.join();
  const double served_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  // Each desk's own list of jobs is exactly what it was answered: none lost, none twice, none of another.
  int lost = 0, duplicated = 0, wrong_desk = 0;
  std::set<std::string> every_job;
  for (auto& [name, asked] : jobs_of) {
    Desk desk(serve.port(), name);
    std::set<std::string> listed;
    const json list = desk.send(http::verb::get, "/v1/jobs").doc;
    for (const auto& j : list["jobs"]) listed.insert(j["job"]);
    std::set<std::string> answered(asked.begin(), asked.end());
    duplicated += static_cast<int>(asked.size() - answered.size());
    for (const auto& j : answered) {
      lost += !listed.count(j) + j.empty();
      wrong_desk += !every_job.insert(j).second;
    }
    for (const auto& j : listed) wrong_desk += !answered.count(j) && j != "";
  }
  const int total = desks * per_desk;
  lost += total - static_cast<int>(scale.size()) + failed;
  const Stats d = stats_of(direct_scale), s = stats_of(scale);
  std::printf("scale: %d desks x %d verifications at once (%d)\n", desks, per_desk, total);
  const double rate = total / served_seconds, one_desk_rate = sequential / one_desk_seconds,
               direct_rate = total / direct_seconds;
  std::printf("  1 desk through serve    %.0f answers/s, p99 %.1f ms (the overhead run)\n", one_desk_rate, b.p99);
  std::printf("  in-process, %d threads  %.0f answers/s, p99 %.1f ms\n", desks, direct_rate, d.p99);
  std::printf("  %d desks through serve  %.0f answers/s, p99 %.1f ms  (%.2fx the throughput and %.2fx the p99 of 1 desk;"
              " %.2fx the throughput and %.2fx the p99 of %d threads in-process)\n",
              desks, rate, s.p99, rate / one_desk_rate, s.p99 / b.p99, rate / direct_rate, s.p99 / d.p99, desks);
  std::printf("  lost %d (of which failed to answer %d), duplicated %d, to the wrong desk %d, the wrong patient %d\n",
              lost, failed.load(), duplicated, wrong_desk, wrong_patient.load());

  // Faces: each desk expects its own person over and over, windows overlapping; pushes in a mix.
  std::vector<std::unique_ptr<Stream>> streams;
  for (int f = 0; f < face_desks; ++f) streams.push_back(std::make_unique<Stream>(serve.port(), "desk-" + std::to_string(f)));
  std::vector<int> wanted(face_desks, 0);
  for (int p = 0; p < faces; ++p) ++wanted[p % face_desks];
  for (int f = 0; f < face_desks; ++f) {
    Desk desk(serve.port(), "desk-" + std::to_string(f));
    for (int k = 0; k < wanted[f]; ++k)
      desk.send(http::verb::post, "/v1/desk/expectations",
                json{{"birth_date", kPeople[f][3]}, {"window_seconds", 600}}.dump());
  }
  std::string pushes;
  for (int p = 0; p < faces; ++p) pushes += std::string(kPeople[p % face_desks][0]) + "\n";
  onshi::test::write_bytes(oqs.path / "sim-control" / ".face", pushes);
  std::filesystem::rename(oqs.path / "sim-control" / ".face", oqs.path / "sim-control" / "face");
  const auto face_t0 = Clock::now();
  auto delivered = [&] {
    int n = 0;
    for (auto& st : streams) n += static_cast<int>(st->of_kind("face").size());
    return n;
  };
  while (delivered() < faces && Clock::now() - face_t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double face_seconds = std::chrono::duration<double>(Clock::now() - face_t0).count();
  int misrouted = 0, face_total = 0;
  std::set<std::string> seen_ids;
  int face_duplicates = 0;
  for (int f = 0; f < face_desks; ++f)
    for (const auto& e : streams[f]->of_kind("face")) {
      ++face_total;
      misrouted += !e["data"].contains("qualifications") ||
                   e["data"]["qualifications"][0].value("birthdate", "") != kPeople[f][3];
      face_duplicates += !seen_ids.insert(e["data"].value("expectation", "")).second;
    }
  Desk any(serve.port(), "desk-0");
  const size_t queued = any.send(http::verb::get, "/v1/queue").doc["entries"].size();
  const int faces_lost = faces - face_total - static_cast<int>(queued);
  std::printf("faces: %d desks, %d pushes, overlapping windows: delivered %d in %.1f s, misrouted %d, twice %d, "
              "queued %zu, lost %d\n",
              face_desks, faces, face_total, face_seconds, misrouted, face_duplicates, queued, faces_lost);
  streams.clear();

  // Every request of this run, in-process and served, reached the terminal once under a name of its
  // own (read last: the simulator logs an answer just after writing it).
  const auto names = sim.answered_names("OQSsiquc01");
  const int names_twice = static_cast<int>(names.size() - std::set<std::string>(names.begin(), names.end()).size());
  const int expected_requests = 2 * (sequential + total);
  std::printf("requests at the terminal: %zu of %d, a name used twice %d\n", names.size(), expected_requests,
              names_twice);
  return (served_wrong || direct_wrong || lost || duplicated || wrong_desk || wrong_patient || names_twice ||
          static_cast<int>(names.size()) != expected_requests || misrouted || face_duplicates || faces_lost)
             ? 1
             : 0;
}
