// The reception page: sign-in per desk, the four screens, and the one event stream that feeds them.
import * as api from './api.js';
import { $, clear, errorBox } from './ui.js';
import * as reception from './reception.js';
import * as statement from './statement.js';
import * as disaster from './disaster.js';
import * as month from './month.js';

const SCREENS = { reception, statement, disaster, month };
let stream = null;

function show(name) {
  for (const id of Object.keys(SCREENS)) $(id).hidden = id !== name;
  for (const tab of document.querySelectorAll('#nav button'))
    tab.setAttribute('aria-current', tab.dataset.screen === name ? 'page' : 'false');
  if (SCREENS[name].onShow) SCREENS[name].onShow();
}

async function signIn(ev) {
  ev.preventDefault();
  const field = $('token');
  api.signIn(field.value.trim());
  field.value = '';
  try {
    const s = await api.status();
    $('desk').textContent = `窓口: ${s.desk}`;
  } catch (e) {
    api.signOut();
    return clear($('login-error'), errorBox(e.httpStatus === 401 ? { message: 'トークンが違います', hint: e.message } : e));
  }
  clear($('login-error'));
  $('login').hidden = true;
  $('nav').hidden = false;
  $('signout').hidden = false;
  stream = api.events((kind, e) => {
    for (const s of Object.values(SCREENS)) if (s.onEvent) s.onEvent(kind, e);
  }, (open) => {
    $('live').textContent = open ? '● 接続中' : '○ 再接続中…';
    $('live').className = open ? 'live on' : 'live off';
  });
  reception.onSignIn();
  show('reception');
}

// Signing out forgets the token (it was only ever in memory) and everything shown.
function signOut() {
  if (stream) stream.close();
  api.signOut();
  window.location.reload();
}

for (const s of Object.values(SCREENS)) s.init({ show });
$('login-form').addEventListener('submit', signIn);
$('signout').addEventListener('click', signOut);
for (const tab of document.querySelectorAll('#nav button')) tab.addEventListener('click', () => show(tab.dataset.screen));
