// onshi-sim: the disaster search (DSTsiquc01) and its drug information (DSTsiquc02). The matching is
// the server side of docs/disaster-search-message.md: loose on purpose (the client re-checks strictly),
// written here without the SDK's disaster core so a misreading cannot hide by being made twice.
#include "disaster.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <vector>

namespace onshi_sim {
namespace {

using json = nlohmann::ordered_json;

constexpr size_t kMaxCandidates = 20;
constexpr const char* kNotice =
    " onshi-sim: NON-OFFICIAL disaster search (docs/disaster-search-message.md); not the OQS's interface ";

std::string stamp(const char* format) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string text_at(const pugi::xml_node& n, const char* path) { return n.first_element_by_path(path).child_value(); }

void add(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text().set(value.c_str());
}
void add_if(pugi::xml_node parent, const char* name, const std::string& value) {
  if (!value.empty()) add(parent, name, value);
}

// ---- loose name keys ---------------------------------------------------------------------------

const std::map<char32_t, char32_t> kFold = {
    // small kana written large (ｷﾖｳ = ｷｮｳ), and the sounds written two ways
    {U'ァ', U'ア'}, {U'ィ', U'イ'}, {U'ゥ', U'ウ'}, {U'ェ', U'エ'}, {U'ォ', U'オ'}, {U'ッ', U'ツ'},
    {U'ャ', U'ヤ'}, {U'ュ', U'ユ'}, {U'ョ', U'ヨ'}, {U'ヮ', U'ワ'}, {U'ヵ', U'カ'}, {U'ヶ', U'ケ'},
    {U'ヴ', U'ブ'}, {U'ヂ', U'ジ'}, {U'ヅ', U'ズ'}, {U'ヲ', U'オ'}, {U'ヰ', U'イ'}, {U'ヱ', U'エ'},
    // old and variant kanji seen in registered names
    {U'髙', U'高'}, {U'﨑', U'崎'}, {U'嵜', U'崎'}, {U'碕', U'崎'}, {U'德', U'徳'}, {U'邊', U'辺'},
    {U'邉', U'辺'}, {U'齋', U'斎'}, {U'齊', U'斎'}, {U'澤', U'沢'}, {U'濱', U'浜'}, {U'濵', U'浜'},
    {U'嶋', U'島'}, {U'嶌', U'島'}, {U'𠮷', U'吉'}, {U'槗', U'橋'}, {U'桒', U'桑'}};

const std::u32string kRowO = U"オコソトノホモヨロゴゾドボポ";
const std::u32string kRowU = U"ウクスツヌフムユルグズブプ";
const std::u32string kRowE = U"エケセテネヘメレゲゼデベペ";

std::u32string to_u32(const std::string& utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(utf8);
  if (U_SUCCESS(status)) s = nfkc->normalize(s, status);
  std::u32string out;
  for (int32_t i = 0; i < s.length();) {
    const UChar32 c = s.char32At(i);
    out.push_back(static_cast<char32_t>(c));
    i += U16_LENGTH(c);
  }
  return out;
}

// Width, script, small kana, long vowels, spaces and variant kanji folded away.
std::u32string loose_key(const std::string& name) {
  std::u32string out;
  for (char32_t c : to_u32(name)) {
    if (c == U' ' || c == U'\u3000' || c == U'・' || c == U'ー' || c == U'-') continue;
    if (c >= U'ぁ' && c <= U'ゖ') c += 0x60;  // hiragana → katakana
    if (auto it = kFold.find(c); it != kFold.end()) c = it->second;
    const char32_t prev = out.empty() ? 0 : out.back();
    if ((c == U'ウ' || c == U'オ') && kRowO.find(prev) != std::u32string::npos) continue;  // トウ/トオ = ト
    if (c == U'ウ' && kRowU.find(prev) != std::u32string::npos) continue;                  // ユウ = ユ
    if (c == U'イ' && kRowE.find(prev) != std::u32string::npos) continue;                  // ケイ = ケ
    out.push_back(c);
  }
  return out;
}

// ● (OQS) and ■ (JAHIS) stand for one character the system could not store.
bool same_key(const std::u32string& a, const std::u32string& b) {
  if (a.empty() || a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] && a[i] != U'●' && b[i] != U'●' && a[i] != U'■' && b[i] != U'■') return false;
  return true;
}

// The family name: what comes before the first space (full- or half-width).
std::string family(const std::string& name) {
  for (const char* space : {"\xE3\x80\x80", " "})
    if (auto at = name.find(space); at != std::string::npos && at > 0) return name.substr(0, at);
  return {};
}

// Loose on purpose: the whole name, or the family name alone, in kanji or kana.
bool name_matches(const std::string& heard, const std::string& heard_kana, const json& r) {
  std::vector<std::string> known;
  for (const char* k : {"Name", "NameKana", "NameOfOther", "NameOfOtherKana"})
    if (r.contains(k) && !r[k].get<std::string>().empty()) known.push_back(r[k].get<std::string>());
  for (const std::string& said : {heard, heard_kana}) {
    if (said.empty()) continue;
    for (const auto& k : known) {
      if (same_key(loose_key(said), loose_key(k))) return true;
      const std::string a = family(said), b = family(k);
      if (!a.empty() && !b.empty() && same_key(loose_key(a), loose_key(b))) return true;
    }
  }
  return false;
}

std::string trimmed(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string value(const json& r, const char* key) { return r.contains(key) ? r[key].get<std::string>() : ""; }

// ---- answers -------------------------------------------------------------------------------------

pugi::xml_node header(pugi::xml_document& doc, const pugi::xml_document& req, const json& data) {
  doc.append_child(pugi::node_comment).set_value(kNotice);
  pugi::xml_node h = doc.append_child("XmlMsg").append_child("MessageHeader");
  const pugi::xml_node rh = req.first_element_by_path("XmlMsg/MessageHeader");
  add(h, "ProcessExecutionTime", stamp("%Y%m%d%H%M%S"));
  add(h, "QualificationConfirmationDate", stamp("%Y%m%d"));
  const std::string code = text_at(rh, "MedicalInstitutionCode");
  add(h, "MedicalInstitutionCode", code.empty() ? data.value("medical_institution_code", "1311111111") : code);
  add_if(h, "ArbitraryFileIdentifier", text_at(rh, "ArbitraryFileIdentifier"));
  return h;
}

void search_error(pugi::xml_node h, bool sjis, const char* code, const char* message) {
  add(h, "SegmentOfResult", "9");
  add(h, "ErrorCode", code);
  add(h, "ErrorMessage", message);
  add(h, "CharacterCodeIdentifier", sjis ? "1" : "0");
  h.parent().append_child("MessageBody");
}

bool viewer_allowed(const pugi::xml_document& req) {
  const std::string v = text_at(req, "XmlMsg/MessageHeader/ViewerClassification");
  return v == "1" || v == "2" || v == "3" || v == "4";
}

void search_answer(const json& data, const pugi::xml_document& req, pugi::xml_document& res, bool sjis) {
  pugi::xml_node h = header(res, req, data);
  const pugi::xml_node q = req.first_element_by_path("XmlMsg/MessageBody/DisasterSearchInfo");
  const std::string birth = text_at(q, "Birthdate"), name = text_at(q, "Name"), kana = text_at(q, "NameKana"),
                    sex = text_at(q, "Sex"), insurer = trimmed(text_at(q, "InsurerNumber")),
                    number = trimmed(text_at(q, "InsuredIdentificationNumber"));
  if (!viewer_allowed(req)) return search_error(h, sjis, "E5002", "閲覧者区分が不正です（医師・歯科医師・薬剤師・被選定者のみ）");
  if (!q || birth.empty()) return search_error(h, sjis, "E5001", "生年月日は必須です");
  const bool by_numbers = !insurer.empty() && !number.empty();
  if (!by_numbers && (name.empty() || sex.empty()))
    return search_error(h, sjis, "E5003", "氏名・性別、または保険者番号・被保険者番号を指定してください");

  std::vector<std::pair<std::string, const json*>> found;
  for (const auto& p : data["personas"]) {
    if (!p.contains("results") || p["results"].empty()) continue;
    const json& r = p["results"][0];
    if (value(r, "Birthdate") != birth) continue;
    if (by_numbers) {
      if (trimmed(value(r, "InsurerNumber")) != insurer || trimmed(value(r, "InsuredIdentificationNumber")) != number)
        continue;
    } else {
      const std::string s1 = value(r, "Sex1"), s2 = value(r, "Sex2");
      if (!(s1 == sex || s2 == sex || s1 == "3")) continue;
      if (!name_matches(name, kana, r)) continue;
    }
    found.emplace_back(p["name"].get<std::string>(), &r);
  }
  add(h, "SegmentOfResult", "1");
  add(h, "CharacterCodeIdentifier", sjis ? "1" : "0");
  pugi::xml_node body = h.parent().append_child("MessageBody");
  add(body, "ProcessingResultStatus", "1");
  add(body, "ProcessingResultMessage", "非公式の災害時検索（onshi-sim）");
  add(body, "NumberOfCandidates", std::to_string(found.size()));
  pugi::xml_node list = body.append_child("CandidateList");
  for (size_t i = 0; i < found.size() && i < kMaxCandidates; ++i) {
    const json& r = *found[i].second;
    pugi::xml_node c = list.append_child("Candidate");
    add(c, "CandidateIdentifier", candidate_id(found[i].first));
    add(c, "Name", value(r, "Name"));
    add_if(c, "NameKana", value(r, "NameKana"));
    for (const char* k : {"NameOfOther", "NameOfOtherKana"}) add_if(c, k, value(r, k));
    add(c, "Sex1", value(r, "Sex1"));
    add_if(c, "Sex2", value(r, "Sex2"));
    add(c, "Birthdate", value(r, "Birthdate"));
    for (const char* k : {"Address", "PostNumber", "InsurerName", "InsurerNumber", "InsuredCardSymbol",
                          "InsuredIdentificationNumber", "InsuredBranchNumber"})
      add_if(c, k, value(r, k));
  }
}

// Drug information of one candidate in the YZKsiquc01res shape (ResultCode 1 / 2 no data / 9 refused).
void drug_answer(const json& data, const pugi::xml_document& req, pugi::xml_document& res) {
  pugi::xml_node h = header(res, req, data);
  pugi::xml_node body = h.parent().append_child("MessageBody");
  const pugi::xml_node q = req.first_element_by_path("XmlMsg/MessageBody/DisasterDrugInfoRequest");
  const std::string id = text_at(q, "CandidateIdentifier"), consent = text_at(q, "ConsentClassification");
  auto refuse = [&](const char* message) {
    add(h, "ResultCode", "9");
    add(h, "MessageContents", message);
  };
  if (!viewer_allowed(req)) return refuse("閲覧者区分が不正です");
  if (consent != "1" && consent != "2") return refuse("閲覧同意（口頭同意、または意思確認不能時の同意なし）が必要です");
  const json* person = nullptr;
  std::string persona;
  for (const auto& p : data["personas"])
    if (p.contains("results") && !p["results"].empty() && candidate_id(p["name"].get<std::string>()) == id)
      person = &p, persona = p["name"].get<std::string>();
  if (!person || value((*person)["results"][0], "Birthdate") != text_at(q, "Birthdate"))
    return refuse("候補者識別子または生年月日が一致しません");
  if (!person->contains("drugs")) {
    add(h, "ResultCode", "2");
    add(h, "MessageContents", "該当する薬剤情報がありません");
    return;
  }
  add(h, "ResultCode", "1");
  const json& r = (*person)["results"][0];
  pugi::xml_node who = h.append_child("QuaInf");
  add(who, "Name", value(r, "Name"));
  add(who, "KanaName", value(r, "NameKana"));
  add(who, "Birth", value(r, "Birthdate"));
  add(who, "AdmGendCode", value(r, "Sex1"));
  // JSON → elements in the order written, arrays repeating the element (as main.cpp's add_json).
  std::function<void(pugi::xml_node, const std::string&, const json&)> put = [&](pugi::xml_node parent,
                                                                                   const std::string& name,
                                                                                   const json& v) {
    if (v.is_array()) {
      for (const auto& item : v) put(parent, name, item);
    } else if (v.is_object()) {
      pugi::xml_node n = parent.append_child(name.c_str());
      for (const auto& [k, child] : v.items()) put(n, k, child);
    } else {
      parent.append_child(name.c_str()).text().set(v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
    }
  };
  for (const auto& [k, v] : (*person)["drugs"].items()) put(body, k, v);
}

}  // namespace

std::string candidate_id(const std::string& persona_name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : persona_name) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "DC-%012llx", static_cast<unsigned long long>(h & 0xFFFFFFFFFFFFull));
  return buf;
}

bool disaster_answer(const json& data, const std::string& op, const pugi::xml_document& req, pugi::xml_document& res,
                     bool sjis) {
  if (op == "DSTsiquc01") search_answer(data, req, res, sjis);
  else if (op == "DSTsiquc02") drug_answer(data, req, res);
  else return false;
  return true;
}

}  // namespace onshi_sim
