// The working screen: my window's current ticket, the action buttons, my line, live.

import { api, serverNow } from './api.js';
import { AppointmentsPanel } from './appointments.js';
import { CasesPanel } from './cases.js';
import { Hall } from './hall.js';
import { Live } from './live.js';
import { $, $$, clock, el, toast } from './ui.js';

const STATUS = { called: '已叫号，请群众到窗口', serving: '办理中' };
const CASE_OUTCOMES = ['promised', 'agency', 'joint'];

export class Desk {
  constructor() {
    this.hall = new Hall();
    this.cases = new CasesPanel(() => this.windowNo);
    this.appointments = new AppointmentsPanel(() => this.windowNo);
    this.live = new Live({
      onSnapshot: (snap) => this.onSnapshot(snap),
      onEvent: (ev) => this.onEvent(ev),
      onStatus: (online) => { $('#offline').hidden = online; },
    });
    this.busy = false;
    this.noShows = [];
    this.timers = [];
  }

  open(center, windowNo) {
    this.center = center;
    this.windowNo = windowNo;
    this.noShows = [];
    const w = center.windows.find((x) => x.number === windowNo);
    $('#window-title').textContent = `${windowNo} 号窗口 · ${w ? w.name : ''}`;
    $('#last').replaceChildren();
    this.live.start();
    this.cases.refresh();
    this.appointments.refresh();
    // Minutes waited tick on; case buckets move with the calendar; bookings check in.
    this.timers = [setInterval(() => this.renderQueue(), 30000), setInterval(() => this.appointments.refresh(), 60000),
      setInterval(() => this.cases.refresh(), 600000)];
    this.render();
  }

  close() {
    this.live.stop();
    delete document.body.dataset.seq;
    this.timers.forEach(clearInterval);
    this.timers = [];
    $('#offline').hidden = true;
  }

  onSnapshot(snap) {
    document.body.dataset.seq = snap.seq; // lets tests and people see how current the page is
    this.hall.load(snap);
    if (this.center) this.cases.refresh(); // events may have been missed while offline
    this.render();
  }

  onEvent(ev) {
    if (ev.type === 'day_started') {
      // A new service day: reload the whole hall (counts, served today, the line).
      api('GET', '/api/snapshot').then((snap) => this.onSnapshot(snap)).catch(() => {});
      return;
    }
    if (ev.type === 'center_changed') {
      // The manager edited the center's settings: re-read them, then the hall.
      api('GET', '/api/center').then((c) => { this.center = c; return api('GET', '/api/snapshot'); })
        .then((snap) => this.onSnapshot(snap)).catch(() => {});
      return;
    }
    document.body.dataset.seq = ev.seq;
    if (this.hall.apply(ev)) this.live.refresh();
    const mine = ev.window && ev.window.number === this.windowNo;
    if (mine && ev.type === 'ticket_no_show' && ev.ticket) this.rememberNoShow(ev.ticket.number);
    if (ev.type === 'ticket_requeued' && ev.ticket) this.forgetNoShow(ev.ticket.number);
    if (ev.type === 'ticket_issued' && ev.ticket && ev.ticket.appointment) this.appointments.refresh();
    // A joint service finished at another window may be this window's part to close.
    if ((mine && ev.type === 'case_closed') || (ev.type === 'service_finished'
      && (ev.outcome === 'joint' || (mine && CASE_OUTCOMES.includes(ev.outcome))))) this.cases.refresh();
    this.render();
  }

  myWindow() { return this.hall.windows.get(this.windowNo) || null; }

  current() {
    const w = this.myWindow();
    return w ? w.ticket : null;
  }

  rememberNoShow(number) {
    this.noShows = [number, ...this.noShows.filter((n) => n !== number)].slice(0, 8);
  }

  forgetNoShow(number) { this.noShows = this.noShows.filter((n) => n !== number); }

  // One window action. Buttons are disabled while it is in flight, so a double click
  // never sends two. Errors go to msgBox (a dialog's line) or the toast.
  async act(action, body, msgBox = null) {
    if (this.busy) return null;
    this.busy = true;
    if (msgBox) msgBox.textContent = '';
    this.render();
    try {
      const data = await api('POST', `/api/windows/${this.windowNo}/${action}`, body);
      this.applyResult(data);
      return data;
    } catch (err) {
      if (err.status !== 401) {
        if (msgBox) msgBox.textContent = err.message;
        else toast(err.message);
      }
      return null;
    } finally {
      this.busy = false;
      this.render();
    }
  }

  // The committed result, applied at once; the matching Event confirms it a moment later.
  applyResult(data) {
    const w = this.myWindow();
    if (data.window) this.hall.windows.set(data.window.number, data.window);
    else if (w && data.ticket) {
      const atWindow = ['called', 'serving'].includes(data.ticket.status);
      this.hall.windows.set(w.number, { ...w, ticket: atWindow ? data.ticket : null });
    }
  }

  note(...parts) { $('#last').replaceChildren(...parts); }

  categoryName(code) {
    const c = this.center.categories.find((x) => x.code === code);
    return c ? c.name : code;
  }

  render() {
    if (!this.center) return;
    const w = this.myWindow();
    const t = w ? w.ticket : null;
    const paused = Boolean(w && w.paused);
    const s = t ? t.status : null;
    const num = $('#cur-number');
    num.textContent = t ? t.number : '暂无';
    num.classList.toggle('idle', !t);
    $('#cur-matter').textContent = t ? (t.matter_name || `${this.categoryName(t.category)}类事项`)
      : paused ? '本窗口已暂停，点“恢复”后才能叫号' : '暂无号码，请按“呼叫下一位”（F1）';
    $('#cur-status').replaceChildren(...(t ? [
      el('span', { class: 'badge blue' }, STATUS[s] || s),
      t.priority ? el('span', { class: 'badge green' }, '绿色通道') : '',
      t.called_at ? el('span', { class: 'muted' }, `叫号时间 ${clock(t.called_at)}`) : '',
    ] : []));
    $('#paused-badge').hidden = !paused;
    $('#served').textContent = w ? w.served_today : 0;
    const enable = {
      'btn-call': !t && !paused, 'btn-recall': s === 'called', 'btn-start': s === 'called',
      'btn-finish': Boolean(t), 'btn-noshow': s === 'called', 'btn-transfer': Boolean(t),
      'btn-pause': paused || !t, 'btn-requeue': true, 'btn-materials': true, 'btn-choose': !paused,
      'btn-phone-booking': true, 'btn-request': true,
    };
    for (const button of $$('.actions .act')) button.disabled = this.busy || !enable[button.id];
    $('#btn-pause').textContent = paused ? '恢复' : '暂停';
    this.renderQueue();
  }

  renderQueue() {
    if (!this.center) return;
    const w = this.myWindow();
    const line = this.hall.lineFor(this.windowNo);
    $('#counts').replaceChildren(...(w ? w.categories : []).map((code) => el('span',
      { 'data-category': code }, `${code} ${this.categoryName(code)}：`,
      el('b', {}, this.hall.waiting[code] || 0), ' 人')));
    $('#waiting-total').textContent = `本窗口 ${line.length} 人等候`;
    $('#queue').replaceChildren(...line.slice(0, 200).map((t) => el('tr',
      { class: t.priority ? 'priority' : '', 'data-number': t.number },
      el('td', { class: 'num' }, t.number),
      el('td', { class: 'mat', title: t.matter_name || '' },
        t.matter_name || `${this.categoryName(t.category)}类事项`),
      el('td', { class: 'min' }, `${minutesSince(t.issued_at)} 分钟`),
      el('td', {},
        t.priority ? el('span', { class: 'badge green' }, '绿色通道') : null,
        t.appointment ? el('span', { class: 'badge blue' }, '预约') : null,
        t.status === 'transferred' ? el('span', { class: 'badge blue' }, '转入') : null))));
    $('#queue-empty').hidden = line.length > 0;
  }
}

// Whole minutes since an ISO moment, by the server's clock.
function minutesSince(iso) {
  return Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 60000));
}
