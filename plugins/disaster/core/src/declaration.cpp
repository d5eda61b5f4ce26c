#include <onshi/disaster/declaration.hpp>

namespace onshi::disaster {

bool covers(const Declaration& d, const FacilityLocation& where) {
  for (const auto& entry : d.area) {
    if (entry.prefecture_code != where.prefecture_code) continue;
    if (entry.municipality_code.empty() || entry.municipality_code == where.municipality_code) return true;
  }
  return false;
}

bool may_look_up(const Operator& who) {
  switch (who.role) {
    case Role::doctor:
    case Role::dentist:
    case Role::pharmacist: return !who.id.empty();
    case Role::authorised_staff: return !who.id.empty() && !who.authorised_by.empty();
    case Role::clerk: return false;
  }
  return false;
}

const char* state_name(DeclarationState s) {
  switch (s) {
    case DeclarationState::none: return "none";
    case DeclarationState::scheduled: return "scheduled";
    case DeclarationState::active: return "active";
    case DeclarationState::ended_by_hand: return "ended_by_hand";
    case DeclarationState::expired: return "expired";
  }
  return "none";
}

}  // namespace onshi::disaster
