// A disaster declaration (事務連絡 that opens 災害時医療情報閲覧 for an area and a
// period) and the people who may look up drug information while it is active.
#pragma once

#include <onshi/disaster/time.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::disaster {

// Who may view (P2/P3): 医師, 歯科医師, 薬剤師, and 被選定者 authorised by the head of the facility.
enum class Role { doctor, dentist, pharmacist, authorised_staff, clerk };

struct Operator {
  std::string id;             // the clinic's own staff id; never a personal number
  Role role = Role::clerk;
  std::string authorised_by;  // for authorised_staff: who (the head of the facility) authorised them
};

// Local government codes (全国地方公共団体コード): prefecture "17", municipality "17201"
// (5 digits, no check digit). An entry without a municipality covers the whole prefecture.
struct AreaEntry {
  std::string prefecture_code;
  std::string municipality_code;  // empty = whole prefecture
  std::string name;               // 石川県輪島市, for people to read
};

struct FacilityLocation {
  std::string prefecture_code;
  std::string municipality_code;
};

struct Declaration {
  std::string reference;  // the 事務連絡 (title or number) that opened it
  std::vector<AreaEntry> area;
  TimePoint opens_at{};
  TimePoint closes_at{};  // 閉塞; extensions move it
};

enum class DeclarationState { none, scheduled, active, ended_by_hand, expired };

struct DeclarationStatus {
  DeclarationState state = DeclarationState::none;
  std::optional<Declaration> declaration;
  std::optional<TimePoint> ended_at;  // set when ended by hand
  std::string end_reason;
};

bool covers(const Declaration& d, const FacilityLocation& where);
bool may_look_up(const Operator& who);
const char* state_name(DeclarationState s);
// The names documents, audit tags and messages use (one table, in json.cpp).
const char* role_name(Role r);

}  // namespace onshi::disaster
