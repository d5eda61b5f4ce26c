// 月末: the month's マイナ保険証利用率 and the 加算 it reaches (R-RATE, onshi.claims/1 usage_rate over
// the verification history), the visits billed on an old qualification or likely on a 申立書 (to
// watch for 返戻), and a bulk 再照会 of the month's patients (一括照会) with its progress.
import * as api from './api.js';
import { $, el, clear, errorBox, facts, nameWithBlackDots } from './ui.js';
import { outcomeWords, todayJst } from './words.js';

const RECORDS = 'onshi.eligibility-records/1';
const CLAIMS = 'onshi.claims/1';
const HOW = { card: 'カード+暗証番号', visual: '目視確認', face: '顔認証', insured: '番号', bulk: '一括照会' };

let entries = [];
let bulkJob = '';

export function init() {
  $('m-month').value = todayJst().slice(0, 7);
  $('m-form').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  $('m-bulk').addEventListener('click', startBulk);
}

export function onShow() { load(); }

export function onEvent(kind, e) {
  if (kind !== 'job' || e.data.job !== bulkJob) return;
  const p = e.data.progress;
  if (p && p.total) {
    $('m-progress').max = p.total;
    $('m-progress').value = p.received;
    $('m-progress-text').textContent = `${p.received} / ${p.total} 件`;
  }
}

async function load() {
  const month = $('m-month').value;
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  try {
    entries = (await api.call(RECORDS, 'history_find', {
      schema: 'onshi.eligibility.history-query/1', since: `${month.replace('-', '')}01`, until: `${month.replace('-', '')}${last}`,
    })).entries;
  } catch (e) {
    return clear($('m-rate'), errorBox(e));
  }
  showRate(month);
  showWatchList();
  $('m-bulk').disabled = patients().length === 0;
  $('m-bulk-count').textContent = `対象 ${patients().length} 名`;
}

// R-RATE: マイナ保険証利用件数 ÷ オンライン資格確認利用件数, completed checks at the window only: a
// check that never reached the system (failed in transport) counts in neither, nor does 一括照会.
async function showRate(month) {
  const verifications = entries
    .filter((h) => h.how !== 'bulk' && !(h.kind === 'failed' && h.stage === 'transport'))
    .map((h) => ({ date: h.at.slice(0, 10), my_number_card: h.how !== 'insured' }));
  try {
    const u = await api.call(CLAIMS, 'usage_rate', {
      schema: 'onshi.claims.usage-request/1', month, facility: 'medical', verifications,
    });
    clear($('m-rate'),
      el('p', { class: 'big-figure', 'data-rate': u.rate }, `マイナ保険証利用率 ${Math.round(u.rate * 1000) / 10}%`),
      facts([
        ['マイナ保険証', `${u.card_count} 件`], ['オンライン資格確認', `${u.total_count} 件`],
        ['医療DX推進体制整備加算', u.tier ? `加算${u.tier} (${u.points}点、利用率 ${u.threshold_percent}% 以上)` : '届く加算なし'],
      ]));
  } catch (e) {
    clear($('m-rate'), errorBox(e));
  }
}

// 旧資格 (billed on the old numbers: R-CLAIM-B) and 該当資格なし (likely a 申立書 and a 不詳 claim:
// R-CLAIM-C) are the claims that come back most; they are listed to be checked before sending.
function showWatchList() {
  const watch = entries.filter((h) => ['lost', 'lost_with_new', 'no_data'].includes(h.kind));
  const body = watch.map((h) => {
    const q = (h.qualifications || [])[0] || {};
    return el('tr', { 'data-kind': h.kind },
      el('td', {}, h.at.slice(0, 10)), el('td', {}, nameWithBlackDots(q.name || '')), el('td', {}, HOW[h.how] || h.how),
      el('td', {}, outcomeWords(h.kind).screen),
      el('td', {}, h.kind === 'no_data' ? '申立書・不詳 (R-CLAIM-C) の可能性' : `旧資格 ${q.insurer_number || ''} で請求 (R-CLAIM-B)`));
  });
  clear($('m-watch'),
    watch.length ? el('table', { class: 'watch' },
      el('thead', {}, el('tr', {}, ['日付', '氏名', '確認', '結果', '請求'].map((t) => el('th', {}, t)))),
      el('tbody', {}, body)) : el('p', {}, '返戻に注意する受診はありません'));
}

// The month's patients with numbers (one each), for a 一括照会 before the claims go out.
function patients() {
  const seen = new Map();
  for (const h of entries)
    for (const q of h.qualifications || [])
      if (q.insurer_number && q.insured_identification_number && q.birthdate)
        seen.set(`${q.insurer_number}/${q.insured_identification_number}/${q.birthdate}`, {
          patient_id: `P${seen.size + 1}`, insurer_number: q.insurer_number, symbol: q.insured_card_symbol || '',
          number: q.insured_identification_number, branch: q.insured_branch_number || '', birth_date: q.birthdate,
        });
  return [...seen.values()];
}

async function startBulk() {
  $('m-bulk').disabled = true;
  $('m-progress').value = 0;
  $('m-progress').hidden = false;
  clear($('m-bulk-result'));
  try {
    bulkJob = await api.start(RECORDS, 'bulk_start', {
      schema: 'onshi.eligibility.bulk-request/1', label: `月末再照会 ${$('m-month').value}`, patients: patients(),
    });
    const r = await api.finished(bulkJob);  // progress meanwhile comes as job events
    const kinds = {};
    for (const o of Object.values(r.results || {})) kinds[o.kind] = (kinds[o.kind] || 0) + 1;
    $('m-progress').value = $('m-progress').max;
    clear($('m-bulk-result'), el('p', { class: 'check ok', 'data-done': r.received }, `再照会 完了: ${r.received} / ${r.total} 件`),
      facts(Object.entries(kinds).map(([k, n]) => [outcomeWords(k).screen, `${n} 件`])));
  } catch (e) {
    clear($('m-bulk-result'), errorBox(e));
  }
  bulkJob = '';
  $('m-bulk').disabled = false;
}
