// Fuzz target: any bytes as an onshi.claims.input/1 document must give a value
// or an Error, never a crash; whatever parses is decided and rendered.
#include <onshi/claims/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace onshi::claims;
  auto input = parse_claim_input(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!input) return 0;
  auto result = decide_claim(*input);
  if (result) (void)claim_result_document(*result);
  return 0;
}
