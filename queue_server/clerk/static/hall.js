// The hall as the console knows it: waiting counts, windows and the line, kept current
// by applying each Event the way the server did (see queue_server/protocol.py).

const IN_LINE = ['waiting', 'transferred'];

export class Hall {
  constructor() {
    this.waiting = {};
    this.windows = new Map();
    this.queue = []; // the server's order: transferred first, then green channel, then the rest
  }

  load(snap) {
    this.waiting = snap.waiting;
    this.windows = new Map(snap.windows.map((w) => [w.number, w]));
    this.queue = snap.queue.slice();
  }

  // Apply one Event. Returns true when the line order cannot be derived from the event
  // (a requeued no-show goes a few places behind the head) and a snapshot is needed.
  apply(ev) {
    this.waiting = ev.waiting;
    for (const t of ev.tickets || []) {
      this.place(t);
      for (const [n, w] of this.windows) {
        if (w.ticket && w.ticket.id === t.id) this.windows.set(n, { ...w, ticket: null });
      }
    }
    if (ev.ticket) this.place(ev.ticket);
    for (const w of [ev.window, ev.to_window]) if (w) this.windows.set(w.number, w);
    return ev.type === 'ticket_requeued';
  }

  place(t) {
    this.queue = this.queue.filter((q) => q.id !== t.id);
    if (!IN_LINE.includes(t.status)) return;
    const after = (test) => {
      let at = 0;
      this.queue.forEach((q, i) => { if (test(q)) at = i + 1; });
      return at;
    };
    let at = this.queue.length;
    if (t.status === 'transferred') at = after((q) => q.status === 'transferred');
    else if (t.priority) at = after((q) => q.status === 'transferred' || q.priority);
    else if (t.appointment) at = after((q) => q.status === 'transferred' || q.priority || q.appointment);
    this.queue.splice(at, 0, t);
  }

  // The tickets window n will call, in the order it will call them.
  lineFor(n) {
    const w = this.windows.get(n);
    if (!w) return [];
    return this.queue.filter((t) => (t.status === 'transferred'
      ? t.transferred_to === n : w.categories.includes(t.category)));
  }
}
