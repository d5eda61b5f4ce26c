// The HTTP API of `onshi serve` (service/openapi.json) as the reception page uses it. Every call the
// page makes goes through this file, so a web EMR can read, or copy, just this: a plugin's function
// is POST /v1/<extension id>/<function> with the same JSON document its C API takes; an
// asynchronous one answers when done or gives a job; events come on one stream per desk.
//
// The desk's token lives in this module's memory only: never in localStorage, sessionStorage or a
// cookie, and never in a URL the page navigates to. The one exception is the event stream, which a
// browser cannot send a header with: its URL carries ?access_token= (the service never logs query
// strings; it is a fetch of this page, so it is not in the address bar or history either).
let token = '';

export function signIn(deskToken) { token = deskToken; }
export function signOut() { token = ''; }

// An onshi.error/1 answer: {status: "ONSHI_E_…", message, hint, plugin?, native_code?}.
export class ApiError extends Error {
  constructor(httpStatus, doc) {
    super(doc && doc.message ? doc.message : `HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.status = doc && doc.status ? doc.status : '';
    this.hint = doc && doc.hint ? doc.hint : '';
    this.nativeCode = doc ? doc.native_code : undefined;
  }
}

async function send(method, path, body, headers = {}) {
  const init = {
    method,
    headers: { Authorization: `Bearer ${token}`, ...headers },
    cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof data === 'object' ? data : null);
  return { httpStatus: res.status, data };
}

// GET /v1/status: who this desk is (the service's answer proves the token at sign-in).
export async function status() { return (await send('GET', '/v1/status')).data; }

// A plugin's function: its answer document (or text, for text/html such as the 申立書). An
// asynchronous function that is still working after the service's wait answers 202 with a job,
// which is then waited for here.
// A card takes one program at a time (the reader's screen and the window read it at once): a
// moment's ONSHI_E_BUSY is tried again, as its hint says; nothing was done on the card.
export async function call(extension, fn, doc) {
  for (let tries = 1; ; ++tries) {
    try {
      const r = await send('POST', `/v1/${extension}/${fn}`, doc);
      return r.httpStatus === 202 ? finished(r.data.job) : r.data;
    } catch (e) {
      if (e.status !== 'ONSHI_E_BUSY' || tries === 5) throw e;
      await new Promise((resolve) => setTimeout(resolve, 300 * tries));
    }
  }
}

// Starts an asynchronous function without waiting (Prefer: respond-async): its job id. Progress and
// the end arrive as `job` events; finished(job) gives the answer.
export async function start(extension, fn, doc) {
  return (await send('POST', `/v1/${extension}/${fn}`, doc, { Prefer: 'respond-async' })).data.job;
}

// One of this desk's jobs (onshi.job/1): which function, its state, and its result once done.
export async function job(id) { return (await send('GET', `/v1/jobs/${encodeURIComponent(id)}`)).data; }

export async function finished(job) {
  for (;;) {
    const j = (await send('GET', `/v1/jobs/${encodeURIComponent(job)}?wait=30`)).data;
    if (j.state === 'done') return j.result !== undefined ? j.result : j.result_text;
    if (j.state !== 'running') throw new ApiError(500, j.error || { message: `job ${j.state}` });
  }
}

// Face results: say whom this desk expects, so the result comes here alone; the rest waits in
// the clinic-wide queue until a desk claims it.
export async function expect(birthDate) {
  return (await send('POST', '/v1/desk/expectations', { birth_date: birthDate })).data;
}
export async function queue() { return (await send('GET', '/v1/queue')).data.entries; }
export async function claim(entry) {
  return (await send('POST', `/v1/queue/${encodeURIComponent(entry)}/claim`)).data;
}

// This desk's events (Server-Sent Events): onEvent(kind, onshi.event/1). The browser reconnects by
// itself and resumes after the last event it saw (Last-Event-ID). Returns the stream, to close().
export const EVENT_KINDS = ['card', 'face', 'queue', 'job', 'disaster'];
export function events(onEvent, onOpenChange) {
  const stream = new EventSource(`/v1/events?access_token=${encodeURIComponent(token)}`);
  for (const kind of EVENT_KINDS)
    stream.addEventListener(kind, (e) => onEvent(kind, JSON.parse(e.data)));
  stream.onopen = () => onOpenChange(true);
  stream.onerror = () => onOpenChange(false);
  return stream;
}
