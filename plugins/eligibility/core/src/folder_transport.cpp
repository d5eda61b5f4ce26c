#include <onshi/eligibility/folder_transport.hpp>

#include "folder_watch.hpp"

#include <onshi/support/files.hpp>

#include <cstdio>
#include <map>
#include <optional>

namespace onshi::eligibility {

namespace fs = std::filesystem;
using support::io_error;

namespace {

std::string ymd(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

std::string swap_req_res(const std::string& name) {
  std::string res = name;
  if (auto at = res.find("req_"); at != std::string::npos) res.replace(at, 3, "res");
  return res;
}

std::string stem_of(const std::string& name) { return name.substr(0, name.rfind('.')); }


std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

const std::string* text_at(const Element& parent, std::string_view name) {
  const Element* e = parent.child(name);
  return e && !e->text.empty() ? &e->text : nullptr;
}

Error not_ours(std::string_view field) {
  return make_error(ONSHI_E_PROTOCOL, "folder",
                    "the answer under this name is for another request (its " + std::string(field) + " differs)",
                    "another program writes the same names into req: let one `onshi serve` own the folder");
}

}  // namespace

Result<void> belongs_to(const XmlMsg& answer, const XmlMsg& request) {
  const std::string* sent_id = text_at(request.header, "ArbitraryFileIdentifier");
  const std::string* echoed_id = text_at(answer.header, "ArbitraryFileIdentifier");
  if (sent_id && echoed_id && *sent_id != *echoed_id) return not_ours("ArbitraryFileIdentifier");
  const Element* asked = request.body.child("QualificationConfirmSearchInfo");
  const Element* echo = answer.body.child("QualificationConfirmSearchInfo");
  if (asked && echo)
    for (std::string_view key : {"InsurerNumber", "InsuredIdentificationNumber", "Birthdate"}) {
      const std::string *a = text_at(*asked, key), *b = text_at(*echo, key);
      if (a && b && trimmed(*a) != trimmed(*b)) return not_ours(key);
    }
  return {};
}

struct FolderTransport::Impl : std::enable_shared_from_this<Impl> {
  struct Pending {
    std::string request_name;
    std::string request_bytes;    // to recognise our own file in req before removing it
    std::optional<XmlMsg> request;  // to recognise our answer in res (belongs_to)
    uint64_t timer = 0;
    AnswerCallback done;
    std::string last_problem;  // why the answer seen so far was not taken
    bool echo_required = false;  // await(): only an answer echoing the request's ArbitraryFileIdentifier
  };

  Reactor& reactor;
  FolderOptions options;
  fs::path req, res;
  std::unique_ptr<detail::DirectoryWatch> watch;
  std::map<uint64_t, Pending> pending;
  uint64_t next_id = 1;

  Impl(Reactor& r, FolderOptions o) : reactor(r), options(std::move(o)) {
    req = options.root / options.req_dir;
    res = options.root / options.res_dir;
  }

  void deliver(uint64_t id, Result<Answer> result) {
    auto it = pending.find(id);
    if (it == pending.end()) return;
    reactor.cancel(it->second.timer);
    AnswerCallback done = std::move(it->second.done);
    pending.erase(it);
    reactor.post([done = std::move(done), r = std::make_shared<Result<Answer>>(std::move(result))]() mutable {
      done(std::move(*r));
    });
  }

  // The next name for today: prefix + "req_" + yyyyMMdd + a 4-digit daily sequence (+ 4 random
  // characters unless options.random_name_part is off). The sequence is kept on disk under a lock,
  // so a restart or a second process on the same state folder never reuses one; the random part
  // keeps two PCs with their own state folders apart; a name whose answer is still in res is
  // skipped (the terminal would refuse it or we would read the old answer).
  Result<std::string> next_name(std::string_view prefix, std::chrono::year_month_day today) {
    const std::string date = ymd(today);
    auto seq = options.state_dir.empty() ? Result<int>(memory_sequence(date))
                                         : support::next_in_daily_sequence(options.state_dir / "sequence", date);
    if (!seq) return std::move(seq).error();
    for (int n = *seq; n <= 9999; ++n) {
      char num[16];
      std::snprintf(num, sizeof num, "%04d", n);
      const std::string tail = options.random_name_part ? support::random_name_part(4) : std::string();
      const std::string name = std::string(prefix) + "req_" + date + num + tail + ".xml";
      std::error_code ec;
      if (fs::exists(res / swap_req_res(name), ec) || fs::exists(res / (stem_of(name) + ".err"), ec)) continue;
      return name;
    }
    return make_error(ONSHI_E_BUSY, "folder", "all 9999 request names of " + date + " are used",
                      "wait until tomorrow, or clear old answers from " + res.string());
  }

  // Without a state folder the counter lives as long as the process; the random part and the
  // exclusive creation keep names apart across restarts.
  int memory_sequence(const std::string& date) {
    if (memory_day != date) memory_day = date, memory_count = 0;
    return ++memory_count;
  }
  std::string memory_day;
  int memory_count = 0;

  // Places the request under a fresh name, created exclusively: never over another program's file.
  Result<std::string> place(std::string_view prefix, std::chrono::year_month_day today, std::string_view bytes,
                            const PlacingCallback& placing) {
    for (int attempt = 0; attempt < 16; ++attempt) {
      auto name = next_name(prefix, today);
      if (!name) return name;
      if (placing) placing(*name);  // before the file exists: a crash after it leaves nothing unknown
      auto created = support::create_file_exclusively(req / *name, bytes);
      if (!created) return std::move(created).error();
      if (*created) return name;
    }
    return make_error(ONSHI_E_BUSY, "folder", "every request name tried in " + req.string() + " was taken",
                      "another program writes the same names into the terminal's req folder: give each its own "
                      "state folder, or let one `onshi serve` own the folder");
  }

  void check(uint64_t id) {
    auto it = pending.find(id);
    if (it == pending.end()) return;
    Pending& p = it->second;
    const std::string res_name = swap_req_res(p.request_name);
    const std::size_t max = options.limits.max_bytes;

    auto err = support::read_file(res / (stem_of(p.request_name) + ".err"), 64 * 1024);
    if (err && err->has_value() && !(*err)->empty()) {  // an empty .err is still being written
      Error e = make_error(ONSHI_E_PROTOCOL, "folder",
                           "the terminal rejected " + p.request_name + ": " + text::readable(**err),
                           "check the request's fields (insurer number 8 characters, dates YYYYMMDD) and send again");
      return deliver(id, e);
    }
    if (std::error_code ec; fs::exists(res / (stem_of(res_name) + ".zip"), ec))
      return deliver(id, make_error(ONSHI_E_NOT_SUPPORTED, "folder",
                                    "the terminal answered " + p.request_name + " with an encrypted ZIP",
                                    "set this interface to 'n' in the terminal's encrypt.conf"));
    auto bytes = support::read_file(res / res_name, max);
    if (!bytes) return deliver(id, std::move(bytes).error());
    if (!bytes->has_value()) return;
    auto msg = read_xml_msg(**bytes, res_name, options.limits);
    if (!msg) {
      p.last_problem = msg.error().message;  // most likely still being written: try again later
      return;
    }
    if (p.echo_required && !text_at(msg->header, "ArbitraryFileIdentifier")) {
      p.last_problem = "the answer under this name echoes no ArbitraryFileIdentifier";
      return;
    }
    if (p.request)
      if (auto ours = belongs_to(*msg, *p.request); !ours) {
        // Another request's answer under our name: leave it for its owner and keep waiting.
        p.last_problem = ours.error().message;
        return;
      }
    deliver(id, Answer{p.request_name, res_name, std::move(msg).value(), std::move(**bytes)});
  }

  void check_all() {
    std::vector<uint64_t> ids;
    for (const auto& [id, p] : pending) ids.push_back(id);
    for (uint64_t id : ids) check(id);
  }

  // Timeout or cancel: take our request back if the terminal has not picked it up.
  void give_up(uint64_t id, Error why) {
    auto it = pending.find(id);
    if (it == pending.end()) return;
    // Only our own bytes are taken back: under this name there may be another program's request.
    const Pending& p = it->second;
    if (auto there = support::read_file(req / p.request_name, p.request_bytes.size());
        there && there->has_value() && **there == p.request_bytes) {
      std::error_code ec;
      fs::remove(req / p.request_name, ec);
    }
    if (!it->second.last_problem.empty()) why.message += " (last answer seen: " + it->second.last_problem + ")";
    deliver(id, std::move(why));
  }
};

FolderTransport::FolderTransport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<FolderTransport>> FolderTransport::open(Reactor& reactor, FolderOptions options) {
  auto impl = std::make_shared<Impl>(reactor, std::move(options));
  std::error_code ec;
  for (const fs::path& dir : {impl->req, impl->res})
    if (!fs::is_directory(dir, ec))
      return make_error(ONSHI_E_NOT_FOUND, "folder", "folder " + dir.string() + " does not exist",
                        "mount the terminal's OQS share and check the req/res folder names in the configuration");
  if (auto made = support::make_private_dirs(impl->options.state_dir); !made) return std::move(made).error();
  std::weak_ptr<Impl> weak = impl;
  auto watch = detail::DirectoryWatch::open(reactor, impl->res, impl->options.rescan_interval, [weak] {
    if (auto self = weak.lock()) self->check_all();
  });
  if (!watch) return std::move(watch).error();
  impl->watch = std::move(watch).value();
  return std::unique_ptr<FolderTransport>(new FolderTransport(std::move(impl)));
}

FolderTransport::~FolderTransport() {
  std::vector<uint64_t> ids;
  for (const auto& [id, p] : impl_->pending) ids.push_back(id);
  for (uint64_t id : ids)
    impl_->give_up(id, make_error(ONSHI_E_CANCELLED, "folder", "the folder transport was closed"));
  impl_->watch.reset();
}

uint64_t FolderTransport::submit(std::string_view prefix, std::chrono::year_month_day today,
                                 std::string_view request_bytes, AnswerCallback done, PlacingCallback placing) {
  Impl& s = *impl_;
  const uint64_t id = s.next_id++;
  s.pending[id].done = std::move(done);
  s.watch->rearm();  // the share may have been mounted again since the last request
  auto name = s.place(prefix, today, request_bytes, placing);
  if (!name) {
    s.deliver(id, std::move(name).error());
    return id;
  }
  wait_for_answer(id, *name, request_bytes);
  return id;
}

uint64_t FolderTransport::await(std::string_view request_name, std::string_view request_bytes, AnswerCallback done) {
  Impl& s = *impl_;
  const uint64_t id = s.next_id++;
  auto& p = s.pending[id];
  p.done = std::move(done);
  // Only what the request's own random identifier proves: whoever knows a name but not the
  // request it stands for learns nothing.
  auto request = read_xml_msg(request_bytes, std::string(request_name), s.options.limits);
  const bool named = request_name.size() > 14 && request_name.substr(10, 4) == "req_" &&
                     request_name.ends_with(".xml") && request_name.find_first_of("/\\") == std::string_view::npos;
  if (!named || !request || !text_at(request->header, "ArbitraryFileIdentifier")) {
    s.deliver(id, make_error(ONSHI_E_INVALID_ARGUMENT, "folder",
                             "a request to wait for needs its name in req (<prefix>req_….xml) and its own bytes, "
                             "carrying an ArbitraryFileIdentifier",
                             "pass what the placing callback reported when the request was sent"));
    return id;
  }
  p.echo_required = true;
  wait_for_answer(id, std::string(request_name), request_bytes);
  return id;
}

void FolderTransport::wait_for_answer(uint64_t id, const std::string& name, std::string_view request_bytes) {
  Impl& s = *impl_;
  auto& p = s.pending[id];
  p.request_name = name;
  p.request_bytes = std::string(request_bytes);
  if (auto request = read_xml_msg(request_bytes, name, s.options.limits)) p.request = std::move(request).value();
  std::weak_ptr<Impl> weak = impl_;
  p.timer = s.reactor.after(s.options.timeout, [weak, id, name, ms = s.options.timeout.count()] {
    if (auto self = weak.lock()) {
      Error e = make_error(ONSHI_E_TIMEOUT, "folder", "no answer to " + name + " within " + std::to_string(ms) + " ms",
                           "check that the terminal's 連携アプリ (OQSComApp) is running, then send again");
      e.retryable = true;
      self->give_up(id, std::move(e));
    }
  });
  // The answer may already be there (a fast terminal): look once right away.
  s.reactor.post([weak, id] {
    if (auto self = weak.lock()) self->check(id);
  });
}

void FolderTransport::cancel(uint64_t request_id) {
  impl_->give_up(request_id, make_error(ONSHI_E_CANCELLED, "folder", "the request was cancelled"));
}

}  // namespace onshi::eligibility
