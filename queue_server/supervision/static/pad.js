// The rating pad (评价器) at one window: the clerk's work card while idle, the rating when the
// clerk finishes. The public board over /ws says when (service_finished at this window);
// GET /api/pad/{n} (this pad's cookie) names the service to rate.
import { BAD, LEVELS, NAMES, COLORS, face } from '/supervision/static/faces.js';

const $ = (sel) => document.querySelector(sel);
const WINDOW = Number(location.pathname.split('/').pop());
const RATE_TIMEOUT = 60000; // back to the card when nobody rates
const THANKS_MS = 3000;
let card = null;
let paused = false;
let pending = null; // {ticket, number, matter_name}
let picked = null; // the 差评 level chosen, while its reasons are asked
let reasons = [];
const dismissed = new Set(); // tickets timed out or rated here: never offered again
let idleTimer = null;
let backoff = 500;

function show(name) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
  document.body.dataset.view = name;
}

function renderCard() {
  $('#clerk-name').textContent = card ? card.name : '';
  $('#clerk-post').textContent = card ? card.post : '';
  const photo = $('#photo');
  photo.classList.toggle('none', !(card && card.photo_url));
  photo.style.backgroundImage = card && card.photo_url ? `url("${card.photo_url}")` : '';
  $('#paused').hidden = !paused && !!card;
  $('#paused').textContent = paused || !card ? '暂停服务' : '';
}

function toCard() {
  clearTimeout(idleTimer);
  pending = null; picked = null;
  renderCard();
  show('card');
}

function armTimeout() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => { if (pending) dismissed.add(pending.ticket); toCard(); }, RATE_TIMEOUT);
}

async function api(method, path, body) {
  const init = { method, headers: {}, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const resp = await fetch(path, init);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const err = new Error((data && data.error && data.error.message) || `HTTP ${resp.status}`);
    err.status = resp.status; err.code = data && data.error && data.error.code;
    throw err;
  }
  return data;
}

function unpaired(message) {
  $('#unpaired-msg').textContent = message;
  show('unpaired');
}

async function checkPending() {
  let state;
  try {
    state = await api('GET', `/api/pad/${WINDOW}`);
  } catch (err) {
    if (err.status === 401 || err.status === 403) unpaired(err.message);
    return;
  }
  $('#window-name').textContent = `${WINDOW} 号窗口 · ${state.window_name}`;
  if (!state.pending || dismissed.has(state.pending.ticket)) return;
  pending = state.pending;
  $('#rate-number').textContent = pending.number;
  $('#rate-matter').textContent = pending.matter_name ? `· ${pending.matter_name}` : '';
  show('rate');
  armTimeout();
}

async function send(level, extra = {}) {
  const ticket = pending.ticket;
  try {
    await api('POST', `/api/pad/${WINDOW}/rating`, { ticket, level, ...extra });
    $('#thanks-text').textContent = '感谢您的评价！';
  } catch (err) {
    if (err.code === 'reason_required' || err.code === 'bad_phone') { $('#bad-msg').textContent = err.message; return; }
    $('#thanks-text').textContent = err.code === 'already_rated' ? '这次服务已经评价过了，谢谢您！' : err.message;
  }
  dismissed.add(ticket);
  pending = null;
  show('thanks');
  clearTimeout(idleTimer);
  idleTimer = setTimeout(toCard, THANKS_MS);
}

function buildLevels() {
  const box = $('#levels');
  for (const level of LEVELS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.level = level;
    b.style.borderColor = COLORS[level];
    b.style.color = COLORS[level];
    b.innerHTML = face(level);
    b.append(NAMES[level]);
    b.addEventListener('click', () => {
      if (!pending) return;
      if (BAD.has(level)) { askReasons(level); return; }
      send(level);
    });
    box.append(b);
  }
}

function askReasons(level) {
  picked = level;
  reasons = [];
  $('#bad-msg').textContent = '';
  $('#bad-comment').value = '';
  $('#bad-phone').value = '';
  for (const b of document.querySelectorAll('#reasons button')) b.classList.remove('on');
  show('bad');
  armTimeout();
}

function buildReasons(list) {
  const box = $('#reasons');
  box.replaceChildren();
  for (const r of list) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = r;
    b.addEventListener('click', () => {
      reasons = reasons.includes(r) ? reasons.filter((x) => x !== r) : [...reasons, r];
      b.classList.toggle('on', reasons.includes(r));
      armTimeout();
    });
    box.append(b);
  }
}

$('#bad-back').addEventListener('click', () => { show('rate'); armTimeout(); });
$('#bad-send').addEventListener('click', () => {
  if (!reasons.length) { $('#bad-msg').textContent = '请至少选择一个原因'; return; }
  send(picked, { reasons, comment: $('#bad-comment').value.trim(), phone: $('#bad-phone').value.trim() });
});
for (const input of ['#bad-comment', '#bad-phone']) $(input).addEventListener('input', armTimeout);

function onWindow(w) {
  if (!w || w.number !== WINDOW) return;
  card = w.card; paused = w.paused;
  if (document.body.dataset.view === 'card') renderCard();
}

function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.onopen = () => { backoff = 500; $('#offline').hidden = true; };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === 'snapshot') {
      for (const w of msg.windows) onWindow(w);
      if (document.body.dataset.view === 'card' || !document.body.dataset.view) toCard();
      return;
    }
    onWindow(msg.window);
    onWindow(msg.to_window);
    if (msg.type === 'service_finished' && msg.window && msg.window.number === WINDOW) checkPending();
  };
  ws.onclose = () => {
    $('#offline').hidden = false;
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 5000);
  };
}

async function start() {
  buildLevels();
  try {
    const state = await api('GET', `/api/pad/${WINDOW}`);
    buildReasons(state.reasons);
    $('#window-name').textContent = `${WINDOW} 号窗口 · ${state.window_name}`;
    document.title = `服务评价 - ${state.center}`;
  } catch (err) {
    unpaired(err.status === 401 || err.status === 403 || err.status === 404 ? err.message : '无法连接服务器，请稍后刷新');
    return;
  }
  toCard();
  connect();
}

start();
