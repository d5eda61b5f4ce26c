// 申立書: when nothing else proves the qualification on a first visit with the card (R-M7), the
// patient fills in the 被保険者資格申立書. The claims plugin writes it, prefilled (statement_form, an
// A4 HTML page); the page shows it and prints it, and the visit is billed as 不詳 (R-CLAIM-C).
import * as api from './api.js';
import { $, clear, errorBox, formValues } from './ui.js';
import { claimInput, patient, renderBill } from './reception.js';
import { todayJst } from './words.js';

const CLAIMS = 'onshi.claims/1';

export function init() {
  $('s-form').addEventListener('submit', onMake);
  $('s-print').addEventListener('click', () => window.print());
  $('s-claim').addEventListener('click', onClaim);
}

// Each time the screen opens: the patient as the reception screen knows them.
export function onShow() {
  const p = patient();
  const form = $('s-form');
  for (const key of ['name', 'name_kana', 'birth_date', 'address', 'phone'])
    if (p[key] && !form[key].value) form[key].value = p[key];
  if (p.sex) form.sex.value = p.sex;
}

function answers() {
  const v = formValues($('s-form'));
  return {
    patient: { name: v.name, name_kana: v.name_kana, birth_date: v.birth_date, sex: v.sex, address: v.address, phone: v.phone },
    statement: {
      has_valid_insurance: v.has_valid_insurance === 'yes', insurance: v.insurance, insurer_name: v.insurer_name,
      employer: v.employer, declared_ratio: v.declared_ratio ? Number(v.declared_ratio) : null,
      name_kana: v.name_kana, address: v.address, phone: v.phone,
    },
  };
}

async function onMake(ev) {
  ev.preventDefault();
  const a = answers();
  try {
    const html = await api.call(CLAIMS, 'statement_form', {
      schema: 'onshi.claims.statement-prefill/1', patient: a.patient, statement: a.statement, today: todayJst(),
    });
    clear($('s-error'));
    showForm(html);
    $('s-actions').hidden = false;
  } catch (e) {
    clear($('s-error'), errorBox(e));
  }
}

// The plugin's page inside ours. Its <style> and style attributes are inline, which this page's
// policy (default-src 'self') refuses, even in a DOMParser document (it inherits the policy); so they
// are taken out of the text before it is parsed: the style sheet goes to a constructed style sheet
// in a shadow root of its own (the form keeps its look and cannot style the page), the attributes
// to CSSOM once the nodes are here; both are allowed. No markup of it runs: scripts and inline
// handlers are refused by the same policy.
function showForm(html) {
  const css = [];
  const text = html
    .replace(/<style[^>]*>([\s\S]*?)<\/style>/gi, (_, sheet) => { css.push(sheet); return ''; })
    .replace(/\sstyle="([^"]*)"/gi, ' data-style="$1"');
  const doc = new DOMParser().parseFromString(text, 'text/html');
  doc.querySelectorAll('script, link, meta, base').forEach((n) => n.remove());
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css.join('\n').replace(/\bbody\b/g, ':host'));
  const host = $('s-sheet');
  const root = host.shadowRoot || host.attachShadow({ mode: 'open' });
  root.adoptedStyleSheets = [sheet];
  root.replaceChildren(...doc.body.childNodes);
  for (const e of root.querySelectorAll('[data-style]')) {
    e.style.cssText = e.dataset.style;
    delete e.dataset.style;
  }
  host.hidden = false;
}

async function onClaim() {
  const a = answers();
  try {
    const result = await api.call(CLAIMS, 'decide', claimInput({ patient: a.patient, statement: a.statement }));
    renderBill($('s-bill'), result);
  } catch (e) {
    clear($('s-bill'), errorBox(e));
  }
}
