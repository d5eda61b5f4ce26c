// The reception page: sign-in per desk, the four screens, and the one event stream that feeds them.
import { $ } from './ui.js';
import { signInWith } from './desk.js';
import * as reception from './reception.js';
import * as statement from './statement.js';
import * as disaster from './disaster.js';
import * as month from './month.js';

const SCREENS = { reception, statement, disaster, month };

function show(name) {
  for (const id of Object.keys(SCREENS)) $(id).hidden = id !== name;
  for (const tab of document.querySelectorAll('#nav button'))
    tab.setAttribute('aria-current', tab.dataset.screen === name ? 'page' : 'false');
  if (SCREENS[name].onShow) SCREENS[name].onShow();
}

for (const s of Object.values(SCREENS)) s.init({ show });
signInWith({
  onSignedIn: () => {
    $('nav').hidden = false;
    reception.onSignIn();
    show('reception');
  },
  onEvent: (kind, e) => {
    for (const s of Object.values(SCREENS)) if (s.onEvent) s.onEvent(kind, e);
  },
});
for (const tab of document.querySelectorAll('#nav button')) tab.addEventListener('click', () => show(tab.dataset.screen));
