// 災害時モード (R-DISASTER): the clinic mirrors a declared disaster (who, which municipalities, until
// when); a patient without the card gives the four items (氏名, 生年月日, 性別, 住所) and, with their
// consent recorded first, the drug history is shown as a table. The plugin enforces every gate (the
// role, the declaration, the consent before anything is searched) and audits each step; the audit
// trail is shown to the responsible roles only (a clerk does not see the panel, and the plugin
// refuses a clerk anyway).
import * as api from './api.js';
import { $, el, facts, nameWithBlackDots, clear, errorBox, formValues } from './ui.js';
import { SEX, dateWords } from './words.js';

const DISASTER = 'onshi.disaster/1';
const RESPONSIBLE = ['doctor', 'dentist', 'pharmacist', 'authorised_staff'];

export function init() {
  $('d-operator').addEventListener('change', showAuditPanel);
  $('d-declare').addEventListener('submit', onDeclare);
  $('d-end').addEventListener('submit', onEnd);
  $('d-lookup').addEventListener('submit', onLookup);
  $('d-audit').addEventListener('click', onAudit);
  showAuditPanel();
}

export function onShow() { refresh(); }
export function onEvent(kind) { if (kind === 'disaster') refresh(); }

// Who is at the window: every switch and look-up names them (the plugin checks the role).
function operator() {
  const v = formValues($('d-operator'));
  const o = { id: v.id, role: v.role };
  if (v.authorised_by) o.authorised_by = v.authorised_by;
  return o;
}

function showAuditPanel() {
  const responsible = RESPONSIBLE.includes(formValues($('d-operator')).role);
  $('d-audit-panel').hidden = !responsible;
  $('d-audit-note').hidden = responsible;
  if (!responsible) clear($('d-audit-log'));
}

async function refresh() {
  try {
    const s = await api.call(DISASTER, 'status', {});
    const d = s.declaration;
    const box = $('d-status');
    box.className = `status ${s.active ? 'warn' : 'idle'}`;
    clear(box, s.active ? '災害時モード 有効' : '災害時モードではありません',
      d ? el('small', {}, ` ${d.reference}・${d.area.map((a) => a.municipality_code || a.prefecture_code).join(', ')}・${
        new Date(d.closes_at).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo' })} まで`) : null);
  } catch (e) {
    clear($('d-status'), errorBox(e));
  }
}

// Declaring and ending are the same switch: the plugin's refusal (a role, a date) shown where it was asked.
async function toggle(fn, request) {
  try {
    await api.call(DISASTER, fn, { ...request, operator: operator() });
    clear($('d-switch-error'));
  } catch (e) {
    clear($('d-switch-error'), errorBox(e));
  }
  refresh();
}

function onDeclare(ev) {
  ev.preventDefault();
  const v = formValues(ev.target);
  return toggle('declare', {
    schema: 'onshi.disaster.declare-request/1', reference: v.reference,
    area: v.area.split(/[,、\s]+/).filter((a) => a), closes_at: v.closes_at,
  });
}

function onEnd(ev) {
  ev.preventDefault();
  return toggle('end', { schema: 'onshi.disaster.end-request/1', reason: ev.target.reason.value });
}

// The consent goes with the search itself: without it the plugin refuses before anything leaves the
// clinic (and audits the refusal), which is what this page shows.
async function onLookup(ev) {
  ev.preventDefault();
  const v = formValues(ev.target);
  const request = {
    schema: 'onshi.disaster.lookup-request/1', name: v.name, birthdate: v.birthdate, sex: v.sex, address: v.address,
    operator: operator(),
  };
  if (v.consent === 'verbal') request.consent = { kind: 'verbal' };
  if (v.consent === 'life_protection_exception')
    request.consent = { kind: 'life_protection_exception', circumstances: v.circumstances };
  const out = $('d-result');
  clear(out, el('p', { class: 'status busy' }, '検索しています…'));
  try {
    showAnswer(await api.call(DISASTER, 'lookup', request));
  } catch (e) {
    clear(out, el('p', { class: 'status bad', 'data-refused': e.status }, '検索できません'), errorBox(e));
  }
}

const LOOKUP_OUTCOMES = {
  confirmed: 'ご本人を確認しました', ask_more: '候補が複数: 項目を追加してください',
  unresolved: '特定できません', not_found: '該当者なし',
};

function showAnswer(a) {
  const l = a.lookup || {};
  const p = l.person;
  const lines = (a.drug_history || {}).lines || [];
  clear($('d-result'),
    el('p', { class: `status ${a.outcome === 'confirmed' ? 'ok' : 'warn'}` }, LOOKUP_OUTCOMES[a.outcome] || a.outcome),
    l.message ? el('p', { class: 'note' }, l.message) : null,
    (l.ask || []).length ? el('p', {}, `追加で伺う項目: ${l.ask.join('、')}`) : null,
    p ? el('div', { class: 'qualification' },
      el('p', { class: 'patient-name' }, nameWithBlackDots(p.name), p.name_kana ? el('span', { class: 'kana' }, p.name_kana) : null),
      facts([['生年月日', dateWords(p.birthdate)], ['性別', SEX[p.sex1]], ['住所', p.address], ['保険者', p.insurer_name]])) : null,
    p ? el('h3', {}, `薬剤情報 (${lines.length}件)`) : null,
    p ? drugTable(lines) : null,
    a.note ? el('p', { class: 'note' }, a.note) : null);
}

function drugTable(lines) {
  if (!lines.length) return el('p', {}, '薬剤情報はありません');
  return el('table', { class: 'drugs' },
    el('thead', {}, el('tr', {}, ['調剤日', '薬剤名', '用量', '用法', '日数', '処方', '調剤'].map((h) => el('th', {}, h)))),
    el('tbody', {}, lines.map((d) => el('tr', {},
      el('td', {}, dateWords(d.dispensed_on)), el('td', {}, d.drug_name || ''), el('td', {}, d.dose || d.quantity || ''),
      el('td', {}, d.usage || ''), el('td', {}, d.days ? `${d.days}日分` : ''), el('td', {}, d.prescriber || ''),
      el('td', {}, d.pharmacy || '')))));
}

const EVENTS = {
  declaration_on: '開始', declaration_extended: '延長', declaration_off: '終了', refused: '拒否', search_sent: '検索',
  candidates_narrowed: '候補の絞り込み', consent_recorded: '同意の記録', drug_history_requested: '薬剤情報の要求',
  drug_history_viewed: '薬剤情報の閲覧', local_history_kept: '院内保存', local_history_searched: '院内検索',
  audit_read: '監査ログの閲覧',
};

async function onAudit() {
  try {
    const log = await api.call(DISASTER, 'audit', { schema: 'onshi.disaster.audit-request/1', operator: operator(), limit: 50 });
    clear($('d-audit-log'),
      el('p', { class: log.chain.ok ? 'check ok' : 'check bad' },
        log.chain.ok ? `✓ 改ざんなし (${log.chain.records}件の連鎖を確認)` : `✗ 記録の連鎖が壊れています: ${log.chain.why}`),
      el('table', { class: 'audit' },
        el('thead', {}, el('tr', {}, ['日時', '操作', '担当者', '役割', '同意', '結果'].map((h) => el('th', {}, h)))),
        el('tbody', {}, log.records.map((r) => el('tr', { 'data-event': r.event },
          el('td', {}, new Date(r.at).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo' })), el('td', {}, EVENTS[r.event] || r.event),
          el('td', {}, r.operator_id), el('td', {}, r.role), el('td', {}, r.consent), el('td', {}, r.outcome))))));
  } catch (e) {
    clear($('d-audit-log'), errorBox(e));
  }
}
