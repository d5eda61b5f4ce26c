// From the candidates the national system returned to one confirmed person, or
// to a question for the next item. Never a guess, never a list of strangers.
#pragma once

#include <onshi/disaster/name_match.hpp>
#include <onshi/disaster/person.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::disaster {

// The items the window can ask for next, in the order they are asked.
enum class AskItem { address, insurer_name, name_kana, insurer_numbers };

// One person the 4 items (or insurer numbers + birth date) point to. Only
// narrow() makes one, so drug information can only be asked for such a person.
class ConfirmedPerson {
 public:
  const PersonRecord& person() const { return person_; }

 private:
  explicit ConfirmedPerson(PersonRecord p) : person_(std::move(p)) {}
  PersonRecord person_;
  friend struct Narrowing;
};

// Why a candidate was kept or dropped. No identity of the candidate in it.
struct CandidateAssessment {
  bool consistent = false;
  int name_score = 0;
  std::vector<std::string> reasons;
};

struct NarrowingOutcome {
  enum class Kind { confirmed, ask_more, no_match, unresolved };
  Kind kind = Kind::no_match;
  std::optional<ConfirmedPerson> person;      // only when confirmed
  std::vector<AskItem> ask;                   // ask_more: what to ask next, best first
  std::vector<std::string> differing_fields;  // ask_more/unresolved: fields that tell the rest apart
  int candidate_count = 0;                    // as returned by the system
  int consistent_count = 0;                   // still consistent with every item given
  std::vector<CandidateAssessment> assessments;
  std::string message;                        // for the operator, what happens next
};

// Checks the query has what a search needs: birth date, and either name + sex
// or the insurer numbers.
Result<void> validate(const PersonQuery& query);

struct Narrowing {
  static NarrowingOutcome narrow(const NameMatcher& matcher, const PersonQuery& query,
                                 const std::vector<PersonRecord>& candidates, int total_candidates);
};

const char* ask_item_name(AskItem a);
const char* outcome_kind_name(NarrowingOutcome::Kind k);

}  // namespace onshi::disaster
