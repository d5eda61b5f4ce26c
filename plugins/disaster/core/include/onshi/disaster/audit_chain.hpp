// The audit log as a chain: each stored record names its place (seq 1, 2, ...), the previous
// record's seal and its own, an HMAC-SHA256 over all three and the record itself, under a key the
// clinic keeps beside the store. Editing, removing or re-ordering a record breaks the chain at that
// record, and verify_chain says where. (Cutting off the newest records needs a copy of the head kept
// elsewhere to notice: docs/security.md.)
#pragma once

#include <onshi/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::disaster {

struct ChainHead {
  int64_t seq = 0;   // of the last sealed record; 0: none yet
  std::string seal;  // its seal (hex); "" for none
};

// `record` (an onshi.disaster.audit-record/1 document) with "seq", "prev" and "seal" added after `head`.
nlohmann::json seal_record(nlohmann::json record, const ChainHead& head, std::string_view key);
// The head a sealed record makes.
ChainHead head_of(const nlohmann::json& sealed);

struct ChainCheck {
  bool ok = true;
  int64_t records = 0;    // how many were checked
  int64_t broken_at = 0;  // seq of the first record that does not fit (0 when ok)
  size_t position = 0;    // that record's index in the records given (storage order)
  std::string why;        // what does not fit there
};
// Checks records given in storage order: seqs 1..n without a gap, each "prev" the seal before it,
// each seal right for its record under `key`.
ChainCheck verify_chain(const std::vector<nlohmann::json>& records, std::string_view key);

// A fresh random key (32 bytes).
std::string new_chain_key();

}  // namespace onshi::disaster
