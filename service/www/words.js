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
};

// route.id of onshi.claims.result/1 → how the visit is billed.
export const ROUTES = {
  'R-CLAIM-OK': '確認した資格で請求',
  'R-CLAIM-A': '現在の資格 (患者さまに伺った番号) で請求',
  'R-CLAIM-B': '旧資格で請求 (レセプト振替)',
  'R-CLAIM-C': '不詳レセプト (申立書)',
  'R-M8': '請求なし・10割負担',
};

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
