// The manager console: one page, plain modules, the clerk console's JSON client.
import { api, ApiError, onUnauthorized } from '/clerk/static/api.js';
import { $, el, guarded, toast } from '/manage/static/ui.js';

const ROLE_NAMES = { clerk: '窗口工作人员', manager: '中心负责人', agent: '村级代办员' };
const KIND_NAMES = { kiosk: '取号机', display: '大厅显示屏', rating: '评价器', pad: '评价器' };
const ACTION_NAMES = {
  staff_added: '添加工作人员', staff_edited: '修改工作人员', photo_uploaded: '上传照片',
  device_added: '登记设备', device_renamed: '设备改名', device_revoked: '吊销设备',
  config_saved: '保存中心设置', config_imported: '导入中心设置', config_restored: '恢复设置版本',
  backup_downloaded: '下载备份', demo_removed: '移除演示账号', duty_set: '排值班',
};

// ---- login and navigation ------------------------------------------------------------

let me = null;
function showLogin(message = '') {
  $('#main-view').hidden = true;
  $('#login-view').hidden = false;
  $('#login-msg').textContent = message;
}

async function start() {
  onUnauthorized(showLogin);
  try {
    const center = await api('GET', '/api/center');
    for (const node of document.querySelectorAll('.center-name')) node.textContent = center.name;
    document.title = `中心管理 - ${center.name}`;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  }
  try {
    me = await api('GET', '/api/me');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    showLogin(err.status === 401 ? '' : err.message);
    return;
  }
  enter();
}

function enter() {
  if (me.must_change) {
    showLogin('您的密码已被重置，请先在窗口工作台（/clerk）设置新密码');
    return;
  }
  if (me.role !== 'manager') {
    showLogin('此功能仅限中心负责人使用，请用负责人账号登录');
    return;
  }
  $('#login-view').hidden = true;
  $('#main-view').hidden = false;
  $('#me-name').textContent = `${me.name}（${ROLE_NAMES[me.role]}）`;
  show(location.hash.slice(1) || 'staff');
}

$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const ok = await guarded(async () => {
    me = await api('POST', '/api/login', { login: f.login.value.trim(), password: f.password.value });
    return true;
  }, $('#login-msg'));
  if (ok) { f.password.value = ''; enter(); }
});

$('#logout').addEventListener('click', async () => {
  await guarded(() => api('POST', '/api/logout'));
  showLogin();
});

const PAGES = { staff: loadStaff, devices: loadDevices, settings: loadSettings, versions: loadVersions, duty: loadDuty, attendance: loadAttendance, audit: loadAudit, backup: async () => {} };
function show(name) {
  if (!PAGES[name]) name = 'staff';
  for (const p of document.querySelectorAll('.page')) p.hidden = p.id !== `page-${name}`;
  for (const b of document.querySelectorAll('#nav .tab')) b.classList.toggle('active', b.dataset.page === name);
  history.replaceState(null, '', `#${name}`);
  PAGES[name]();
}
for (const b of document.querySelectorAll('#nav .tab')) b.addEventListener('click', () => show(b.dataset.page));

// ---- staff -----------------------------------------------------------------------------

let staffRows = [];
let editing = null; // login being edited, or null when adding
let photoFor = null;

async function loadStaff() {
  const rows = await guarded(() => api('GET', '/api/staff'));
  if (!rows) return;
  staffRows = rows;
  const body = $('#staff-table tbody');
  body.replaceChildren(...rows.map((s) => el('tr', { class: s.active ? '' : 'off', 'data-login': s.login },
    el('td', {}, s.photo_url ? el('img', { class: 'thumb', src: s.photo_url, alt: `${s.name}的照片` }) : el('div', { class: 'noimg' })),
    el('td', {}, s.login), el('td', {}, s.name), el('td', {}, s.post || '—'), el('td', {}, s.department || '—'),
    el('td', {}, s.phone || '—'), el('td', {}, ROLE_NAMES[s.role] || s.role),
    el('td', {}, s.role === 'manager' ? '全部' : (s.windows.length ? s.windows.join('、') : '全部')),
    el('td', {}, el('span', { class: s.active ? 'badge' : 'badge off' }, s.active ? '在岗' : '已停用')),
    el('td', { class: 'actions' },
      el('button', { type: 'button', onclick: () => openStaff(s) }, '编辑'),
      el('button', { type: 'button', onclick: () => { photoFor = s.login; $('#photo-input').click(); } }, '上传照片'),
      el('button', { type: 'button', onclick: () => openPassword(s) }, '重置密码'),
      s.login === me.login ? null : el('button', { type: 'button', class: s.active ? 'danger' : '', 'data-action': 'toggle', onclick: () => setActive(s, !s.active) }, s.active ? '停用' : '启用'),
    ))));
}

function openStaff(s) {
  editing = s ? s.login : null;
  const f = $('#staff-form');
  f.reset();
  $('#staff-msg').textContent = '';
  $('#staff-dialog-title').textContent = s ? `编辑工作人员：${s.name}` : '添加工作人员';
  f.login.disabled = !!s;
  $('.pw', f).hidden = !!s;
  if (s) {
    for (const k of ['login', 'name', 'post', 'department', 'phone', 'role']) f[k].value = s[k] || '';
    f.windows.value = s.windows.join(',');
  }
  $('#staff-dialog').showModal();
}

function parseWindows(text) {
  const parts = text.split(/[,，、\s]+/).filter(Boolean);
  const nums = parts.map(Number);
  if (nums.some((n) => !Number.isInteger(n))) throw new ApiError(400, 'bad_field', '窗口号必须是数字，用逗号分隔，例如 1,2', 'windows');
  return nums;
}

$('#staff-add').addEventListener('click', () => openStaff(null));
$('#staff-cancel').addEventListener('click', () => $('#staff-dialog').close());
$('#staff-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const ok = await guarded(async () => {
    const body = { name: f.name.value.trim(), post: f.post.value.trim(), department: f.department.value.trim(),
      phone: f.phone.value.trim(), role: f.role.value, windows: parseWindows(f.windows.value) };
    if (editing) await api('PATCH', `/api/staff/${encodeURIComponent(editing)}`, body);
    else await api('POST', '/api/staff', { ...body, login: f.login.value.trim(), password: f.password.value });
    return true;
  }, $('#staff-msg'));
  if (ok) { $('#staff-dialog').close(); toast('已保存'); loadStaff(); }
});

async function setActive(s, active) {
  if (!active || confirm(`启用 ${s.name}？`)) {
    const ok = await guarded(() => api('PATCH', `/api/staff/${encodeURIComponent(s.login)}`, { active }));
    if (ok) { toast(active ? `已启用 ${s.name}` : `已停用 ${s.name}，其登录立即失效`); loadStaff(); }
  }
}

let passwordFor = null;
function openPassword(s) {
  passwordFor = s.login;
  $('#password-form').reset();
  $('#password-msg').textContent = '';
  $('#password-who').textContent = s.name;
  $('#password-dialog').showModal();
}
$('#password-cancel').addEventListener('click', () => $('#password-dialog').close());
$('#password-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const ok = await guarded(() => api('PATCH', `/api/staff/${encodeURIComponent(passwordFor)}`, { password: ev.target.password.value }), $('#password-msg'));
  if (ok) { $('#password-dialog').close(); toast('密码已重置，并解除登录锁定'); }
});

$('#photo-input').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = '';
  if (!file || !photoFor) return;
  let resp;
  try {
    resp = await fetch(`/api/staff/${encodeURIComponent(photoFor)}/photo`, { method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' }, credentials: 'same-origin' });
  } catch (err) { toast('无法连接服务器，请检查网络后重试'); return; }
  const data = await resp.json().catch(() => null);
  if (!resp.ok) { toast(data && data.error ? data.error.message : `上传失败（HTTP ${resp.status}）`); return; }
  toast('照片已更新');
  loadStaff();
});

$('#demo-remove').addEventListener('click', async () => {
  if (!confirm('停用所有演示工作人员并吊销演示设备？')) return;
  const r = await guarded(() => api('POST', '/api/demo/remove'));
  if (r) { toast(`已停用 ${r.clerks} 个演示账号，吊销 ${r.devices} 台演示设备`); loadStaff(); }
});

// ---- devices ---------------------------------------------------------------------------

async function loadDevices() {
  const rows = await guarded(() => api('GET', '/api/devices'));
  if (!rows) return;
  $('#device-table tbody').replaceChildren(...rows.map((d) => el('tr', { class: d.revoked ? 'off' : '' },
    el('td', {}, d.id), el('td', {}, KIND_NAMES[d.kind] || d.kind), el('td', {}, d.name),
    el('td', {}, when(d.created_at)), el('td', {}, when(d.last_seen)),
    el('td', {}, d.address || '—'), el('td', { class: 'health' }, healthText(d.health)),
    el('td', {}, el('span', { class: d.revoked ? 'badge off' : 'badge' }, d.revoked ? '已吊销' : '可用')),
    el('td', { class: 'actions' }, d.revoked ? null : [
      el('button', { type: 'button', onclick: () => renameDevice(d) }, '改名'),
      el('button', { type: 'button', class: 'danger', onclick: () => revokeDevice(d) }, '吊销'),
    ]))));
}

const STATE_NAMES = { ok: '正常', fault: '故障', unknown: '未知', low: '将尽', out: '已用完' };

// The device's last report in words: paper, audio, version, last error ('—' before any).
function healthText(h) {
  if (!h) return '—';
  const parts = [];
  if (h.paper && h.paper !== 'none') parts.push(`纸张：${STATE_NAMES[h.paper] || h.paper}`);
  if (h.printer && h.printer !== 'none') parts.push(`打印机：${STATE_NAMES[h.printer] || h.printer}`);
  if (h.audio && h.audio !== 'none') parts.push(`声音：${STATE_NAMES[h.audio] || h.audio}`);
  parts.push(`版本：${h.version}`);
  if (h.last_error) parts.push(`最近错误：${h.last_error}`);
  return parts.join('；');
}

async function renameDevice(d) {
  const name = prompt('新的设备名称', d.name);
  if (name === null) return;
  if (await guarded(() => api('PATCH', `/api/devices/${d.id}`, { name }))) loadDevices();
}

async function revokeDevice(d) {
  if (!confirm(`吊销“${d.name}”？它的下一次请求就会被拒绝。`)) return;
  if (await guarded(() => api('POST', `/api/devices/${d.id}/revoke`))) { toast('已吊销'); loadDevices(); }
}

function drawQr(canvas, modules) {
  const n = modules.length;
  const ctx = canvas.getContext('2d');
  const scale = Math.floor(canvas.width / (n + 8));
  const off = Math.floor((canvas.width - scale * n) / 2);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  modules.forEach((row, y) => row.forEach((on, x) => { if (on) ctx.fillRect(off + x * scale, off + y * scale, scale, scale); }));
}

$('#device-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const body = { kind: f.kind.value, name: f.name.value.trim() };
  if (body.kind === 'pad') body.window = Number(f.window.value);
  const r = await guarded(() => api('POST', '/api/devices', body));
  if (!r) return;
  f.reset();
  // A rating pad pairs by opening its URL once (the token then lives in a cookie).
  $('#token-text').textContent = body.kind === 'pad'
    ? `${r.token}　评价器配对地址：${location.origin}/rate/${body.window}?pair=${r.token}` : r.token;
  drawQr($('#token-qr'), r.qr_modules);
  $('#device-token').hidden = false;
  loadDevices();
});
$('#token-close').addEventListener('click', () => { $('#device-token').hidden = true; $('#token-text').textContent = ''; });

// ---- settings: a form over center.toml's shape -----------------------------------------

const LABELS = {
  center: '基本信息', name: '名称', timezone: '时区', hotline: '投诉监督电话', duty_phone: '值班电话',
  address: '地址', working_days_only: '承诺时限只计工作日', requeue_gap: '过号重排：排在几人之后',
  office: '办公时间', days: '集中办公日（1=周一 … 7=周日，逗号分隔）', open: '上班时间（HH:MM）',
  close: '下班时间（HH:MM）', note: '非集中办公日说明', notices: '公告', text: '公告内容', windows: '窗口',
  number: '窗口号', categories: '类别', code: '编号', matters: '事项', guide_defaults: '办事指南默认值（各事项可单独填写）',
  policy_basis: '政策依据', fees: '收费标准', procedure: '办理流程（每行一步）', materials: '所需材料（每行一项）',
  promised_days: '承诺时限（工作日）', statutory_days: '法定时限（工作日）', agency: '代办方式', supervision: '监督方式',
  sample: '示例内容（须核实）',
  calendar: '节假日与调休（国务院安排之外的本地调整）', holidays: '另行放假的日期（每行一个，YYYY-MM-DD）',
  workdays: '另行上班的日期（每行一个，YYYY-MM-DD）', years: '已按通知填写的年份（逗号分隔，例如 2027）',
  rating_days: '评价期限（天；逾期未评视为基本满意）', rectify_days: '差评整改答复时限（工作日）',
  complaint_days: '投诉、建议答复时限（工作日）',
};
const SUPERVISION = '好差评与意见箱时限';
const WINDOW_CATS = '办理的类别（字母，逗号分隔）';
const PARTS = { basic: ['center', 'office', 'calendar'], notices: ['notices'], windows: ['windows'], matters: ['guide_defaults', 'categories'], supervision: ['supervision'] };
const TEMPLATES = {
  notices: () => ({ text: '' }),
  windows: (list) => ({ number: Math.max(0, ...list.map((w) => w.number || 0)) + 1, name: '', categories: [] }),
  categories: () => ({ code: '', name: '', matters: [{ code: '', name: '' }] }),
  matters: () => ({ code: '', name: '' }),
};
let config = null;
let part = 'basic';

async function loadSettings() {
  const data = await guarded(() => api('GET', '/api/config'));
  if (!data) return;
  config = data;
  renderSettings();
}

function label(key, path) {
  if (path === 'supervision') return SUPERVISION;  // the table; guide_defaults.supervision is 监督方式
  return path.startsWith('windows[') && key === 'categories' ? WINDOW_CATS : (LABELS[key] || key);
}

function setAt(path, value) {
  const keys = path.match(/[^.[\]]+/g);
  let obj = config;
  for (const k of keys.slice(0, -1)) obj = obj[/^\d+$/.test(k) ? Number(k) : k];
  obj[keys.at(-1)] = value;
}

function scalarRow(key, value, path) {
  const isList = Array.isArray(value);
  let input;
  if (typeof value === 'boolean') {
    input = el('input', { type: 'checkbox', 'data-path': path, checked: value, onchange: (e) => setAt(path, e.target.checked) });
  } else if (typeof value === 'number') {
    input = el('input', { type: 'number', 'data-path': path, value, oninput: (e) => setAt(path, e.target.value === '' ? '' : Number(e.target.value)) });
  } else if (isList && (value.some((v) => typeof v === 'number') || key === 'days' || key === 'years')) {
    input = el('input', { type: 'text', 'data-path': path, value: value.join(','), oninput: (e) => setAt(path, e.target.value.split(/[,，\s]+/).filter(Boolean).map((v) => (/^-?\d+$/.test(v) ? Number(v) : v))) });
  } else if (isList && key === 'categories') {
    input = el('input', { type: 'text', 'data-path': path, value: value.join(','), oninput: (e) => setAt(path, e.target.value.split(/[,，\s]+/).filter(Boolean).map((v) => v.toUpperCase())) });
  } else if (isList) {
    input = el('textarea', { 'data-path': path, rows: Math.max(2, value.length) , oninput: (e) => setAt(path, e.target.value.split('\n').map((v) => v.trim()).filter(Boolean)) }, value.join('\n'));
  } else if (key === 'text' || String(value).length > 40) {
    input = el('textarea', { 'data-path': path, rows: 2, oninput: (e) => setAt(path, e.target.value) }, value);
  } else {
    input = el('input', { type: 'text', 'data-path': path, value, oninput: (e) => setAt(path, e.target.value) });
  }
  return el('label', { class: 'row', 'data-row': path }, el('span', {}, label(key, path)), input);
}

function isTable(v) { return v && typeof v === 'object' && !Array.isArray(v); }
function isTableList(v) { return Array.isArray(v) && (v.length === 0 || isTable(v[0])); }

function renderTable(obj, path, key) {
  const rows = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = path ? `${path}.${k}` : k;
    if (isTableList(v) && (k === 'matters' || k === 'categories' || k === 'windows' || k === 'notices')) rows.push(renderList(v, p, k));
    else if (isTable(v)) rows.push(el('fieldset', { 'data-row': p }, el('legend', {}, label(k, p)), renderTable(v, p, k)));
    else rows.push(scalarRow(k, v, p));
  }
  return rows;
}

function itemTitle(key, item, i) {
  if (key === 'notices') return `第 ${i + 1} 条`;
  if (key === 'windows') return `${item.number ?? ''} 号窗口 ${item.name || ''}`;
  return `${item.code || '（新）'} ${item.name || ''}`;
}

function renderList(list, path, key) {
  const items = list.map((item, i) => {
    const p = `${path}[${i}]`;
    const tools = el('div', { class: 'item-tools' }, el('button', { type: 'button', class: 'danger', onclick: () => { list.splice(i, 1); renderSettings(); } }, '删除'));
    const inner = [renderTable(item, p, key), tools];
    if (key === 'notices') return el('div', { 'data-row': p }, inner);
    return el('details', { 'data-row': p, open: key === 'windows' }, el('summary', {}, itemTitle(key, item, i)), inner);
  });
  const add = el('button', { type: 'button', onclick: () => { list.push(TEMPLATES[key](list)); renderSettings(); } }, `添加${label(key, path).replace(/（.*/, '')}`);
  return el('fieldset', { 'data-row': path }, el('legend', {}, label(key, path)), items, add);
}

function renderSettings() {
  const form = $('#settings-form');
  const keys = PARTS[part];
  const nodes = [];
  for (const k of keys) {
    const v = config[k] ?? (k === 'notices' ? (config[k] = []) : null);
    if (v === null) continue;
    if (isTableList(v)) nodes.push(renderList(v, k, k));
    else nodes.push(el('fieldset', { 'data-row': k }, el('legend', {}, label(k, k)), renderTable(v, k, k)));
  }
  form.replaceChildren(...nodes);
  for (const b of document.querySelectorAll('#settings-nav .subtab')) b.classList.toggle('active', b.dataset.part === part);
}
for (const b of document.querySelectorAll('#settings-nav .subtab')) b.addEventListener('click', () => { part = b.dataset.part; renderSettings(); });

function showFieldError(field, message) {
  const top = field.split(/[.[]/)[0];
  const owner = Object.entries(PARTS).find(([, keys]) => keys.includes(top));
  if (owner && owner[0] !== part) { part = owner[0]; renderSettings(); }
  // The row for the field, or the nearest enclosing row the form shows.
  let path = field;
  let row = null;
  while (path) {
    row = document.querySelector(`[data-row="${CSS.escape(path)}"]`);
    if (row) break;
    const up = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    path = up === path ? '' : up;
  }
  if (!row) return;
  for (let d = row.closest('details'); d; d = d.parentElement.closest('details')) d.open = true;
  row.classList.add('bad');
  const note = el('span', { class: 'field-error', role: 'alert' }, message);
  if (row.classList.contains('row')) row.append(note); else row.prepend(note);
  row.scrollIntoView({ block: 'center' });
  const input = row.querySelector('input, textarea');
  if (input) input.focus();
}

async function saveConfig(send) {
  for (const n of document.querySelectorAll('.field-error')) n.remove();
  for (const n of document.querySelectorAll('#settings-form .bad')) n.classList.remove('bad');
  $('#settings-msg').textContent = '';
  try {
    const r = await send();
    toast(r.changes.length ? `已保存 ${r.changes.length} 处修改，已在大厅生效` : '没有修改');
    await loadSettings();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    $('#settings-msg').textContent = err.message;
    if (err.field) showFieldError(err.field, err.message);
  }
}

$('#settings-save').addEventListener('click', () => saveConfig(() => api('PUT', '/api/config', config)));
$('#settings-import').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = '';
  if (!file) return;
  await saveConfig(async () => {
    const resp = await fetch('/api/config/import', { method: 'POST', body: await file.text(), headers: { 'Content-Type': 'application/toml' }, credentials: 'same-origin' });
    const data = await resp.json().catch(() => null);
    if (!resp.ok) throw new ApiError(resp.status, data?.error?.code, data?.error?.message || '导入失败', data?.error?.field);
    return data;
  });
});

// ---- versions and audit ----------------------------------------------------------------

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('zh-CN', { hour12: false });
}

function short(v) {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? '（无）' : (s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

async function loadVersions() {
  const rows = await guarded(() => api('GET', '/api/config/versions'));
  if (!rows) return;
  $('#version-table tbody').replaceChildren(...rows.map((v, i) => el('tr', {},
    el('td', {}, `第 ${v.id} 版${i === 0 ? '（当前）' : ''}`), el('td', {}, when(v.at)), el('td', {}, v.actor),
    el('td', { class: 'diff' }, v.diff.slice(0, 6).map((d) => el('div', {}, `${d.field}：`, el('del', {}, short(d.before)), ' → ', el('ins', {}, short(d.after)))),
      v.diff.length > 6 ? el('div', {}, `……共 ${v.diff.length} 处`) : null),
    el('td', {}, i === 0 ? null : el('button', { type: 'button', onclick: () => restoreVersion(v) }, '恢复此版本')))));
}

async function restoreVersion(v) {
  if (!confirm(`把中心设置恢复为第 ${v.id} 版？`)) return;
  if (await guarded(() => api('POST', `/api/config/versions/${v.id}/restore`))) { toast('已恢复，并已在大厅生效'); loadVersions(); }
}

async function loadAudit() {
  const rows = await guarded(() => api('GET', '/api/audit'));
  if (!rows) return;
  $('#audit-table tbody').replaceChildren(...rows.map((a) => el('tr', {},
    el('td', {}, when(a.at)), el('td', {}, a.actor), el('td', {}, ACTION_NAMES[a.action] || a.action),
    el('td', {}, a.target), ...changedCells(a.before, a.after))));
}

// Only what changed: a before/after pair of objects shows the keys whose values differ.
function changedCells(before, after) {
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    return [el('td', { class: 'diff' }, keys.map((k) => el('div', {}, `${k}：${short(before[k])}`))),
      el('td', { class: 'diff' }, keys.map((k) => el('div', {}, `${k}：${short(after[k])}`)))];
  }
  return [el('td', { class: 'diff' }, before ? short(before) : '—'), el('td', { class: 'diff' }, after ? short(after) : '—')];
}

// ---- duty rota and attendance ----------------------------------------------------------

const WEEKDAYS = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

async function loadDuty() {
  const month = $('#duty-month').value;
  const [rota, people] = await Promise.all([
    guarded(() => api('GET', `/api/duty${month ? `?month=${month}` : ''}`)),
    guarded(() => api('GET', '/api/staff')),
  ]);
  if (!rota || !people) return;
  $('#duty-month').value = rota.month;
  const active = people.filter((p) => p.active);
  const options = (chosen) => active.map((p) => el('option', { value: p.login, selected: chosen.includes(p.login) }, `${p.name}${p.phone ? `（${p.phone}）` : ''}`));
  $('#duty-table tbody').replaceChildren(...rota.days.map((d) => {
    const staff = el('select', { multiple: true, size: Math.min(4, Math.max(2, active.length)), 'data-day': d.day }, options(d.staff));
    const leader = el('select', {}, el('option', { value: '' }, '（无）'), options(d.leader ? [d.leader] : []));
    const save = async () => {
      const body = { staff: [...staff.selectedOptions].map((o) => o.value), leader: leader.value || null };
      if (await guarded(() => api('PUT', `/api/duty/${d.day}`, body))) toast(`已保存 ${d.day} 的值班`);
    };
    return el('tr', { class: d.day === rota.today ? 'today' : '' },
      el('td', {}, `${d.day} ${WEEKDAYS[d.weekday]}${d.day === rota.today ? '（今天）' : ''}`), el('td', {}, staff), el('td', {}, leader),
      el('td', { class: 'actions' }, el('button', { type: 'button', class: 'primary', onclick: save }, '保存')));
  }));
}
$('#duty-month').addEventListener('change', loadDuty);

async function loadAttendance() {
  const month = $('#attendance-month').value;
  const r = await guarded(() => api('GET', `/api/attendance${month ? `?month=${month}` : ''}`));
  if (!r) return;
  $('#attendance-month').value = r.month;
  $('#attendance-export').href = `/api/attendance.csv?month=${r.month}`;
  $('#attendance-table tbody').replaceChildren(...(r.rows.length ? r.rows.map((a) => el('tr', {},
    el('td', {}, a.name), el('td', {}, a.day), el('td', {}, a.sign_in), el('td', {}, a.sign_out), el('td', {}, a.tickets),
    el('td', {}, a.windows.join('、')), el('td', {}, a.pauses), el('td', {}, a.pause_minutes),
    el('td', {}, a.pause_reasons.join('；') || '—'))) : [el('tr', {}, el('td', { colspan: 9 }, '本月还没有考勤记录'))]));
}
$('#attendance-month').addEventListener('change', loadAttendance);

start();
