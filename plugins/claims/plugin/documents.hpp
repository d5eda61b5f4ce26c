// The documents of "onshi.claims/1" (onshi_ext_claims.h): one pure function per
// extension function, from the request text to the response text. The C glue
// (claims_plugin.cpp) only adds the boundary; docs/decisions/claims.md,
// "Plugin documents", shows every schema with an example; their ids are the
// ONSHI_SCHEMA_CLAIMS_* of onshi_ext_claims.h.
#pragma once

#include <onshi/result.hpp>

#include <string>
#include <string_view>

namespace onshi::claims::plugin {

// onshi.claims.input/1 → onshi.claims.result/1.
Result<std::string> decide(std::string_view input);
// onshi.claims.copay-request/1 → onshi.claims.copay/1.
Result<std::string> copay(std::string_view request);
// onshi.claims.number-request/1 → onshi.claims.number-check/1 (an invalid number is valid=false, not an error).
Result<std::string> check_number(std::string_view request);
// onshi.claims.statement-prefill/1 → the 被保険者資格申立書 as HTML.
Result<std::string> statement_form(std::string_view prefill);
// onshi.claims.usage-request/1 → onshi.claims.usage/1.
Result<std::string> usage_rate(std::string_view request);
// onshi.claims.merge-request/1 → onshi.claims.merge-result/1.
Result<std::string> merge(std::string_view request);

}  // namespace onshi::claims::plugin
