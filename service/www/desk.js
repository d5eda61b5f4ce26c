// Signing a screen in as its desk, shared by the reception page and the reader's screen: the token
// is checked by the service (GET /v1/status), kept in api.js's memory only, and the desk's one
// event stream is opened; the header shows the desk and whether the stream is connected.
import * as api from './api.js';
import { $, clear, errorBox } from './ui.js';

let stream = null;

// onSignedIn(status) once the token is good; onEvent(kind, onshi.event/1) for each event.
export function signInWith({ onSignedIn, onEvent }) {
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const field = $('token');
    api.signIn(field.value.trim());
    field.value = '';
    let status;
    try {
      status = await api.status();
    } catch (e) {
      api.signOut();
      return clear($('login-error'), errorBox(e.httpStatus === 401 ? { message: 'トークンが違います', hint: e.message } : e));
    }
    clear($('login-error'));
    $('login').hidden = true;
    $('desk').textContent = `窓口: ${status.desk}`;
    $('signout').hidden = false;
    stream = api.events(onEvent, (open) => {
      $('live').textContent = open ? '● 接続中' : '○ 再接続中…';
      $('live').className = open ? 'live on' : 'live off';
    });
    onSignedIn(status);
  });
  // Signing out forgets the token (it was only ever in memory) and everything shown.
  $('signout').addEventListener('click', () => {
    if (stream) stream.close();
    api.signOut();
    window.location.reload();
  });
}
