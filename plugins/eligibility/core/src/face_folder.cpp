#include <onshi/eligibility/face_folder.hpp>

#include "folder_watch.hpp"

#include <onshi/support/files.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <set>

namespace onshi::eligibility {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kFacePrefix = "OQSsiquc01res_face_";
}

struct FaceFolder::Impl {
  struct Attempt {
    std::uintmax_t size = 0;
    fs::file_time_type mtime;
    int unchanged = 0;
  };

  Reactor& reactor;
  FaceOptions options;
  std::function<void(Result<FaceResult>)> on_result;
  std::set<std::string> processed;
  std::map<std::string, Attempt> attempts;  // files seen but not yet parseable
  std::unique_ptr<detail::DirectoryWatch> watch;

  fs::path state_file() const { return options.state_dir / "face-processed"; }

  // Keep only names still in the folder, so the state file stays as small as the folder.
  Result<void> load_state() {
    if (options.state_dir.empty()) return {};  // remembered for this run only
    auto stored = support::read_file(state_file(), 16u << 20);
    if (!stored) return std::move(stored).error();
    if (!stored->has_value()) return {};
    std::string kept;
    std::istringstream in(**stored);
    for (std::string name; std::getline(in, name);) {
      std::error_code ec;
      if (!name.empty() && fs::exists(options.face_dir / name, ec) && processed.insert(name).second)
        kept += name + "\n";
    }
    return support::write_file_atomically(state_file(), kept);
  }

  void remember(const std::string& name) {
    processed.insert(name);
    attempts.erase(name);
    if (options.state_dir.empty()) return;
    if (auto kept = support::append_line(state_file(), name); !kept)
      report(kept.error());  // not kept: after a restart this file would be shown again
  }

  void report(Result<FaceResult> r) {
    reactor.post([cb = on_result, r = std::make_shared<Result<FaceResult>>(std::move(r))]() mutable {
      cb(std::move(*r));
    });
  }

  void scan() {
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(options.face_dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(kFacePrefix) && name.ends_with(".xml") && !processed.count(name)) names.push_back(name);
    }
    std::sort(names.begin(), names.end());  // the names end in a timestamp: oldest first
    for (const auto& name : names) consider(name);
  }

  void consider(const std::string& name) {
    const fs::path path = options.face_dir / name;
    auto bytes = support::read_file(path, options.limits.max_bytes);
    if (!bytes) {
      remember(name);
      return report(std::move(bytes).error());
    }
    if (!bytes->has_value()) return;  // gone already (another program took it)
    auto msg = read_xml_msg(**bytes, name, options.limits);
    if (msg) {
      remember(name);
      return report(FaceResult{name, std::move(msg).value()});
    }
    // Probably still being written; give up only when it stays the same and unreadable.
    std::error_code ec;
    Attempt now{fs::file_size(path, ec), fs::last_write_time(path, ec), 0};
    auto [it, fresh] = attempts.try_emplace(name, now);
    if (!fresh) {
      if (it->second.size == now.size && it->second.mtime == now.mtime) {
        if (++it->second.unchanged >= options.unreadable_rescans) {
          remember(name);
          Error e = std::move(msg).error();
          e.hint = "the file in the face folder stays unreadable; it is skipped (left in place)";
          return report(std::move(e));
        }
      } else {
        it->second = now;
      }
    }
  }
};

FaceFolder::FaceFolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceFolder::~FaceFolder() { impl_->watch.reset(); }

Result<std::unique_ptr<FaceFolder>> FaceFolder::open(Reactor& reactor, FaceOptions options,
                                                     std::function<void(Result<FaceResult>)> on_result) {
  std::error_code ec;
  if (!fs::is_directory(options.face_dir, ec))
    return make_error(ONSHI_E_NOT_FOUND, "folder", "face folder " + options.face_dir.string() + " does not exist",
                      "mount the terminal's FACE share and check FaceDataDir in UserDefinitionForFace.property");
  if (auto made = support::make_private_dirs(options.state_dir); !made) return std::move(made).error();
  auto impl = std::shared_ptr<Impl>(new Impl{reactor, std::move(options), std::move(on_result), {}, {}, {}});
  if (auto loaded = impl->load_state(); !loaded) return std::move(loaded).error();
  std::weak_ptr<Impl> weak = impl;
  auto watch = detail::DirectoryWatch::open(reactor, impl->options.face_dir, impl->options.rescan_interval, [weak] {
    if (auto self = weak.lock()) self->scan();
  });
  if (!watch) return std::move(watch).error();
  impl->watch = std::move(watch).value();
  reactor.post([weak] {
    if (auto self = weak.lock()) self->scan();
  });
  return std::unique_ptr<FaceFolder>(new FaceFolder(std::move(impl)));
}

}  // namespace onshi::eligibility
