// The phone page's live section (/g/{matter}?t=TOKEN): the ticket's place in line, current
// within a second, and an alert (vibration, a chime, a banner) when it is near and when it
// is called. The public /ws says something moved; then the page re-reads its own ticket
// (GET /api/tickets/{token}), coalesced so a burst of events costs one request.

import { Live } from '/clerk/static/live.js';

const box = document.getElementById('live');
const IN_LINE = ['waiting', 'transferred'];
const FINAL = ['done', 'expired'];
// Events that can move a ticket up its line or change its estimate (others' services can't).
const MOVES = ['ticket_called', 'ticket_requeued', 'ticket_transferred', 'window_paused', 'window_resumed',
  'tickets_expired', 'day_started', 'center_changed'];
const OFFLINE_POLL_MS = 20000; // only while the push channel is down
const FETCH_TIMEOUT_MS = 8000;
const HEALTH_MS = 30000; // a dead socket (the phone left the Wi-Fi) is noticed within this
const PATTERN = { near: [300, 150, 300], called: [600, 200, 600, 200, 600] };
const TONES = { near: [660, 880], called: [880, 660, 880, 660] };

if (box) start();

function start() {
  const $ = (id) => document.getElementById(id);
  const token = box.dataset.token;
  const near = Number(box.dataset.near);
  const texts = JSON.parse($('live-text').textContent);
  const saved = `bianmin.alerted.${token}`;
  let alerted = {};
  try { alerted = JSON.parse(sessionStorage.getItem(saved) || '{}'); } catch (err) { alerted = {}; }
  let state = { number: box.dataset.number, status: box.dataset.status, ahead: Number(box.dataset.ahead),
    window: box.dataset.window ? Number(box.dataset.window) : null, wait_minutes: null };
  let shown = 0;
  let audio = null;
  let chimes = 0;
  let poll = null;

  const say = (s) => (texts[s.status] || s.status).replace('{window}', s.window).replace('{ahead}', s.ahead)
    .replace('{wait}', s.wait_minutes == null ? '' : `，预计等待约 ${s.wait_minutes} 分钟`);

  // ---- alerts -----------------------------------------------------------------------
  // Autoplay is blocked until the resident touches the page: the first tap (on the button or
  // anywhere) opens the audio context; vibration needs a tap too on most phones.
  function unlock() {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = new Ctx();
    }
    if (audio.state === 'suspended') audio.resume();
    const button = $('sound');
    button.textContent = '到号提醒已开启';
    button.classList.add('on');
  }
  $('sound').addEventListener('click', () => { unlock(); chime([660], 0.12); });
  document.addEventListener('pointerdown', unlock, { once: true });

  function chime(tones, length = 0.28) {
    if (!audio || audio.state !== 'running') return false;
    const t0 = audio.currentTime + 0.02;
    tones.forEach((freq, i) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const at = t0 + i * (length + 0.06);
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + length + 0.02);
    });
    box.dataset.chimes = String(++chimes);
    return true;
  }

  function alert(kind, s) {
    alerted[kind] = true;
    try { sessionStorage.setItem(saved, JSON.stringify(alerted)); } catch (err) { /* private mode */ }
    try { if (navigator.vibrate) navigator.vibrate(PATTERN[kind]); } catch (err) { /* not allowed */ }
    chime(TONES[kind]);
    const banner = $('alert');
    banner.textContent = kind === 'called' ? `请到 ${s.window} 号窗口办理！` : `快到您了！前面还有 ${s.ahead} 人，请到窗口附近等候`;
    banner.hidden = false;
    box.dataset.alerts = [box.dataset.alerts, kind].filter(Boolean).join(',');
  }

  function checkAlerts(s, recalled) {
    if (IN_LINE.includes(s.status)) {
      alerted.called = false; // back in line (requeued): a new call alerts again
      if (s.ahead <= near && !alerted.near) alert('near', s);
    } else if (s.status === 'called' && (!alerted.called || recalled)) {
      alert('called', s);
    }
  }

  // ---- state ------------------------------------------------------------------------
  function show(s, recalled = false) {
    state = s;
    $('state').textContent = say(s);
    box.dataset.status = s.status;
    box.dataset.ahead = String(s.ahead);
    box.classList.toggle('near', IN_LINE.includes(s.status) && s.ahead <= near);
    box.classList.toggle('called', s.status === 'called' || s.status === 'serving');
    if (!(s.status === 'called' || (IN_LINE.includes(s.status) && s.ahead <= near))) $('alert').hidden = true;
    checkAlerts(s, recalled);
    if (FINAL.includes(s.status)) {
      live.stop();
      clearInterval(poll);
      $('sound').hidden = true;
      $('hint').hidden = true;
      $('conn').textContent = '';
    }
  }

  let loading = false;
  let again = false;
  let reads = 0; // re-reads started
  let staleUpTo = 0; // re-reads started before the last call event may predate the call
  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    const asked = ++reads;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
    try {
      const resp = await fetch(`/api/tickets/${encodeURIComponent(token)}`, { cache: 'no-store', signal: abort.signal });
      if (resp.ok) {
        const s = await resp.json();
        // A read begun before the call was announced can still say "waiting": showing it
        // would undo the call and alert it twice. The re-read after the event follows.
        if (s.number && asked > staleUpTo) {
          show(s);
          box.dataset.refreshed = String(++shown);
        }
      }
    } catch (err) { /* offline or timed out: the next event or poll tries again */ } finally {
      clearTimeout(timer);
      loading = false;
      if (again) { again = false; refresh(); }
    }
  }

  const live = new Live({
    healthEveryMs: HEALTH_MS,
    onSnapshot: () => refresh(),
    onEvent: (ev) => {
      const mine = ev.ticket && ev.ticket.number === state.number;
      if (mine && (ev.type === 'ticket_called' || ev.type === 'ticket_recalled') && ev.window) {
        // Say it at once; the re-read below confirms it.
        staleUpTo = reads;
        show({ ...state, status: 'called', ahead: 0, window: ev.window.number, wait_minutes: null },
          ev.type === 'ticket_recalled');
      }
      if (mine || MOVES.includes(ev.type) || (ev.type === 'ticket_issued' && ev.ticket && ev.ticket.priority)) {
        refresh();
      }
    },
    onStatus: (online) => {
      const conn = $('conn');
      conn.textContent = online ? '● 实时更新中' : '连接中断，正在重连…';
      conn.classList.toggle('off', !online);
      clearInterval(poll);
      if (!online) poll = setInterval(refresh, OFFLINE_POLL_MS);
    },
  });

  // A phone that slept may have missed events: read the ticket again when it wakes.
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !FINAL.includes(state.status)) refresh();
  });
  checkAlerts(state, false);
  if (FINAL.includes(state.status)) show(state);
  else live.start();
}
