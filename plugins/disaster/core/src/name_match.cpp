#include <onshi/disaster/name_match.hpp>

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>

#include <map>
#include <utility>

namespace onshi::disaster {
namespace {

// Width, script, small kana and spaces (spec disaster-mode §4.3, strict key).
// The OQS sends NameKana half-width with a half-width space, patients say it in
// hiragana, insurers may register small kana as large: all become one key.
constexpr const char16_t* kStrictRules =
    u":: NFKC; :: Hiragana-Katakana;"
    u"ァ>ア; ィ>イ; ゥ>ウ; ェ>エ; ォ>オ; ッ>ツ; ャ>ヤ; ュ>ユ; ョ>ヨ; ヮ>ワ; ヵ>カ; ヶ>ケ;"
    u"[\\u0020\\u3000\\u30FB] > ;";

// Second pass on a strict key, only to find candidates: sounds written two ways
// and long vowels (サイトウ = サイトー, オオノ = オーノ = オノ).
constexpr const char16_t* kLooseRules =
    u"ヴ>ブ; ヂ>ジ; ヅ>ズ; ヲ>オ; ヰ>イ; ヱ>エ; [\\u2010-\\u2015\\u2212\\uFF0D\\uFF70] > ー;"
    u":: Null;"
    u"[アカサタナハマヤラワガザダバパ] { [アー] > ;"
    u"[イキシチニヒミリギジヂビピ] { [イー] > ;"
    u"[ウクスツヌフムユルグズヅブプ] { [ウー] > ;"
    u"[エケセテネヘメレゲゼデベペ] { [イエー] > ;"
    u"[オコソトノホモヨロゴゾドボポ] { [ウオー] > ;"
    u"ー > ;";

// Addresses and insurer names: a dash after a digit is a dash whatever it looks
// like (〜/～ and −/－ differ between the EMR and the OQS, §4.2).
constexpr const char16_t* kTextRules =
    u":: NFKC;"
    u"[:Nd:] { [\\u2010-\\u2015\\u2212\\uFF0D\\u30FC\\u2500] > '-';"
    u"[\\u301C\\uFF5E] > '~';"
    u"[\\u0020\\u3000] > ;";

// Old and variant kanji folded to the common form (Unihan kSemanticVariant /
// kZVariant / 人名 pairs). Small on purpose; extend it from real mismatches.
const std::map<UChar32, UChar32>& variant_table() {
  static const std::map<UChar32, UChar32> table = [] {
    std::map<UChar32, UChar32> t;
    const std::pair<const char16_t*, const char16_t*> pairs[] = {
        {u"髙", u"高"}, {u"﨑", u"崎"}, {u"嵜", u"崎"}, {u"碕", u"崎"}, {u"德", u"徳"}, {u"邊", u"辺"},
        {u"邉", u"辺"}, {u"齋", u"斎"}, {u"齊", u"斎"}, {u"澤", u"沢"}, {u"濱", u"浜"}, {u"濵", u"浜"},
        {u"嶋", u"島"}, {u"嶌", u"島"}, {u"廣", u"広"}, {u"國", u"国"}, {u"櫻", u"桜"}, {u"實", u"実"},
        {u"惠", u"恵"}, {u"榮", u"栄"}, {u"壽", u"寿"}, {u"眞", u"真"}, {u"藏", u"蔵"}, {u"瀨", u"瀬"},
        {u"冨", u"富"}, {u"槇", u"槙"}, {u"曾", u"曽"}, {u"淺", u"浅"}, {u"邨", u"村"}, {u"桒", u"桑"},
        {u"舘", u"館"}, {u"峯", u"峰"}, {u"嶽", u"岳"}, {u"條", u"条"}, {u"圓", u"円"}, {u"靜", u"静"},
        {u"黑", u"黒"}, {u"學", u"学"}, {u"縣", u"県"}, {u"萬", u"万"}, {u"與", u"与"}, {u"𠮷", u"吉"},
        {u"龜", u"亀"}, {u"彌", u"弥"}, {u"莊", u"荘"}, {u"辯", u"弁"}, {u"驒", u"騨"}, {u"禮", u"礼"},
    };
    for (auto [from, to] : pairs) t[icu::UnicodeString(from).char32At(0)] = icu::UnicodeString(to).char32At(0);
    return t;
  }();
  return table;
}

bool is_placeholder(UChar32 c) { return c == U'●' || c == U'■'; }

std::string utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

icu::UnicodeString from_utf8(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

icu::UnicodeString fold_variants(const icu::UnicodeString& s, std::vector<std::string>* folded) {
  icu::UnicodeString out;
  for (int32_t i = 0; i < s.length(); i = s.moveIndex32(i, 1)) {
    UChar32 c = s.char32At(i);
    auto it = variant_table().find(c);
    if (it != variant_table().end()) {
      if (folded) folded->push_back(utf8(icu::UnicodeString(c)) + "=" + utf8(icu::UnicodeString(it->second)));
      c = it->second;
    }
    out.append(c);
  }
  return out;
}

enum class Compare { equal, wildcard_equal, only_wildcards, different };

// Same length in code points; ● or ■ on either side stands for any one character.
Compare compare_with_placeholders(const icu::UnicodeString& a, const icu::UnicodeString& b) {
  if (a == b) return Compare::equal;
  if (a.countChar32() != b.countChar32()) return Compare::different;
  int literal = 0;
  for (int32_t i = 0, j = 0; i < a.length(); i = a.moveIndex32(i, 1), j = b.moveIndex32(j, 1)) {
    UChar32 x = a.char32At(i), y = b.char32At(j);
    if (is_placeholder(x) || is_placeholder(y)) continue;
    if (x != y) return Compare::different;
    ++literal;
  }
  return literal ? Compare::wildcard_equal : Compare::only_wildcards;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

struct NameMatcher::Impl {
  std::unique_ptr<icu::Transliterator> strict, loose, text;
  icu::UnicodeSet kana;

  icu::UnicodeString apply(const icu::Transliterator& t, std::string_view s) const {
    icu::UnicodeString u = from_utf8(s);
    t.transliterate(u);
    return u;
  }
};

Result<NameMatcher> NameMatcher::create() {
  auto impl = std::make_unique<Impl>();
  auto build = [](const char16_t* id, const char16_t* rules, std::unique_ptr<icu::Transliterator>& out) {
    UParseError pe{};
    UErrorCode st = U_ZERO_ERROR;
    out.reset(icu::Transliterator::createFromRules(icu::UnicodeString(id), icu::UnicodeString(rules), UTRANS_FORWARD,
                                                   pe, st));
    return U_SUCCESS(st) && out;
  };
  if (!build(u"onshi-strict-kana", kStrictRules, impl->strict) || !build(u"onshi-loose-kana", kLooseRules, impl->loose) ||
      !build(u"onshi-text", kTextRules, impl->text))
    return make_error(ONSHI_E_INTERNAL, "disaster", "name matching: ICU could not build the kana transliterators",
                      "check that the ICU data library (libicudata) is installed");
  UErrorCode st = U_ZERO_ERROR;
  impl->kana.applyPattern(icu::UnicodeString(u"[[:Hiragana:][:Katakana:][\\u30FC\\u30FB\\u0020\\u3000]]"), st);
  impl->kana.freeze();
  if (U_FAILURE(st))
    return make_error(ONSHI_E_INTERNAL, "disaster", "name matching: ICU could not build the kana set",
                      "check that the ICU data library (libicudata) is installed");
  return NameMatcher(std::move(impl));
}

NameMatcher::NameMatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NameMatcher::NameMatcher(NameMatcher&&) noexcept = default;
NameMatcher& NameMatcher::operator=(NameMatcher&&) noexcept = default;
NameMatcher::~NameMatcher() = default;

std::string NameMatcher::strict_kana_key(std::string_view kana) const { return utf8(impl_->apply(*impl_->strict, kana)); }

std::string NameMatcher::loose_kana_key(std::string_view kana) const {
  icu::UnicodeString u = impl_->apply(*impl_->strict, kana);
  impl_->loose->transliterate(u);
  return utf8(u);
}

std::string NameMatcher::kanji_key(std::string_view name) const {
  return utf8(fold_variants(impl_->apply(*impl_->strict, name), nullptr));
}

std::string NameMatcher::text_key(std::string_view text) const {
  return utf8(fold_variants(impl_->apply(*impl_->text, text), nullptr));
}

bool NameMatcher::is_kana(std::string_view text) const {
  icu::UnicodeString u = from_utf8(text);
  UErrorCode st = U_ZERO_ERROR;
  icu::Normalizer2::getNFKCInstance(st)->normalize(u, st);
  if (U_FAILURE(st) || u.isEmpty()) return false;
  return impl_->kana.containsAll(u);
}

NameMatch NameMatcher::match(std::string_view heard, std::string_view heard_kana, std::string_view candidate_name,
                             std::string_view candidate_kana) const {
  NameMatch result;
  bool heard_is_kana = is_kana(heard);
  std::string_view query_kana = heard_is_kana ? heard : heard_kana;
  std::string_view query_kanji = heard_is_kana ? std::string_view{} : heard;

  // Each channel: -1 = not compared, 0 = contradicts, >0 = agrees with that strength.
  int kana_score = -1, kanji_score = -1;

  if (!query_kana.empty()) {
    if (candidate_kana.empty()) {
      result.reasons.push_back("kana: the candidate's フリガナ is blank, so kana could not be compared");
    } else if (strict_kana_key(query_kana) == strict_kana_key(candidate_kana)) {
      kana_score = 100;
      result.reasons.push_back("kana: same reading (width, hiragana/katakana, small kana and spaces ignored)");
    } else if (loose_kana_key(query_kana) == loose_kana_key(candidate_kana)) {
      kana_score = 75;
      result.reasons.push_back("kana: same reading once long vowels and ヴ/ヂ/ヅ/ヲ spellings are ignored (" +
                               loose_kana_key(query_kana) + ")");
    } else {
      kana_score = 0;
      result.reasons.push_back("kana: different reading");
    }
  }

  if (!query_kanji.empty() && !candidate_name.empty()) {
    icu::UnicodeString q = impl_->apply(*impl_->strict, query_kanji);
    icu::UnicodeString c = impl_->apply(*impl_->strict, candidate_name);
    std::vector<std::string> folded;
    icu::UnicodeString qf = fold_variants(q, &folded), cf = fold_variants(c, &folded);
    if (q == c) {
      kanji_score = 100;
      result.reasons.push_back("kanji: same name");
    } else {
      switch (compare_with_placeholders(qf, cf)) {
        case Compare::equal:
          kanji_score = 90;
          result.reasons.push_back("kanji: same name once variant kanji are folded (" + join(folded) + ")");
          break;
        case Compare::wildcard_equal:
          kanji_score = 70;
          result.reasons.push_back("kanji: same name with ●/■ taken as any one character (R-BLACKDOT)");
          break;
        case Compare::only_wildcards:
          result.reasons.push_back("kanji: the name is only ●/■ placeholders, so kanji tell nothing");
          break;
        case Compare::different:
          kanji_score = 0;
          result.reasons.push_back("kanji: different name");
          break;
      }
    }
  }

  int best = std::max(kana_score, kanji_score);
  bool conflict = (kana_score == 0 && kanji_score > 0) || (kanji_score == 0 && kana_score > 0);
  if (best < 0) {
    result.reasons.push_back("no name form could be compared");
  } else if (conflict) {
    // One form agrees and the other contradicts: keep it only if the agreeing form is exact.
    result.score = best - 40;
    result.reasons.push_back("kana and kanji disagree: weak match at best");
  } else {
    result.score = best;
  }
  return result;
}

}  // namespace onshi::disaster
