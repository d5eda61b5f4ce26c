// reader_bench: "read auth certificate + verify PIN + sign" with the reader core,
// next to `pkcs15-tool --read-certificate 01` on the same virtual card in the same
// run. APDUs are counted from the card's own log. Needs pcscd + vpcd running
// (tests/fixtures/pcscd.sh start). Exit status 1 if we send more APDUs than OpenSC.
#include "virtual_card.hpp"

#include <onshi/reader/mynumber_card.hpp>

#include <chrono>
#include <cstdio>

using namespace onshi::reader;
using namespace onshi::reader::test;
using clock_type = std::chrono::steady_clock;

namespace {

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

// One reception: certificate, PIN, signature. Returns an error text or "".
std::string our_flow(PcscContext& ctx, size_t& cert_apdus) {
  auto connection = ctx.connect(kReader);
  if (!connection) return connection.error().message;
  auto card = MyNumberCard::open(**connection);
  if (!card) return card.error().message;
  auto cert = card->read_auth_certificate();
  if (!cert) return cert.error().message;
  cert_apdus = (*connection)->apdu_count();
  auto pin = Pin::from_digits("4821");
  if (auto verified = card->verify_auth_pin(*pin); !verified) return verified.error().message;
  const uint8_t challenge[] = {'b', 'e', 'n', 'c', 'h'};
  if (auto signature = card->sign(challenge); !signature) return signature.error().message;
  return "";
}

}  // namespace

int main() try {
  VirtualCard vcard({"--pin", "4821"});
  auto ctx = PcscContext::establish();
  if (!ctx) return std::fprintf(stderr, "%s\n", ctx.error().message.c_str()), 2;

  size_t cert_apdus = 0;
  auto start = clock_type::now();
  if (auto error = our_flow(**ctx, cert_apdus); !error.empty()) return std::fprintf(stderr, "onshi: %s\n", error.c_str()), 2;
  const double ours_ms = ms_since(start);
  const size_t ours = vcard.apdus().size();

  // Let pcscd see our reset card before OpenSC connects.
  if (auto present = (*ctx)->wait_for(kReader, Presence::present, std::chrono::seconds(5)); !present)
    return std::fprintf(stderr, "%s\n", present.error().message.c_str()), 2;
  start = clock_type::now();
  const int status = run("pkcs15-tool --reader 0 --read-certificate 01 >/dev/null 2>&1");
  const double theirs_ms = ms_since(start);
  const size_t theirs = vcard.apdus().size() - ours;
  if (status != 0) return std::fprintf(stderr, "pkcs15-tool failed (%d)\n", status), 2;

  std::printf("onshi core   : %2zu APDUs, %7.2f ms  (auth certificate %zu APDUs, + VERIFY PIN + sign)\n", ours, ours_ms, cert_apdus);
  std::printf("pkcs15-tool  : %2zu APDUs, %7.2f ms  (auth certificate only, incl. process start and card detection)\n", theirs, theirs_ms);
  std::printf("APDUs onshi <= pkcs15-tool: %s (%zu <= %zu); time ratio onshi/pkcs15-tool: %.3f\n",
              ours <= theirs ? "yes" : "NO", ours, theirs, ours_ms / theirs_ms);
  return ours <= theirs ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "reader_bench: %s\n", e.what());
  return 2;
}
