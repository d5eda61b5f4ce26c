#include "card_auth.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <memory>

namespace onshi::sim {

using namespace std::chrono;

namespace {

std::string base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, int(n))));
  return out;
}

// Strict: padding only at the end, nothing else but the alphabet.
bool unbase64(const std::string& text, std::string& out) {
  if (text.empty() || text.size() % 4 ||
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != std::string::npos)
    return false;
  const size_t pad = text.find('=');
  if (pad != std::string::npos && (text.size() - pad > 2 || text.find_first_not_of('=', pad) != std::string::npos))
    return false;
  out.assign(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
  if (n < 0) return false;
  out.resize(size_t(n) - (pad == std::string::npos ? 0 : text.size() - pad));
  return true;
}

// The JST calendar day of a certificate time (J-LIS certificates end at 23:59:59 JST).
year_month_day jst_day(const ASN1_TIME* t) {
  std::tm tm{};
  ASN1_TIME_to_tm(t, &tm);
  const std::time_t utc = timegm(&tm);
  return year_month_day(floor<days>(system_clock::from_time_t(utc) + hours(9)));
}

year_month_day jst_day(std::time_t t) { return year_month_day(floor<days>(system_clock::from_time_t(t) + hours(9))); }

std::string ymd(year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", int(d.year()), unsigned(d.month()), unsigned(d.day()));
  return buf;
}

// The same day `n` months earlier or later, clamped to the month's end.
year_month_day add_months(year_month_day d, int n) {
  const year_month ym = year_month(d.year(), d.month()) + months(n);
  const year_month_day r = ym / d.day();
  return r.ok() ? r : year_month_day(ym / last);
}

CardVerdict refuse(const char* code, std::string message) { return {CardVerdict::refused, code, std::move(message)}; }

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

}  // namespace

CardAuthority::CardAuthority(const std::filesystem::path& card_ca, std::function<std::time_t()> now)
    : now_(std::move(now)) {
  std::ifstream in(card_ca, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
  ca_ = d2i_X509(nullptr, &p, long(bytes.size()));
  if (!ca_) {
    BIO* bio = BIO_new_mem_buf(bytes.data(), int(bytes.size()));
    ca_ = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  }
}

CardAuthority::~CardAuthority() { X509_free(ca_); }

std::string CardAuthority::issue_challenge() {
  unsigned char raw[32];
  RAND_bytes(raw, sizeof raw);
  std::string challenge = base64(raw, sizeof raw);
  std::lock_guard lock(mutex_);
  const auto now = steady_clock::now();
  std::erase_if(challenges_, [&](const auto& c) { return c.second < now; });
  challenges_[challenge] = now + seconds(kChallengeSeconds);
  return challenge;
}

CardVerdict CardAuthority::check(const CardQuery& q) {
  if (!ca_) return refuse("E29", "カード発行者のCA証明書が設定されていません（onshi-sim --card-ca）");
  std::string der;
  if (!unbase64(q.certificate, der)) return refuse("E20", "利用者証明用電子証明書を読み取れません（base64）");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, long(der.size())));
  if (!cert) return refuse("E20", "利用者証明用電子証明書を読み取れません（DER）");

  // 1. The chain to the card issuer's CA. Time is judged below, with the grace period.
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert.get(), nullptr);
  X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
  const bool chained = X509_verify_cert(ctx) == 1;
  const int chain_error = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  if (!chained)
    return refuse("E23", std::string("発行元を確認できない証明書です（") + X509_verify_cert_error_string(chain_error) + "）");

  // 2. Who holds the card: a PIN signature over our challenge, or staff's visual check (R-VIS).
  if (q.identity_check == "1") {
    {
      std::lock_guard lock(mutex_);
      auto it = challenges_.find(q.challenge);
      if (it == challenges_.end() || it->second < steady_clock::now()) {
        if (it != challenges_.end()) challenges_.erase(it);
        return refuse("E25", "チャレンジが無効です（未発行・使用済み・期限切れ）。チャレンジを取得し直してください");
      }
      challenges_.erase(it);  // single use
    }
    std::string challenge, signature;
    if (!unbase64(q.challenge, challenge) || !unbase64(q.signature, signature))
      return refuse("E24", "署名を検証できません（base64）");
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    const bool verified =
        EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert.get())) == 1 &&
        EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size()) == 1;
    EVP_MD_CTX_free(md);
    if (!verified) return refuse("E24", "署名を検証できません。暗証番号による本人確認をやり直してください");
  } else if (q.identity_check != "2") {
    return refuse("E26", "本人確認の方法（IdentityCheck）が指定されていません");
  }

  // 3. Validity at our clock, in JST days: R-ALERT before, R-GRACE after (physical cards only).
  const year_month_day today = jst_day(now_());
  const year_month_day first = jst_day(X509_get0_notBefore(cert.get()));
  const year_month_day last_day = jst_day(X509_get0_notAfter(cert.get()));
  if (sys_days(today) < sys_days(first))
    return refuse("E22", "利用者証明用電子証明書の有効期間前です（" + ymd(first) + "から）");
  if (sys_days(today) <= sys_days(last_day)) {
    if (sys_days(today) >= sys_days(add_months(last_day, -3)))
      return {CardVerdict::alert, "W01",
              "利用者証明用電子証明書の有効期限が近づいています（" + ymd(last_day) + "まで）。更新を案内してください"};
    return {CardVerdict::valid, "", ""};
  }
  const bool smartphone = q.certificate_kind == "2";
  // 3 months from the last day of the month that holds the expiry date.
  const year_month end_month = year_month(last_day.year(), last_day.month()) + months(3);
  const year_month_day grace_until(end_month / last);
  if (!smartphone && sys_days(today) <= sys_days(grace_until))
    return {CardVerdict::grace, "W02",
            "利用者証明用電子証明書の有効期限切れ（" + ymd(last_day) + "）：猶予期間中（" + ymd(grace_until) +
                "まで）のため資格情報のみ提供します。薬剤情報等は提供できません"};
  return refuse("E21", smartphone ? "スマホ用電子証明書の有効期限が切れています（" + ymd(last_day) +
                                        "）。スマホ用電子証明書に猶予期間はありません"
                                  : "利用者証明用電子証明書の有効期限が切れています（" + ymd(last_day) +
                                        "、猶予期間は" + ymd(grace_until) + "まで）。市区町村で更新してください");
}

}  // namespace onshi::sim
