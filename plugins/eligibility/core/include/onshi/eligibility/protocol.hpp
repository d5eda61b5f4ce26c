// The terminal's XML protocol (libs/oqs) is this plugin's vocabulary: inside onshi::eligibility its
// names (XmlMsg, QualificationResponse, prefix::qualification, ...) are used unqualified.
#pragma once

#include <onshi/oqs/drug_history.hpp>
#include <onshi/oqs/messages.hpp>

namespace onshi::eligibility {
using namespace onshi::oqs;
}  // namespace onshi::eligibility
