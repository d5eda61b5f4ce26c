// Fuzz target: any bytes as the レセコン's RECEIPTC.UKE (the merge's input) give a file or an Error
// naming a line, never a crash; a file that parses renders back to the same bytes, and merging
// nothing into it succeeds.
#include <onshi/claims/merge.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace onshi::claims;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto file = parse_uke(bytes);
  if (!file) return 0;
  if (render(*file) != bytes) std::abort();  // what we read is what we would write back
  (void)merge_claims(bytes, {});
  return 0;
}
