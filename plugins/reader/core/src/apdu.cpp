#include <onshi/reader/apdu.hpp>

namespace onshi::reader {

Bytes make_command(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, std::span<const uint8_t> data, size_t ne) {
  Bytes apdu = {cla, ins, p1, p2};
  const bool extended = data.size() > 255 || ne > kShortMax;
  if (!data.empty()) {
    if (extended) apdu.insert(apdu.end(), {0x00, uint8_t(data.size() >> 8), uint8_t(data.size())});
    else apdu.push_back(uint8_t(data.size()));
    apdu.insert(apdu.end(), data.begin(), data.end());
  }
  if (ne) {
    if (extended) {
      if (data.empty()) apdu.push_back(0x00);
      apdu.insert(apdu.end(), {uint8_t(ne >> 8), uint8_t(ne)});  // 65536 wraps to 00 00
    } else {
      apdu.push_back(uint8_t(ne));  // 256 wraps to 00
    }
  }
  return apdu;
}

Result<TlvHeader> parse_tlv_header(std::span<const uint8_t> b, const std::string& what) {
  auto broken = [&](const std::string& why) {
    return make_error(ONSHI_E_PROTOCOL, "card", what + ": " + why,
                      "the card's data is damaged or not what a My Number card holds; try another reader or card");
  };
  TlvHeader h;
  size_t i = 0;
  if (b.empty()) return broken("no data where a BER-TLV header was expected");
  h.tag = b[i++];
  if ((h.tag & 0x1F) == 0x1F) {  // multi-byte tag: continuation bytes have bit 8 set
    do {
      if (i >= b.size() || i >= 3) return broken("truncated or over-long BER tag");
      h.tag = h.tag << 8 | b[i];
    } while (b[i++] & 0x80);
  }
  if (i >= b.size()) return broken("BER header ends before its length");
  const uint8_t first = b[i++];
  if (first < 0x80) {
    h.value_size = first;
  } else {
    const size_t n = first & 0x7F;
    if (n == 0) return broken("indefinite BER length is not allowed here");
    if (n > 3) return broken("BER length of " + std::to_string(n) + " bytes is implausible");
    if (i + n > b.size()) return broken("BER header ends inside its length");
    for (size_t k = 0; k < n; ++k) h.value_size = h.value_size << 8 | b[i++];
  }
  h.header_size = i;
  return h;
}

Result<std::vector<Tlv>> parse_tlv_list(std::span<const uint8_t> b, const std::string& what) {
  std::vector<Tlv> items;
  size_t at = 0;
  while (at < b.size() && b[at] != 0xFF && b[at] != 0x00) {
    auto h = parse_tlv_header(b.subspan(at), what);
    if (!h) return h.error();
    if (h->total_size() > b.size() - at)
      return make_error(ONSHI_E_PROTOCOL, "card", what + ": a value runs past the end of its container",
                        "the card's data is damaged; try another reader or card");
    items.push_back({h->tag, b.subspan(at + h->header_size, h->value_size)});
    at += h->total_size();
  }
  return items;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) s += {digits[b >> 4], digits[b & 15]};
  return s;
}

}  // namespace onshi::reader
