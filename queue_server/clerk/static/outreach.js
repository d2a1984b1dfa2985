// 电话预约 (a clerk books a slot for a caller: name and phone required) and the requests
// 上门服务 / 委托办理 / 跨部门代办 (department, due date, assignee), recorded and closed here.

import { api } from './api.js';
import { $, $$, cnDate, el, toast } from './ui.js';

function closeOn(dialog) {
  for (const b of $$('.cancel', dialog)) b.onclick = () => dialog.close();
}

function matterOptions(select, matters, placeholder = '不选事项') {
  select.replaceChildren(el('option', { value: '' }, placeholder),
    ...matters.map((m) => el('option', { value: m.code }, `${m.code} ${m.name}`)));
}

const allMatters = (center) => center.categories.flatMap((c) => c.matters);

// ---- 电话预约 ------------------------------------------------------------------------

export function setupPhoneBooking(desk) {
  const dialog = $('#booking-dialog');
  const form = $('#booking-form');
  const f = form.elements;
  const msg = $('.msg', dialog);
  let slots = [];
  closeOn(dialog);

  const fillSlots = () => {
    const day = f.day.value;
    const mine = slots.filter((s) => s.slot.startsWith(day));
    f.slot.replaceChildren(...mine.map((s) => {
      const left = s.capacity - s.booked;
      return el('option', { value: s.slot, disabled: left <= 0 }, `${s.slot.slice(11, 16)}（${left > 0 ? `余 ${left} 个` : '已约满'}）`);
    }));
    const free = mine.find((s) => s.capacity > s.booked);
    if (free) f.slot.value = free.slot;
  };

  const loadSlots = async () => {
    const category = f.category.value;
    const c = desk.center.categories.find((x) => x.code === category);
    matterOptions(f.matter, c ? c.matters : []);
    f.day.replaceChildren();
    f.slot.replaceChildren();
    msg.textContent = '';
    try {
      slots = await api('GET', `/api/appointments/slots?category=${encodeURIComponent(category)}`);
    } catch (err) {
      msg.textContent = `时段加载失败：${err.message}`;
      return;
    }
    const days = [...new Set(slots.filter((s) => s.capacity > s.booked).map((s) => s.slot.slice(0, 10)))];
    if (!days.length) { msg.textContent = '近期没有可预约的时段'; return; }
    f.day.replaceChildren(...days.map((d) => el('option', { value: d }, cnDate(d))));
    fillSlots();
  };

  form.addEventListener('input', () => { msg.textContent = ''; });
  f.category.addEventListener('change', loadSlots);
  f.day.addEventListener('change', fillSlots);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = f.name.value.trim();
    const phone = f.phone.value.trim();
    if (!f.slot.value) { msg.textContent = '请选择预约时段'; return; }
    if (!name) { msg.textContent = '请填写群众姓名'; f.name.focus(); return; }
    if (!phone) { msg.textContent = '请填写联系电话'; f.phone.focus(); return; }
    const ok = $('#booking-ok');
    ok.disabled = true;
    try {
      const body = { category: f.category.value, slot: f.slot.value, name, phone, matter: f.matter.value || undefined };
      const b = await api('POST', '/api/appointments', body);
      dialog.close();
      const when = `${cnDate(b.slot.slice(0, 10))} ${b.slot.slice(11, 16)}`;
      desk.note(`已为 ${name}（${phone}）预约 ${when}，预约码 ${b.code}，请告知群众`);
      toast(`预约成功，预约码 ${b.code}`, 'info');
      desk.appointments.refresh();
    } catch (err) {
      if (err.code === 'slot_full') await loadSlots(); // the places left have changed
      msg.textContent = err.message;
    } finally {
      ok.disabled = false;
    }
  });

  return () => {
    form.reset();
    msg.textContent = '';
    const w = desk.center.windows.find((x) => x.number === desk.windowNo);
    const mine = w ? w.categories : [];
    const cats = [...desk.center.categories].sort((a, b) => mine.includes(b.code) - mine.includes(a.code));
    f.category.replaceChildren(...cats.map((c) => el('option', { value: c.code }, `${c.code} ${c.name}`)));
    dialog.showModal();
    loadSlots();
    f.name.focus();
  };
}

// ---- 上门服务 / 委托办理 / 跨部门代办 -----------------------------------------------

export function setupRequest(desk) {
  const dialog = $('#request-dialog');
  const form = $('#request-form');
  const f = form.elements;
  const msg = $('.msg', dialog);
  closeOn(dialog);

  const showFields = () => {
    for (const node of $$('[data-for]', form)) node.hidden = !node.dataset.for.split(' ').includes(f.kind.value);
  };
  // Propose the matter's promised time limit (or the default), counted as the center counts.
  const proposeDue = async () => {
    const query = f.matter.value ? `?matter=${encodeURIComponent(f.matter.value)}` : '';
    try {
      const d = await api('GET', `/api/due-date${query}`);
      f.deadline.min = d.from;
      f.deadline.value = d.due;
      $('.due-words', dialog).textContent = cnDate(d.due);
      $('.due-hint', dialog).textContent = `默认 ${d.days} 个${d.working_days_only ? '工作日' : '自然日'}内办结，可修改`;
    } catch (err) {
      $('.due-hint', dialog).textContent = '无法获取默认日期，请手动选择';
    }
  };
  form.addEventListener('input', () => { msg.textContent = ''; });
  form.addEventListener('change', (e) => {
    msg.textContent = '';
    if (e.target.name === 'kind') showFields();
    if (e.target.name === 'matter') proposeDue();
  });
  f.deadline.addEventListener('input', () => { $('.due-words', dialog).textContent = cnDate(f.deadline.value); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const kind = f.kind.value;
    const name = f.name.value.trim();
    const detail = f.detail.value.trim();
    const department = f.department.value.trim();
    if (!name) { msg.textContent = '请填写群众姓名'; f.name.focus(); return; }
    if (!detail) { msg.textContent = '请填写办理内容'; f.detail.focus(); return; }
    if (kind === 'cross_department' && !department) { msg.textContent = '请填写承办部门'; f.department.focus(); return; }
    const ok = $('#request-ok');
    ok.disabled = true;
    try {
      const r = await api('POST', '/api/requests', {
        kind, name, detail, phone: f.phone.value.trim(), village: f.village.value.trim(),
        matter: f.matter.value || undefined, department: kind === 'cross_department' ? department : undefined,
        due: f.deadline.value || undefined, assignee: f.assignee.value || undefined,
      });
      dialog.close();
      desk.note(`已登记${r.kind_name} ${r.code}（${r.name}），${r.due} 前办结${r.assignee ? `，承办人 ${r.assignee}` : ''}`);
      toast(`${r.code} 已登记`, 'info');
      desk.cases.refresh();
    } catch (err) {
      msg.textContent = err.message;
    } finally {
      ok.disabled = false;
    }
  });

  return async () => {
    form.reset();
    msg.textContent = '';
    f.kind.value = 'home_visit';
    matterOptions(f.matter, allMatters(desk.center));
    f.assignee.replaceChildren(el('option', { value: '' }, '暂不指定'));
    showFields();
    dialog.showModal();
    f.name.focus();
    proposeDue();
    try {
      const { staff } = await api('GET', '/api/request-assignees');
      f.assignee.append(...staff.map((s) => el('option', { value: s.login }, s.name)));
    } catch (err) {
      $('.due-hint', dialog).textContent = `承办人名单加载失败：${err.message}`;
    }
  };
}

// ---- closing a request with its outcome ------------------------------------------------

export function setupCloseRequest(onClosed) {
  const dialog = $('#close-request-dialog');
  const form = $('#close-request-form');
  const msg = $('.msg', dialog);
  let current = null;
  closeOn(dialog);
  form.addEventListener('input', () => { msg.textContent = ''; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const outcome = form.elements.outcome.value.trim();
    if (!outcome) { msg.textContent = '请填写办理结果'; form.elements.outcome.focus(); return; }
    const r = current;
    try {
      await api('POST', `/api/requests/${encodeURIComponent(r.code)}/close`,
        { status: form.elements.status.value, outcome });
      dialog.close();
      toast(`${r.code} 已办结`, 'info');
      onClosed();
    } catch (err) {
      msg.textContent = err.message;
      if (err.code === 'already_closed') onClosed();
    }
  });
  return (r) => {
    current = r;
    form.reset();
    msg.textContent = '';
    $('.dlg-number', dialog).textContent = r.code;
    $('.dlg-what', dialog).textContent = `${r.kind_name}：${r.name}${r.village ? `（${r.village}）` : ''} ${r.detail}`;
    dialog.showModal();
    form.elements.outcome.focus();
  };
}
