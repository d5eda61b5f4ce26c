#include <onshi/support/base64.hpp>

#include <openssl/evp.h>

namespace onshi::support {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != std::string_view::npos)
    return std::nullopt;
  const auto pad = text.find('=');
  if (pad != std::string_view::npos && (text.size() - pad > 2 || text.find_first_not_of('=', pad) != std::string_view::npos))
    return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes: they are taken off below.
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - (pad == std::string_view::npos ? 0 : text.size() - pad));
  return out;
}

}  // namespace onshi::support
