// Strings across the C ABI, for both sides (host.hpp and plugin.hpp include it): a string as
// onshi_bytes, onshi_bytes as a string, and an onshi_writer that appends to a string. Nothing
// here owns memory: the string must outlive the view or writer made from it.
#pragma once

#include <onshi/abi/onshi_plugin.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace onshi {

inline onshi_bytes bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

inline std::string_view text_of(onshi_bytes bytes) {
  return bytes.data ? std::string_view(reinterpret_cast<const char*>(bytes.data), bytes.size) : std::string_view();
}

// An onshi_writer that appends what it is given to `text`.
inline onshi_writer append_to(std::string& text) {
  return {&text, [](void* ctx, const uint8_t* data, uint64_t size) -> onshi_status {
            static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(data), size);
            return ONSHI_OK;
          }};
}

}  // namespace onshi
