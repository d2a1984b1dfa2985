// 今日预约: today's bookings of my window's categories, checked in, waiting or no-show.

import { api, ApiError } from './api.js';
import { $, el, toast } from './ui.js';

const STATUS = { checked_in: ['已取号', 'green'], waiting: ['待签到', 'blue'], no_show: ['未到', 'warn'] };
const SOURCE = { resident: '群众', phone: '电话', agent: '代办员' };

export class AppointmentsPanel {
  constructor(getWindow) {
    this.getWindow = getWindow;
    this.loading = false;
  }

  async refresh() {
    if (this.loading) return;
    this.loading = true;
    try {
      const data = await api('GET', '/api/appointments');
      this.render(data.appointments.filter((a) => a.windows.includes(this.getWindow())));
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) toast(`预约加载失败：${err.message}`);
    } finally {
      this.loading = false;
    }
  }

  render(items) {
    const box = $('#appointments');
    box.closest('.appointments-card').hidden = !items.length; // no room taken on days without bookings
    const count = (s) => items.filter((a) => a.status === s).length;
    $('#appointments-total').textContent = items.length
      ? `共 ${items.length} 个：已取号 ${count('checked_in')}，待签到 ${count('waiting')}，未到 ${count('no_show')}` : '';
    if (!items.length) return;
    box.replaceChildren(...items.map((a) => {
      const [label, tone] = STATUS[a.status] || [a.status, 'blue'];
      return el('div', { class: 'case', 'data-code': a.code, 'data-status': a.status },
        el('b', {}, a.slot.slice(11, 16)),
        el('span', { class: 'what' }, `${a.name || '（未留名）'} ${a.phone || ''}`),
        el('span', { class: 'kind muted' }, `${a.category_name}${a.matter_name ? ` · ${a.matter_name}` : ''} · ${SOURCE[a.source] || ''}`),
        el('span', { class: `badge ${tone}` }, a.ticket ? `${label} ${a.ticket}` : label));
    }));
  }
}
