// The disaster search message (not public in the real system; defined by this SDK
// in the XmlMsg envelope, documented in docs/disaster-search-message.md):
//   DSTsiquc01req → DSTsiquc01res  search by the 4 basic items → candidates (identity only)
//   DSTsiquc02req → DSTsiquc02res  drug information of one confirmed candidate, with consent;
//                                  the response has the YZKsiquc01res shape.
#pragma once

#include <onshi/disaster/consent.hpp>
#include <onshi/disaster/person.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace onshi::disaster {

struct MessageContext {
  std::string medical_institution_code;  // 10 digits
  std::string file_id;                   // ArbitraryFileIdentifier, unique per request
  std::string declaration;               // the declaration's reference
  Operator viewer;
  TimePoint at{};
};

struct SearchResponse {
  std::string file_id;
  int total_candidates = 0;  // NumberOfCandidates: may exceed the list when the system caps it
  std::vector<PersonRecord> candidates;
  bool truncated() const { return total_candidates > static_cast<int>(candidates.size()); }
};

// Months of dispensing to fetch (StartDate/EndDate, YYYYMM).
struct DrugPeriod {
  std::chrono::year_month from;
  std::chrono::year_month to;
};

std::string write_search_request(const MessageContext& ctx, const PersonQuery& query);
// UTF-8 or Shift_JIS (by the XML declaration); a DTD is never processed.
Result<SearchResponse> read_search_response(std::string_view xml);
std::string write_drug_request(const MessageContext& ctx, const PersonRecord& person, const Consent& consent,
                               DrugPeriod period);

}  // namespace onshi::disaster
