// Fuzz target: the eligibility plugin's parse entry (onshi.eligibility/1 parse, `onshi parse FILE`):
// any bytes as a terminal file, typed from its body, decided (資格確認 answers) or flattened (薬剤情報),
// and written as the onshi.eligibility.parsed/1 document. An error is fine; a crash, a leak or a
// document that is not JSON is not. Every message family alone, with the reader's cross-checks:
// tests/libs/oqs_fuzz.cpp.
#include "documents.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto doc = onshi::eligibility::plugin::parsed_document("", bytes))
    if (!nlohmann::json::accept(*doc)) __builtin_trap();
  return 0;
}
