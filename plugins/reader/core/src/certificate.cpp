#include <onshi/reader/certificate.hpp>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

namespace onshi::reader {
using namespace std::chrono;

namespace {

// The same day `n` months later or earlier, clamped to the end of a shorter month.
Date add_months(Date d, int n) {
  const year_month ym = year_month(d.year(), d.month()) + months{n};
  const Date r = ym / d.day();
  return r.ok() ? r : Date(ym / last);
}

Date jst_date(const ASN1_TIME* t) {
  struct tm tm {};
  ASN1_TIME_to_tm(t, &tm);
  const sys_seconds utc = sys_days(year{tm.tm_year + 1900} / (tm.tm_mon + 1) / tm.tm_mday) +
                          hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
  return support::jst_day(utc);
}

std::string name_text(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(len));
}

}  // namespace

Result<CertificateFacts> parse_certificate(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> x(d2i_X509(nullptr, &p, long(der.size())), X509_free);
  if (!x || p != der.data() + der.size())
    return make_error(ONSHI_E_PROTOCOL, "card", "the auth certificate (JPKI EF 000A) is not a valid X.509 DER certificate",
                      "the card may be damaged; use another identification method (R-M2, R-M3)");
  CertificateFacts f;
  f.subject = name_text(X509_get_subject_name(x.get()));
  f.issuer = name_text(X509_get_issuer_name(x.get()));
  const ASN1_INTEGER* serial = X509_get0_serialNumber(x.get());
  f.serial_hex = to_hex({serial->data, size_t(serial->length)});
  f.not_before = jst_date(X509_get0_notBefore(x.get()));
  f.not_after = jst_date(X509_get0_notAfter(x.get()));
  f.der.assign(der.begin(), der.end());
  return f;
}

CertificateStatus evaluate_certificate(const CertificateFacts& cert, CardKind kind, Date today) {
  CertificateStatus s;
  s.expires_on = cert.not_after;
  s.alert_from = add_months(cert.not_after, -3);
  // 「有効期限満了日の属する月の末日から3か月間」: counted from the day after that
  // month's end, so it runs through the end of the third month after it.
  if (kind == CardKind::physical_card) s.grace_until = Date((year_month(cert.not_after.year(), cert.not_after.month()) + months{3}) / last);
  const sys_days t(today);
  if (t < sys_days(cert.not_before)) s.verdict = Verdict::not_yet_valid;
  else if (t <= sys_days(cert.not_after)) s.verdict = t >= sys_days(s.alert_from) ? Verdict::alert : Verdict::valid;
  else if (s.grace_until && t <= sys_days(*s.grace_until)) s.verdict = Verdict::grace;
  else s.verdict = Verdict::expired;
  return s;
}

Result<void> check_certificate(const CertificateStatus& s, CardKind kind, Use use) {
  const std::string expiry = support::iso_date(s.expires_on);
  switch (s.verdict) {
    case Verdict::valid:
    case Verdict::alert:
      return {};
    case Verdict::grace:
      if (use == Use::qualification) return {};
      return make_error(ONSHI_E_CERT_EXPIRED, "card",
                        "the card's auth certificate expired on " + expiry + "; in the grace period until " +
                            support::iso_date(*s.grace_until) + " only qualification can be checked, no drug or clinical information (R-GRACE)",
                        "check qualification only, and ask the patient to renew the certificate at their municipality");
    case Verdict::expired:
      if (kind == CardKind::smartphone)
        return make_error(ONSHI_E_CERT_EXPIRED, "card",
                          "the smartphone certificate (スマホ用電子証明書) expired on " + expiry + "; smartphones have no grace period (R-PHONE)",
                          "ask for the physical My Number card, a 資格確認書, or use R-M2/R-M3; the patient renews it in the マイナポータル app");
      return make_error(ONSHI_E_CERT_EXPIRED, "card",
                        "the card's auth certificate expired on " + expiry + " and its grace period ended on " +
                            support::iso_date(*s.grace_until) + " (R-GRACE)",
                        "use a 資格確認書 or another method (R-M2, R-M3); the patient renews the certificate at their municipality");
    case Verdict::not_yet_valid:
      return make_error(ONSHI_E_CERT_EXPIRED, "card", "the card's auth certificate is not valid yet",
                        "check the date and time of this computer; otherwise use another method (R-M2, R-M3)");
  }
  return make_error(ONSHI_E_INTERNAL, "card", "unknown certificate verdict");
}

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::valid: return "valid";
    case Verdict::alert: return "alert";
    case Verdict::grace: return "grace";
    case Verdict::expired: return "expired";
    case Verdict::not_yet_valid: return "not-yet-valid";
  }
  return "unknown";
}

std::string to_string(CardKind k) { return k == CardKind::smartphone ? "smartphone" : "card"; }


}  // namespace onshi::reader
