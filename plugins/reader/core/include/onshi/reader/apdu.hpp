// APDU and BER-TLV basics (ISO 7816-4), free of PC/SC.
#pragma once

#include <onshi/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace onshi::reader {

using Bytes = std::vector<uint8_t>;

// A response APDU: data and status word.
struct Response {
  Bytes data;
  uint16_t sw = 0;
  bool ok() const { return sw == 0x9000; }
};

// Expected response lengths with a meaning of their own.
inline constexpr size_t kShortMax = 256;     // Le = 00
inline constexpr size_t kExtendedMax = 65536; // Le = 00 00

// Builds a command APDU. `ne` = expected response length (0: none). The
// extended form is used only when the data or `ne` needs it.
Bytes make_command(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, std::span<const uint8_t> data = {},
                   size_t ne = 0);

// A BER-TLV header: tag (1 to 3 bytes), definite length (short form or 81..83 xx).
struct TlvHeader {
  uint32_t tag = 0;
  size_t header_size = 0;
  size_t value_size = 0;
  size_t total_size() const { return header_size + value_size; }
};
// Parses the header at the start of `bytes`. Fails (ONSHI_E_PROTOCOL, naming
// `what`) on a truncated header, an indefinite or over-long length.
Result<TlvHeader> parse_tlv_header(std::span<const uint8_t> bytes, const std::string& what);

struct Tlv {
  uint32_t tag = 0;
  std::span<const uint8_t> value;
};
// Splits a concatenation of TLVs (e.g. the value of a constructed TLV). Trailing
// filler bytes FF or 00 end the list. Fails if a value runs past the end.
Result<std::vector<Tlv>> parse_tlv_list(std::span<const uint8_t> bytes, const std::string& what);

std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace onshi::reader
