// A running onshi-vcard in vpcd slot 0, for one test: spawned with its persona and
// faults, waited for until pcscd sees the card, killed (and waited out) at the end.
#pragma once

#include <onshi/reader/pcsc.hpp>

#include <string>
#include <vector>

namespace onshi::reader::test {

inline const std::string kReader = "Virtual PCD 00 00";      // vpcd slot 0, our card
inline const std::string kEmptyReader = "Virtual PCD 00 01"; // vpcd slot 1, never a card

class VirtualCard {
 public:
  explicit VirtualCard(std::vector<std::string> args = {});
  ~VirtualCard();
  VirtualCard(const VirtualCard&) = delete;
  VirtualCard& operator=(const VirtualCard&) = delete;

  // Every command APDU the card received, hex (PIN bytes masked as XX by the card).
  std::vector<std::string> apdus() const;
  std::string output() const;  // the card's stderr
  std::string state_dir() const { return state_dir_; }
  Bytes auth_cert_der() const;  // as the card issued it this run

 private:
  int pid_ = -1;
  std::string dir_;
  std::string state_dir_;
};

// Reads a whole file; empty if missing.
std::string read_text(const std::string& path);

// Runs a shell command, returns its exit status.
int run(const std::string& command);

// Counts APDUs in `log` whose hex starts with `prefix`.
size_t count_prefix(const std::vector<std::string>& log, const std::string& prefix);

}  // namespace onshi::reader::test
