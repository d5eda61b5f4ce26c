// Fuzz target: the お薬手帳 QR reader must refuse any byte string cleanly. The
// input is cut into parts at 0xFF bytes so the 911 joining is fuzzed as well.
#include <onshi/disaster/jahis.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0xFF) parts.emplace_back();
    else parts.back().push_back(static_cast<char>(data[i]));
  }
  auto notebook = onshi::disaster::read_jahis(parts);
  if (notebook) {
    for (const auto& d : notebook->drugs)
      if (d.drug_name.empty()) __builtin_trap();  // the reader promises a name on every drug
  }
  return 0;
}
