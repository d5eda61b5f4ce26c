// The claims rules file (core/rules/claims-rules.json) as it was at build time.
#pragma once

#include <string_view>

namespace onshi::claims {
std::string_view embedded_rules_json();
}
