// The configuration file of `onshi serve` (docs/decisions/service.md, "Configuration"): where it
// listens, TLS, the state folder, the plugins and their sections, the desks and how each proves who
// it is, limits, retention. Read and checked whole before anything starts; each error names its field.
#pragma once

#include <onshi/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::service {

// A reception desk (受付, 会計, 検査, …): a program or a browser that uses the service.
struct Desk {
  std::string name;
  std::string token_sha256;  // lowercase hex of SHA-256(token); the token itself is never stored
  std::string cert_sha256;   // client certificate: SHA-256 of its DER, lowercase hex without colons
  std::string cert_cn;       // or its subject CN (with a CA that issues only desk certificates)
  std::vector<std::string> readers;  // the card readers at this desk: their card events go to it
};

struct Limits {
  std::size_t max_body_bytes = 4u << 20;  // 413 above (a 10,000-patient 一括照会 is ~1.3 MB)
  std::size_t max_header_bytes = 16u << 10;  // 431 above
  std::chrono::milliseconds header_timeout{10000};  // 408 when a request's header takes longer
  std::chrono::milliseconds body_timeout{30000};    // 408 when its body takes longer
  std::chrono::milliseconds write_timeout{30000};   // a client that does not read its answer is dropped
  std::size_t max_connections = 256;                // 503 above
  std::size_t max_jobs_per_desk = 200;              // unfinished jobs; 429 above
  int default_wait_s = 30;                          // how long an asynchronous call is waited for
  int max_wait_s = 300;
  std::size_t events_in_memory = 10000;             // the newest events, for streams that catch up
  std::size_t max_stream_queue = 2000;              // events queued for one slow client; dropped above
};

struct Retention {
  std::chrono::hours jobs{24};          // an answer stays fetchable this long
  std::chrono::hours events{24};        // a desk that reconnects gets what it missed within this
  std::chrono::minutes queue{60};       // a face result nobody claimed
  std::chrono::hours audit{24 * 400};   // who asked for what, when
};

struct TlsSettings {
  std::filesystem::path cert_file, key_file, key_passphrase_file;
  std::filesystem::path client_ca_file;  // desks with a client certificate are verified against it
};

struct Config {
  std::filesystem::path file;
  std::string address = "127.0.0.1";  // loopback unless serving the LAN is said explicitly
  unsigned short port = 8740;
  bool plain_http_on_lan = false;      // a LAN address without TLS must be asked for by name
  std::optional<TlsSettings> tls;
  std::filesystem::path state_dir;     // the SDK's state: onshi.db holds jobs, events, audit
  std::vector<std::string> plugin_dirs;
  bool use_default_dirs = true;
  nlohmann::json plugins = nlohmann::json::object();  // plugin id → its configuration section
  std::vector<Desk> desks;
  std::vector<std::string> allowed_origins;  // web EMRs (CORS): "http://localhost:8080"
  bool page = true;                    // serve the reception page (service/www) at /
  std::filesystem::path www_dir;       // its folder; empty: the one installed beside the program
  Limits limits;
  Retention retention;
  int threads = 2;  // network threads
  int workers = 4;  // synchronous plugin calls (a card operation blocks for seconds)
  bool verbose = false;
};

// Reads and checks the file; errors name the field and say what to write.
Result<Config> read_config(const std::filesystem::path& file);
// The same from text (tests).
Result<Config> parse_config(std::string_view text, const std::filesystem::path& file = {});

// Lowercase hex of SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);
// Equal, in time independent of where they differ.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace onshi::service
