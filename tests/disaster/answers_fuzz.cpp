// Fuzz target: what the central system answers a disaster look-up, as the disaster plugin reads it:
// the search answer (DSTsiquc01res) narrowed to one person for a patient at the window, and the
// drug answer (DSTsiquc02res, the YZKsiquc01res shape) merged for display. An error is fine; a
// crash, a leak, or a person confirmed who is not among the candidates is not.
#include <onshi/disaster/drug_history.hpp>
#include <onshi/disaster/name_match.hpp>
#include <onshi/disaster/narrowing.hpp>
#include <onshi/disaster/search_message.hpp>
#include <onshi/oqs/messages.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace onshi::disaster;

const NameMatcher& matcher() {
  static const NameMatcher m = NameMatcher::create().value();
  return m;
}

PersonQuery patient() {
  PersonQuery q;
  q.name = "山崎 徳子";
  q.birthdate = Date{std::chrono::year{1947}, std::chrono::November, std::chrono::day{20}};
  q.sex = Sex::female;
  q.address = "七尾市";
  return q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto response = read_search_response(bytes)) {
    const NarrowingOutcome out = Narrowing::narrow(matcher(), patient(), response->candidates, response->total_candidates);
    if (out.person) {
      const auto& id = out.person->person().candidate_id;
      if (std::none_of(response->candidates.begin(), response->candidates.end(),
                       [&](const PersonRecord& c) { return c.candidate_id == id; }))
        __builtin_trap();
    }
  }
  if (auto answer = onshi::oqs::parse_message<onshi::oqs::DrugInfoResponse>(bytes, "fuzz"))
    if (auto history = onshi::oqs::drug_history_of(*answer))
      if (auto records = national_drugs(*history)) (void)merge_history(matcher(), *records);
  return 0;
}
