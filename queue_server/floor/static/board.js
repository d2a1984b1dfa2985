// The public board as the floor screens know it: windows, recent calls, waiting counts, kept
// current by applying each Event the way the server's PublicBoard does (queue_server/hub.py).

const RECENT = 10;

export class Board {
  constructor() {
    this.windows = new Map();
    this.recent = []; // oldest first, as the snapshot sends them
    this.waiting = {};
  }

  load(snap) {
    this.waiting = snap.waiting;
    this.windows = new Map(snap.windows.map((w) => [w.number, w]));
    this.recent = snap.recent_calls.slice(-RECENT);
  }

  apply(ev) {
    this.waiting = ev.waiting;
    for (const w of [ev.window, ev.to_window]) if (w) this.windows.set(w.number, w);
    if (ev.type === 'day_started') {
      this.recent = [];
      for (const [n, w] of this.windows) this.windows.set(n, { ...w, served_today: 0 });
    }
    if (ev.type === 'tickets_expired') {
      for (const [n, w] of this.windows) this.windows.set(n, { ...w, ticket: null });
    }
    if ((ev.type === 'ticket_called' || ev.type === 'ticket_recalled') && ev.ticket && ev.window) {
      this.recent.push({ number: ev.ticket.number, window: ev.window.number, at: ev.at,
        recall: ev.type === 'ticket_recalled' });
      this.recent = this.recent.slice(-RECENT);
    }
  }

  // The call the big panel shows: the newest one its window still serves (the rule of
  // display/present.py current_call), so it always agrees with the window table.
  currentCall() {
    for (let i = this.recent.length - 1; i >= 0; i -= 1) {
      const call = this.recent[i];
      const w = this.windows.get(call.window);
      const t = w && w.ticket;
      if (!w || w.paused || !t) continue;
      if (t.number === call.number && (t.status === 'called' || t.status === 'serving')) return call;
    }
    return null;
  }
}

// Show the time as HH:MM in the hall's time zone (the screens run on any PC's clock).
export function startClock(node, timezone) {
  const fmt = new Intl.DateTimeFormat('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false,
    timeZone: timezone || 'Asia/Shanghai' });
  const tick = () => { node.textContent = fmt.format(new Date()); };
  tick();
  return setInterval(tick, 10000);
}

// The center's public settings; retried until the server answers (a screen boots before it).
export async function loadCenter() {
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    try {
      const resp = await fetch('/api/center', { cache: 'no-store' });
      if (resp.ok) return await resp.json();
    } catch (err) { /* not up yet */ }
    await new Promise((ok) => { setTimeout(ok, delay); });
  }
}

// Shrink ``node``'s type until it fits its parent's width (a two-digit window, a long name):
// from the style sheet's size down to half of it, never cut and never ellipsised.
export function fitWidth(node) {
  node.style.fontSize = '';
  const room = node.parentElement.clientWidth * 0.96;
  let size = parseFloat(getComputedStyle(node).fontSize);
  const floor = size / 2;
  while (node.scrollWidth > room && size > floor) {
    size *= 0.92;
    node.style.fontSize = `${size}px`;
  }
}
