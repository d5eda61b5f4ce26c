// onshi/claims/types.hpp: what the reception knows about a visit, as the claims
// core reads it. Plain data; the JSON form is in json.hpp.
#pragma once

#include <onshi/claims/dates.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::claims {

// Who pays the claim; decides HO/KO, 給付割合, 審査支払機関 and the ratio rules.
enum class PayerKind {
  shaho,        // 社保: 8-digit 保険者番号 (協会けんぽ, 組合, 共済, 船員, 自衛官 …)
  kokuho,       // 国保: 6-digit 保険者番号 (市町村, 国保組合) or 法別 67
  kouki,        // 後期高齢者医療: 法別 39
  medical_aid,  // 医療扶助: 公費 法別 12 alone (オン資 区分 A1)
  unknown,      // 申立書 保険種別「わからない」/「その他」
};

enum class Sex { male = 1, female = 2, unset = 3 };
enum class VisitKind { first_visit, revisit };  // 初診 / 再診

// A qualification as billed: read off a card, screen or paper, or learned by asking.
// A 公費 beside the insurance (併用): the numbers a KO record carries, in 公費 priority order.
struct PublicExpense {
  std::string payer_number;      // 公費負担者番号 (8 digits)
  std::string recipient_number;  // 公費受給者番号 (7 digits)
};

struct Qualification {
  std::string insurer_number;   // 保険者番号: 8 digits, 6 digits (国保) or space-padded to 8
  std::string symbol;           // 記号 (may be empty)
  std::string number;           // 番号
  std::string branch;           // 枝番 (2 digits; empty for 後期 or when the card has none)
  std::optional<bool> insured_person;  // 本人 (true) / 家族 (false); unknown for 後期
  std::optional<int> card_ratio;       // 一部負担金割合 in 割 (後期 card, 高齢受給者証)
  std::string classification;          // オン資 区分: 01, 05, 07, A1
  std::string insurer_name;            // 保険者名称 (for the 申立書 prefill)
  std::string public_expense_number;   // 医療扶助: 公費負担者番号
  std::string recipient_number;        // 医療扶助: 受給者番号
  std::string limit_class;             // 限度額 適用区分 from the online result (OQSCD012: A01–A06, B01–B10)
  std::vector<PublicExpense> public_expenses;  // 公費 the online result carries (PMH): one KO each, at most 4
};

// The outcome of the online check with the card (R-RES).
enum class CardCheck {
  not_done,  // no card, or not tried
  valid,     // 資格有効: `online` holds the current qualification
  lost,      // 資格無効: `online` holds the OLD qualification (R-CLAIM-B)
  no_data,   // 該当資格なし / 資格情報なし
  failed,    // reader, network, PIN lock, broken card …
};

// The My Number card as the patient has it (R-M10, R-PHONE).
enum class CardForm { physical, smartphone };

// What the patient showed at the window (R-M1…R-M10).
struct Presented {
  bool my_number_card = false;           // physical card or smartphone
  CardForm card_form = CardForm::physical;
  bool card_has_photo = true;            // false: 顔写真なしマイナンバーカード (no 目視確認, R-VIS)
  CardCheck card_check = CardCheck::not_done;
  bool mynaportal = false;               // マイナポータル screen or its PDF
  bool qualification_notice = false;     // 資格情報のお知らせ
  bool eligibility_certificate = false;  // 資格確認書
  bool old_insurance_card = false;       // 健康保険証
  std::optional<Date> old_card_expiry;   // the 保険証's own 有効期限, when printed
};

struct Patient {
  std::string name;       // 氏名 (漢字), family and given name separated by a space
  std::string name_kana;  // 氏名カナ; may be empty, half- or full-width
  std::optional<Date> birth_date;
  Sex sex = Sex::unset;
  std::string address;       // 住所 from the card (基本4情報)
  std::string chart_number;  // カルテ番号 (EMR)
  std::string phone;
};

enum class DeclaredInsurance { shaho, kokuho, kouki, other, unknown };  // 申立書 保険種別

// The answers on the 被保険者資格申立書 (DOMAIN §5).
struct StatementAnswers {
  bool has_valid_insurance = true;
  DeclaredInsurance insurance = DeclaredInsurance::unknown;
  std::string insurer_name;      // 保険者等名称
  std::string employer;          // 事業所名
  std::optional<int> declared_ratio;  // 一部負担金の割合: 3, 2, 1; empty = わからない
  std::string name_kana;         // フリガナ
  std::string address;           // 住所
  std::string other_residence;   // 券面以外の居所
  std::string phone;             // 連絡先電話番号
  std::optional<Date> signed_on;     // 記入日
  std::optional<Date> contacted_on;  // 患者への連絡を行った日付
};

// What the receipt needs beyond the qualification.
struct Billing {
  int receipt_number = 1;      // RE レセプト番号
  int actual_days = 1;         // HO 診療実日数
  long total_points = 0;       // HO 合計点数
  std::optional<long> copay_yen;  // HO 負担金額
};

// The clinic, for the IR record of a RECEIPTC.UKE.
struct Clinic {
  std::string prefecture;  // 都道府県番号, 2 digits
  std::string code;        // 医療機関コード, 7 digits
  std::string name;
  std::string phone;
};

// R-M9: what was down at the window, so the check could not run (none: nothing was).
enum class Outage { none, terminal, reader, network };

// R-DISASTER-CLAIM: a disaster declared for this facility (the host knows it from the disaster plugin).
struct Disaster {
  std::string reference;  // e.g. 令和6年能登半島地震
};

struct ClaimInput {
  Date visit_date;
  VisitKind visit = VisitKind::first_visit;
  Presented presented;
  Patient patient;
  std::optional<Qualification> online;    // from the card query (current if valid, old if lost)
  std::optional<Qualification> shown;     // read off the portal, お知らせ, 資格確認書 or 保険証
  std::optional<Qualification> asked;     // current numbers learned by asking (R-CLAIM-A)
  std::optional<Qualification> previous;  // the EMR's qualification from past visits
  std::optional<StatementAnswers> statement;
  Billing billing;
  std::optional<Clinic> clinic;
  bool unknown_insurer_77777779 = false;  // the レセコン rejects 77777777 (2023-09-15 notice)
  Outage outage = Outage::none;           // R-M9
  CardCheck recheck = CardCheck::not_done;  // R-M9: the deferred check's outcome; its qualification is `online`
  std::optional<Disaster> disaster;       // R-DISASTER-CLAIM
};

// Something staff should know; `rule` is the DOMAIN id behind it.
struct Warning {
  std::string code;
  std::string rule;
  std::string message;
};

}  // namespace onshi::claims
