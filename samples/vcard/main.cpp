// onshi-vcard: a virtual My Number card for tests and demos. It connects to vpcd
// (the vsmartcard PC/SC driver inside pcscd) as the card and answers its APDUs.
// Usage: see usage() below and samples/vcard/README.md.
#include "card.hpp"
#include "persona.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace {

using onshi::vcard::Bytes;

void say(const std::string& line) { std::fprintf(stderr, "onshi-vcard: %s\n", line.c_str()); }

const char* const kUsage = R"(usage: onshi-vcard [options]
  connection   --host 127.0.0.1  --port 35963 (vpcd slot 0; 35964 is slot 1)
  persona      --persona FILE (key = value lines, same keys as below)
               --today YYYY-MM-DD (default: today in JST)   --state-dir DIR (default /tmp/onshi-vcard)
               --cert valid|alert|fifth-birthday|expired-yesterday|in-grace|past-grace
               --not-after YYYY-MM-DD   --smartphone   --no-photo   --blank (no My Number APs)
               --pin 1234  --pin-tries N  --locked   --text-pin 1234  --text-pin-tries N
               --name S  --address S  --birth YYYY-MM-DD  --sex 1|2|9
  faults       --short-only (refuse extended-length APDUs)   --drop-at K (card pulled at APDU K, back 1 s later)  --delay-ms MS
               --sw-at K:SSSS (answer APDU K with status SSSS; 61xx keeps the data for GET RESPONSE)
  tests        --apdu-log FILE (every command APDU, hex, one a line; PIN bytes masked as XX)
)";

struct Faults {
  long drop_at = 0;
  long sw_at = 0;
  uint16_t sw = 0;
  int delay_ms = 0;
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 35963;
  std::string state_dir = "/tmp/onshi-vcard";
  std::string apdu_log;
  Faults faults;
};

std::string hex(const Bytes& b) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  for (uint8_t x : b) s += {digits[x >> 4], digits[x & 15]};
  return s;
}

// VERIFY (20) and CHANGE REFERENCE DATA (24) carry PINs: keep the header and Lc, mask the rest.
std::string loggable(const Bytes& apdu) {
  std::string line = hex(apdu);
  if (apdu.size() > 5 && apdu[0] == 0x00 && (apdu[1] == 0x20 || apdu[1] == 0x24))
    for (size_t i = 10; i < line.size(); ++i) line[i] = 'X';
  return line;
}

bool read_exact(int fd, uint8_t* buf, size_t n) {
  while (n) {
    int one = 1;  // Linux clears QUICKACK after use; without it each APDU waits ~40 ms (spec §4.4)
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    const ssize_t got = ::recv(fd, buf, n, 0);
    if (got <= 0) return false;
    buf += got;
    n -= size_t(got);
  }
  return true;
}

// Length and payload in one send, so Nagle never holds half a message.
bool send_message(int fd, const Bytes& payload) {
  Bytes msg = {uint8_t(payload.size() >> 8), uint8_t(payload.size())};
  msg.insert(msg.end(), payload.begin(), payload.end());
  return ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) == ssize_t(msg.size());
}

int connect_to_vpcd(const Options& o) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) return -1;
  bool told = false;
  for (;;) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      say("inserted into vpcd at " + o.host + ":" + std::to_string(o.port));
      return fd;
    }
    if (fd >= 0) ::close(fd);
    if (!told) say("waiting for vpcd at " + o.host + ":" + std::to_string(o.port) + " (is pcscd running?)");
    told = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Serves one vpcd connection until it closes or --drop-at pulls the card
// (then returns true: the socket closes, as a card leaving the reader).
bool serve(int fd, onshi::vcard::Card& card, Faults& faults, long& apdu_number, std::ofstream& log) {
  std::optional<Bytes> pending;  // data held back by an injected 61xx
  for (;;) {
    uint8_t header[2];
    if (!read_exact(fd, header, 2)) return false;
    Bytes message(size_t(header[0]) << 8 | header[1]);
    if (!read_exact(fd, message.data(), message.size())) return false;
    if (message.size() == 1) {  // vpcd control: 0 off, 1 on, 2 reset, 4 get ATR
      if (message[0] == 4) {
        if (!send_message(fd, card.atr())) return false;
      } else {
        card.reset();
      }
      continue;
    }
    ++apdu_number;
    if (log.is_open()) log << loggable(message) << std::endl;
    if (apdu_number == faults.drop_at) {
      say("card pulled at APDU " + std::to_string(apdu_number));
      faults = {};  // one-shot: the re-inserted card behaves
      return true;
    }
    if (faults.delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(faults.delay_ms));
    Bytes reply;
    if (message.size() >= 4 && message[1] == 0xC0 && pending) {  // GET RESPONSE
      reply = *pending;
      pending.reset();
    } else if (apdu_number == faults.sw_at) {
      reply = card.process(message);
      if ((faults.sw >> 8) == 0x61) {
        pending = Bytes(reply.begin(), reply.end());
        reply = {0x61, uint8_t(std::min<size_t>(reply.size() - 2, 255))};
      } else {
        reply = {uint8_t(faults.sw >> 8), uint8_t(faults.sw)};
      }
    } else {
      reply = card.process(message);
    }
    if (!send_message(fd, reply)) return false;
  }
}

bool parse_faults_option(const std::string& key, const std::string& value, Faults& f, std::string& error) {
  try {
    if (key == "drop-at") return f.drop_at = std::stol(value), true;
    if (key == "delay-ms") return f.delay_ms = std::stoi(value), true;
    if (key == "sw-at") {
      const auto colon = value.find(':');
      if (colon == std::string::npos || value.size() != colon + 5) throw std::invalid_argument(value);
      f.sw_at = std::stol(value.substr(0, colon));
      f.sw = uint16_t(std::stoul(value.substr(colon + 1), nullptr, 16));
      return true;
    }
  } catch (const std::exception&) {
    error = "--" + key + ": cannot read '" + value + "'";
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  onshi::vcard::Persona persona;
  persona.today = onshi::vcard::jst_today();
  static const char* flags_without_value[] = {"smartphone", "no-photo", "locked", "blank", "short-only"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") return std::fputs(kUsage, stdout), 0;
    if (arg.rfind("--", 0) != 0) return say("unexpected argument " + arg), std::fputs(kUsage, stderr), 2;
    const std::string key = arg.substr(2);
    bool needs_value = true;
    for (const char* f : flags_without_value) needs_value &= key != f;
    std::string value;
    if (needs_value) {
      if (i + 1 >= argc) return say(arg + " needs a value"), 2;
      value = argv[++i];
    }
    std::string error;
    if (key == "host") options.host = value;
    else if (key == "port") options.port = std::atoi(value.c_str());
    else if (key == "state-dir") options.state_dir = value;
    else if (key == "apdu-log") options.apdu_log = value;
    else if (key == "persona") error = onshi::vcard::load_persona_file(persona, value);
    else if (!parse_faults_option(key, value, options.faults, error)) error = onshi::vcard::set_persona_field(persona, key, value);
    if (!error.empty()) return say(error), 2;
  }

  onshi::vcard::CardContent content;
  if (auto error = onshi::vcard::build_card_content(persona, options.state_dir, content); !error.empty())
    return say(error), 1;
  const auto not_after = onshi::vcard::certificate_not_after(persona);
  char summary[160];
  std::snprintf(summary, sizeof summary, "%s, auth certificate valid through %04d-%02u-%02u JST, PIN tries %d%s",
                persona.smartphone ? "smartphone (JPKIAPGPSETOKEN)" : "card (JPKIAPICCTOKEN2)", int(not_after.year()),
                unsigned(not_after.month()), unsigned(not_after.day()), persona.pin_tries, persona.photo ? "" : ", no photo");
  say(summary);
  onshi::vcard::Card card(std::move(content), say);

  std::ofstream log;
  if (!options.apdu_log.empty()) {
    log.open(options.apdu_log, std::ios::app);
    if (!log) return say("cannot write APDU log " + options.apdu_log), 1;
  }
  long apdu_number = 0;
  for (;;) {
    const int fd = connect_to_vpcd(options);
    if (fd < 0) return say("bad --host " + options.host), 2;
    const bool pulled = serve(fd, card, options.faults, apdu_number, log);
    ::close(fd);
    card.reset();
    if (pulled) std::this_thread::sleep_for(std::chrono::seconds(1));  // out of the reader for a moment
    else say("vpcd went away; reconnecting");
  }
}
