// The reception page (service/www, docs/decisions/reception-page.md): static files read once at the
// start from the page folder and served at / to anyone. The page holds no data: everything it shows
// comes from the API with a desk's token. Only the files found at the start exist (looked up by exact
// name, no path is ever joined to a request), each with its type and headers that keep a browser
// strict (no inline script or style, no sniffing, no referrer, no framing).
#pragma once

#include "server.hpp"

#include <onshi/result.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace onshi::service {

class Page {
 public:
  // Every regular file of `dir` with a known type (html, css, js, png, svg, ico), not hidden, at most
  // 64 files of 1 MiB each. An absent folder is an error naming it and the setting.
  static Result<Page> load(const std::filesystem::path& dir);
  // The page folder an installed or built `onshi` has: <program>/<bin to datadir>/onshi/www.
  static std::filesystem::path default_dir();

  // The answer for GET / or GET /<file>; nothing when the path is not one of the page's.
  std::optional<HttpResponse> answer(const HttpRequest& r) const;
  std::size_t files() const { return files_.size(); }

 private:
  struct File {
    std::string content_type, bytes;
  };
  std::map<std::string, File> files_;  // "/index.html" → its bytes
};

}  // namespace onshi::service
