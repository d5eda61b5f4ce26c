// What `onshi demo` brings up around the SDK, and takes down however it ends:
// pcscd with the vpcd driver (only if none is running and we may start it), the
// simulator of the central system (folders + TLS, with a test PKI made on the
// spot), and one virtual My Number card at a time in the vpcd slot.
#pragma once

#include <onshi/result.hpp>

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace onshi::cli::demo {

// A child process, stopped (SIGTERM, then SIGKILL) when this goes away.
class Process {
 public:
  Process() = default;
  static Result<Process> spawn(const std::vector<std::string>& argv, const std::filesystem::path& log);
  Process(Process&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Process& operator=(Process&& o) noexcept;
  ~Process() { stop(); }
  bool running() const;
  int wait();  // until it ends by itself: its exit status (-1 when killed)
  void stop();

 private:
  pid_t pid_ = -1;
};

class Services {
 public:
  // Everything under work (logs too, so a failure can point at them).
  explicit Services(std::filesystem::path work, std::function<void(const std::string&)> progress)
      : work_(std::move(work)), progress_(std::move(progress)) {}
  ~Services();

  // pcscd (started only when none answers and we are root), the test PKI and
  // the simulator. `pcsc_up` tells whether PC/SC answers now.
  Result<void> start(const std::function<bool()>& pcsc_up);

  // The SDK configuration that points the plugins at the simulator.
  std::string config_json() const;
  const std::filesystem::path& oqs_root() const { return oqs_; }
  std::filesystem::path state_dir() const { return work_ / "state"; }

  // A virtual card with these onshi-vcard persona flags in the vpcd slot
  // (replacing the previous one); `present` says when the reader sees it.
  Result<void> insert_card(const std::vector<std::string>& persona_flags, const std::function<bool()>& present);
  void remove_card(const std::function<bool()>& absent);

  // Whose card the simulator answers for next (its sim-control/card-persona).
  Result<void> set_card_owner(const std::string& sim_persona);
  // Pushes a face-reader result for the persona into the face folder.
  Result<void> push_face(const std::string& sim_persona);

 private:
  std::filesystem::path program(const char* name) const;
  Result<void> wait_until(const std::function<bool()>& ready, const std::string& what, const std::filesystem::path& log);

  std::filesystem::path work_, oqs_, pki_;
  std::function<void(const std::string&)> progress_;
  bool started_pcscd_ = false;
  int tls_port_ = 0;
  Process sim_, card_;
};

}  // namespace onshi::cli::demo
