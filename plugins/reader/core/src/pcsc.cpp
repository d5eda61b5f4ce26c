#include <onshi/reader/pcsc.hpp>

#include <PCSC/reader.h>
#include <PCSC/winscard.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>
#include <thread>

namespace onshi::reader {
namespace {

// What we were doing decides whether "no card" means "none inserted" or "pulled out".
enum class Stage { context, connect, operation };

bool service_lost(LONG rv) {
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED || rv == SCARD_E_INVALID_HANDLE;
}

bool service_lost(const Error& e) { return e.domain == "pcsc" && service_lost(LONG(e.native_code)); }

Error pcsc_error(LONG rv, Stage stage, const std::string& what) {
  const std::string text = what + ": " + pcsc_stringify_error(rv);
  auto error = [&](onshi_status code, const std::string& hint, bool retryable) {
    Error e = make_error(code, "pcsc", text, hint, int32_t(rv));
    e.retryable = retryable;
    return e;
  };
  if (service_lost(rv))
    return error(ONSHI_E_NO_DEVICE, "start the PC/SC service (pcscd); the next call reconnects by itself", true);
  switch (rv) {
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
      return error(ONSHI_E_NO_DEVICE, "connect the card reader (check its cable), then retry", true);
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_REMOVED_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_E_NOT_TRANSACTED:
    case SCARD_F_COMM_ERROR:
    case SCARD_W_RESET_CARD:
      if (stage == Stage::operation)
        return error(ONSHI_E_CARD_REMOVED, "the card left the reader or stopped answering: put it back and start again", true);
      return error(ONSHI_E_NO_CARD, "put the My Number card on the reader", true);
    case SCARD_E_SHARING_VIOLATION:
      return error(ONSHI_E_BUSY, "another program is using the card; close it or wait, then retry", true);
    case SCARD_E_TIMEOUT:
      return error(ONSHI_E_TIMEOUT, "", true);
    case SCARD_E_CANCELLED:
      return error(ONSHI_E_CANCELLED, "", false);
    case SCARD_E_UNSUPPORTED_FEATURE:
    case SCARD_E_PROTO_MISMATCH:
    case SCARD_E_CARD_UNSUPPORTED:
      return error(ONSHI_E_NOT_SUPPORTED, "this reader cannot do that; try another card reader", false);
    default:
      return error(ONSHI_E_IO, "retry; if it persists, restart the card reader and the PC/SC service", true);
  }
}

SCARDCONTEXT ctx_of(const std::atomic<std::uintptr_t>& h) { return SCARDCONTEXT(h.load()); }

// PC/SC part 10: the reader's largest APDU data size (0: short APDUs only);
// nullopt when the reader does not say.
std::optional<DWORD> max_apdu_data_size(SCARDHANDLE card) {
  unsigned char buf[256];
  DWORD len = 0;
  if (SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, nullptr, 0, buf, sizeof buf, &len) != SCARD_S_SUCCESS) return std::nullopt;
  DWORD properties_ioctl = 0;
  for (DWORD i = 0; i + 6 <= len; i += 6)  // tag, length 4, big-endian control code
    if (buf[i] == FEATURE_GET_TLV_PROPERTIES && buf[i + 1] == 4)
      properties_ioctl = DWORD(buf[i + 2]) << 24 | DWORD(buf[i + 3]) << 16 | DWORD(buf[i + 4]) << 8 | buf[i + 5];
  if (!properties_ioctl || SCardControl(card, properties_ioctl, nullptr, 0, buf, sizeof buf, &len) != SCARD_S_SUCCESS)
    return std::nullopt;
  for (DWORD i = 0; i + 2 <= len;) {  // tag, length, little-endian value
    const DWORD tag = buf[i], n = buf[i + 1];
    if (i + 2 + n > len) break;
    if (tag == PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize) {
      DWORD value = 0;
      for (DWORD k = n; k-- > 0;) value = value << 8 | buf[i + 2 + k];
      return value;
    }
    i += 2 + n;
  }
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<PcscContext>> PcscContext::establish() {
  SCARDCONTEXT ctx = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, Stage::context, "cannot reach the PC/SC service");
  return std::unique_ptr<PcscContext>(new PcscContext(std::uintptr_t(ctx)));
}

PcscContext::~PcscContext() { SCardReleaseContext(ctx_of(handle_)); }

Result<void> PcscContext::reestablish() {
  SCardReleaseContext(ctx_of(handle_));
  SCARDCONTEXT ctx = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, Stage::context, "cannot reach the PC/SC service again");
  handle_ = std::uintptr_t(ctx);
  return {};
}

// Runs `op`; if the service went away (pcscd restarted), re-establishes the
// context and runs it once more.
template <class Op>
auto PcscContext::with_service(Op op) -> decltype(op()) {
  auto result = op();
  if (result.ok() || !service_lost(result.error())) return result;
  if (auto again = reestablish(); !again.ok()) return again.error();
  return op();
}

Result<std::vector<ReaderInfo>> PcscContext::list_readers() {
  return with_service([&]() -> Result<std::vector<ReaderInfo>> {
    DWORD len = 0;
    LONG rv = SCardListReaders(ctx_of(handle_), nullptr, nullptr, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<ReaderInfo>{};
    std::string names(len, '\0');
    if (rv == SCARD_S_SUCCESS) rv = SCardListReaders(ctx_of(handle_), nullptr, names.data(), &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<ReaderInfo>{};
    if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, Stage::context, "cannot list card readers");
    std::vector<ReaderInfo> readers;
    for (size_t at = 0; at < names.size() && names[at];) {
      readers.push_back({names.c_str() + at, false});
      at += readers.back().name.size() + 1;
    }
    std::vector<SCARD_READERSTATE> states(readers.size());
    for (size_t i = 0; i < readers.size(); ++i) {
      states[i].szReader = readers[i].name.c_str();
      states[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    rv = SCardGetStatusChange(ctx_of(handle_), 0, states.data(), DWORD(states.size()));
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return pcsc_error(rv, Stage::context, "cannot read card presence");
    for (size_t i = 0; i < readers.size(); ++i)
      readers[i].card_present = (states[i].dwEventState & SCARD_STATE_PRESENT) && !(states[i].dwEventState & SCARD_STATE_MUTE);
    return readers;
  });
}

Result<void> PcscContext::wait_for(const std::string& reader, Presence want, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  cancel_requested_ = false;
  SCARD_READERSTATE state{};
  state.szReader = reader.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  for (;;) {
    if (cancel_requested_) return pcsc_error(SCARD_E_CANCELLED, Stage::context, "waiting for a card in '" + reader + "'");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    const LONG rv = SCardGetStatusChange(ctx_of(handle_), DWORD(std::max<long>(left.count(), 0)), &state, 1);
    if (rv == SCARD_S_SUCCESS) {
      const DWORD s = state.dwEventState;
      if (s & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE))
        return pcsc_error(SCARD_E_UNKNOWN_READER, Stage::context, "card reader '" + reader + "' is not connected");
      // "present" is a card that answers; "absent" is an empty slot (a mute card is neither).
      const bool done = want == Presence::present ? (s & SCARD_STATE_PRESENT) && !(s & SCARD_STATE_MUTE)
                                                  : !(s & SCARD_STATE_PRESENT);
      if (done) return {};
      state.dwCurrentState = s & ~SCARD_STATE_CHANGED;
      continue;
    }
    if (!service_lost(rv)) return pcsc_error(rv, Stage::context, "waiting for a card in '" + reader + "'");
    // pcscd went away: wait for it to come back, within the caller's deadline.
    if (!reestablish().ok()) {
      if (clock::now() >= deadline) return pcsc_error(rv, Stage::context, "waiting for a card in '" + reader + "'");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    state.dwCurrentState = SCARD_STATE_UNAWARE;
  }
}

Result<void> PcscContext::wait_for_change(const std::vector<ReaderInfo>& known, std::chrono::milliseconds timeout) {
  if (cancel_requested_.exchange(false)) return pcsc_error(SCARD_E_CANCELLED, Stage::context, "watching the readers");
  auto now = list_readers();
  if (!now) return now.error();
  auto same = [](const std::vector<ReaderInfo>& a, const std::vector<ReaderInfo>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].name != b[i].name || a[i].card_present != b[i].card_present) return false;
    return true;
  };
  if (!same(*now, known)) return {};
  // One blocking wait over every reader plus the PnP pseudo-reader, from their
  // current state: pcscd wakes us on any change, so there is no polling.
  std::vector<SCARD_READERSTATE> states(now->size() + 1);
  for (size_t i = 0; i < now->size(); ++i) states[i].szReader = (*now)[i].name.c_str();
  states.back().szReader = "\\\\?PnP?\\Notification";
  for (auto& st : states) st.dwCurrentState = SCARD_STATE_UNAWARE;
  LONG rv = SCardGetStatusChange(ctx_of(handle_), 0, states.data(), DWORD(states.size()));
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return pcsc_error(rv, Stage::context, "watching the readers");
  for (auto& st : states) st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
  rv = SCardGetStatusChange(ctx_of(handle_), DWORD(timeout.count()), states.data(), DWORD(states.size()));
  if (cancel_requested_.exchange(false)) return pcsc_error(SCARD_E_CANCELLED, Stage::context, "watching the readers");
  if (rv == SCARD_S_SUCCESS) return {};
  if (service_lost(rv)) (void)reestablish();  // the caller sees NO_DEVICE now, a working context next time
  return pcsc_error(rv, Stage::context, "watching the readers");
}

void PcscContext::cancel() {
  cancel_requested_ = true;
  SCardCancel(ctx_of(handle_));
}

Result<std::unique_ptr<CardConnection>> PcscContext::connect(const std::string& reader) {
  return with_service([&]() -> Result<std::unique_ptr<CardConnection>> {
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    const LONG rv = SCardConnect(ctx_of(handle_), reader.c_str(), SCARD_SHARE_EXCLUSIVE,
                                 SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol);
    if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, Stage::connect, "cannot connect to the card in '" + reader + "'");
    std::unique_ptr<CardConnection> connection(new CardConnection(std::uintptr_t(card), protocol, reader));
    // T=0 carries extended APDUs only through ENVELOPE; we do not go there.
    if (protocol != SCARD_PROTOCOL_T1) {
      connection->extended_length_ = ExtendedLength::unsupported;
    } else if (auto max = max_apdu_data_size(card)) {
      connection->extended_length_ = *max > kShortMax ? ExtendedLength::supported : ExtendedLength::unsupported;
    }
    return connection;
  });
}

CardConnection::CardConnection(std::uintptr_t card, unsigned long protocol, std::string reader)
    : card_(card), protocol_(protocol), reader_(std::move(reader)), buffer_(kExtendedMax + 2) {}

bool CardConnection::card_present() const {
  DWORD reader_len = 0, state = 0, protocol = 0, atr_len = MAX_ATR_SIZE;
  BYTE atr[MAX_ATR_SIZE];
  const LONG rv = SCardStatus(SCARDHANDLE(card_), nullptr, &reader_len, &state, &protocol, atr, &atr_len);
  return rv == SCARD_S_SUCCESS && (state & SCARD_PRESENT);
}

// The card is reset, so no verified PIN outlives the session. A card that left
// mid-operation is not: it lost power anyway, and a failed reset leaves some
// drivers (vpcd 0.8) reporting a mute card until the daemon restarts.
CardConnection::~CardConnection() { SCardDisconnect(SCARDHANDLE(card_), lost_ ? SCARD_LEAVE_CARD : SCARD_RESET_CARD); }

Result<Response> CardConnection::transmit_once(std::span<const uint8_t> command) {
  const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  DWORD len = DWORD(buffer_.size());
  ++apdu_count_;
  const LONG rv = SCardTransmit(SCARDHANDLE(card_), pci, command.data(), DWORD(command.size()), nullptr, buffer_.data(), &len);
  if (rv != SCARD_S_SUCCESS) {
    Error e = pcsc_error(rv, Stage::operation, "card in '" + reader_ + "' (APDU " + std::to_string(apdu_count_) + ")");
    lost_ = e.code == ONSHI_E_CARD_REMOVED;
    return e;
  }
  if (len < 2) {  // vpcd and some drivers report a vanished card as an empty answer
    Error e = make_error(ONSHI_E_CARD_REMOVED, "card", "card in '" + reader_ + "' stopped answering (APDU " + std::to_string(apdu_count_) + ")",
                         "the card left the reader or stopped answering: put it back and start again");
    e.retryable = true;
    lost_ = true;
    return e;
  }
  Response r;
  r.data.assign(buffer_.begin(), buffer_.begin() + len - 2);
  r.sw = uint16_t(buffer_[len - 2] << 8 | buffer_[len - 1]);
  return r;
}

Result<Response> CardConnection::transmit(std::span<const uint8_t> command) {
  auto r = transmit_once(command);
  // 6Cxx: wrong Le, the card names the right one. Only a case-2 command (header + Le, exactly
  // 5 bytes, no data) may be sent again: any other command's last byte is data, and resending
  // a VERIFY would spend a second PIN try (R-PIN: never retried).
  if (r && (r->sw >> 8) == 0x6C && command.size() == 5) {
    uint8_t again[5];
    std::copy(command.begin(), command.end(), again);
    again[4] = uint8_t(r->sw & 0xFF);
    r = transmit_once(again);
    OPENSSL_cleanse(again, sizeof again);
  }
  Bytes data;
  // 61xx: more data waiting; fetch it with GET RESPONSE. Bounded so a card that
  // keeps saying 61xx cannot hold us forever.
  for (int rounds = 0; r && (r->sw >> 8) == 0x61 && rounds < 256; ++rounds) {
    data.insert(data.end(), r->data.begin(), r->data.end());
    const uint8_t le = uint8_t(r->sw & 0xFF);
    const uint8_t get_response[] = {0x00, 0xC0, 0x00, 0x00, le};
    r = transmit_once(get_response);
  }
  if (r && !data.empty()) r->data.insert(r->data.begin(), data.begin(), data.end());
  return r;
}

}  // namespace onshi::reader
