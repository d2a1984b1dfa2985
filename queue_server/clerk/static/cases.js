// 待办件: promised, agency and joint (this window's part) services still open,
// grouped 已超期 / 即将超期 / 待办结.

import { api, ApiError } from './api.js';
import { setupCloseRequest } from './outreach.js';
import { $, el, toast } from './ui.js';

const GROUPS = [['overdue', '已超期'], ['due_soon', '即将超期'], ['open', '待办结']];
const CONFIRM_MS = 4000;

export class CasesPanel {
  constructor(getWindow) {
    this.getWindow = getWindow;
    this.pending = null;
    this.loading = false;
    this.again = false;
    this.closeRequest = setupCloseRequest(() => this.refresh());
  }

  // Reload the list; calls made while loading fold into one more reload afterwards.
  async refresh() {
    if (this.loading) { this.again = true; return; }
    this.loading = true;
    try {
      const data = await api('GET', `/api/cases?window=${this.getWindow()}`);
      this.render(data.cases, (data.requests || []).length);
      this.renderRequests(data.requests || []);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) toast(`待办件加载失败：${err.message}`);
    } finally {
      this.loading = false;
      if (this.again) { this.again = false; this.refresh(); }
    }
  }

  render(cases, requests = 0) {
    const box = $('#cases');
    box.replaceChildren();
    const total = cases.length + requests;
    $('#cases-total').textContent = total ? `共 ${total} 件` : '';
    if (!cases.length) {
      if (!requests) box.append(el('p', { class: 'muted pad' }, '暂无待办件'));
      return;
    }
    for (const [bucket, title] of GROUPS) {
      const mine = cases.filter((c) => c.bucket === bucket);
      if (!mine.length) continue;
      box.append(el('div', { class: `case-group ${bucket}`, 'data-bucket': bucket },
        el('h4', {}, `${title}（${mine.length}）`),
        mine.map((c) => this.row(c))));
    }
  }

  row(c) {
    const left = c.days_left < 0 ? `超期 ${-c.days_left} 天`
      : c.days_left === 0 ? '今天到期' : `还剩 ${c.days_left} 天`;
    const kind = c.kind === 'agency' && c.agency_to ? `${c.kind_name} → ${c.agency_to}`
      : c.kind === 'joint' ? `${c.kind_name}（${c.window} 号窗口受理，本窗口协办）` : c.kind_name;
    const button = el('button', { type: 'button', onclick: () => this.complete(c, button) }, '办结');
    return el('div', { class: 'case', 'data-case': c.id, title: `${c.matter_name || ''}（受理 ${c.day}）` },
      el('b', {}, c.number),
      el('span', { class: 'what' }, c.matter_name || ''),
      el('span', { class: 'kind muted' }, kind),
      el('span', { class: 'due' }, `${c.due.slice(5)} 到期（${left}）`),
      button);
  }

  // The first click asks for confirmation (marking a case done cannot be undone).
  async complete(c, button) {
    if (this.pending !== button) {
      if (this.pending) this.reset(this.pending);
      this.pending = button;
      button.textContent = '确认办结？';
      button.classList.add('confirm');
      button.timer = setTimeout(() => this.reset(button), CONFIRM_MS);
      return;
    }
    this.reset(button);
    button.disabled = true;
    try {
      await api('POST', `/api/cases/${c.id}/complete`);
      toast(`${c.number} 的待办件已办结`, 'info');
    } catch (err) {
      if (err.status !== 401) toast(err.message);
    } finally {
      button.disabled = false;
      this.refresh();
    }
  }

  // 委托办理 / 上门服务 / 跨部门代办: open requests, closed (a dialog) with the outcome the agent sees.
  renderRequests(requests) {
    const box = $('#cases');
    if (!requests.length) return;
    box.append(el('div', { class: 'case-group requests' }, el('h4', {}, `委托·上门·代办（${requests.length}）`),
      requests.map((r) => {
        const button = el('button', { type: 'button', onclick: () => this.closeRequest(r) }, '办结…');
        return el('div', { class: `case ${r.bucket || ''}`, 'data-request': r.code },
          el('b', {}, r.code),
          el('span', { class: 'what' }, `${r.name}${r.village ? `（${r.village}）` : ''} ${r.matter_name || r.detail}`),
          el('span', { class: 'kind muted' }, r.department ? `${r.kind_name} → ${r.department}` : r.kind_name),
          el('span', { class: 'due' }, `${r.due.slice(5)} 到期（${r.bucket_name}）`),
          button);
      })));
  }

  reset(button) {
    clearTimeout(button.timer);
    button.textContent = '办结';
    button.classList.remove('confirm');
    if (this.pending === button) this.pending = null;
  }
}
