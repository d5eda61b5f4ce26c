// Fuzz target: what a card and a reader answer are the reader core's outside bytes. PC/SC is
// replaced in this program (its SCard* functions are defined here, so the core linked into it calls
// these): each answer, to an APDU or to a reader feature query, is the next piece of the input,
// and the whole flow of the plugin runs over them: open the JPKI AP, card info with the certificate
// checks, PIN, signature, the CA certificate, 基本4情報. An error is fine; a crash, a leak, an
// endless loop or a VERIFY sent twice is not. When the input ends, the card is gone (pulled).
//
// Input: pieces of [length: 2 bytes, big-endian][that many bytes], in the order they are asked for.
//
// Built with -DONSHI_APDU_SEEDS it is the seed writer instead: the answers come from onshi-vcard's
// own card (samples/vcard) for a persona, and are written out in the input format:
//   reader_apdu_seeds OUT_FILE [persona flags as onshi-vcard takes them: --smartphone, --locked, …]
#include <onshi/reader/mynumber_card.hpp>

#include <PCSC/winscard.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

namespace {

using onshi::reader::Bytes;

// Where the answers come from: the next piece, or nothing (the card left, the feature is absent).
std::function<bool(const uint8_t* command, size_t size, Bytes& answer)> g_answer;
int g_verifies = 0;  // VERIFY commands with a PIN in the current run

bool next_answer(const uint8_t* command, size_t size, Bytes& answer) {
  answer.clear();
  return g_answer && g_answer(command, size, answer);
}

}  // namespace

extern "C" {

LONG SCardEstablishContext(DWORD, LPCVOID, LPCVOID, LPSCARDCONTEXT context) {
  *context = 1;
  return SCARD_S_SUCCESS;
}
LONG SCardReleaseContext(SCARDCONTEXT) { return SCARD_S_SUCCESS; }
LONG SCardConnect(SCARDCONTEXT, LPCSTR, DWORD, DWORD, LPSCARDHANDLE card, LPDWORD protocol) {
  *card = 1;
  *protocol = SCARD_PROTOCOL_T1;
  return SCARD_S_SUCCESS;
}
LONG SCardDisconnect(SCARDHANDLE, DWORD) { return SCARD_S_SUCCESS; }
LONG SCardStatus(SCARDHANDLE, LPSTR, LPDWORD, LPDWORD state, LPDWORD protocol, LPBYTE, LPDWORD atr_length) {
  *state = SCARD_PRESENT;  // the reader still sees a card: the answers alone decide what happens
  *protocol = SCARD_PROTOCOL_T1;
  *atr_length = 0;
  return SCARD_S_SUCCESS;
}
LONG SCardControl(SCARDHANDLE, DWORD, LPCVOID, DWORD, LPVOID out, DWORD out_size, LPDWORD out_length) {
  Bytes answer;
  if (!next_answer(nullptr, 0, answer) || answer.empty()) return SCARD_E_UNSUPPORTED_FEATURE;
  *out_length = DWORD(std::min<size_t>(answer.size(), out_size));
  std::memcpy(out, answer.data(), *out_length);
  return SCARD_S_SUCCESS;
}
LONG SCardTransmit(SCARDHANDLE, const SCARD_IO_REQUEST*, LPCBYTE command, DWORD command_length, SCARD_IO_REQUEST*,
                   LPBYTE out, LPDWORD out_length) {
  // VERIFY (INS 20) with a PIN: counted, R-PIN says once per call at most.
  if (command_length > 5 && command[1] == 0x20) ++g_verifies;
  Bytes answer;
  if (!next_answer(command, command_length, answer)) return SCARD_W_REMOVED_CARD;
  *out_length = DWORD(std::min<size_t>(answer.size(), *out_length));
  if (*out_length) std::memcpy(out, answer.data(), *out_length);  // empty: the card vanished (vpcd's way)
  return SCARD_S_SUCCESS;
}

}  // extern "C"

namespace {

using namespace onshi::reader;

// The plugin's flow over one connection; every step runs whatever the one before gave.
void run_flow() {
  g_verifies = 0;
  auto context = PcscContext::establish();
  if (!context) return;
  auto connection = (*context)->connect("fuzz reader");
  if (!connection) return;
  auto card = MyNumberCard::open(**connection);
  if (!card) return;
  const Date today{std::chrono::year{2026}, std::chrono::November, std::chrono::day{21}};
  (void)read_card_info(*card, "fuzz reader", today);
  auto pin = Pin::from_digits("1234");
  const int verifies_before = g_verifies;
  const auto verified = card->verify_auth_pin(*pin);
  if (g_verifies - verifies_before > 1) __builtin_trap();  // R-PIN: a VERIFY is never resent
  (void)pin_result(verified);
  if (verified) {
    const uint8_t challenge[32] = {1, 2, 3};
    (void)card->sign(challenge);
  }
  (void)card->read_auth_ca_certificate();
  (void)card->read_basic_four(*pin);
}

}  // namespace

#ifndef ONSHI_APDU_SEEDS

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t at = 0;
  g_answer = [&](const uint8_t*, size_t, Bytes& answer) {
    if (at + 2 > size) return false;
    const size_t length = std::min<size_t>(size_t(data[at]) << 8 | data[at + 1], size - at - 2);
    answer.assign(data + at + 2, data + at + 2 + length);
    at += 2 + length;
    return true;
  };
  run_flow();
  g_answer = nullptr;
  return 0;
}

#else

#include "card.hpp"
#include "persona.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: reader_apdu_seeds OUT_FILE [onshi-vcard persona flags]\n"), 2;
  onshi::vcard::Persona persona;
  persona.today = {std::chrono::year{2026}, std::chrono::November, std::chrono::day{21}};
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0) return std::fprintf(stderr, "not a flag: %s\n", argv[i]), 2;
    key = key.substr(2);
    std::string value = i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0 ? argv[++i] : "";
    if (auto error = onshi::vcard::set_persona_field(persona, key, value); !error.empty())
      return std::fprintf(stderr, "%s\n", error.c_str()), 2;
  }
  const auto state = std::filesystem::temp_directory_path() / "onshi-apdu-seeds";
  onshi::vcard::CardContent content;
  if (auto error = onshi::vcard::build_card_content(persona, state.string(), content); !error.empty())
    return std::fprintf(stderr, "%s\n", error.c_str()), 1;
  onshi::vcard::Card card(std::move(content), [](const std::string&) {});
  std::string seed;
  g_answer = [&](const uint8_t* command, size_t size, Bytes& answer) {
    if (command) answer = card.process(Bytes(command, command + size));  // a feature query: none
    seed += char(answer.size() >> 8);
    seed += char(answer.size() & 0xFF);
    seed.append(answer.begin(), answer.end());
    return true;
  };
  run_flow();
  std::ofstream(argv[1], std::ios::binary) << seed;
  std::filesystem::remove_all(state);
  return 0;
}

#endif
