// The face folder: OQSComApp pushes OQSsiquc01res_face_….xml there after a card reading,
// with no request. The folder is shared with other programs, so it is only ever read: never
// locked, moved, renamed or deleted. What was processed is remembered across restarts in a
// small owner-only state file (state_dir/face-processed); without a state_dir, for this run only.
#pragma once

#include <onshi/eligibility/reactor.hpp>
#include <onshi/eligibility/protocol.hpp>
#include <onshi/result.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace onshi::eligibility {

struct FaceOptions {
  std::filesystem::path face_dir;
  std::filesystem::path state_dir;
  std::chrono::milliseconds rescan_interval{1000};
  int unreadable_rescans = 5;  // a file unchanged but unparseable for this many rescans is reported once
  ReadLimits limits;
};

struct FaceResult {
  std::string file_name;
  XmlMsg message;
};

class FaceFolder {
 public:
  // on_result is called once per new face file, on the reactor: the message, or an error
  // naming a file that stays unreadable.
  static Result<std::unique_ptr<FaceFolder>> open(Reactor& reactor, FaceOptions options,
                                                  std::function<void(Result<FaceResult>)> on_result);
  ~FaceFolder();

  struct Impl;

 private:
  explicit FaceFolder(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace onshi::eligibility
