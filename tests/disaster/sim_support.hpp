// For the disaster plugin and CLI tests: a scratch folder, the real onshi-sim whose log says
// which requests reached it, the 2024 Noto times, and the data files.
#pragma once

#include "files.hpp"
#include "sim_process.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace onshi::disaster::test {

namespace fs = std::filesystem;

inline std::string read_text(const fs::path& p) { return onshi::test::read_bytes(p); }
using onshi::test::TempDir;

// onshi-sim serving ROOT (its folders made first); its stdout goes to `log` (see SimProcess).
class Sim : public onshi::test::SimProcess {
 public:
  Sim(const fs::path& root, const fs::path& log) : SimProcess(serve(root), log) {}

 private:
  static std::vector<std::string> serve(const fs::path& root) {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root / sub);
    return {"serve", "--root", root.string(), "--poll", "50"};
  }
};

// 2024-01-02 09:30 JST, inside the test declaration that runs to 2024-01-07 24:00 JST.
inline constexpr int64_t kDuringMs = 1704155400000;     // 2024-01-02T00:30:00Z
inline constexpr int64_t kDeclaredAtMs = 1704096000000; // 2024-01-01T08:00:00Z
inline constexpr int64_t kAfterEndMs = 1704639600000;   // 2024-01-07T15:00:00Z = 1/8 00:00 JST

}  // namespace onshi::disaster::test
