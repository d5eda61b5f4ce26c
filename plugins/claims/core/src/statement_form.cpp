#include <onshi/claims/statement_form.hpp>

#include <array>

namespace onshi::claims {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string box(bool checked, std::string_view label) {
  return std::string("<span class=\"box\">") + (checked ? "☑" : "☐") + "</span>" + escape(label) + "　";
}

// A value written in, or an empty line to write on.
std::string filled(std::string_view value) {
  return value.empty() ? "<span class=\"blank\"></span>" : "<span class=\"filled\">" + escape(value) + "</span>";
}

const char* const kStyle = R"(<style>
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans CJK JP", "Hiragino Kaku Gothic ProN", "Yu Gothic", sans-serif; font-size: 10.5pt; color: #000; }
h1 { text-align: center; font-size: 16pt; letter-spacing: 0.3em; margin: 0 0 4mm; }
h2 { font-size: 11pt; margin: 5mm 0 2mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: 2mm; vertical-align: top; }
th { width: 28%; background: #f2f2f2; text-align: left; font-weight: normal; }
.note { font-size: 8.5pt; margin: 1mm 0; }
.blank { display: inline-block; min-width: 60mm; border-bottom: 1px dotted #666; min-height: 5mm; }
.filled { font-weight: bold; }
.box { font-size: 12pt; margin-right: 1mm; }
.signature td { height: 14mm; }
@media print { .no-print { display: none; } }
</style>)";

}  // namespace

EraYear japanese_era(Date d) {
  struct Era {
    const char* name;
    Date start;
  };
  static constexpr std::array<Era, 4> kEras{{{"令和", make_date(2019, 5, 1)},
                                             {"平成", make_date(1989, 1, 8)},
                                             {"昭和", make_date(1926, 12, 25)},
                                             {"大正", make_date(1912, 7, 30)}}};
  for (const Era& e : kEras)
    if (d >= e.start) return {e.name, int(d.year()) - int(e.start.year()) + 1};
  return {"明治", int(d.year()) - 1868 + 1};
}

std::string render_statement_form(const StatementPrefill& prefill) {
  const Patient& p = prefill.patient;
  const StatementAnswers a = prefill.answers.value_or(StatementAnswers{});
  const bool answered = prefill.answers.has_value();
  auto kind = [&](DeclaredInsurance d) { return answered && a.insurance == d; };
  auto ratio = [&](int r) { return answered && a.declared_ratio == r; };
  std::string kana = !a.name_kana.empty() ? a.name_kana : p.name_kana;
  std::string address = !a.address.empty() ? a.address : p.address;
  std::string phone = !a.phone.empty() ? a.phone : p.phone;

  std::string birth;
  for (const char* era : {"明治", "大正", "昭和", "平成", "令和"}) {
    bool match = p.birth_date && std::string_view(japanese_era(*p.birth_date).era) == era;
    birth += box(match, era);
  }
  if (p.birth_date) {
    birth += filled(std::to_string(japanese_era(*p.birth_date).year)) + " 年 " +
             filled(std::to_string(unsigned(p.birth_date->month()))) + " 月 " +
             filled(std::to_string(unsigned(p.birth_date->day()))) + " 日";
  } else {
    birth += "　　年　　月　　日";
  }
  std::string date_line = "　　　　年　　月　　日";
  if (prefill.today)
    date_line = std::to_string(int(prefill.today->year())) + " 年 " + std::to_string(unsigned(prefill.today->month())) +
                " 月 " + std::to_string(unsigned(prefill.today->day())) + " 日";

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>被保険者資格申立書</title>";
  h += kStyle;
  h += "</head><body>\n";
  if (!prefill.clinic_name.empty()) h += "<p class=\"note\">" + escape(prefill.clinic_name) + "</p>\n";
  h += "<h1>被保険者資格申立書</h1>\n";
  h += "<p>有効な保険資格を有しており、医療保険等の被保険者資格について、下記の通り申し立てます。</p>\n";
  h += "<p class=\"note\">※ 以下の各項目に記入いただき、□には、あてはまる場合に「✓」を記入してください。なお、本申立書に記入いただいた"
       "情報は、医療機関等の診療報酬請求等に必要範囲でのみ使用し、診療報酬請求等の請求・支払等に必要事項を終えた段階で、速やかに廃棄します。</p>\n";

  h += "<h2>1 保険資格等に関する事項</h2>\n<table>\n";
  h += "<tr><th>保険資格の有無</th><td>" + box(answered && a.has_valid_insurance, "有効な保険資格を有している") + "</td></tr>\n";
  h += "<tr><th>保険種別</th><td>" + box(kind(DeclaredInsurance::shaho), "社保") + box(kind(DeclaredInsurance::kokuho), "国保") +
       box(kind(DeclaredInsurance::kouki), "後期") + box(kind(DeclaredInsurance::other), "その他") +
       box(kind(DeclaredInsurance::unknown), "わからない") + "</td></tr>\n";
  h += "<tr><th>保険者等名称</th><td>" + filled(a.insurer_name) + "</td></tr>\n";
  h += "<tr><th>事業所名※1</th><td>" + filled(a.employer) + "</td></tr>\n";
  h += "<tr><th>一部負担金の割合※2</th><td>" + box(ratio(3), "3割") + box(ratio(2), "2割") + box(ratio(1), "1割") +
       box(answered && !a.declared_ratio, "わからない") + "</td></tr>\n";
  h += "</table>\n";
  h += "<p class=\"note\">※1 保険種別で社保（保険者が健康保険組合、共済組合、全国健康保険協会の場合）、国保（保険者が国民健康保険組合の場合のみ）、"
       "その他（自衛官・公費単独医療の場合）、わからないの□に「✓」を記入された場合は、事業所名（お勤め先の会社名等）の記入をお願いします。</p>\n";
  h += "<p class=\"note\">※2 70歳以上の方、または後期高齢者医療の被保険者の方は、一部負担金の割合についてもご記入ください。なお、ご記入いただいた"
       "一部負担金の割合が実際と異なっていた場合、後日、保険者から差額を請求等させていただく場合があります。</p>\n";

  h += "<h2>2 マイナンバーカードの券面事項等</h2>\n<table>\n";
  h += "<tr><th>氏名</th><td>(フリガナ) " + filled(kana) + "<br>" + filled(p.name) + "</td></tr>\n";
  h += "<tr><th>生年月日</th><td>" + birth + "</td></tr>\n";
  h += "<tr><th>性別</th><td>" + box(p.sex == Sex::male, "男") + box(p.sex == Sex::female, "女") + "</td></tr>\n";
  h += "<tr><th>住所</th><td>" + filled(address) + "<br>※3 " + filled(a.other_residence) + "</td></tr>\n";
  h += "</table>\n";
  h += "<p class=\"note\">※3 マイナンバーカードの券面に記載された住所以外の居所がある場合はこちらにご記入ください。</p>\n";
  h += "<p class=\"note\">※4 マイナンバーカードの券面に記載された氏名、生年月日、性別、住所をそのまま記入いただくとともに、氏名のフリガナも併せて"
       "ご記入ください。また、マイナンバーカードの券面に記載された住所以外の居所がある場合は、住所欄に併せてご記入ください。</p>\n";

  h += "<table class=\"signature\">\n";
  h += "<tr><th>記入日</th><td>" + escape(date_line) + "</td></tr>\n";
  h += "<tr><th>署名</th><td><span class=\"blank\"></span>（患者との関係※5 <span class=\"blank\" style=\"min-width:25mm\"></span>）</td></tr>\n";
  h += "<tr><th>連絡先電話番号</th><td>" + filled(phone) + "</td></tr>\n";
  h += "</table>\n";
  h += "<p class=\"note\">※5 (患者との関係)欄は、保護者の方等が署名された場合にご記入ください。</p>\n";
  h += "</body></html>\n";
  return h;
}

}  // namespace onshi::claims
