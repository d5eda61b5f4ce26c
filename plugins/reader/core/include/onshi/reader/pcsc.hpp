// PC/SC (pcsc-lite / WinSCard): readers, card presence and one card connection.
// Survives a reader unplugged and a pcscd restart: a lost service re-establishes
// the context on the next call.
#pragma once

#include <onshi/reader/apdu.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace onshi::reader {

struct ReaderInfo {
  std::string name;
  bool card_present = false;
};

enum class Presence { absent, present };

// Whether the reader path carries extended-length APDUs. Readers that answer
// PC/SC part 10 (dwMaxAPDUDataSize) say so at connect; for the others (vpcd
// 0.8 among them) the first extended READ BINARY finds out.
enum class ExtendedLength { unknown, supported, unsupported };

class CardConnection;

class PcscContext {
 public:
  // Fails with ONSHI_E_NO_DEVICE (retryable) when the PC/SC service is not running.
  static Result<std::unique_ptr<PcscContext>> establish();
  ~PcscContext();
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;

  // All readers, with card presence; empty when none is connected.
  Result<std::vector<ReaderInfo>> list_readers();

  // Returns once `reader` has a card that answers (present) or an empty slot
  // (absent), at once if it already does.
  // ONSHI_E_TIMEOUT after `timeout`, ONSHI_E_CANCELLED after cancel(),
  // ONSHI_E_NO_DEVICE if the reader is (or gets) unplugged. A pcscd restart
  // during the wait is ridden out.
  Result<void> wait_for(const std::string& reader, Presence want, std::chrono::milliseconds timeout);

  // Blocks until the readers differ from `known` (a card in or out anywhere, a
  // reader plugged or unplugged: pcsc-lite's PnP notification), at once if they
  // already do. ONSHI_E_TIMEOUT after `timeout`, ONSHI_E_CANCELLED after
  // cancel(), ONSHI_E_NO_DEVICE while the PC/SC service is down.
  Result<void> wait_for_change(const std::vector<ReaderInfo>& known, std::chrono::milliseconds timeout);

  // Ends a wait_for() or wait_for_change() in progress (from any thread).
  void cancel();

  // An exclusive connection to the card in `reader` (others cannot use a
  // verified PIN while we hold it). ONSHI_E_NO_CARD, ONSHI_E_NO_DEVICE, ONSHI_E_BUSY.
  Result<std::unique_ptr<CardConnection>> connect(const std::string& reader);

 private:
  explicit PcscContext(std::uintptr_t handle) : handle_(handle) {}
  Result<void> reestablish();
  template <class Op>
  auto with_service(Op op) -> decltype(op());

  std::atomic<std::uintptr_t> handle_;
  std::atomic<bool> cancel_requested_{false};
};

class CardConnection {
 public:
  // Disconnects with SCARD_RESET_CARD, so no verified PIN outlives the session
  // (a card that already left is not reset).
  ~CardConnection();
  CardConnection(const CardConnection&) = delete;
  CardConnection& operator=(const CardConnection&) = delete;

  // Sends one command APDU; follows 61xx (GET RESPONSE) and 6Cxx (resend with
  // the right Le). Every APDU sent counts. Transport failures become
  // ONSHI_E_CARD_REMOVED, ONSHI_E_NO_DEVICE (reader or pcscd gone) or ONSHI_E_IO.
  Result<Response> transmit(std::span<const uint8_t> command);

  ExtendedLength extended_length() const { return extended_length_; }
  // Set by whoever learns it (a card or reader refusing an extended APDU, or carrying one).
  void set_extended_length(ExtendedLength e) { extended_length_ = e; }
  // The reader still reports a card (tells "reader refused the APDU" from "card pulled").
  bool card_present() const;

  uint64_t apdu_count() const { return apdu_count_; }
  const std::string& reader() const { return reader_; }

 private:
  friend class PcscContext;
  CardConnection(std::uintptr_t card, unsigned long protocol, std::string reader);
  Result<Response> transmit_once(std::span<const uint8_t> command);

  std::uintptr_t card_;
  unsigned long protocol_;
  std::string reader_;
  ExtendedLength extended_length_ = ExtendedLength::unknown;
  uint64_t apdu_count_ = 0;
  bool lost_ = false;  // the card left or stopped answering
  Bytes buffer_;
};

}  // namespace onshi::reader
