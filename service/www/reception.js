// 受付: the patient at the window. The card on the reader (or a face-reader result) arrives as an
// event; the patient types the PIN on the reader's screen (pinpad.js), never here, and the query it
// starts comes back as a job of this desk; the result is worded as the terminal's screen words it;
// when anything fails, the next ways the rules allow (R-M1 … R-M8) are offered one button each, and
// every step ends in how the visit is billed and the ratio (onshi.claims/1 decide).
import * as api from './api.js';
import { $, el, facts, nameWithBlackDots, clear, errorBox, formValues } from './ui.js';
import {
  outcomeWords, METHODS, ROUTES, reasonWords, CARD_KINDS, VERDICTS, SEX, CLASSIFICATIONS, dateWords, todayJst,
} from './words.js';

const READER = 'onshi.card-reader/1';
const ELIGIBILITY = 'onshi.eligibility/1';
const CLAIMS = 'onshi.claims/1';

// What this patient showed and what the checks said: the claims input is made of it.
let visit = newVisit();
function newVisit() {
  return { presented: { my_number_card: false, card_check: 'not_done' }, online: null, shown: null, asked: null,
           previous: null, outcome: null, cardKind: 'card', locked: false };
}

let showScreen = () => {};  // app.js: switches screens (the 申立書 is one)
export function init({ show }) {
  showScreen = show;
  $('r-numbers').addEventListener('submit', onNumbers);
  $('r-numbers').insurer_number.addEventListener('input', checkInsurerNumber);
  $('r-new').addEventListener('click', () => reset('次の患者さまをどうぞ'));
  $('r-nocard').addEventListener('click', withoutCard);
  $('r-expect').addEventListener('submit', onExpect);
  $('r-patient').addEventListener('change', () => visit.outcome && bill());
  reset('カードリーダーにマイナ保険証を置いてください');
}

// ---- events

export function onEvent(kind, e) {
  if (kind === 'card' && e.data.event === 'card_inserted') return fromCard();
  if (kind === 'card' && e.data.event === 'card_removed') return cardRemoved();
  if (kind === 'face') return fromFace(e.data);
  if (kind === 'queue') return refreshQueue();
  if (kind === 'job' && e.data.state !== 'running') return fromReader(e.data.job);
}

export function onSignIn() { refreshQueue(); }

// ---- the card: its state while the patient types the PIN at the reader, then the query's result

let watching = null;  // the card's state is read again every few seconds until the result comes

function stopWatching() {
  clearInterval(watching);
  watching = null;
}

async function fromCard() {
  reset('カードを読み取っています…');
  visit.presented.my_number_card = true;
  try {
    showCard(await api.call(READER, 'card_info', {}));
  } catch (e) {
    say('カードを読み取れませんでした', 'bad');
    clear($('r-card'), errorBox(e));
    return steps(methodSteps());
  }
  if (visit.locked) return;
  say('患者さまがカードリーダーの画面で暗証番号を入力しています', 'ask');
  steps([['R-VIS', '暗証番号を使わず目視確認で照会 (R-VIS)', visualCheck]]);
  watching = setInterval(async () => {
    try {
      showCard(await api.call(READER, 'card_info', {}));
    } catch { /* the card left, or the result is on its way: the events say which */ }
  }, 2500);
}

// The card as the reader reports it: kind, certificate, PIN tries left (a wrong PIN at the reader
// shows here within seconds, and a lock leads to 目視確認).
function showCard(info) {
  visit.cardKind = info.kind || 'card';
  const cert = info.auth_certificate || {};
  clear($('r-card'), facts([
    ['カード', CARD_KINDS[info.kind] || info.kind],
    ['電子証明書', (VERDICTS[cert.verdict] || cert.verdict || '') + (cert.not_after ? ` (有効期限 ${dateWords(cert.not_after)})` : '')],
    ['暗証番号', info.pin_tries_left === 0 ? 'ロック' : `あと ${info.pin_tries_left} 回入力できます`],
  ]));
  if (info.pin_tries_left === 0 && !visit.locked) pinLocked();
}

function cardRemoved() {
  stopWatching();
  say('カードが取り出されました', 'idle', true);
}

// The query the reader's screen started for this desk: its result, once it has ended.
async function fromReader(id) {
  if (!watching) return;
  let job;
  try {
    job = await api.job(id);
  } catch {
    return;
  }
  if (job.extension !== ELIGIBILITY || job.function !== 'query' || !watching) return;
  stopWatching();
  if (job.state === 'done') showOutcome(job.result);
  else failed(job.error || { message: `照会は ${job.state} で終わりました` });
  api.call(READER, 'card_info', {}).then(showCard, () => {});  // the tries left after the right PIN
}

async function certificate() {
  return (await api.call(READER, 'read_certificate', { which: 'auth' })).certificate_base64;
}

function pinLocked() {
  stopWatching();
  visit.locked = true;
  say('暗証番号がロックされています (R-PIN)', 'warn');
  clear($('r-guide'),
    el('p', {}, '医療機関では解除できません。解除は市区町村の窓口で (スマートフォンはマイナポータルアプリで)。'),
    el('p', {}, '本日は、カードの顔写真と患者さまを見比べる目視確認で照会できます (顔写真のないカードでは不可)。'));
  steps([['R-VIS', '目視確認で照会 (R-VIS)', visualCheck], ...methodSteps()]);
}

// R-VIS: staff compared the card's photo with the patient; the query then needs no PIN.
async function visualCheck() {
  stopWatching();
  say('目視確認で照会しています…', 'busy');
  try {
    const outcome = await api.call(ELIGIBILITY, 'query', {
      schema: 'onshi.eligibility.request/1', kind: 'card', card_kind: visit.cardKind,
      certificate: await certificate(), identity_check: 'visual',
    });
    showOutcome(outcome, '目視確認');
  } catch (e) {
    failed(e);
  }
}

// A face-reader result for this desk (expected here, or claimed from the queue).
function fromFace(outcome) {
  reset('顔認証付きカードリーダーの結果');
  visit.presented.my_number_card = true;
  showOutcome(outcome, '顔認証');
}

// ---- the result, as the terminal's screen words it (R-RES)

const CARD_CHECK = { valid: 'valid', lost: 'lost', lost_with_new: 'lost', no_data: 'no_data' };

function showOutcome(outcome, how = '') {
  visit.outcome = outcome;
  if (visit.presented.my_number_card) visit.presented.card_check = CARD_CHECK[outcome.kind] || 'failed';
  const q = (outcome.qualifications || [])[0];
  if (q && ['valid', 'lost', 'lost_with_new'].includes(outcome.kind)) visit.online = forClaims(q);
  const words = outcomeWords(outcome.kind);
  say(words.screen + (how ? ` (${how})` : ''), words.tone);
  clear($('r-result'),
    ...(outcome.qualifications || []).map(qualificationView),
    outcome.kind === 'failed' ? errorBox(outcome) : null,
    outcome.note ? el('p', { class: 'note' }, outcome.note) : null);
  clear($('r-guide'), words.next ? el('p', {}, words.next) : null);
  if (outcome.kind === 'lost' || outcome.kind === 'lost_with_new')
    steps([['R-CLAIM-A', '現在の保険の番号を伺った (R-CLAIM-A)', () => numbers('R-CLAIM-A')]]);
  else if (outcome.kind !== 'valid') steps(methodSteps(outcome));
  else steps([]);
  bill();
}

function qualificationView(q) {
  const ratio = q.elderly_contribution_ratio || q.contribution_ratio;
  const blackDots = (q.charset_notes || []).some((n) => n.black_dot);
  return el('div', { class: 'qualification' },
    el('p', { class: 'patient-name' }, nameWithBlackDots(q.name), q.name_kana ? el('span', { class: 'kana' }, q.name_kana) : null),
    blackDots ? el('p', { class: 'warn-line' }, '● はシステムで表せない文字です。カナで照合し、請求は ● のままで構いません (R-BLACKDOT)') : null,
    facts([
      ['生年月日', q.birthdate_unknown ? '不詳' : dateWords(q.birthdate)],
      ['性別', SEX[q.sex1]],
      ['保険者番号', q.insurer_number], ['保険者名', q.insurer_name],
      ['記号', q.insured_card_symbol], ['番号', q.insured_identification_number], ['枝番', q.insured_branch_number],
      ['本人・家族', { 1: '本人', 2: '家族' }[q.personal_family_classification]],
      ['区分', CLASSIFICATIONS[q.insured_card_classification] || q.insured_card_classification],
      ['負担割合', ratio ? `${Number(ratio) / 10}割` : ''],
      ['未就学', q.preschool ? '未就学児 (2割)' : ''],
      ['資格喪失日', dateWords(q.disqualification_date)],
    ]));
}

// The outcome's qualification as onshi.claims.input/1 takes it (docs/decisions/claims.md).
function forClaims(q) {
  const ratio = q.elderly_contribution_ratio || q.contribution_ratio;
  const out = {
    insurer_number: q.insurer_number || '', symbol: q.insured_card_symbol || '',
    number: q.insured_identification_number || '', branch: q.insured_branch_number || '',
    insured_person: q.personal_family_classification !== '2', classification: q.insured_card_classification || '',
    insurer_name: q.insurer_name || '',
  };
  if (ratio && ratio.length === 3) out.card_ratio = Number(ratio) / 10;
  return out;
}

// ---- what else the rules allow, in their order (R-M2 … R-M8), one button each

function methodSteps(outcome) {
  const card = visit.presented.my_number_card;
  const list = [];
  if (outcome && outcome.kind === 'failed' && outcome.stage === 'transport')
    list.push(['R-M9', 'もう一度照会する (端末・回線の障害時: R-M9)', () => (card ? fromCard() : null)]);
  if (card) list.push(['R-M2', `${METHODS['R-M2']} (R-M2)`, () => numbers('R-M2')],
    ['R-M3', `${METHODS['R-M3']} (R-M3)`, () => numbers('R-M3')]);
  list.push(['R-M4', `${METHODS['R-M4']} (R-M4)`, () => numbers('R-M4')],
    ['R-M5', `${METHODS['R-M5']} (R-M5)`, () => numbers('R-M5')]);
  if (patientForm().visit === 'revisit') list.push(['R-M6', `${METHODS['R-M6']}: 前回の資格 (R-M6)`, () => numbers('R-M6')]);
  if (card) list.push(['R-M7', `${METHODS['R-M7']} (R-M7)`, () => showScreen('statement')]);
  else list.push(['R-M8', `${METHODS['R-M8']} (R-M8)`, bill]);
  return list;
}

function steps(list) {
  clear($('r-steps'), ...list.map(([rule, label, run]) => el('button', { type: 'button', 'data-rule': rule, onclick: run }, label)));
}

function withoutCard() {
  reset('マイナ保険証なし: 見せていただけるものを選んでください');
  steps(methodSteps());
  bill();
}

// ---- numbers read off what the patient showed (R-M2 … R-M6) or told (R-CLAIM-A)

const SLOTS = {
  'R-M2': ['shown', 'マイナポータルの画面から読み取った番号', { mynaportal: true }],
  'R-M3': ['shown', '資格情報のお知らせの番号', { qualification_notice: true }],
  'R-M4': ['shown', '資格確認書の番号', { eligibility_certificate: true }],
  'R-M5': ['shown', '健康保険証の番号', { old_insurance_card: true }],
  'R-M6': ['previous', '前回受診時の資格 (カルテの番号)', {}],
  'R-CLAIM-A': ['asked', '患者さまに伺った現在の番号', {}],
};

function numbers(rule) {
  const form = $('r-numbers');
  form.rule.value = rule;
  $('r-numbers-title').textContent = `${SLOTS[rule][1]} (${rule})`;
  form.old_card_expiry.closest('label').hidden = rule !== 'R-M5';
  if (!form.birth_date.value) form.birth_date.value = patientForm().birth_date || '';
  form.hidden = false;
  form.insurer_number.focus();
}

// R-ACCURACY: a typing mistake is the first reason claims come back, so the check digit is checked
// as the number is typed (onshi.claims/1 check_number).
let checking = 0;
async function checkInsurerNumber(ev) {
  const number = ev.target.value.trim();
  const line = $('r-insurer-check');
  const mine = ++checking;
  if (!/^\d{6}(\d{2})?$/.test(number)) {
    line.className = 'check';
    line.textContent = number ? '保険者番号は8桁 (国保は6桁) です' : '';
    return null;
  }
  const answer = await api.call(CLAIMS, 'check_number', { schema: 'onshi.claims.number-request/1', kind: 'insurer', number });
  if (mine !== checking) return answer;
  line.className = answer.valid ? 'check ok' : 'check bad';
  // A valid number is worded here; why one is not has no code in the answer, so the plugin's text.
  line.textContent = answer.valid ? `✓ 保険者番号 ${answer.number}: 検証番号が合っています` : `✗ ${answer.message}`;
  return answer;
}

async function onNumbers(ev) {
  ev.preventDefault();
  const form = ev.target;
  const v = formValues(form);
  const checked = await checkInsurerNumber({ target: form.insurer_number });
  if (!checked || !checked.valid) return form.insurer_number.focus();
  const [slot, , flags] = SLOTS[v.rule];
  const typed = { insurer_number: v.insurer_number.trim(), symbol: v.symbol.trim(), number: v.number.trim(), branch: v.branch.trim() };
  Object.assign(visit.presented, flags);
  if (v.rule === 'R-M5' && v.old_card_expiry) visit.presented.old_card_expiry = v.old_card_expiry;
  form.hidden = true;
  say('番号で照会しています…', 'busy');
  try {  // the numbers online (番号照会): the system's record when it has one, else what was typed
    const outcome = await api.call(ELIGIBILITY, 'query', {
      schema: 'onshi.eligibility.request/1', kind: 'insured', insurer_number: typed.insurer_number,
      symbol: typed.symbol, number: typed.number, branch: typed.branch, birth_date: v.birth_date.replaceAll('-', ''),
    });
    const q = (outcome.qualifications || [])[0];
    visit[slot] = outcome.kind === 'valid' && q ? forClaims(q) : typed;
    const words = outcomeWords(outcome.kind);
    say(`${SLOTS[v.rule][1]}: ${words.screen}`, words.tone);
    clear($('r-result'), ...(outcome.qualifications || []).map(qualificationView), outcome.kind === 'failed' ? errorBox(outcome) : null);
  } catch (e) {
    visit[slot] = typed;
    clear($('r-result'), errorBox(e));
  }
  steps([]);
  bill();
}

// ---- the bill: route, numbers and ratio (onshi.claims/1 decide)

function patientForm() { return formValues($('r-patient')); }

// The patient as the claim needs them: from the qualification the system sent, else the EMR's.
export function patient() {
  const q = visit.outcome && (visit.outcome.qualifications || [])[0];
  const p = patientForm();
  if (!q || !q.name) return { name: p.name, name_kana: p.name_kana, birth_date: p.birth_date, sex: p.sex, address: p.address, phone: p.phone };
  const b = q.birthdate || '';
  return { name: q.name, name_kana: q.name_kana || '', birth_date: `${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6, 8)}`,
           sex: q.sex1 === '2' ? 'female' : 'male', address: p.address, phone: p.phone };
}

export function claimInput(extra = {}) {
  const input = { schema: 'onshi.claims.input/1', visit_date: todayJst(), visit: patientForm().visit,
                  presented: visit.presented, patient: patient() };
  for (const slot of ['online', 'shown', 'asked', 'previous']) if (visit[slot]) input[slot] = visit[slot];
  return { ...input, ...extra };
}

async function bill() {
  const input = claimInput();
  if (!input.patient.name || !input.patient.birth_date)
    return clear($('r-bill'), el('p', { class: 'note' }, '患者さまの氏名と生年月日 (右の欄) があれば、請求方法と負担割合を表示します。'));
  try {
    renderBill($('r-bill'), await api.call(CLAIMS, 'decide', input));
  } catch (e) {
    clear($('r-bill'), el('h3', {}, '請求: まだ決まりません'), errorBox(e));
  }
}

// The claim as the receptionist needs it: the route, the numbers billed, the ratio, what to check.
export function renderBill(node, r) {
  const q = r.route.qualification;
  const ho = (r.records || []).find((x) => x.id === 'HO');
  const field = (name) => (ho ? (ho.fields.find((f) => f.name === name) || {}).value : '');
  clear(node,
    el('h3', {}, '請求'),
    el('p', { class: 'route', 'data-route': r.route.id }, `${ROUTES[r.route.id] || r.route.id} (${r.route.id})`),
    el('p', { class: 'ratio', 'data-ratio': r.copay.ratio }, `負担割合 ${r.copay.ratio}割`),
    facts([
      ['保険者番号', q ? q.insurer_number : field('保険者番号')],
      ['記号', q ? q.symbol : field('被保険者証等の記号')],
      ['番号', q ? q.number : field('被保険者証等の番号')],
      ['枝番', q ? q.branch : ''],
      ['確認方法', `${METHODS[r.method.id] || ''} (${r.method.id})`],
    ]),
    reasonLine('理由', 'route', r.route.id, r, r.route.reason),
    reasonLine('負担割合の根拠', 'copay', r.copay.rule, r, r.copay.reason),
    (r.method.staff_checks || []).length ? el('ul', { class: 'checks' }, r.method.staff_checks.map((c) => el('li', {}, c))) : null,
    ...(r.warnings || []).map((w) => el('p', { class: 'warn-line reason', 'data-code': w.code, title: w.message },
      `${reasonWords('warning', w.code, r, w.message)} (${w.rule})`)));
}

// Why, in Japanese by the plugin's code (words.js REASONS); its own text stays as the title.
function reasonLine(label, part, code, r, pluginText) {
  return el('p', { class: 'reason', 'data-code': code, title: pluginText },
    el('span', { class: 'label' }, `${label}: `), reasonWords(part, code, r, pluginText));
}

// ---- face results: whom this desk expects, and the clinic-wide queue

async function onExpect(ev) {
  ev.preventDefault();
  try {
    await api.expect(ev.target.birth_date.value.replaceAll('-', ''));
    $('r-expect-note').textContent = `生年月日 ${dateWords(ev.target.birth_date.value)} の方の顔認証結果をこの窓口で受けます`;
  } catch (e) {
    $('r-expect-note').textContent = e.message;
  }
}

async function refreshQueue() {
  try {
    const entries = await api.queue();
    clear($('r-queue'), ...entries.map((q) => el('li', {},
      el('span', {}, `${new Date(q.at).toLocaleTimeString('ja-JP')} 生年月日 ${dateWords(((q.data.qualifications || [])[0] || {}).birthdate)}`),
      el('button', { type: 'button', onclick: () => takeFromQueue(q.entry) }, 'この窓口で受ける'))));
  } catch { /* shown again at the next event */ }
}

async function takeFromQueue(entry) {
  try {
    const claimed = await api.claim(entry);
    fromFace(claimed.data);
  } catch (e) {
    say('他の窓口が先に受けました', 'warn');
  }
  refreshQueue();
}

// ---- the status line

function say(text, tone = 'idle', keep = false) {
  const s = $('r-status');
  s.textContent = text;
  s.className = `status ${tone}`;
  if (!keep) s.dataset.since = Date.now();
}

function failed(e) {
  say('確認できませんでした', 'bad');
  clear($('r-result'), errorBox(e));
  steps(methodSteps({ kind: 'failed', stage: 'transport' }));
  bill();
}

function reset(text) {
  stopWatching();
  visit = newVisit();
  for (const id of ['r-card', 'r-result', 'r-guide', 'r-steps', 'r-bill']) clear($(id));
  $('r-numbers').hidden = true;
  $('r-numbers').reset();
  $('r-insurer-check').textContent = '';
  say(text);
}
