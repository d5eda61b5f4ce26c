// Shared by the plugin and CLI tests: the onshi-vcard helper and APDU prefixes.
#pragma once

#include "virtual_card.hpp"

#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/host.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace onshi::reader::test {

// VERIFY with PIN data (the card masks the PIN itself): "0020008004XXXXXXXX".
inline constexpr const char* kVerifyWithPin = "0020008004";

}  // namespace onshi::reader::test
