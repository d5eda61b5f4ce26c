#include <onshi/disaster/consent.hpp>

namespace onshi::disaster {

Result<Consent> Consent::verbal(std::string recorded_by, TimePoint recorded_at) {
  if (recorded_by.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", "consent: no staff id recorded who took the consent",
                      "record who asked the patient for consent before looking up drug information");
  return Consent(ConsentKind::verbal, std::move(recorded_by), recorded_at, {});
}

Result<Consent> Consent::life_protection_exception(std::string decided_by, TimePoint decided_at,
                                                   std::string circumstances) {
  if (decided_by.empty() || circumstances.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster",
                      "consent exception: who decided it and the circumstances are both required",
                      "use the exception only when the patient cannot express intent and viewing protects life or "
                      "body; write why (e.g. unconscious on arrival)");
  return Consent(ConsentKind::life_protection_exception, std::move(decided_by), decided_at, std::move(circumstances));
}

}  // namespace onshi::disaster
