#include "config.hpp"

#include <onshi/support/files.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <set>

namespace onshi::service {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Error bad(const std::string& field, const std::string& what, const std::string& hint = {}) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "config", "onshi serve configuration: " + field + " " + what,
                    hint.empty() ? "correct " + field + " in the configuration file (docs/decisions/service.md)" : hint);
}

bool hex(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads a field of an object; Error names it.
struct Reader {
  const json& doc;
  std::string path;

  const json* find(const char* key) const {
    auto it = doc.find(key);
    return it == doc.end() || it->is_null() ? nullptr : &*it;
  }
  std::string name(const char* key) const { return path.empty() ? key : path + "." + key; }

  Result<void> text(const char* key, std::string& out) const {
    if (const json* v = find(key)) {
      if (!v->is_string()) return bad(name(key), "must be a string");
      out = v->get<std::string>();
    }
    return {};
  }
  Result<void> path_of(const char* key, fs::path& out) const {
    std::string s;
    if (auto r = text(key, s); !r) return r;
    if (!s.empty()) out = s;
    return {};
  }
  Result<void> flag(const char* key, bool& out) const {
    if (const json* v = find(key)) {
      if (!v->is_boolean()) return bad(name(key), "must be true or false");
      out = v->get<bool>();
    }
    return {};
  }
  template <class Int>
  Result<void> number(const char* key, Int& out, long long min, long long max) const {
    if (const json* v = find(key)) {
      if (!v->is_number_integer() || v->get<long long>() < min || v->get<long long>() > max)
        return bad(name(key), "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      out = static_cast<Int>(v->get<long long>());
    }
    return {};
  }
  template <class Duration>
  Result<void> duration(const char* key, Duration& out, long long min, long long max) const {
    long long n = out.count();
    if (auto r = number(key, n, min, max); !r) return r;
    out = Duration(n);
    return {};
  }
  Result<void> texts(const char* key, std::vector<std::string>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_array() || !std::all_of(v->begin(), v->end(), [](const json& e) { return e.is_string(); }))
        return bad(name(key), "must be a list of strings");
      out = v->get<std::vector<std::string>>();
    }
    return {};
  }
};

#define ONSHI_TRY(expr)                   \
  if (auto r_ = (expr); !r_) return std::move(r_).error()

Result<void> read_listen(const std::string& listen, Config& c) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return bad("listen", "must be ADDRESS:PORT, e.g. \"127.0.0.1:8740\" (this PC only) or \"0.0.0.0:8740\" (the LAN)");
  std::string address = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  boost::system::error_code ec;
  boost::asio::ip::make_address(address, ec);
  if (ec) return bad("listen", "'" + address + "' is not an IP address (write 127.0.0.1, 0.0.0.0 or ::1)");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535)
    return bad("listen", "port '" + port + "' is not a port number (0 chooses a free one)");
  c.address = address;
  c.port = static_cast<unsigned short>(std::stoi(port));
  return {};
}

Result<void> read_desk(const json& d, std::size_t index, const Config& c, Desk& desk) {
  const std::string at = "desks[" + std::to_string(index) + "]";
  if (!d.is_object()) return bad(at, "must be an object {\"name\", \"token_sha256\" or \"client_cert\"}");
  const Reader r{d, at};
  ONSHI_TRY(r.text("name", desk.name));
  if (desk.name.empty() || desk.name.size() > 64 ||
      desk.name.find_first_of(" \t\r\n/\\\"") != std::string::npos)
    return bad(at + ".name", "must be 1 to 64 characters without spaces, slashes or quotes (e.g. \"reception-1\")");
  ONSHI_TRY(r.text("token_sha256", desk.token_sha256));
  ONSHI_TRY(r.texts("readers", desk.readers));
  if (!desk.token_sha256.empty() && !hex(desk.token_sha256, 64))
    return bad(at + ".token_sha256", "must be 64 hex digits: the SHA-256 of the desk's token",
               "make a token and its hash with `onshi serve --new-token`; store only the hash here");
  desk.token_sha256 = lower(desk.token_sha256);
  if (const json* cert = r.find("client_cert")) {
    if (!cert->is_object()) return bad(at + ".client_cert", "must be {\"sha256\": fingerprint} or {\"subject_cn\": name}");
    const Reader cr{*cert, at + ".client_cert"};
    std::string fingerprint;
    ONSHI_TRY(cr.text("sha256", fingerprint));
    ONSHI_TRY(cr.text("subject_cn", desk.cert_cn));
    fingerprint.erase(std::remove(fingerprint.begin(), fingerprint.end(), ':'), fingerprint.end());
    if (!fingerprint.empty() && !hex(fingerprint, 64))
      return bad(at + ".client_cert.sha256", "must be the certificate's SHA-256 fingerprint (64 hex digits, colons allowed)",
                 "openssl x509 -in desk.pem -noout -fingerprint -sha256");
    desk.cert_sha256 = lower(fingerprint);
    if (desk.cert_sha256.empty() == desk.cert_cn.empty())
      return bad(at + ".client_cert", "needs exactly one of sha256 and subject_cn");
    if (!c.tls || c.tls->client_ca_file.empty())
      return bad(at + ".client_cert", "needs tls.client_ca_file: the CA that issued the desks' certificates");
  }
  if (desk.token_sha256.empty() == (desk.cert_sha256.empty() && desk.cert_cn.empty()))
    return bad(at, "needs exactly one way to prove who it is: \"token_sha256\" or \"client_cert\"");
  return {};
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
  static const char* k = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) out += {k[digest[i] >> 4], k[digest[i] & 15]};
  return out;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<Config> parse_config(std::string_view text, const fs::path& file) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(ONSHI_E_INVALID_ARGUMENT, "config",
                      (file.empty() ? std::string("the configuration") : file.string()) + " is not a JSON object",
                      "write it as {\"listen\": \"127.0.0.1:8740\", \"state_dir\": ..., \"plugins\": {...}, \"desks\": [...]}");
  Config c;
  c.file = file;
  const Reader r{doc, ""};
  std::string listen = "127.0.0.1:8740";
  ONSHI_TRY(r.text("listen", listen));
  ONSHI_TRY(read_listen(listen, c));
  ONSHI_TRY(r.flag("plain_http_on_lan", c.plain_http_on_lan));
  if (const json* tls = r.find("tls")) {
    if (!tls->is_object()) return bad("tls", "must be {\"cert_file\", \"key_file\", \"client_ca_file\"?}");
    const Reader t{*tls, "tls"};
    TlsSettings s;
    ONSHI_TRY(t.path_of("cert_file", s.cert_file));
    ONSHI_TRY(t.path_of("key_file", s.key_file));
    ONSHI_TRY(t.path_of("key_passphrase_file", s.key_passphrase_file));
    ONSHI_TRY(t.path_of("client_ca_file", s.client_ca_file));
    if (s.cert_file.empty() || s.key_file.empty())
      return bad("tls", "needs cert_file and key_file (PEM): the service's own certificate and key");
    for (auto [path, key] : {std::pair{&s.key_file, "tls.key_file"}, {&s.key_passphrase_file, "tls.key_passphrase_file"}})
      ONSHI_TRY(support::check_owner_only(*path, "config", key));
    c.tls = std::move(s);
  }
  boost::system::error_code ec;
  if (!boost::asio::ip::make_address(c.address, ec).is_loopback() && !c.tls && !c.plain_http_on_lan)
    return bad("listen", "serves the LAN (" + c.address + ") without TLS: desk tokens and patients' data would cross the "
                         "network in the clear",
               "add \"tls\": {\"cert_file\", \"key_file\"}, or set \"plain_http_on_lan\": true if the network is "
               "protected otherwise");
  ONSHI_TRY(r.path_of("state_dir", c.state_dir));
  if (c.state_dir.empty())
    return bad("state_dir", "is required: accepted requests, their answers, events and the audit trail are kept there",
               "set \"state_dir\": \"/var/lib/onshi\" (a folder only the service's user can read)");
  ONSHI_TRY(r.texts("plugin_dirs", c.plugin_dirs));
  ONSHI_TRY(r.flag("use_default_plugin_dirs", c.use_default_dirs));
  if (const json* plugins = r.find("plugins")) {
    if (!plugins->is_object() ||
        !std::all_of(plugins->begin(), plugins->end(), [](const json& s) { return s.is_object(); }))
      return bad("plugins", "must be {\"<plugin id>\": {its configuration section}, ...}");
    c.plugins = *plugins;
  }
  if (c.plugins.empty())
    return bad("plugins", "names no plugin: list those to load, each with its section (e.g. \"onshi.eligibility\": {...})");
  const json* desks = r.find("desks");
  if (!desks || !desks->is_array() || desks->empty())
    return bad("desks", "must list the desks that may use the service; nothing is served to anyone else");
  std::set<std::string> names, tokens, certs;
  for (std::size_t i = 0; i < desks->size(); ++i) {
    Desk d;
    ONSHI_TRY(read_desk((*desks)[i], i, c, d));
    if (!names.insert(d.name).second) return bad("desks[" + std::to_string(i) + "].name", "repeats '" + d.name + "'");
    if (!d.token_sha256.empty() && !tokens.insert(d.token_sha256).second)
      return bad("desks[" + std::to_string(i) + "].token_sha256", "is another desk's: each desk needs its own token");
    const std::string cert = d.cert_sha256 + "|" + d.cert_cn;
    if (cert != "|" && !certs.insert(cert).second)
      return bad("desks[" + std::to_string(i) + "].client_cert", "is another desk's: each desk needs its own certificate");
    c.desks.push_back(std::move(d));
  }
  ONSHI_TRY(r.texts("allowed_origins", c.allowed_origins));
  ONSHI_TRY(r.flag("page", c.page));
  ONSHI_TRY(r.path_of("www_dir", c.www_dir));
  ONSHI_TRY(r.number("threads", c.threads, 1, 64));
  ONSHI_TRY(r.number("workers", c.workers, 1, 64));
  ONSHI_TRY(r.flag("verbose", c.verbose));
  if (const json* l = r.find("limits")) {
    if (!l->is_object()) return bad("limits", "must be an object");
    const Reader lr{*l, "limits"};
    Limits& m = c.limits;
    ONSHI_TRY(lr.number("max_body_bytes", m.max_body_bytes, 1024, 256ll << 20));
    ONSHI_TRY(lr.number("max_header_bytes", m.max_header_bytes, 1024, 1 << 20));
    ONSHI_TRY(lr.duration("header_timeout_ms", m.header_timeout, 100, 600000));
    ONSHI_TRY(lr.duration("body_timeout_ms", m.body_timeout, 100, 600000));
    ONSHI_TRY(lr.duration("write_timeout_ms", m.write_timeout, 100, 600000));
    ONSHI_TRY(lr.number("max_connections", m.max_connections, 1, 100000));
    ONSHI_TRY(lr.number("max_jobs_per_desk", m.max_jobs_per_desk, 1, 1000000));
    ONSHI_TRY(lr.number("default_wait_s", m.default_wait_s, 0, 3600));
    ONSHI_TRY(lr.number("max_wait_s", m.max_wait_s, 0, 3600));
    ONSHI_TRY(lr.number("events_in_memory", m.events_in_memory, 10, 10000000));
    ONSHI_TRY(lr.number("max_stream_queue", m.max_stream_queue, 10, 1000000));
  }
  if (const json* k = r.find("retention")) {
    if (!k->is_object()) return bad("retention", "must be an object");
    const Reader kr{*k, "retention"};
    ONSHI_TRY(kr.duration("jobs_hours", c.retention.jobs, 1, 24 * 366));
    ONSHI_TRY(kr.duration("events_hours", c.retention.events, 1, 24 * 366));
    ONSHI_TRY(kr.duration("queue_minutes", c.retention.queue, 1, 24 * 60 * 7));
    ONSHI_TRY(kr.duration("audit_hours", c.retention.audit, 24, 24 * 366 * 10));
  }
  return c;
}

Result<Config> read_config(const fs::path& file) {
  auto text = support::read_file(file, 1u << 20);
  if (!text) return std::move(text).error();
  if (!text->has_value())
    return make_error(ONSHI_E_NOT_FOUND, "config", "the configuration file " + file.string() + " does not exist",
                      "give the path of the service's configuration (docs/decisions/service.md shows one)");
  // It names the desks' credentials (hashes) and TLS files: others need not read it, and may not write it.
  return parse_config(**text, file);
}

}  // namespace onshi::service
