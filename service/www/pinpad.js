// The reader's screen (患者さま側): the one place a PIN is typed (R-PIN, R-PROXY: staff may help but
// never learn it). It sits beside the card reader, signed in as the same desk as the window: when
// the card is put down it asks for the PIN, signs the challenge on the card and starts the query as
// a job; the reception page hears the job's end on the desk's event stream and shows the result.
// The PIN is read from its field once, sent in the body of the one call that needs it (the service
// wipes it), and emptied at once.
import * as api from './api.js';
import { $, el, clear } from './ui.js';
import { signInWith } from './desk.js';

const READER = 'onshi.card-reader/1';
const ELIGIBILITY = 'onshi.eligibility/1';

const form = $('p-pin');
let cardKind = 'card';

function say(text, tone = 'idle') {
  $('p-status').textContent = text;
  $('p-status').className = `status ${tone}`;
}

function idle() {
  form.hidden = true;
  form.pin.value = '';
  say('マイナ保険証をカードリーダーに置いてください');
}

function askPin(words, tone = 'ask') {
  form.pin.value = '';
  form.hidden = false;
  say(words, tone);
  form.pin.focus();
}

function locked() {
  form.hidden = true;
  say('暗証番号がロックされています。受付の職員にお声がけください (顔写真で確認します)', 'warn');
}

async function onCard() {
  say('カードを読み取っています…', 'busy');
  try {
    const info = await api.call(READER, 'card_info', {});
    cardKind = info.kind || 'card';
    if (info.pin_tries_left === 0) return locked();
    askPin('暗証番号 (4桁) を入力して「確定」を押してください');
  } catch (e) {
    form.hidden = true;
    say(`${e.message} 受付の職員にお声がけください`, 'bad');
  }
}

async function onPin(ev) {
  ev.preventDefault();
  let pin = form.pin.value;
  form.pin.value = '';
  if (!/^\d{4}$/.test(pin)) {
    pin = '';
    return askPin('暗証番号は4桁の数字です。もう一度入力してください');
  }
  form.hidden = true;
  say('確認しています…', 'busy');
  try {
    const challenge = await api.call(ELIGIBILITY, 'challenge', {});
    let signed;
    try {
      signed = await api.call(READER, 'sign', { pin, challenge_base64: challenge.challenge });
    } finally {
      pin = '';
    }
    await api.start(ELIGIBILITY, 'query', {
      schema: 'onshi.eligibility.request/1', kind: 'card', card_kind: cardKind,
      certificate: signed.certificate_base64, challenge: challenge.challenge, signature: signed.signature_base64,
    });
    say('ありがとうございました。カードをお取りください', 'ok');
  } catch (e) {
    if (e.status === 'ONSHI_E_PIN_LOCKED') return locked();
    if (e.status === 'ONSHI_E_PIN_WRONG')
      return askPin(`暗証番号が違います。あと ${e.nativeCode} 回入力できます (続けて間違えるとロックされます)`, 'warn');
    say(`${e.message} 受付の職員にお声がけください`, 'bad');
  }
}

// Digits to touch as well as to type; the keyboard works as in any field.
clear($('p-keys'), ...'1234567890'.split('').map((d) => el('button', {
  type: 'button', class: 'key', onclick: () => {
    if (form.pin.value.length < 4) form.pin.value += d;
    form.pin.focus();
  },
}, d)), el('button', { type: 'button', class: 'key', onclick: () => { form.pin.value = ''; form.pin.focus(); } }, '訂正'));
form.addEventListener('submit', onPin);
signInWith({
  onSignedIn: () => {
    $('pad').hidden = false;
    idle();
  },
  onEvent: (kind, e) => {
    if (kind !== 'card') return;
    if (e.data.event === 'card_inserted') onCard();
    if (e.data.event === 'card_removed') idle();
  },
});
