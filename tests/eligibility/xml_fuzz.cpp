// Any bytes into the XML reader and the typed views: an error is fine, a crash is not.
#include <onshi/eligibility/protocol.hpp>
#include <onshi/eligibility/outcome.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace onshi::eligibility;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_message<QualificationResponse>(bytes, "fuzz")) {
    (void)decide(*r);
    (void)write_message(*r);
  }
  (void)parse_message<DrugInfoResponse>(bytes, "fuzz");
  return 0;
}
