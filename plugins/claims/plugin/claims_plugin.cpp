// The claims plugin: "onshi.claims/1" over the claims core, plus "onshi.diagnostics/1".
// Every function is a pure document call (documents.hpp); the plugin toolkit's document_call
// adds the C boundary: lent bytes in, the caller's writer out, no exception through C.
#include "documents.hpp"

#include <onshi/abi/onshi_ext_claims.h>
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/claims/numbers.hpp>
#include <onshi/claims/uke.hpp>
#include <onshi/plugin.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace {

using onshi::Result;
using onshi::plugin::document_call;

namespace doc = onshi::claims::plugin;
using onshi::plugin::DocumentFunction;

// Every function by name as well (onshi.documents/1): `onshi serve` offers them with no code of its own.
constexpr DocumentFunction kDocuments[] = {
    {ONSHI_EXT_CLAIMS, "decide", ONSHI_SCHEMA_CLAIMS_INPUT, ONSHI_SCHEMA_CLAIMS_RESULT, &document_call<doc::decide>},
    {ONSHI_EXT_CLAIMS, "copay", ONSHI_SCHEMA_CLAIMS_COPAY_REQUEST, ONSHI_SCHEMA_CLAIMS_COPAY, &document_call<doc::copay>},
    {ONSHI_EXT_CLAIMS, "check_number", ONSHI_SCHEMA_CLAIMS_NUMBER_REQUEST, ONSHI_SCHEMA_CLAIMS_NUMBER_CHECK,
     &document_call<doc::check_number>},
    {ONSHI_EXT_CLAIMS, "statement_form", ONSHI_SCHEMA_CLAIMS_STATEMENT_PREFILL, "",
     &document_call<doc::statement_form>, nullptr, nullptr, "text/html; charset=UTF-8"},
    {ONSHI_EXT_CLAIMS, "usage_rate", ONSHI_SCHEMA_CLAIMS_USAGE_REQUEST, ONSHI_SCHEMA_CLAIMS_USAGE,
     &document_call<doc::usage_rate>},
    {ONSHI_EXT_CLAIMS, "merge", ONSHI_SCHEMA_CLAIMS_MERGE_REQUEST, ONSHI_SCHEMA_CLAIMS_MERGE, &document_call<doc::merge>},
};

class ClaimsPlugin : public onshi::plugin::Instance {
 public:
  explicit ClaimsPlugin(onshi::plugin::Host host) : host_(host) {}

  const void* extension(std::string_view id) override {
    static const onshi_claims_v1 claims = {sizeof(onshi_claims_v1),        &document_call<doc::decide>,
                                           &document_call<doc::copay>,     &document_call<doc::check_number>,
                                           &document_call<doc::statement_form>, &document_call<doc::usage_rate>,
                                           &document_call<doc::merge>};
    static const onshi_diagnostics_v1 diagnostics = {sizeof(onshi_diagnostics_v1), &self_test};
    if (id == ONSHI_EXT_CLAIMS) return &claims;
    if (id == ONSHI_EXT_DIAGNOSTICS) return &diagnostics;
    if (id == ONSHI_EXT_DOCUMENTS) return onshi::plugin::documents_extension<kDocuments>();
    return nullptr;
  }

 private:
  // Quick checks of what the claims need at run time; no personal data.
  static onshi_status ONSHI_ABI self_test(onshi_instance* instance, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      const auto& self = onshi::plugin::self<ClaimsPlugin>(instance);
      auto unions = onshi::claims::kouki_union_numbers();
      bool digits_ok = std::all_of(unions.begin(), unions.end(),
                                   [](const std::string& n) { return onshi::claims::parse_insurer_number(n).ok(); });
      auto sjis = onshi::claims::encode_shift_jis("被保険者●", "self-test");
      nlohmann::json checks = nlohmann::json::array(
          {{{"name", "check_digits"}, {"ok", digits_ok}, {"detail", "the 47 広域連合 保険者番号 pass the 検証番号 check"}},
           {{"name", "shift_jis"},
            {"ok", sjis.ok()},
            {"detail", sjis ? "the UKE Shift_JIS encoder works" : sjis.error().message}}});
      auto now = std::chrono::duration_cast<std::chrono::milliseconds>(self.host_.now().time_since_epoch());
      nlohmann::json report = {{"ok", digits_ok && sjis.ok()},
                               {"plugin", "onshi.claims"},
                               {"now_unix_ms", now.count()},
                               {"checks", checks}};
      return onshi::plugin::write_to(out, report.dump());
    });
  }

  onshi::plugin::Host host_;
};

Result<std::unique_ptr<onshi::plugin::Instance>> make(onshi::plugin::Host host, std::string_view) {
  return std::unique_ptr<onshi::plugin::Instance>(new ClaimsPlugin(host));
}

}  // namespace

ONSHI_PLUGIN_DEFINE("onshi.claims", make)
