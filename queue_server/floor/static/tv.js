// The hall board for a 16:9 TV (/tv): the current call large, every window's number, the
// recent calls and the waiting counts. Live over the public /ws; reconnects by itself.

import { Live } from '/clerk/static/live.js';
import { Board, fitWidth, loadCenter, startClock } from './board.js';

const $ = (id) => document.getElementById(id);
const board = new Board();
let center = null;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render() {
  const call = board.currentCall();
  const line = $('call-line');
  if (call) {
    line.replaceChildren('请 ', el('b', 'num', call.number), ' 号 到 ', el('b', 'win', String(call.window)), ' 号窗口');
  } else {
    line.replaceChildren(el('span', 'idle', '请留意叫号'));
  }
  $('call').dataset.number = call ? call.number : '';
  fitWidth(line);

  const names = new Map(center.categories.map((c) => [c.code, c.name]));
  $('windows').replaceChildren(...[...board.windows.values()].sort((a, b) => a.number - b.number).map((w) => {
    const t = w.ticket;
    const serving = t && (t.status === 'called' || t.status === 'serving');
    const status = w.paused ? el('td', 'cur paused', '暂停服务')
      : serving ? el('td', 'cur', t.number) : el('td', 'cur idle', '空闲');
    const row = el('tr');
    row.dataset.window = String(w.number);
    row.append(el('td', 'wn', `${w.number} 号`), el('td', 'wc', w.categories.map((c) => names.get(c) || c).join('、')),
      status);
    return row;
  }));

  $('recent').replaceChildren(...board.recent.slice(-6).reverse().map((c) => {
    const item = el('li');
    item.append(el('b', '', c.number), ` → ${c.window} 号窗口`);
    return item;
  }));
  $('waiting').replaceChildren(...center.categories.map((c) => {
    const item = el('li');
    item.dataset.category = c.code;
    item.append(el('span', 'cat', c.name), el('b', '', String(board.waiting[c.code] || 0)), ' 人');
    return item;
  }));
}

async function boot() {
  center = await loadCenter();
  $('center').textContent = center.name;
  $('notice').textContent = center.notices.join('　');
  startClock($('clock'), center.timezone);
  const live = new Live({
    onSnapshot: (snap) => { board.load(snap); document.body.dataset.seq = snap.seq; render(); },
    onEvent: (ev) => {
      if (ev.type === 'center_changed') {
        loadCenter().then((c) => { center = c; live.refresh(); });
        return;
      }
      if (ev.type === 'day_started') { live.refresh(); return; }
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
