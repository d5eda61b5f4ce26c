// Helpers shared by the claims tests: reading the committed input documents.
#pragma once

#include "files.hpp"

#include <onshi/claims/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace claims_test {

using onshi::test::read_bytes;

inline std::filesystem::path golden(const std::string& name) { return std::filesystem::path(CLAIMS_GOLDEN_DIR) / name; }

// A レセコン's own monthly file (tests/claims/uke/, Shift_JIS), to merge into.
inline std::filesystem::path recon_file(const std::string& name = "recon_202612.UKE") {
  return std::filesystem::path(CLAIMS_GOLDEN_DIR).parent_path() / "uke" / name;
}

// The input document tests/claims/golden/<name>.json, parsed.
inline onshi::claims::ClaimInput golden_input(const std::string& name) {
  auto in = onshi::claims::parse_claim_input(read_bytes(golden(name + ".json")));
  EXPECT_TRUE(in.ok()) << name << ": " << in.error().message;
  return in.ok() ? *in : onshi::claims::ClaimInput{};
}

}  // namespace claims_test
