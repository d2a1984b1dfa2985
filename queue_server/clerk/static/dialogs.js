// The working screen's dialogs: 办结 (six modes), 转移, 过号重排, 一次性告知单.

import { api } from './api.js';
import { $, $$, cnDate, el, toast } from './ui.js';

const MODES = [
  ['instant', '即时办理', '当场办结'],
  ['promised', '承诺办理', '材料齐全，限期办结'],
  ['joint', '联合办理', '需其他窗口协办'],
  ['agency', '代为办理', '报上级部门，中心代办'],
  ['assisted', '协助办理', '协助群众到部门办理'],
  ['rejected', '退办告知', '不予受理，出具告知书'],
];
const MODE_NAMES = Object.fromEntries(MODES.map(([code, name]) => [code, name]));

function closeOn(dialog) {
  for (const b of $$('.cancel', dialog)) b.onclick = () => dialog.close();
}

function otherWindows(desk) {
  return desk.center.windows.filter((w) => w.number !== desk.windowNo);
}

// ---- 办结 ----------------------------------------------------------------------

export function setupFinish(desk) {
  const dialog = $('#finish-dialog');
  const form = $('#finish-form');
  $('#finish-modes').replaceChildren(...MODES.map(([code, name, hint]) => el('label', {},
    el('input', { type: 'radio', name: 'mode', value: code }), name, el('small', {}, hint))));
  const showFields = () => {
    const mode = form.elements.mode.value;
    for (const node of $$('[data-for]', form)) node.hidden = !node.dataset.for.split(' ').includes(mode);
    $('#finish-msg').textContent = '';
  };
  form.addEventListener('change', (e) => { if (e.target.name === 'mode') showFields(); });
  // The date box follows the PC's locale; spell the chosen date out so nobody misreads it.
  form.elements.due.addEventListener('input', () => { $('#due-words').textContent = cnDate(form.elements.due.value); });
  closeOn(dialog);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ticket = desk.current();
    if (!ticket || String(ticket.id) !== dialog.dataset.ticket) {
      // Another PC on this window acted meanwhile: never finish a ticket nobody chose.
      dialog.close();
      toast('当前号码已变化，请重新操作');
      return;
    }
    const f = form.elements;
    const mode = f.mode.value;
    const body = { outcome: mode };
    if (['promised', 'agency', 'joint'].includes(mode)) body.due = f.due.value || undefined;
    if (mode === 'joint') body.joint_window = f.joint_window.value ? Number(f.joint_window.value) : undefined;
    if (mode === 'agency') body.agency_to = f.agency_to.value.trim() || undefined;
    if (mode === 'rejected') body.reason = f.reason.value.trim() || undefined;
    const ok = $('#finish-ok');
    ok.disabled = true;
    const data = await desk.act('finish', body, $('#finish-msg'));
    ok.disabled = false;
    if (!data) return;
    dialog.close();
    finished(desk, ticket, mode, body);
  });
  return () => openFinish(desk, dialog, form, showFields);
}

async function openFinish(desk, dialog, form, showFields) {
  const t = desk.current();
  if (!t) return;
  form.reset();
  dialog.dataset.ticket = t.id;
  $('.dlg-number', dialog).textContent = t.number;
  form.elements.mode.value = 'instant';
  form.elements.joint_window.replaceChildren(el('option', { value: '' }, '请选择协办窗口'),
    ...otherWindows(desk).map((w) => el('option', { value: w.number }, `${w.number} 号窗口 · ${w.name}`)));
  $('#due-hint').textContent = '';
  $('#due-words').textContent = '';
  showFields();
  dialog.showModal();
  // Propose the matter's promised time limit, counted as the center counts days.
  const query = t.matter ? `?matter=${encodeURIComponent(t.matter)}` : '';
  try {
    const d = await api('GET', `/api/due-date${query}`);
    const due = form.elements.due;
    due.min = d.from;
    if (!due.value) due.value = d.due;
    $('#due-words').textContent = cnDate(due.value);
    $('#due-hint').textContent = d.days === 0 ? '本事项承诺当场办结'
      : `默认按承诺时限 ${d.days} 个${d.working_days_only ? '工作日（不含法定节假日，调休上班日计入）' : '自然日'}计算`;
  } catch (err) {
    $('#due-hint').textContent = err.code === 'calendar_unknown' ? err.message : '无法获取默认日期，请手动选择';
  }
}

function finished(desk, t, mode, body) {
  const parts = [`${t.number} 已办结（${MODE_NAMES[mode]}`];
  if (body.due) parts.push(`，${body.due} 前办结`);
  if (body.joint_window) parts.push(`，协办 ${body.joint_window} 号窗口`);
  if (body.agency_to) parts.push(`，报送${body.agency_to}`);
  parts.push('）');
  if (mode !== 'rejected') {
    desk.note(parts.join(''));
    return;
  }
  const url = `/clerk/notice/rejection/${t.id}`;
  desk.note(parts.join(''), el('a', { href: url, target: '_blank' }, '打印退办告知书'));
  window.open(url, '_blank');
}

// ---- 转移 ----------------------------------------------------------------------

export function setupTransfer(desk) {
  const dialog = $('#transfer-dialog');
  closeOn(dialog);
  return () => {
    const t = desk.current();
    if (!t) return;
    $('.dlg-number', dialog).textContent = t.number;
    const msg = $('.msg', dialog);
    msg.textContent = '';
    $('#transfer-list').replaceChildren(...otherWindows(desk).map((w) => el('button', {
      type: 'button', 'data-window': w.number,
      onclick: async () => {
        if (await desk.act('transfer', { to_window: w.number }, msg)) {
          dialog.close();
          desk.note(`${t.number} 已转移到 ${w.number} 号窗口（${w.name}）`);
        }
      },
    }, `${w.number} 号窗口 · ${w.name}`,
    el('small', {}, `办理：${w.categories.map((c) => desk.categoryName(c)).join('、')}`))));
    dialog.showModal();
  };
}

// ---- 过号重排 ------------------------------------------------------------------

// ---- pause, with its reason ----------------------------------------------------------

export function setupPause(desk) {
  const dialog = $('#pause-dialog');
  const form = $('#pause-form');
  const msg = $('.msg', dialog);
  closeOn(dialog);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = form.elements.reason.value;
    if (await desk.act('pause', { reason }, msg)) {
      dialog.close();
      desk.note(`窗口已暂停（${reason}）`);
    }
  });
  return () => {
    const w = desk.myWindow();
    if (w && w.paused) { desk.act('resume'); return; }
    form.reset();
    msg.textContent = '';
    dialog.showModal();
    form.elements.reason.focus();
  };
}

export function setupRequeue(desk) {
  const dialog = $('#requeue-dialog');
  const form = $('#requeue-form');
  const msg = $('.msg', dialog);
  closeOn(dialog);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const number = form.elements.number.value.trim().toUpperCase();
    if (!number) { msg.textContent = '请输入要重新排队的号码'; return; }
    if (await desk.act('requeue', { number }, msg)) {
      dialog.close();
      desk.note(`${number} 已重新排队`);
      toast(`${number} 已重新排队`, 'info');
    }
  });
  return () => {
    form.reset();
    msg.textContent = '';
    $('#noshow-list').replaceChildren(...(desk.noShows.length ? [el('span', { class: 'hint' }, '本窗口刚过号：')] : []),
      ...desk.noShows.map((n) => el('button', {
        type: 'button', onclick: () => { form.elements.number.value = n; form.requestSubmit(); },
      }, n)));
    dialog.showModal();
    form.elements.number.focus();
  };
}

// ---- 一次性告知单 ---------------------------------------------------------------

export function setupMaterials(desk) {
  const dialog = $('#materials-dialog');
  closeOn(dialog);
  return () => {
    const t = desk.current();
    const w = desk.center.windows.find((x) => x.number === desk.windowNo);
    const query = t ? `?number=${encodeURIComponent(t.number)}` : '';
    const link = (m) => el('a', {
      href: `/clerk/notice/materials/${encodeURIComponent(m.code)}${query}`, target: '_blank',
      class: t && t.matter === m.code ? 'current' : null,
    }, `${m.code} ${m.name}`, t && t.matter === m.code ? '（当前号码的事项）' : '');
    $('#matter-list').replaceChildren(...desk.center.categories
      .filter((c) => w && w.categories.includes(c.code))
      .map((c) => el('div', {}, el('h4', {}, `${c.code} ${c.name}`), c.matters.map(link))));
    dialog.showModal();
  };
}
