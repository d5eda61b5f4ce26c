// Small DOM helpers. Text goes in as text (textContent), never as HTML: nothing a plugin or a patient
// sends can become markup.

export const $ = (id) => document.getElementById(id);

// el('p', {class: 'note'}, 'text', child, …); attributes starting with "on" are listeners.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) e.append(c);
  return e;
}

// A table of label → value rows; rows whose value is empty are left out.
export function facts(rows) {
  return el('table', { class: 'facts' },
    rows.filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))));
}

// A name with every ● marked: a character the system could not carry (R-BLACKDOT).
export function nameWithBlackDots(name) {
  return el('span', { class: 'name' },
    ...(name || '').split(/(●)/).filter((p) => p).map((p) => (p === '●' ? el('mark', { class: 'blackdot' }, '●') : p)));
}

// Replaces what the node shows; null, undefined and false are nothing (as in el).
export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

// An error as the receptionist reads it: the plugin's message and what to do.
export function errorBox(e) {
  return el('div', { class: 'error', role: 'alert' },
    el('strong', {}, e.message || String(e)), e.hint ? el('p', {}, e.hint) : null);
}

export function formValues(form) { return Object.fromEntries(new FormData(form).entries()); }
