// What an onshi_document_listener received (face results, plugin events, progress), for tests to wait
// on: each document parsed, or {"status": <status>} for an error.
#pragma once

#include <onshi/abi/onshi_plugin.h>
#include <onshi/bytes.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace onshi::test {

struct DocumentInbox {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<nlohmann::json> documents;
  onshi_document_listener listener{sizeof(onshi_document_listener), this,
                                   [](void* ctx, onshi_status st, onshi_bytes doc, const onshi_error*) {
                                     auto& in = *static_cast<DocumentInbox*>(ctx);
                                     std::lock_guard lock(in.mutex);
                                     in.documents.push_back(st == ONSHI_OK ? nlohmann::json::parse(text_of(doc))
                                                                           : nlohmann::json{{"status", st}});
                                     in.cv.notify_all();
                                   }};

  bool wait_for_count(size_t n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, [&] { return documents.size() >= n; });
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return documents.size();
  }
};

}  // namespace onshi::test
