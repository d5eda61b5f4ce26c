#include <onshi/disaster/audit_chain.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>

namespace onshi::disaster {
namespace {

using nlohmann::json;

// HMAC-SHA256 of the record's canonical text (nlohmann sorts object keys) without its seal.
std::string seal_of(const json& record_with_seq_and_prev, std::string_view key) {
  json unsealed = record_with_seq_and_prev;
  unsealed.erase("seal");
  const std::string text = unsealed.dump();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &length);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < length; ++i) hex += (std::snprintf(two, sizeof two, "%02x", mac[i]), two);
  return hex;
}

}  // namespace

json seal_record(json record, const ChainHead& head, std::string_view key) {
  record["seq"] = head.seq + 1;
  record["prev"] = head.seal;
  record["seal"] = seal_of(record, key);
  return record;
}

namespace {

// A field as stored, or its empty value when a record was edited into another shape (a check
// must say where the chain breaks, not fail on what it finds there).
int64_t stored_seq(const json& r) {
  if (!r.is_object()) return 0;
  const auto it = r.find("seq");
  return it != r.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
std::string stored_text(const json& r, const char* key) {
  if (!r.is_object()) return {};
  const auto it = r.find(key);
  return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

ChainHead head_of(const json& sealed) { return {stored_seq(sealed), stored_text(sealed, "seal")}; }

ChainCheck verify_chain(const std::vector<json>& records, std::string_view key) {
  ChainCheck check;
  ChainHead expected;
  for (const json& r : records) {
    ++check.records;
    const int64_t seq = stored_seq(r);
    auto broken = [&](std::string why) {
      check.ok = false;
      check.broken_at = expected.seq + 1;
      check.position = size_t(check.records - 1);
      check.why = std::move(why);
      return check;
    };
    if (seq != expected.seq + 1)
      return broken(seq == 0 ? "a record without its place in the chain"
                             : "record " + std::to_string(seq) + " where " + std::to_string(expected.seq + 1) +
                                   " belongs: records were removed or re-ordered");
    if (stored_text(r, "prev") != expected.seal) return broken("it does not follow the record before it");
    const std::string seal = stored_text(r, "seal");
    if (seal.size() != 64 || CRYPTO_memcmp(seal.data(), seal_of(r, key).data(), seal.size()) != 0)
      return broken("its content was changed after it was written (or the audit key is not the one it was sealed with)");
    expected = head_of(r);
  }
  return check;
}

std::string new_chain_key() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) return {};
  return key;
}

}  // namespace onshi::disaster
