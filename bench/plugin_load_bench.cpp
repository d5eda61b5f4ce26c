// P5: cold-start discovery + load of every plugin in the given folders, next to
// a bare dlopen of the same library files. Each sample runs in a fresh forked
// process (a plugin, once loaded, stays mapped), and both are measured in the
// same run so the ratio holds on any machine.
//   plugin_load_bench [--runs N] DIR...
#include <onshi/host.hpp>

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Runs body in a fresh child process and returns what it wrote.
template <class F>
std::string in_child(F body) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string out = body();
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return out;
}

// A child's report: milliseconds, or -1 when the child failed.
double to_ms(const std::string& s) { return s.empty() ? -1 : std::stod(s); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = std::atoi(argv[++i]);
    else dirs.push_back(argv[i]);
  }
  onshi::SdkOptions options;
  options.plugin_dirs = dirs;
  options.use_default_dirs = dirs.empty();
  options.log_level = ONSHI_LOG_ERROR + 1;

  // The library files the SDK loads, found in a child so this process maps none of them.
  std::vector<std::string> libraries;
  std::string list = in_child([&] {
    std::string out;
    if (auto sdk = onshi::Sdk::open(options))
      for (const auto& p : sdk->plugins())
        if (p.loaded()) out += p.library_path + "\n";
    return out;
  });
  for (size_t start = 0, end; (end = list.find('\n', start)) != std::string::npos; start = end + 1)
    libraries.push_back(list.substr(start, end - start));
  if (libraries.empty()) return std::fprintf(stderr, "no plugin loaded from the given folders\n"), 1;

  std::vector<double> sdk_ms, dlopen_ms;
  for (int r = 0; r < runs; ++r) {
    sdk_ms.push_back(to_ms(in_child([&] {
      auto t0 = std::chrono::steady_clock::now();
      auto sdk = onshi::Sdk::open(options);
      return sdk ? std::to_string(ms_since(t0)) : std::string("-1");
    })));
    dlopen_ms.push_back(to_ms(in_child([&] {
      auto t0 = std::chrono::steady_clock::now();
      for (const auto& lib : libraries)
        if (!dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL)) return std::string("-1");
      return std::to_string(ms_since(t0));
    })));
  }
  if (std::count(sdk_ms.begin(), sdk_ms.end(), -1.0) || std::count(dlopen_ms.begin(), dlopen_ms.end(), -1.0))
    return std::fprintf(stderr, "a measuring process failed\n"), 1;
  double s = median(sdk_ms), d = median(dlopen_ms);
  std::printf("P5 cold start, %zu plugins, median of %d fresh processes:\n", libraries.size(), runs);
  std::printf("  onshi_sdk_open (discover + manifests + load + init + create): %.2f ms\n", s);
  std::printf("  bare dlopen of the same libraries:                            %.2f ms\n", d);
  std::printf("  ratio: %.2fx   goal: <= 20 ms for the four plugins (%s)\n", d > 0 ? s / d : 0.0,
              s <= 20.0 ? "met" : "NOT met");
  return 0;
}
