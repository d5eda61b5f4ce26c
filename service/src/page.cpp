#include "page.hpp"

#include "errors.hpp"

#include <onshi/support/files.hpp>

namespace onshi::service {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFiles = 64;
constexpr std::size_t kMaxFileBytes = 1u << 20;

const char* content_type_of(const fs::path& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".png", "image/png"},
      {".svg", "image/svg+xml"}, {".ico", "image/x-icon"}};
  for (const auto& [ext, type] : kTypes)
    if (file.extension() == ext) return type;
  return nullptr;
}

Error page_error(const fs::path& dir, const std::string& what) {
  return make_error(ONSHI_E_NOT_FOUND, "page", "the reception page folder " + dir.string() + " " + what,
                    "install the page (cmake --install installs share/onshi/www), set \"www_dir\" to its folder, "
                    "or \"page\": false to serve the API alone");
}

}  // namespace

fs::path Page::default_dir() {
  std::error_code ec;
  return (fs::read_symlink("/proc/self/exe", ec).parent_path() / ONSHI_WWW_INSTALLED_DIR).lexically_normal();
}

Result<Page> Page::load(const fs::path& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return page_error(dir, "cannot be read: " + ec.message());
  Page page;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    const char* type = content_type_of(entry.path());
    if (!type || name.empty() || name[0] == '.' || !entry.is_regular_file(ec)) continue;
    if (page.files_.size() == kMaxFiles) return page_error(dir, "holds more than " + std::to_string(kMaxFiles) + " files");
    auto bytes = support::read_file(entry.path(), kMaxFileBytes);
    if (!bytes) return std::move(bytes).error();
    if (!bytes->has_value()) continue;  // gone since it was listed
    page.files_["/" + name] = {type, std::move(**bytes)};
  }
  if (!page.files_.count("/index.html")) return page_error(dir, "has no index.html");
  return page;
}

std::optional<HttpResponse> Page::answer(const HttpRequest& r) const {
  const auto found = files_.find(r.path == "/" ? "/index.html" : r.path);
  if (found == files_.end()) return std::nullopt;
  HttpResponse res{200, found->second.content_type, r.method == "GET" ? found->second.bytes : std::string(), {}};
  if (r.method != "GET") {
    res = {405, "application/json",
           error_document(make_error(ONSHI_E_NOT_SUPPORTED, "page", "the page's files are read with GET", "GET " + r.path))
               .dump(),
           {{"Allow", "GET"}}};
  }
  // Everything the page needs comes from this service; nothing inline runs, nothing frames it.
  // (nosniff and no-referrer are on every answer: api.cpp.)
  res.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  return res;
}

}  // namespace onshi::service
