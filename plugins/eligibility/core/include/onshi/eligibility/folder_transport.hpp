// The terminal's shared folders (eligibility-xml.md §2): requests go into req, answers come
// back into res under the same name with req→res (or as a `.err` sibling when the terminal
// rejects the request). Answers are noticed by inotify AND a periodic rescan (events get lost
// on network shares); an answer is re-read until it parses (partial writes).
#pragma once

#include <onshi/eligibility/reactor.hpp>
#include <onshi/eligibility/protocol.hpp>
#include <onshi/result.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace onshi::eligibility {

struct FolderOptions {
  std::filesystem::path root;       // the OQS share, holding req and res
  std::string req_dir = "req";
  std::string res_dir = "res";
  std::filesystem::path state_dir;  // ours: the daily sequence (empty: kept in memory for this run)
  // 4 random characters after the 12-digit yyyyMMddNNNN, so desks with their own state folders
  // never pick the same name (docs/decisions/eligibility.md, "Request names"). Off: 12 digits only.
  bool random_name_part = true;
  std::chrono::milliseconds timeout{60000};
  std::chrono::milliseconds rescan_interval{500};
  ReadLimits limits;
};

struct Answer {
  std::string request_name;  // OQSsiquc01req_YYYYMMDDNNNN.xml (TLS: the interface, "OQSsiquc01")
  std::string file_name;     // OQSsiquc01res_YYYYMMDDNNNN.xml (TLS: "https://host:port/path")
  XmlMsg message;
  std::string raw;           // the answer's bytes as received (the file in res, or the HTTP body)
};
using AnswerCallback = std::function<void(Result<Answer>)>;
// Told the name a request is about to be placed under, before the file appears in req: a caller
// that must survive its own crash keeps the name (and the bytes) durably here, to await() the
// answer after a restart instead of sending the request again.
using PlacingCallback = std::function<void(const std::string& request_name)>;

// Whether `answer` can be the terminal's answer to `request` (eligibility-xml.md §2.2 4.): where
// both carry them, the ArbitraryFileIdentifier and the echoed QualificationConfirmSearchInfo keys
// (insurer number, 番号, birth date) must agree. The error says which field differs, never its value.
Result<void> belongs_to(const XmlMsg& answer, const XmlMsg& request);

class FolderTransport {
 public:
  // Fails when req or res does not exist (the share is not mounted) or state_dir cannot be made.
  static Result<std::unique_ptr<FolderTransport>> open(Reactor& reactor, FolderOptions options);
  ~FolderTransport();  // requests still waiting are cancelled: their callbacks get ONSHI_E_CANCELLED

  // Sends one request. The file is named prefix + "req_" + yyyyMMdd + a 4-digit daily sequence
  // kept in state_dir (+ a random part); `today` comes from the injected clock. The file is
  // created exclusively: another program's file of that name is never replaced. An answer under
  // our name is taken only when it belongs_to our request; otherwise it is left alone. `done` is
  // called exactly once, on the reactor, with the answer or an error (the terminal's .err text,
  // timeout, cancel, I/O). On timeout or cancel our request is removed from req if it is still
  // there with our bytes.
  // Call on the reactor's thread. Returns an id for cancel().
  uint64_t submit(std::string_view prefix, std::chrono::year_month_day today, std::string_view request_bytes,
                  AnswerCallback done, PlacingCallback placing = {});
  // Waits for the answer to a request placed earlier under `request_name` (by this process before
  // a restart, as `placing` said): nothing is written, the request is never placed again. The
  // answer is taken, and the wait times out, as for submit().
  uint64_t await(std::string_view request_name, std::string_view request_bytes, AnswerCallback done);
  void cancel(uint64_t request_id);

  struct Impl;

 private:
  explicit FolderTransport(std::shared_ptr<Impl> impl);
  void wait_for_answer(uint64_t id, const std::string& request_name, std::string_view request_bytes);
  std::shared_ptr<Impl> impl_;
};

}  // namespace onshi::eligibility
