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
#include <condition_variable>
#include <mutex>

namespace onshi::cli {

using Eligibility = Extension<onshi_eligibility_v1>;
using CardReader = Extension<onshi_card_reader_v1>;

// One asynchronous operation's end (any extension's onshi_completion). Must outlive
// the Sdk, which completes what is pending on close.
class Completion {
 public:
  onshi_completion c{sizeof(onshi_completion), this, &on_done};

  bool wait_for(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return done_; });
  }
  onshi_status status() const { return status_; }
  const std::string& result() const { return result_; }
  const Error& error() const { return error_; }

 private:
  static void ONSHI_ABI on_done(void* ctx, onshi_status status, onshi_bytes result, const onshi_error* err) {
    auto& self = *static_cast<Completion*>(ctx);
    std::lock_guard lock(self.mutex_);
    self.status_ = status;
    if (result.data) self.result_.assign(reinterpret_cast<const char*>(result.data), result.size);
    if (status != ONSHI_OK)
      self.error_ = err ? to_error(status, *err) : make_error(status, "plugin", "the operation failed without a reason");
    self.done_ = true;
    self.cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  onshi_status status_ = ONSHI_OK;
  std::string result_;
  Error error_;
};

// Waits for op; after `timeout` cancels it and says so (ONSHI_E_TIMEOUT).
Result<std::string> await(const Eligibility& ext, Completion& completion, uint64_t op, std::chrono::milliseconds timeout);

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

std::string bytes_to_base64(const std::string& bytes);
std::optional<std::string> base64_to_bytes(const std::string& text);

}  // namespace onshi::cli
