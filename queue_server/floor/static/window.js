// The window screen (窗口屏) above one counter: its number and name, the number it serves,
// the clerk's work card, 暂停服务 while paused. Live over the public /ws; reconnects by itself.

import { Live } from '/clerk/static/live.js';
import { Board, fitWidth, loadCenter, startClock } from './board.js';

const $ = (id) => document.getElementById(id);
const number = Number((/\/window\/(\d+)/.exec(location.pathname) || [])[1]);
const board = new Board();

function render() {
  const w = board.windows.get(number);
  document.body.dataset.paused = String(Boolean(w && w.paused));
  $('paused').hidden = !(w && w.paused);
  if (w) $('w-name').textContent = w.name;
  const t = w && w.ticket;
  const called = t && (t.status === 'called' || t.status === 'serving');
  $('now').textContent = called ? t.number : '—';
  $('now-label').textContent = !called ? '等候叫号' : t.status === 'called' ? '请' : '正在办理';
  $('now-hint').textContent = called && t.status === 'called' ? '号到本窗口办理' : '';
  $('now-box').className = `now ${called ? t.status : 'idle'}`;
  fitWidth($('now'));
  const card = w && w.card;
  $('card').hidden = !card;
  if (card) {
    $('card-name').textContent = card.name;
    $('card-post').textContent = card.post || '';
    const img = $('card-photo');
    img.hidden = !card.photo_url;
    if (card.photo_url && img.getAttribute('src') !== card.photo_url) img.src = card.photo_url;
    $('card-initial').textContent = card.photo_url ? '' : card.name.slice(0, 1);
    fitWidth($('card-name'));
  }
}

async function boot() {
  $('w-number').textContent = String(number);
  document.title = `${number} 号窗口`;
  const center = await loadCenter();
  $('center').textContent = center.name;
  const info = center.windows.find((x) => x.number === number);
  if (info) $('w-name').textContent = info.name;
  startClock($('clock'), center.timezone);
  const live = new Live({
    onSnapshot: (snap) => { board.load(snap); document.body.dataset.seq = snap.seq; render(); },
    onEvent: (ev) => {
      if (ev.type === 'day_started' || ev.type === 'center_changed') { live.refresh(); return; }
      board.apply(ev);
      document.body.dataset.seq = ev.seq;
      render();
    },
    onStatus: (online) => { $('offline').hidden = online; document.body.dataset.online = String(online); },
  });
  live.start();
  addEventListener('resize', render);
}

boot();
