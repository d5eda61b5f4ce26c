// onshi card info | verify-pin: the My Number card on the reader, through the
// "onshi.card-reader/1" extension (the onshi.reader.pcsc plugin or a vendor's).
#include "cli.hpp"
#include "commands.hpp"
#include "reception.hpp"

#include <onshi/abi/onshi_ext_card_reader.h>

#include <cstdio>
#include <iostream>

namespace onshi::cli {

namespace {

using nlohmann::json;
using CardReader = Extension<onshi_card_reader_v1>;

constexpr const char* kCardUsage = "onshi card info|verify-pin [--reader NAME] [--pin-stdin] [--json]";
constexpr const char* kInfoUsage = "onshi card info [--reader NAME] [--json]";
constexpr const char* kVerifyUsage = "onshi card verify-pin --pin-stdin [--reader NAME] [--json]";

const char* reader_arg(const std::optional<std::string>& reader) { return reader ? reader->c_str() : nullptr; }

// ---- onshi card info ----------------------------------------------------------------------

struct VerdictText {
  const char *japanese, *english;
  bool usable;  // for qualification (資格確認)
};

VerdictText verdict_text(const std::string& verdict) {
  if (verdict == "valid") return {"有効", "valid", true};
  if (verdict == "alert") return {"更新案内", "valid, renew soon (R-ALERT)", true};
  if (verdict == "grace")
    return {"猶予期間中", "in grace: qualification only, no drug or clinical information (R-GRACE)", true};
  if (verdict == "not-yet-valid") return {"有効期間前", "not yet valid", false};
  return {"期限切れ", "expired", false};
}


// What the receptionist does next, from the card-info document.
std::string next_step(const json& card) {
  const json& cert = card["auth_certificate"];
  const int tries = card.value("pin_tries_left", 0);
  std::string next;
  if (cert.is_null()) {
    next = "スマホ用電子証明書: the certificate is read after the PIN; check qualification with the PIN (R-PHONE)";
  } else {
    const std::string verdict = field(cert, "verdict");
    if (verdict == "valid") next = "use the card for 資格確認 (PIN or face authentication)";
    else if (verdict == "alert")
      next = "use the card; tell the patient to renew the certificate at the municipality before " +
             field(cert, "not_after");
    else if (verdict == "grace")
      next = "資格確認 only, until " + field(cert, "grace_until") +
             "; drug and clinical information cannot be shown; tell the patient to renew at the municipality";
    else if (verdict == "not-yet-valid")
      next = "the certificate starts " + field(cert, "not_before") + ": check this PC's date and time";
    else
      next = "the card cannot be used: check qualification another way (資格確認書, マイナポータル: R-M2, R-M3); "
             "the patient renews the certificate at the municipality";
  }
  if (tries == 0) next += ". " + pin_locked_message(field(card, "kind") == "smartphone" ? "smartphone" : "card");
  return next;
}

int cmd_info(const Args& args, const CardReader& reader) {
  std::string text;
  const onshi_writer out = append_to(text);
  onshi_error err = empty_error();
  if (onshi_status st = reader.vtable->card_info(reader.instance, reader_arg(args.value("reader")), &out, &err))
    return fail(args, to_error(st, err));
  json card = json::parse(text, nullptr, false);
  if (card.is_discarded() || !card.is_object())
    return fail(args, make_error(ONSHI_E_PROTOCOL, "card", "the reader plugin " + reader.plugin_id +
                                                               " returned a card-info document that is not JSON",
                                 "report this to the plugin's vendor"));
  const json& cert = card["auth_certificate"];
  const bool known = !cert.is_null();
  const VerdictText verdict = known ? verdict_text(field(cert, "verdict"))
                                    : VerdictText{"未確認", "read after the PIN (smartphone)", true};
  const bool smartphone = field(card, "kind") == "smartphone";
  const std::string next = next_step(card);

  if (args.flag("json")) {
    if (known) card["auth_certificate"].erase("der_base64");  // for the eligibility plugin, not for people
    print_json({{"ok", verdict.usable},
                {"usable_for_qualification", verdict.usable},
                {"verdict", {{"ja", verdict.japanese}, {"en", verdict.english}}},
                {"next", next},
                {"card", card}});
  } else {
    std::cout << "リーダー reader:          " << field(card, "reader") << "\n"
              << "カード card:              "
              << (smartphone ? "スマホ用電子証明書 (smartphone)" : "マイナンバーカード (My Number card)") << "\n"
              << "電子証明書 certificate:   " << verdict.japanese << " (" << verdict.english << ")\n";
    if (known) std::cout << "有効期限 expires:         " << field(cert, "not_after") << "\n";
    std::cout << "PIN 残り回数 tries left:  " << card.value("pin_tries_left", 0) << "\n"
              << "次に next:                " << next << "\n";
  }
  return verdict.usable ? kOk : kNegative;
}

// ---- onshi card verify-pin ----------------------------------------------------------------

int cmd_verify_pin(const Args& args, const CardReader& reader) {
  onshi_error err = empty_error();
  onshi_status st = ONSHI_OK;
  {
    PinInput pin;
    st = reader.vtable->verify_pin(reader.instance, reader_arg(args.value("reader")), pin.c_str(), &err);
  }
  if (st == ONSHI_OK) {
    if (args.flag("json")) print_json({{"ok", true}, {"outcome", "verified"}});
    else std::cout << "PIN 照合済み verified\n";
    return kOk;
  }
  const Error e = to_error(st, err);
  if (st != ONSHI_E_PIN_WRONG && st != ONSHI_E_PIN_LOCKED) return fail(args, e);
  const bool locked = st == ONSHI_E_PIN_LOCKED;
  const int tries_left = locked ? 0 : e.native_code;
  const std::string summary =
      locked ? pin_locked_message("card")
             : "PIN 不一致 wrong PIN: " + std::to_string(tries_left) + (tries_left == 1 ? " try" : " tries") + " left";
  if (args.flag("json")) {
    print_json({{"ok", false},
                {"outcome", locked ? "locked" : "wrong"},
                {"tries_left", tries_left},
                {"message", summary},
                {"error", {{"code", e.code}, {"domain", e.domain}, {"message", e.message}, {"hint", e.hint}}}});
  } else {
    std::cout << summary << "\n";
    std::cerr << "onshi: " << e.message << "\n";
    if (!e.hint.empty()) std::cerr << "  what to do: " << e.hint << "\n";
  }
  return kNegative;
}

// ---- onshi card <subcommand> --------------------------------------------------------------

int cmd_card(const Args& args) {
  const auto& words = args.positionals();  // main.cpp checked words[0] (info or verify-pin)
  const std::string& sub = words[0];
  const bool info = sub == "info", verify = !info;
  const char* usage = info ? kInfoUsage : kVerifyUsage;
  // Extra words are never echoed: one of them may be a PIN typed in the wrong place.
  if (words.size() > 1)
    return usage_error("card " + sub + " takes no further arguments" +
                           (verify ? " (the PIN is read from stdin only, never from the command line)" : ""),
                       usage);
  if (auto bad = args.unknown(info ? std::vector<std::string>{"reader"} : std::vector<std::string>{"reader", "pin-stdin"});
      !bad.empty())
    return usage_error("unknown option --" + bad, usage);
  if (verify && !args.flag("pin-stdin"))
    return usage_error("verify-pin reads the PIN from stdin: add --pin-stdin (type it, or pipe it in)", usage);
  if (auto r = args.value("reader"); r && r->empty()) return usage_error("--reader needs a reader name", usage);

  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto reader = sdk->extension<onshi_card_reader_v1>(ONSHI_EXT_CARD_READER);
  if (!reader) return fail(args, reader.error());
  return info ? cmd_info(args, *reader) : cmd_verify_pin(args, *reader);
}

}  // namespace

std::vector<Command> card_commands() {
  return {{"card", kCardUsage,
           "the My Number card on the reader: `card info` (certificate verdict, PIN tries left; exit 0 usable for "
           "資格確認, 1 not) and `card verify-pin --pin-stdin` (exit 0 verified, 1 wrong or locked, 2 not 4 digits); "
           "3 when no reader, no card or no PC/SC service",
           cmd_card,
           {"pin-stdin"},
           {{"info", kInfoUsage,
             "the card's kind, certificate verdict (valid / renew soon / grace / expired) and PIN tries left, "
             "without a PIN; exit 0 usable for 資格確認, 1 not, 3 no reader, card or PC/SC service"},
            {"verify-pin", kVerifyUsage,
             "check the 4-digit auth PIN, read from stdin (one try is spent only when it is wrong); exit 0 "
             "verified, 1 wrong or locked, 2 not 4 digits"}}}};
}

}  // namespace onshi::cli
