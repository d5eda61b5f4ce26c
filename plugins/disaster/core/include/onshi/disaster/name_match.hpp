// Name matching that works on real OQS data (spec disaster-mode §4): width,
// hiragana/katakana, small kana written large (ｷﾖｳ/ｷｮｳ), long-vowel marks,
// spaces, ● / ■ placeholders and old/variant kanji (髙/高, 﨑/崎, 德/徳 …).
// Keys are derived for comparison only; stored names are never rewritten.
#pragma once

#include <onshi/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::disaster {

struct NameMatch {
  int score = 0;                     // 0 = not the same name; 100 = identical
  std::vector<std::string> reasons;  // why, one line per comparison made
  bool matched() const { return score >= kThreshold; }
  static constexpr int kThreshold = 60;
};

class NameMatcher {
 public:
  // Builds the ICU transliterators once; fails only if ICU data is missing.
  static Result<NameMatcher> create();
  NameMatcher(NameMatcher&&) noexcept;
  NameMatcher& operator=(NameMatcher&&) noexcept;
  ~NameMatcher();

  // `heard` is what the patient said (kanji or kana); `heard_kana` an optional reading.
  // The candidate's names: kanji form (may hold ●) and kana (may be blank).
  NameMatch match(std::string_view heard, std::string_view heard_kana, std::string_view candidate_name,
                  std::string_view candidate_kana) const;

  // Match keys, exposed for tests and for the local-history search.
  std::string strict_kana_key(std::string_view kana) const;  // ｷｮｳｺ ﾔﾏﾀﾞ → キヨウコヤマダ
  std::string loose_kana_key(std::string_view kana) const;   // サイトウ ユウコ → サイトユコ
  std::string kanji_key(std::string_view name) const;        // 髙﨑 德子 → 高崎徳子
  // Folding used for addresses and insurer names: NFKC, dashes, spaces, variants.
  std::string text_key(std::string_view text) const;
  bool is_kana(std::string_view text) const;  // only kana, prolonged marks and spaces

 private:
  struct Impl;
  explicit NameMatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::disaster
