// Shared by the disaster tests: times, temporary audit logs, fixture files, and
// the 2024 能登半島地震 declaration as published (石川県 輪島市 and 珠洲市,
// 2024-01-01 to 2024-01-07 24:00 JST) as test data.
#pragma once

#include "files.hpp"

#include <onshi/disaster/desk.hpp>
#include <onshi/disaster/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace onshi::disaster::test {

inline TimePoint at(const char* iso) {
  auto t = parse_time(iso, "test time");
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

inline Date day(const char* iso) {
  auto d = parse_date(iso, "test date");
  if (!d) throw std::runtime_error(d.error().message);
  return *d;
}

inline std::string fixture(const std::string& name) {
  const std::filesystem::path path = std::filesystem::path(ONSHI_DISASTER_DATA) / name;
  if (!std::filesystem::exists(path)) throw std::runtime_error("missing fixture " + name);
  return onshi::test::read_bytes(path);
}

// A fresh audit log per test, in a scratch folder removed when the tests end.
inline std::string audit_path() {
  static const onshi::test::TempDir dir;
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return (dir.path / (std::string(info->test_suite_name()) + "-" + info->name() + ".jsonl")).string();
}

inline std::vector<AuditRecord> read_audit(const std::string& path) {
  std::vector<AuditRecord> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto record = parse_audit_record(nlohmann::json::parse(line));
    if (!record) throw std::runtime_error(record.error().message);
    out.push_back(*record);
  }
  return out;
}

inline Declaration noto_2024() {
  Declaration d;
  d.reference = "令和6年能登半島地震に伴う緊急時医療情報・資格確認機能のアクティブ化について";
  d.area = {{"17", "17204", "石川県輪島市"}, {"17", "17205", "石川県珠洲市"}};
  d.opens_at = at("2024-01-01T07:10:00Z");
  d.closes_at = at("2024-01-07T15:00:00Z");  // 1/7 24:00 JST
  return d;
}

inline const Operator kDoctor{"dr-001", Role::doctor, ""};
inline const Operator kClerk{"clerk-007", Role::clerk, ""};

inline DeskConfig wajima_clinic() { return {"1712345678", {"17", "17204"}}; }

}  // namespace onshi::disaster::test
