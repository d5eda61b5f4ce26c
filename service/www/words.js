// How the page words what the plugins answer: the result as the 資格確認端末's own screen says it
// (QualificationValidity of OQSCD006: 1 有効, 2 無効, 3 無効（新しい資格あり）, 4 該当資格なし, 5 複数該当;
// R-RES: 資格情報の全て又は一部が非表示), and the rules by their ids (shared DOMAIN.md).

// kind of onshi.eligibility.outcome/1 → the screen's words, a tone, and what to do next.
export const OUTCOMES = {
  valid: { screen: '資格（有効）', tone: 'ok', next: '受付を進めてください。請求は表示された資格で行います。' },
  lost: {
    screen: '資格（無効）', tone: 'warn',
    next: '表示されているのは以前の資格です。現在の保険を伺い、なければ旧資格で請求します (R-CLAIM-A → R-CLAIM-B)。',
  },
  lost_with_new: {
    screen: '資格（無効）新しい資格あり', tone: 'warn',
    next: '新しい資格が登録されています。新しい資格確認書か、マイナ保険証で確認し直してください。',
  },
  no_data: {
    screen: '該当資格なし', tone: 'bad',
    next: '資格情報が見つかりません。他の確認方法を順に試し、なければ申立書で受け付けます (R-M2 → R-M7)。',
  },
  needs_person: {
    screen: '複数該当', tone: 'warn',
    next: 'どの資格か患者さまに確認してください (自動では選びません)。',
  },
  withheld: {
    screen: '資格情報の全て又は一部が非表示', tone: 'warn',
    next: '表示された項目だけを使い、残りは患者さまに伺ってください。非表示の情報は保存しません (R-RES)。',
  },
  in_progress: { screen: '処理中', tone: 'warn', next: 'しばらくして再度照会してください。' },
  failed: { screen: '確認できませんでした', tone: 'bad', next: '' },
};

export function outcomeWords(kind) { return OUTCOMES[kind] || OUTCOMES.failed; }

// The ways a patient can prove insurance, in the order the rules try them (R-M1 … R-M8).
export const METHODS = {
  'R-M1': 'マイナ保険証 (オンライン資格確認)',
  'R-M2': 'マイナポータルの資格情報画面 ＋ マイナンバーカード',
  'R-M3': '資格情報のお知らせ ＋ マイナンバーカード',
  'R-M4': '資格確認書',
  'R-M5': '健康保険証 (有効期限内・暫定的な取扱い)',
  'R-M6': '口頭確認 (再診)',
  'R-M7': '被保険者資格申立書',
  'R-M8': '確認できるものなし (10割)',
  'R-M9': 'システム障害時 (復旧後に確認)',
  'R-M10': 'スマートフォンのマイナポータル資格情報画面',
  'R-DISASTER-CLAIM': '災害時の口頭申告',
};

// route.id of onshi.claims.result/1 → how the visit is billed.
export const ROUTES = {
  'R-CLAIM-OK': '確認した資格で請求',
  'R-CLAIM-A': '現在の資格 (患者さまに伺った番号) で請求',
  'R-CLAIM-B': '旧資格で請求 (レセプト振替)',
  'R-CLAIM-C': '不詳レセプト (申立書)',
  'R-M8': '請求なし・10割負担',
};

// Why the claims plugin bills as it does (onshi.claims.result/1), worded by its stable codes: route.id,
// copay.rule (with copay.band) and warnings[].code. The plugin's own text is English and may carry
// details (dates, numbers) the words here leave out; it is shown only for a code not in this table
// (a newer plugin), and kept as the line's title for support. tests/page/static_test.py checks that
// every code the claims core can send is here.
const AGE_GROUPS = { kouki: '後期高齢者', elderly_70_74: '70〜74歳 (高齢受給者)' };
const group = (r) => AGE_GROUPS[r.copay.band] || '';
export const REASONS = {
  route: {
    'R-CLAIM-OK': (r) => ({
      'R-M1': 'マイナ保険証でオンライン資格確認した資格で請求します (R-M1)',
      'R-M9': '障害の復旧後の確認で見つかった番号で請求します (R-M9)',
    }[r.method.id] || `患者さまが提示したもの (${METHODS[r.method.id] || r.method.id}) から読み取った番号で請求します (${r.method.id})`),
    'R-CLAIM-A': (r) => (r.method.id === 'R-M6'
      ? '再診: 前回受診時の資格が変わっていないことを患者さまに口頭で確認しました (R-M6, R-CLAIM-A)'
      : '患者さまに伺った現在の番号を優先して請求します (R-CLAIM-A)'),
    'R-CLAIM-B': (r) => (r.method.id === 'R-M9'
      ? '障害の復旧後の確認で資格喪失がわかりました。旧資格で請求し、レセプト振替で新しい保険者へ回ります (R-M9, R-CLAIM-B)'
      : '現在の番号がわからないため、旧資格 (資格（無効）の画面または前回受診時の資格) で請求します。レセプト振替で新しい保険者へ回ります (R-CLAIM-B)'),
    'R-CLAIM-C': '現在の番号も以前の番号もないため、不詳レセプトで請求します。申立書の住所と電話番号を摘要欄に書きます (R-CLAIM-C)',
    'R-M8': '保険を確認できるものがないため、10割負担で請求はしません (R-M8)',
    'R-M9': 'システム障害時: 復旧後に資格を確認し、その結果で請求します (R-M9)',
    'R-DISASTER-CLAIM': '災害時: 口頭の申告で保険診療とします。保険者番号 (わからなければ 99999999)、番号 999999999、「不詳」と住所を摘要欄に書きます (R-DISASTER-CLAIM)',
    'R-KUBUN-05': '特別療養費支給対象者 (区分05): 窓口で10割をお支払いいただき、患者さまが保険者に特別療養費を請求します (R-KUBUN-05)',
  },
  copay: {
    self_pay_no_proof: '保険を確認できるものもマイナンバーカードもない初診: 10割 (R-M8)',
    special_care_expense: '特別療養費支給対象者 (区分05): 10割 (R-KUBUN-05)',
    medical_aid: '医療扶助 (公費 法別12) が全額を負担します',
    pending_recheck: (r) => `${group(r)}: 割合は復旧後の確認でわかります。いまは一般の${r.copay.ratio}割です`,
    declared_on_statement: (r) => `${group(r)}: 申立書で申告された負担割合 (「わからない」なら一般の割合) ${r.copay.ratio}割。誤りは保険者が精算し、返戻にはなりません (R-RATIO)`,
    kouki_card: (r) => `${group(r)}: 資格情報の負担割合 ${r.copay.ratio}割`,
    elderly_card: (r) => `${group(r)}: 資格情報の負担割合 ${r.copay.ratio}割`,
    preschool: '未就学児: 2割 (6歳に達した日以後の最初の3月31日まで)',
    general: '70歳未満 (就学後): 3割',
  },
  warning: {
    qualification_lost: '資格無効: カードには以前の資格が表示されています。現在の番号を伺い (R-CLAIM-A)、なければ旧資格で請求します (R-CLAIM-B)',
    notice_needs_physical_card: '資格情報のお知らせはマイナンバーカード本体と一緒の場合だけ使えます。スマートフォンの場合は、スマートフォンでマイナポータルの資格情報画面を見せていただきます',
    notice_alone_not_valid: '資格情報のお知らせだけでは保険の証明になりません。マイナンバーカードと一緒の場合だけ使えます',
    old_card_expired: '健康保険証は有効期限が過ぎ、暫定的な取扱いも終わっています。保険の証明になりません',
    provisional_handling: '暫定的な取扱い: 被保険者番号をオンラインで照会し、通常の負担割合で請求します。期間に限りがあるので、次回はマイナ保険証か資格確認書をお持ちいただくようお伝えください',
    no_provisional_handling: 'この保険証には本日、暫定的な取扱いが適用されません。保険の証明になりません',
    verify_later: 'システム障害時: この請求はまだ出しません。確認を後で行う照会に登録し、復旧後か一日の終わりに確認して、その結果で請求します',
    recheck_found_nothing: '復旧後の確認で資格が見つかりませんでした。申立書 (R-M7) か、患者さまに伺う番号 (R-CLAIM-A/B) で受け付けます',
    statement_claim_may_return: '申立書による請求も返戻されることがあります。番号がわかったら医療機関に知らせていただくようお伝えください',
    self_pay_no_proof: '初診で保険を確認できるものもマイナンバーカードもありません。10割をいただきます。患者さまは後で保険者に療養費を請求できます',
    declared_ratio_impossible: '1割と申告されましたが、70〜74歳は2割か3割 (現役並み) です。患者さまに確認し、変わらなければ1割をいただき、差額は保険者が精算します',
    declared_ratio_unknown: (r) => `申立書の負担割合は「わからない」です。一般の${r.copay.ratio}割をいただき、保険証等が見つかったら知らせていただくようお伝えください`,
    ratio_until_recheck: (r) => `いまは一般の${r.copay.ratio}割をいただきます。復旧後の確認で割合がわかったら差額を精算します`,
    limit_class_not_used: '限度額適用区分に、本日のこの年齢区分で使える特記事項がないため書いていません。オンラインの結果を確認してください',
    old_qualification_ended_at_75: '以前の資格は75歳の誕生日で終わっているため請求しません (後期高齢者医療へ, R-KOUKI-75)',
    special_care_paper_claim: '特別療養費: 10割の領収書をお渡しします。レセプトは通常どおり作り、上部に赤で「特別療養費」と書いて、月の請求とは別に紙で提出します',
    billed_old_qualification: '旧資格で請求します。新しい保険者が患者さまを登録すると、審査支払機関がそちらへ振り替えます (レセプト振替)',
    unknown_claim_without_phone: '連絡先電話番号がありません。審査支払機関が患者さまに連絡することがあります',
    kouhi_from_the_card: 'オンラインの結果にある公費を保険と併せて請求します。負担金額 (上限額管理) と各行の負担区分はレセコンで入れてください',
    local_public_expense_check_digit: '公費負担者番号の検証番号が合いません (地方単独の公費では付け方が異なることがあります)。番号を確かめてください',
  },
};

// REASONS[part][code] for this claims result, or the plugin's own text for a code it does not know.
export function reasonWords(part, code, result, pluginText) {
  const words = REASONS[part][code];
  if (words === undefined) return pluginText;
  return typeof words === 'function' ? words(result) : words;
}

export const CARD_KINDS = { card: 'マイナンバーカード', smartphone: 'スマートフォン (スマホ用電子証明書)' };

// verdict of the card's 利用者証明用電子証明書 (R-CERT, R-ALERT, R-GRACE).
export const VERDICTS = {
  valid: '有効',
  alert: '有効 (まもなく期限切れ: 更新のご案内を)',
  grace: '期限切れ・猶予期間中 (資格情報のみ確認できます)',
  expired: '期限切れ (猶予期間後)',
};

export const SEX = { 1: '男', 2: '女', 3: '未設定', male: '男', female: '女' };

export const CLASSIFICATIONS = { '01': '一般', '05': '特別療養費支給対象者', '07': '自衛官', A1: '医療扶助' };

// "19800515" or "1980-05-15" → "1980年5月15日"
export function dateWords(d) {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(d || '');
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : '';
}

// Today in Japan (YYYY-MM-DD): the rules' dates are JST days, whatever the PC's zone.
export function todayJst() {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}
