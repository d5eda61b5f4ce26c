// Base64 (RFC 4648, with padding) by OpenSSL's EVP coder: certificates, signatures and the
// Shift_JIS UKE bytes inside JSON documents.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace onshi::support {

std::string base64_encode(std::string_view bytes);
// Strict: nullopt for a length that is not a multiple of 4, a character outside the alphabet, or
// padding anywhere but at the end.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace onshi::support
