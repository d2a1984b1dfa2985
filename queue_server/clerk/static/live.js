// Live hall state over /ws: a Snapshot first, then Events in strict seq order.
// On a drop it reconnects by itself with ?since=<last seq>, so missed events are replayed.

const HEALTH_EVERY_MS = 10000;

export class Live {
  // healthEveryMs: how often an open socket is checked (phones check less often than clerks).
  constructor({ onSnapshot, onEvent, onStatus, healthEveryMs = HEALTH_EVERY_MS }) {
    this.healthEveryMs = healthEveryMs;
    this.onSnapshot = onSnapshot;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.seq = null;
    this.ws = null;
    this.retry = 0;
    this.timer = null;
    this.health = null;
    this.stopped = true;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
    // A pulled cable leaves a WebSocket open but dead; a failed health check closes it.
    this.health = setInterval(() => this.checkHealth(), this.healthEveryMs);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.health);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
    this.seq = null;
  }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const since = this.seq === null ? '' : `?since=${this.seq}`;
    const ws = new WebSocket(`${proto}://${location.host}/ws${since}`);
    this.ws = ws;
    ws.onopen = () => { this.retry = 0; this.onStatus(true); };
    ws.onmessage = (msg) => { if (this.ws === ws) this.receive(msg.data); };
    ws.onclose = () => {
      if (this.ws !== ws) return; // a socket we already gave up on
      this.ws = null;
      this.onStatus(false);
      if (this.stopped) return;
      const delay = Math.min(500 * 2 ** this.retry, 5000);
      this.retry += 1;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  receive(text) {
    let msg;
    try { msg = JSON.parse(text); } catch (err) { return; }
    if (msg.type === 'snapshot') {
      this.seq = msg.seq;
      this.onSnapshot(msg);
      return;
    }
    if (this.seq !== null && msg.seq <= this.seq) return; // already applied
    if (this.seq !== null && msg.seq !== this.seq + 1) {
      this.ws.close(); // a gap: reconnect and let the server replay from our seq
      return;
    }
    this.seq = msg.seq;
    this.onEvent(msg);
  }

  // Replace the state with a fresh snapshot (when an event alone cannot place a ticket).
  async refresh() {
    const resp = await fetch('/api/snapshot', { cache: 'no-store' });
    if (!resp.ok) return;
    const snap = await resp.json();
    if (this.seq === null || snap.seq >= this.seq) {
      this.seq = snap.seq;
      this.onSnapshot(snap);
    }
  }

  async checkHealth() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), 5000);
    try {
      const resp = await fetch('/healthz', { cache: 'no-store', signal: abort.signal });
      if (!resp.ok) throw new Error(String(resp.status));
    } catch (err) {
      if (this.ws) this.ws.close();
    } finally {
      clearTimeout(timeout);
    }
  }
}
