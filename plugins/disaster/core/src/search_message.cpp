#include <onshi/disaster/search_message.hpp>

#include <onshi/oqs/messages.hpp>

#include <charconv>
#include <cstdio>

// The messages themselves (envelope, security policy, field names) are libs/oqs's; this file
// only maps the disaster core's types onto them and says what an answer means.
namespace onshi::disaster {
namespace {

using oqs::Text;

// 閲覧者区分 in the header: 1 医師, 2 歯科医師, 3 薬剤師, 4 被選定者.
const char* viewer_code(Role r) {
  switch (r) {
    case Role::doctor: return "1";
    case Role::dentist: return "2";
    case Role::pharmacist: return "3";
    default: return "4";
  }
}

// Optional elements are absent rather than empty (docs/disaster-search-message.md).
Text some(const std::string& value) { return value.empty() ? Text{} : Text{value}; }
std::string text(const Text& t) { return t.value_or(""); }

oqs::DisasterRequestHeader header(const MessageContext& ctx) {
  oqs::DisasterRequestHeader h;
  h.QualificationConfirmationDate = compact_date(support::jst_day(ctx.at));  // the clinic's (JST) day
  h.MedicalInstitutionCode = some(ctx.medical_institution_code);
  h.ArbitraryFileIdentifier = some(ctx.file_id);
  h.DisasterDeclarationReference = some(ctx.declaration);
  h.ViewerIdentifier = some(ctx.viewer.id);
  h.ViewerClassification = viewer_code(ctx.viewer.role);
  return h;
}

template <class T>
void put_insurer(T& out, const InsurerNumbers& n) {
  out.InsurerNumber = some(n.insurer_number);
  out.InsuredCardSymbol = some(n.symbol);
  out.InsuredIdentificationNumber = some(n.number);
  out.InsuredBranchNumber = some(n.branch);
}

template <class M>
std::string written(const M& message) {
  // UTF-8: every value the core holds is UTF-8, and the terminal reads either.
  auto bytes = oqs::write_message(message, {text::Encoding::utf8});
  return bytes ? *bytes : std::string();
}

Error protocol_error(std::string what) {
  return make_error(ONSHI_E_PROTOCOL, "disaster", "DSTsiquc01res: " + what,
                    "keep the response file and report it; the look-up can be repeated");
}

std::optional<Sex> sex_of(const oqs::Code<oqs::CodeTable::sex>& code) {
  if (!code) return std::nullopt;
  if (code->value == "1") return Sex::male;
  if (code->value == "2") return Sex::female;
  if (code->value == "3") return Sex::unset;
  return std::nullopt;
}

Result<PersonRecord> person_of(const oqs::Candidate& c, int index) {
  const std::string where = "Candidate " + std::to_string(index);
  PersonRecord p;
  p.candidate_id = text(c.CandidateIdentifier);
  if (p.candidate_id.empty()) return protocol_error(where + " has no CandidateIdentifier");
  p.name = text(c.Name);
  p.name_kana = text(c.NameKana);
  p.name_of_other = text(c.NameOfOther);
  p.name_of_other_kana = text(c.NameOfOtherKana);
  auto sex1 = sex_of(c.Sex1);
  if (!sex1) return protocol_error(where + ": Sex1 '" + (c.Sex1 ? c.Sex1->value : "") + "' is not 1, 2 or 3");
  p.sex1 = *sex1;
  p.sex2 = sex_of(c.Sex2);
  auto birth = parse_date(text(c.Birthdate), where + " Birthdate");
  if (!birth) return protocol_error(birth.error().message);
  p.birthdate = *birth;
  p.address = text(c.Address);
  p.post_number = text(c.PostNumber);
  p.insurer_name = text(c.InsurerName);
  p.insurer = {text(c.InsurerNumber), text(c.InsuredCardSymbol), text(c.InsuredIdentificationNumber),
               text(c.InsuredBranchNumber)};
  return p;
}

}  // namespace

std::string write_search_request(const MessageContext& ctx, const PersonQuery& q) {
  oqs::DisasterSearchRequest m;
  m.header = header(ctx);
  auto& info = m.body.DisasterSearchInfo.emplace();
  info.Name = some(q.name);
  info.NameKana = some(q.name_kana);
  if (q.birthdate) info.Birthdate = compact_date(*q.birthdate);
  if (q.sex) info.Sex = oqs::Coded<oqs::CodeTable::sex>{std::to_string(static_cast<int>(*q.sex))};
  info.Address = some(q.address);
  info.InsurerName = some(q.insurer_name);
  put_insurer(info, q.insurer);
  return written(m);
}

std::string write_drug_request(const MessageContext& ctx, const PersonRecord& p, const Consent& consent,
                               DrugPeriod period) {
  oqs::DisasterDrugRequest m;
  m.header = header(ctx);
  auto& info = m.body.DisasterDrugInfoRequest.emplace();
  info.CandidateIdentifier = some(p.candidate_id);
  put_insurer(info, p.insurer);
  if (p.birthdate) info.Birthdate = compact_date(*p.birthdate);
  // 1 口頭同意, 2 同意なし (意思確認不能・生命身体の保護)
  info.ConsentClassification = consent.kind() == ConsentKind::verbal ? "1" : "2";
  info.ConsentTime = compact_time(consent.at());
  info.ConsentRecorder = some(consent.by());
  auto yyyymm = [](std::chrono::year_month ym) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02u", static_cast<int>(ym.year()), static_cast<unsigned>(ym.month()));
    return std::string(buf);
  };
  info.StartDate = yyyymm(period.from);
  info.EndDate = yyyymm(period.to);
  info.FileCategory = "2";  // XML, as YZKsiquc01
  return written(m);
}

Result<SearchResponse> read_search_response(std::string_view xml) {
  // The one reader and its one policy: the declared encoding, no DOCTYPE, the size limit.
  auto message = oqs::parse_message<oqs::DisasterSearchResponse>(xml, "DSTsiquc01res");
  if (!message) return protocol_error(message.error().message);
  const auto& h = message->header;
  const auto& body = message->body;
  SearchResponse out;
  out.file_id = text(h.ArbitraryFileIdentifier);
  const std::string segment = h.SegmentOfResult ? h.SegmentOfResult->value : "";
  if (segment != "1")
    return make_error(ONSHI_E_REFUSED, "disaster",
                      "the national system refused the disaster search (SegmentOfResult " + segment + ", " +
                          text(h.ErrorCode) + " " + text(h.ErrorMessage) + ")",
                      "check that the declaration covers this facility; otherwise try again later");
  if (!body.ProcessingResultStatus || body.ProcessingResultStatus->value != "1")
    return make_error(ONSHI_E_REFUSED, "disaster",
                      "the disaster search ended in error (" + text(body.ProcessingResultCode) + " " +
                          text(body.ProcessingResultMessage) + ")",
                      "check the items entered and search again");
  if (body.CandidateList) {
    int index = 0;
    for (const oqs::Candidate& c : body.CandidateList->Candidate) {
      auto p = person_of(c, ++index);
      if (!p) return std::move(p).error();
      out.candidates.push_back(std::move(p).value());
    }
  }
  const std::string total = text(body.NumberOfCandidates);
  out.total_candidates = static_cast<int>(out.candidates.size());
  if (!total.empty()) {
    int n = -1;
    const auto [end, ec] = std::from_chars(total.data(), total.data() + total.size(), n);
    if (ec != std::errc() || end != total.data() + total.size() || n < out.total_candidates)
      return protocol_error("NumberOfCandidates '" + total + "' is less than the candidates listed");
    out.total_candidates = n;
  }
  return out;
}

}  // namespace onshi::disaster
