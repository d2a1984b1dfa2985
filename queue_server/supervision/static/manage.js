// The manager's supervision page: 差评 cases (回访, 整改, 答复, 申诉), the box, the statistics.
import { api, ApiError, onUnauthorized } from '/clerk/static/api.js';
import { $, el, guarded, toast } from '/manage/static/ui.js';

const LEVEL_NAMES = {
  very_satisfied: '非常满意', satisfied: '满意', basic: '基本满意', dissatisfied: '不满意', very_dissatisfied: '非常不满意',
};
const APPEAL_NAMES = { pending: '待审核', upheld: '申诉成立', rejected: '已驳回' };

function pct(rate) { return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`; }

function showLogin(message) {
  $('#main-view').hidden = true; $('#login-view').hidden = false;
  $('#login-msg').textContent = message || '请先在中心管理用负责人账号登录';
}

async function loadResults() {
  const r = await guarded(() => api('GET', '/api/supervision/results'));
  if (!r) return;
  $('#results').textContent = `${r.month} 满意率 ${pct(r.satisfaction_rate)}（评价 ${r.rated}，默认好评 ${r.defaulted}）`
    + ` · 未办结差评 ${r.bad_open}（超期 ${r.bad_overdue}） · 投诉 ${r.complaints}，答复率 ${pct(r.complaint_reply_rate)}`
    + `（超期未答复 ${r.complaints_overdue}）`;
}

// ---- cases ---------------------------------------------------------------------------------

let cases = [];
let openCase = null;

async function loadCases() {
  const state = $('#cases-all').checked ? 'all' : 'open';
  const rows = await guarded(() => api('GET', `/api/rating-cases?state=${state}`));
  if (!rows) return;
  cases = rows;
  $('#case-table tbody').replaceChildren(...rows.map((c) => el('tr', { class: c.overdue ? 'overdue' : '', 'data-id': c.id },
    el('td', {}, c.ticket), el('td', {}, c.day), el('td', {}, c.window ?? '—'), el('td', {}, c.clerk || '—'),
    el('td', {}, c.matter_name || '—'), el('td', {}, c.level_name),
    el('td', { class: 'text' }, c.reasons.join('、'), c.comment ? `：${c.comment}` : ''),
    el('td', {}, c.phone || '—'), el('td', { class: 'due' }, c.due, c.overdue ? '（超期）' : ''),
    el('td', {}, c.callback ? `${c.callback.reached ? '已联系' : '未联系上'}${c.callback.note ? `：${c.callback.note}` : ''}` : '未回访'),
    el('td', {}, c.appeal ? `${APPEAL_NAMES[c.appeal.status]}：${c.appeal.reason}` : '—'),
    el('td', {}, el('span', { class: c.closed ? 'badge' : 'badge off' }, c.closed ? '已答复' : '待整改')),
    el('td', { class: 'actions' },
      c.closed ? null : el('button', { type: 'button', class: 'handle', onclick: () => editCase(c) }, '回访/答复'),
      c.appeal && c.appeal.status === 'pending' ? el('button', { type: 'button', class: 'review', onclick: () => reviewAppeal(c) }, '审核申诉') : null))));
}

function editCase(c) {
  openCase = c;
  const f = $('#case-form');
  f.reset();
  $('#case-title').textContent = `差评整改：${c.ticket}（${c.level_name}，${c.clerk || '—'}）`;
  if (c.callback) { f.reached.checked = c.callback.reached; f.note.value = c.callback.note; }
  f.rectification.value = c.rectification;
  $('#case-msg').textContent = '';
  $('#case-dialog').showModal();
}

$('#case-callback').addEventListener('click', async () => {
  const f = $('#case-form');
  const ok = await guarded(() => api('POST', `/api/rating-cases/${openCase.id}/callback`,
    { reached: f.reached.checked, note: f.note.value.trim() }), $('#case-msg'));
  if (ok) { toast('回访已保存'); loadCases(); }
});
$('#case-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const ok = await guarded(() => api('POST', `/api/rating-cases/${openCase.id}/reply`,
    { rectification: f.rectification.value.trim(), reply: f.reply.value.trim() }), $('#case-msg'));
  if (ok) { $('#case-dialog').close(); toast('已答复办结'); loadCases(); loadResults(); }
});
$('#case-cancel').addEventListener('click', () => $('#case-dialog').close());

function reviewAppeal(c) {
  openCase = c;
  $('#appeal-form').reset();
  $('#appeal-reason').textContent = `${c.clerk || ''} 的申诉理由：${c.appeal.reason}`;
  $('#appeal-dialog').showModal();
}
async function decide(uphold) {
  const note = $('#appeal-form').note.value.trim();
  const ok = await guarded(() => api('POST', `/api/rating-cases/${openCase.id}/appeal/decide`, { uphold, note }));
  if (ok) { $('#appeal-dialog').close(); loadCases(); loadResults(); }
}
$('#appeal-uphold').addEventListener('click', () => decide(true));
$('#appeal-reject').addEventListener('click', () => decide(false));
$('#appeal-cancel').addEventListener('click', () => $('#appeal-dialog').close());
$('#cases-all').addEventListener('change', loadCases);

// ---- the box -------------------------------------------------------------------------------

let openEntry = null;
let staff = [];

async function loadBox() {
  const state = $('#box-all').checked ? 'all' : 'open';
  const rows = await guarded(() => api('GET', `/api/complaints?state=${state}`));
  if (!rows) return;
  $('#box-table tbody').replaceChildren(...rows.map((c) => el('tr', { class: c.overdue ? 'overdue' : '', 'data-code': c.code },
    el('td', {}, c.code), el('td', {}, c.kind_name), el('td', {}, c.source_name), el('td', { class: 'text' }, c.text),
    el('td', {}, c.phone || '—'), el('td', {}, c.created_at.slice(0, 16).replace('T', ' ')),
    el('td', { class: 'due' }, c.due, c.overdue ? '（超期）' : ''), el('td', {}, c.assignee || '—'),
    el('td', {}, el('span', { class: c.status === 'replied' ? 'badge' : 'badge off' }, c.status_name)),
    el('td', { class: 'actions' }, c.status === 'replied' ? null
      : el('button', { type: 'button', class: 'handle', onclick: () => editEntry(c) }, '指派/答复')))));
}

async function editEntry(c) {
  openEntry = c;
  if (!staff.length) staff = (await guarded(() => api('GET', '/api/staff'))) || [];
  const f = $('#reply-form');
  f.reset();
  f.clerk.replaceChildren(...staff.filter((s) => s.active).map((s) => el('option', { value: s.login }, s.name)));
  $('#reply-title').textContent = `${c.kind_name} ${c.code}（${c.source_name}）`;
  $('#reply-text').textContent = c.text;
  $('#reply-msg').textContent = '';
  $('#reply-dialog').showModal();
}
$('#reply-assign').addEventListener('click', async () => {
  const ok = await guarded(() => api('POST', `/api/complaints/${openEntry.id}/assign`, { login: $('#reply-form').clerk.value }), $('#reply-msg'));
  if (ok) { toast(`已指派给 ${ok.assignee}`); loadBox(); }
});
$('#reply-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const ok = await guarded(() => api('POST', `/api/complaints/${openEntry.id}/reply`, { text: ev.target.text.value.trim() }), $('#reply-msg'));
  if (ok) { $('#reply-dialog').close(); toast('已答复'); loadBox(); loadResults(); }
});
$('#reply-cancel').addEventListener('click', () => $('#reply-dialog').close());
$('#box-all').addEventListener('change', loadBox);
$('#entry-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const body = { source: f.source.value, kind: f.kind.value, text: f.text.value.trim() };
  if (f.phone.value.trim()) body.phone = f.phone.value.trim();
  const ok = await guarded(() => api('POST', '/api/complaints', body));
  if (ok) { f.reset(); toast(`已录入，查询码 ${ok.code}`); loadBox(); }
});

// ---- statistics ----------------------------------------------------------------------------

async function loadStats() {
  const month = $('#stats-month').value;
  const data = await guarded(() => api('GET', `/api/supervision/breakdown${month ? `?month=${month}` : ''}`));
  if (!data) return;
  $('#stats-month').value = data.month;
  const table = (title, rows) => el('div', { class: 'card' }, el('h3', {}, title),
    el('table', { class: 'grid' }, el('thead', {}, el('tr', {}, el('th', {}, '名称'), el('th', {}, '评价数'), el('th', {}, '差评'),
      el('th', {}, '满意率'), el('th', {}, '差评原因'))),
    el('tbody', {}, rows.map((g) => el('tr', {}, el('td', {}, g.name), el('td', {}, `${g.counted}（默认 ${g.defaulted}）`),
      el('td', {}, g.bad), el('td', {}, pct(g.satisfaction_rate)),
      el('td', {}, Object.entries(g.reasons).map(([k, v]) => `${k}×${v}`).join('、') || '—'))))));
  $('#stats').replaceChildren(el('div', { class: 'stats-grid' },
    table('按窗口', data.window), table('按工作人员', data.clerk), table('按事项', data.matter)));
}
$('#stats-month').addEventListener('change', loadStats);

// ---- navigation ----------------------------------------------------------------------------

const PAGES = { cases: loadCases, box: loadBox, stats: loadStats };
function show(name) {
  if (!PAGES[name]) name = 'cases';
  for (const p of document.querySelectorAll('.page')) p.hidden = p.id !== `page-${name}`;
  for (const b of document.querySelectorAll('#nav button.tab')) b.classList.toggle('active', b.dataset.page === name);
  history.replaceState(null, '', `#${name}`);
  PAGES[name]();
}
for (const b of document.querySelectorAll('#nav button.tab')) b.addEventListener('click', () => show(b.dataset.page));

async function start() {
  onUnauthorized(() => showLogin());
  let me;
  try {
    me = await api('GET', '/api/me');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    showLogin();
    return;
  }
  if (me.role !== 'manager') { showLogin('此功能仅限中心负责人使用'); return; }
  $('#login-view').hidden = true; $('#main-view').hidden = false;
  $('#me-name').textContent = me.name;
  try {
    const center = await api('GET', '/api/center');
    $('.center-name').textContent = center.name;
  } catch (err) { if (!(err instanceof ApiError)) throw err; }
  loadResults();
  show(location.hash.slice(1) || 'cases');
}
start();
