// Helpers for the eligibility tests: the shared ones (a scratch folder, files, the real simulator
// process) under their short names, and a reactor loop.
#pragma once

#include <onshi/eligibility/asio_reactor.hpp>

#include "files.hpp"
#include "sim_process.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <functional>

namespace onshi::eligibility::test {

namespace fs = std::filesystem;

using onshi::test::read_bytes;
using onshi::test::run_sim;
using onshi::test::SimProcess;
using onshi::test::TempDir;
using onshi::test::write_bytes;

// Runs the loop until `done` holds or the deadline passes.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace onshi::eligibility::test
