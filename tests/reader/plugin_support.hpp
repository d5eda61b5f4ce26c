// Shared by the plugin and CLI tests: the onshi-vcard helper, writers, APDU prefixes.
#pragma once

#include "virtual_card.hpp"

#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/host.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace onshi::reader::test {

// VERIFY with PIN data (the card masks the PIN itself): "0020008004XXXXXXXX".
inline constexpr const char* kVerifyWithPin = "0020008004";

// A writer that appends what the plugin writes to `text`.
inline onshi_writer append_to(std::string& text) {
  return {&text, [](void* ctx, const uint8_t* data, uint64_t size) -> onshi_status {
            static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(data), size);
            return ONSHI_OK;
          }};
}

}  // namespace onshi::reader::test
