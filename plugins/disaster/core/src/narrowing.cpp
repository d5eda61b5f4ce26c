#include <onshi/disaster/narrowing.hpp>

#include <algorithm>

namespace onshi::disaster {
namespace {

constexpr Date kUnknownBirthdate{std::chrono::year{1900}, std::chrono::January, std::chrono::day{1}};

std::string trimmed(std::string_view s) {
  auto b = s.find_first_not_of(' ');
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(' ');
  return std::string(s.substr(b, e - b + 1));
}

bool by_insurer_numbers(const PersonQuery& q) { return !q.insurer.insurer_number.empty() && !q.insurer.number.empty(); }

// Optional parts (記号, 枝番) are compared only when the operator gave them.
bool same_insurer(const InsurerNumbers& given, const InsurerNumbers& known) {
  auto same = [](const std::string& a, const std::string& b) { return trimmed(a) == trimmed(b); };
  return same(given.insurer_number, known.insurer_number) && same(given.number, known.number) &&
         (given.symbol.empty() || same(given.symbol, known.symbol)) &&
         (given.branch.empty() || same(given.branch, known.branch));
}

struct Assessed {
  const PersonRecord* person;
  CandidateAssessment assessment;
  bool fourth_item = false;      // 住所 or 保険者名称 positively agreed
  bool insurer_matched = false;  // the insurer numbers agreed
};

Assessed assess(const NameMatcher& m, const PersonQuery& q, const PersonRecord& c) {
  Assessed a{&c, {}, false, false};
  auto& why = a.assessment.reasons;
  bool ok = true;

  if (c.birthdate == kUnknownBirthdate) {
    why.push_back("birth date: registered as unknown (1900-01-01), not compared");
  } else if (c.birthdate != q.birthdate) {
    ok = false;
    why.push_back("birth date: different");
  } else {
    why.push_back("birth date: same");
  }

  if (q.sex) {
    // Sex2 (戸籍上) is set when the card shows another; either one is the person's.
    bool same = c.sex1 == *q.sex || (c.sex2 && *c.sex2 == *q.sex) || c.sex1 == Sex::unset;
    ok = ok && same;
    why.push_back(same ? "sex: same (性別1, 性別2 or 未設定)" : "sex: different");
  }

  if (!q.name.empty()) {
    NameMatch best = m.match(q.name, q.name_kana, c.name, c.name_kana);
    if (!c.name_of_other.empty() || !c.name_of_other_kana.empty()) {
      NameMatch other = m.match(q.name, q.name_kana, c.name_of_other, c.name_of_other_kana);
      if (other.score > best.score) {
        other.reasons.insert(other.reasons.begin(), "name: compared with the other name (通称/本名)");
        best = std::move(other);
      }
    }
    a.assessment.name_score = best.score;
    for (auto& r : best.reasons) why.push_back("name: " + r);
    ok = ok && best.matched();
  }

  auto contains = [&m](const std::string& whole, const std::string& part) {
    return !whole.empty() && m.text_key(whole).find(m.text_key(part)) != std::string::npos;
  };
  if (!q.address.empty()) {
    if (c.address.empty()) {
      why.push_back("address: not registered for the candidate, not compared");
    } else if (contains(c.address, q.address)) {
      a.fourth_item = true;
      why.push_back("address: contains the part given");
    } else {
      ok = false;
      why.push_back("address: does not contain the part given");
    }
  }
  if (!q.insurer_name.empty()) {
    if (contains(c.insurer_name, q.insurer_name)) {
      a.fourth_item = true;
      why.push_back("insurer name: contains the name given");
    } else {
      ok = false;
      why.push_back("insurer name: different");
    }
  }
  if (!q.insurer.empty()) {
    a.insurer_matched = same_insurer(q.insurer, c.insurer);
    ok = ok && a.insurer_matched;
    why.push_back(a.insurer_matched ? "insurer numbers: same" : "insurer numbers: different");
  }
  a.assessment.consistent = ok;
  return a;
}

// Items not given yet that could tell people apart, in the order the window asks.
std::vector<AskItem> not_yet_asked(const NameMatcher& m, const PersonQuery& q) {
  std::vector<AskItem> ask;
  if (q.address.empty()) ask.push_back(AskItem::address);
  if (q.insurer_name.empty()) ask.push_back(AskItem::insurer_name);
  if (q.name_kana.empty() && !m.is_kana(q.name)) ask.push_back(AskItem::name_kana);
  if (q.insurer.empty()) ask.push_back(AskItem::insurer_numbers);
  return ask;
}

std::vector<std::string> differing_fields(const NameMatcher& m, const std::vector<const PersonRecord*>& people) {
  std::vector<std::string> out;
  auto differs = [&](const char* field, auto key) {
    for (auto* p : people)
      if (key(*p) != key(*people.front())) return out.push_back(field);
  };
  differs("name_kana", [&](const PersonRecord& p) { return m.strict_kana_key(p.name_kana); });
  differs("address", [&](const PersonRecord& p) { return m.text_key(p.address); });
  differs("insurer_name", [&](const PersonRecord& p) { return m.text_key(p.insurer_name); });
  differs("sex", [](const PersonRecord& p) { return static_cast<int>(p.sex1); });
  differs("insurer_numbers", [](const PersonRecord& p) { return trimmed(p.insurer.insurer_number) + "/" + trimmed(p.insurer.number); });
  return out;
}

}  // namespace

Result<void> validate(const PersonQuery& q) {
  auto missing = [](std::string what, std::string hint) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", "look-up request: " + what, std::move(hint));
  };
  if (!q.birthdate) return missing("生年月日 (birthdate) is missing", "ask the patient's date of birth");
  if (by_insurer_numbers(q)) return {};
  if (q.name.empty()) return missing("氏名 (name) is missing", "ask the name (kanji or kana), or the insurer numbers");
  if (!q.sex) return missing("性別 (sex) is missing", "ask the sex as registered");
  return {};
}

NarrowingOutcome Narrowing::narrow(const NameMatcher& m, const PersonQuery& q, const std::vector<PersonRecord>& candidates,
                                   int total_candidates) {
  NarrowingOutcome out;
  out.candidate_count = std::max<int>(total_candidates, static_cast<int>(candidates.size()));
  std::vector<Assessed> kept;
  for (const auto& c : candidates) {
    Assessed a = assess(m, q, c);
    out.assessments.push_back(a.assessment);
    if (a.assessment.consistent) kept.push_back(std::move(a));
  }
  out.consistent_count = static_cast<int>(kept.size());
  bool truncated = out.candidate_count > static_cast<int>(candidates.size());

  if (kept.empty() && !truncated) {
    out.kind = NarrowingOutcome::Kind::no_match;
    out.message = "no one matches every item given; check the spelling, the birth date and the sex";
    return out;
  }
  if (kept.size() == 1 && !truncated) {
    const Assessed& one = kept.front();
    bool four_items = !q.name.empty() && q.sex && one.fourth_item;
    if (one.insurer_matched || four_items) {
      out.kind = NarrowingOutcome::Kind::confirmed;
      out.person = ConfirmedPerson(*one.person);
      out.message = "one person matches every item; confirm with the patient, then record consent";
      return out;
    }
  }
  std::vector<const PersonRecord*> people;
  for (const auto& a : kept) people.push_back(a.person);
  out.differing_fields = differing_fields(m, people);
  out.ask = not_yet_asked(m, q);
  // Ask first for what actually tells the remaining people apart.
  auto tells_apart = [&](AskItem a) {
    return std::find(out.differing_fields.begin(), out.differing_fields.end(), ask_item_name(a)) !=
           out.differing_fields.end();
  };
  std::stable_partition(out.ask.begin(), out.ask.end(), tells_apart);
  if (out.ask.empty()) {
    out.kind = NarrowingOutcome::Kind::unresolved;
    out.message = "every item is given and the person is still not unique; nothing is shown. Ask for the insurance "
                  "card or 資格確認書 details, or treat without the drug history";
  } else {
    out.kind = NarrowingOutcome::Kind::ask_more;
    out.message = truncated ? "too many people match; ask for the next item"
                            : kept.size() > 1 ? "several people match; ask for the next item"
                                              : "one person matches but the 4th item (address or insurer) is still "
                                                "needed; ask for it";
  }
  return out;
}

const char* ask_item_name(AskItem a) {
  switch (a) {
    case AskItem::address: return "address";
    case AskItem::insurer_name: return "insurer_name";
    case AskItem::name_kana: return "name_kana";
    case AskItem::insurer_numbers: return "insurer_numbers";
  }
  return "address";
}

const char* outcome_kind_name(NarrowingOutcome::Kind k) {
  switch (k) {
    case NarrowingOutcome::Kind::confirmed: return "confirmed";
    case NarrowingOutcome::Kind::ask_more: return "ask_more";
    case NarrowingOutcome::Kind::no_match: return "no_match";
    case NarrowingOutcome::Kind::unresolved: return "unresolved";
  }
  return "no_match";
}

}  // namespace onshi::disaster
