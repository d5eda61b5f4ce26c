#include "reception.hpp"

#include <onshi/support/base64.hpp>

#include <cstring>

namespace onshi::cli {

using nlohmann::json;

namespace {


// Starts an eligibility operation and waits for its document.
template <class Start>
Result<std::string> run(const Eligibility& ext, Completion& completion, std::chrono::milliseconds timeout, Start start) {
  uint64_t op = 0;
  onshi_error err = empty_error();
  if (onshi_status st = start(completion.get(), &op, &err)) return to_error(st, err);
  return await(ext, completion, op, timeout);
}

}  // namespace

std::string pin_locked_message(const std::string& card_kind) {
  if (card_kind == "smartphone")
    return "PIN ロック locked (R-PIN): the smartphone card's PIN is reset by the patient in the マイナポータルアプリ "
           "on the phone; the clinic cannot unlock it. Now: the patient shows the 資格情報 screen of マイナポータル on "
           "the phone (R-M10), or the physical card";
  return "PIN ロック locked (R-PIN): the clinic cannot unlock it; the patient can, at the 市区町村 (municipality) "
         "window, or with the マイナンバーカード app on a smartphone and a コンビニ kiosk. Now: 目視確認 of the card's "
         "photo and a query with a visual check (R-VIS); a 顔写真なし card cannot be checked by sight: use "
         "マイナポータル or the 資格情報のお知らせ with the card (R-M2, R-M3)";
}

json failed_outcome(const Error& e) {
  return {{"schema", "onshi.eligibility.outcome/1"},
          {"kind", "failed"},
          {"stage", "transport"},
          {"code", std::to_string(e.code)},
          {"message", e.message},
          {"hint", e.hint},
          {"retryable", e.retryable},
          {"qualifications", json::array()},
          {"withheld_fields", json::array()},
          {"cache_allowed", false}};
}

Result<CardCheck> verify_by_card(const CardReader& reader, const Eligibility& ext, const char* reader_name,
                                 const char* pin, std::chrono::milliseconds timeout) {
  if (!ONSHI_HAS_FIELD(onshi_eligibility_v1, ext.vtable, challenge_async) || !ext.vtable->challenge_async)
    return make_error(ONSHI_E_NOT_SUPPORTED, "eligibility",
                      "the eligibility plugin " + ext.plugin_id + " cannot query by the My Number card",
                      "install an eligibility plugin with the direct TLS transport");
  CardCheck check;
  // 1. The card: its kind and PIN state (no PIN spent), then its auth certificate.
  std::string info_text;
  onshi_writer info_out = append_to(info_text);
  onshi_error err = empty_error();
  if (onshi_status st = reader.vtable->card_info(reader.instance, reader_name, &info_out, &err)) return to_error(st, err);
  const json info = json::parse(info_text, nullptr, false);
  check.card_kind = info.is_object() ? info.value("kind", "card") : "card";
  if (pin && info.is_object() && info.value("pin_tries_left", 1) == 0) {
    check.kind = "pin_locked";
    check.tries_left = 0;
    check.message = pin_locked_message(check.card_kind);
    return check;
  }
  // One PIN, one session, when the reader can: VERIFY, read the certificate, sign.
  const bool in_one_session = pin && ONSHI_HAS_FIELD(onshi_card_reader_v1, reader.vtable, sign_with_certificate) &&
                              reader.vtable->sign_with_certificate;
  std::string certificate;
  onshi_writer cert_out = append_to(certificate);
  if (!in_one_session) {
    err = empty_error();
    if (onshi_status st = reader.vtable->read_certificate(reader.instance, reader_name, ONSHI_CERT_AUTH, &cert_out, &err))
      return to_error(st, err);
  }
  json request = {{"schema", "onshi.eligibility.request/1"}, {"kind", "card"}, {"card_kind", check.card_kind}};
  if (!pin) {
    request["identity_check"] = "visual";
  } else {
    // 2. The server's challenge, signed by the card after the PIN.
    Completion challenged;
    uint64_t op = 0;
    err = empty_error();
    if (onshi_status st = ext.vtable->challenge_async(ext.instance, challenged.get(), &op, &err)) return to_error(st, err);
    auto issued = await(ext, challenged, op, timeout);
    if (!issued) {  // no challenge came: the failed outcome the query itself would have given
      check.kind = "outcome";
      check.outcome = failed_outcome(issued.error());
      return check;
    }
    const json doc = json::parse(*issued, nullptr, false);
    const auto challenge = doc.is_object() ? support::base64_decode(doc.value("challenge", "")) : std::nullopt;
    if (!challenge || challenge->empty())
      return make_error(ONSHI_E_PROTOCOL, "eligibility", "the plugin's challenge document is unreadable",
                        "report this with `onshi plugins --json`");
    std::string signature;
    onshi_writer sig_out = append_to(signature);
    err = empty_error();
    const onshi_status st =
        in_one_session ? reader.vtable->sign_with_certificate(reader.instance, reader_name, pin, bytes_of(*challenge),
                                                              &sig_out, &cert_out, &err)
                       : reader.vtable->sign(reader.instance, reader_name, pin, bytes_of(*challenge), &sig_out, &err);
    if (st == ONSHI_E_PIN_WRONG || st == ONSHI_E_PIN_LOCKED) {
      const bool locked = st == ONSHI_E_PIN_LOCKED;
      check.kind = locked ? "pin_locked" : "pin_wrong";
      check.tries_left = locked ? 0 : err.native_code;
      check.message = locked ? pin_locked_message(check.card_kind)
                             : "PIN 不一致 wrong PIN: " + std::to_string(err.native_code) +
                                   " tries left; the query was not sent";
      return check;
    }
    if (st != ONSHI_OK) return to_error(st, err);
    request["challenge"] = doc.value("challenge", "");
    request["signature"] = support::base64_encode(signature);
  }
  request["certificate"] = support::base64_encode(certificate);
  // 3. The query itself.
  auto outcome = verify_by_numbers(ext, request, timeout);
  if (!outcome) return std::move(outcome).error();
  check.kind = "outcome";
  check.outcome = std::move(*outcome);
  return check;
}

Result<json> verify_by_numbers(const Eligibility& ext, const json& request, std::chrono::milliseconds timeout) {
  const std::string text = request.dump();
  Completion answered;
  auto answer = run(ext, answered, timeout, [&](const onshi_completion* done, uint64_t* op, onshi_error* e) {
    return ext.vtable->query_async(ext.instance, bytes_of(text), done, op, e);
  });
  if (!answer) return std::move(answer).error();
  json outcome = json::parse(*answer, nullptr, false);
  if (!outcome.is_object())
    return make_error(ONSHI_E_PROTOCOL, "eligibility", "the plugin's outcome document is not JSON",
                      "report this with `onshi plugins --json`");
  return outcome;
}

Result<json> document_call(const std::string& plugin_id, onshi_instance* instance, onshi_document_fn fn,
                           const json& request) {
  const std::string in = request.dump();
  std::string out;
  onshi_writer writer = append_to(out);
  onshi_error err = empty_error();
  if (onshi_status st = fn(instance, bytes_of(in), &writer, &err)) return to_error(st, err);
  json doc = json::parse(out, nullptr, false);
  if (doc.is_discarded())
    return make_error(ONSHI_E_PROTOCOL, plugin_id, "the plugin " + plugin_id + " answered something that is not JSON",
                      "report this with `onshi plugins --json`");
  return doc;
}


}  // namespace onshi::cli
