// The reception flows of the sample EMR, composed the way any EMR composes the
// plugins (the host composes; plugins never call each other): the card is read
// and signs through onshi.card-reader/1, the query goes through
// onshi.eligibility/1, the bill through onshi.claims/1. `onshi verify` and
// `onshi demo` both run these.
#pragma once

#include "cli.hpp"

#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/abi/onshi_ext_claims.h>
#include <onshi/abi/onshi_ext_eligibility.h>

#include <chrono>

namespace onshi::cli {

using Eligibility = Extension<onshi_eligibility_v1>;
using CardReader = Extension<onshi_card_reader_v1>;

// Waits for op of `ext` (any extension with cancel: eligibility, eligibility-records); after
// `timeout` cancels it and says so (ONSHI_E_TIMEOUT).
template <class VTable>
Result<std::string> await(const Extension<VTable>& ext, Completion& completion, uint64_t op,
                          std::chrono::milliseconds timeout) {
  if (!completion.wait_for(timeout)) {
    ext.vtable->cancel(ext.instance, op);
    completion.wait_for(std::chrono::minutes(1));  // the contract: a cancel completes soon, exactly once
    Error e = make_error(ONSHI_E_TIMEOUT, "eligibility", "no answer within " + std::to_string(timeout.count() / 1000) + " s",
                         "check that the 資格確認端末 or the server and the network are up, then try again");
    e.retryable = true;
    return e;
  }
  return completion.result();
}

// What a card check came to. kind "outcome": the query ran and `outcome` is the
// onshi.eligibility.outcome/1; "pin_wrong" / "pin_locked": nothing was sent.
struct CardCheck {
  std::string kind;
  int tries_left = -1;
  std::string card_kind;  // "card" | "smartphone"
  nlohmann::json outcome;
  std::string message;    // for pin_wrong / pin_locked: what the receptionist sees
};

// The whole card flow: card info → auth certificate → challenge → sign with the
// PIN → query; pin NULL: staff did a visual check (目視確認, R-VIS) instead.
// The PIN is only passed through to the reader (the caller owns and wipes it).
Result<CardCheck> verify_by_card(const CardReader& reader, const Eligibility& ext, const char* reader_name,
                                 const char* pin, std::chrono::milliseconds timeout);

// R-PIN: what staff say when the PIN is locked (3 wrong entries) and what they do now. The clinic
// can never unlock it; the patient can: a card at the 市区町村 or with the smartphone app and a
// コンビニ kiosk, a smartphone card in the マイナポータルアプリ. `card_kind`: "card" | "smartphone".
std::string pin_locked_message(const std::string& card_kind);

// The outcome of a query that failed before the plugin answered (stage "transport").
nlohmann::json failed_outcome(const Error& e);

// A query by the insurance card's numbers (onshi.eligibility.request/1, kind "insured").
Result<nlohmann::json> verify_by_numbers(const Eligibility& ext, const nlohmann::json& request,
                                         std::chrono::milliseconds timeout);

// One document call (onshi_document_fn) of any extension: a JSON document in, one out.
Result<nlohmann::json> document_call(const std::string& plugin_id, onshi_instance* instance, onshi_document_fn fn,
                                     const nlohmann::json& request);
template <class VTable>
Result<nlohmann::json> call(const Extension<VTable>& ext, onshi_document_fn VTable::*fn, const nlohmann::json& request) {
  return document_call(ext.plugin_id, ext.instance, ext.vtable->*fn, request);
}


}  // namespace onshi::cli
