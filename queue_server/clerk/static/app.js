// Entry point of the clerk console: login, choice of window, then the working screen.

import { api, onUnauthorized } from './api.js';
import { stopBadRatings, watchBadRatings } from './bad_ratings.js';
import { Desk } from './desk.js';
import { setupChoose } from './choose.js';
import { setupFinish, setupMaterials, setupPause, setupRequeue, setupTransfer } from './dialogs.js';
import { setupPhoneBooking, setupRequest } from './outreach.js';
import { $, $$, clearToast, el, showView } from './ui.js';

const SAVED_WINDOW = 'bianmin.clerk.window';
const KEYS = { F1: 'btn-call', F2: 'btn-recall', F3: 'btn-start', F4: 'btn-finish' };
const desk = new Desk();
let center = null;
let me = null;

function showLogin(message, info = false) {
  desk.close();
  stopBadRatings();
  me = null;
  showView('login-view');
  clearToast();
  const msg = $('#login-msg');
  msg.textContent = message || '';
  msg.style.color = info ? 'var(--green)' : '';
  $('#login-form').elements.login.focus();
}

function afterLogin(clerk) {
  me = clerk;
  for (const node of $$('.me-name')) node.textContent = clerk.name;
  if (clerk.must_change) { showPasswordForm(); return; }
  const saved = Number(sessionStorage.getItem(SAVED_WINDOW));
  if (clerk.windows.includes(saved)) startDesk(saved);
  else if (clerk.windows.length === 1) startDesk(clerk.windows[0]);
  else showChooser();
}

function showPasswordForm() {
  desk.close();
  showView('password-view');
  const form = $('#password-form');
  form.reset();
  $('#password-msg').textContent = '';
  form.elements.old.focus();
}

async function changePassword(e) {
  e.preventDefault();
  const f = e.target.elements;
  const msg = $('#password-msg');
  if (f.new.value !== f.again.value) { msg.textContent = '两次输入的新密码不一致'; return; }
  const button = $('button[type=submit]', e.target);
  button.disabled = true;
  try {
    const clerk = await api('POST', '/api/password', { old: f.old.value, new: f.new.value });
    e.target.reset();
    afterLogin(clerk);
  } catch (err) {
    msg.textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

function showChooser() {
  desk.close();
  stopBadRatings();
  showView('window-view');
  const list = $('#window-list');
  if (!me.windows.length) {
    list.replaceChildren(el('p', { class: 'msg' }, '您的账号还没有分配窗口，请联系管理员。'));
    return;
  }
  list.replaceChildren(...me.windows.map((n) => {
    const w = center.windows.find((x) => x.number === n) || { name: '', categories: [] };
    const names = w.categories.map((code) => (center.categories.find((c) => c.code === code) || { name: code }).name);
    return el('button', { type: 'button', 'data-window': n, onclick: () => startDesk(n) },
      `${n} 号窗口 · ${w.name}`, el('small', {}, `办理：${names.join('、')}`));
  }));
}

function startDesk(n) {
  sessionStorage.setItem(SAVED_WINDOW, String(n));
  showView('work-view');
  desk.open(center, n);
  watchBadRatings(n);
}

async function logout() {
  desk.close();
  stopBadRatings();
  sessionStorage.removeItem(SAVED_WINDOW);
  try { await api('POST', '/api/logout'); } catch (err) { /* the session is gone either way */ }
  showLogin('您已退出登录', true);
}

function wire() {
  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const button = $('button[type=submit]', e.target);
    button.disabled = true;
    try {
      const clerk = await api('POST', '/api/login', { login: f.login.value.trim(), password: f.password.value });
      f.password.value = '';
      $('#login-msg').textContent = '';
      afterLogin(clerk);
    } catch (err) {
      $('#login-msg').textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  $('#password-form').addEventListener('submit', changePassword);
  $('#password-logout').onclick = logout;
  $('#chooser-logout').onclick = logout;
  $('#logout').onclick = logout;
  $('#switch-window').onclick = () => { sessionStorage.removeItem(SAVED_WINDOW); showChooser(); };

  const say = (text) => (data) => { if (data) desk.note(text(data)); };
  $('#btn-call').onclick = () => desk.act('call').then(say((d) => `已呼叫 ${d.ticket.number}`));
  $('#btn-recall').onclick = () => desk.act('recall').then(say((d) => `已重呼 ${d.ticket.number}`));
  $('#btn-start').onclick = () => desk.act('start').then(say((d) => `${d.ticket.number} 开始办理`));
  $('#btn-noshow').onclick = () => desk.act('no-show').then(say((d) => {
    desk.rememberNoShow(d.ticket.number);
    return `${d.ticket.number} 已过号，群众回来后可“过号重排”`;
  }));
  $('#btn-pause').onclick = setupPause(desk);
  $('#btn-finish').onclick = setupFinish(desk);
  $('#btn-transfer').onclick = setupTransfer(desk);
  $('#btn-requeue').onclick = setupRequeue(desk);
  $('#btn-choose').onclick = setupChoose(desk);
  $('#btn-materials').onclick = setupMaterials(desk);
  $('#btn-phone-booking').onclick = setupPhoneBooking(desk);
  $('#btn-request').onclick = setupRequest(desk);

  // F1 call, F2 recall, F3 start, F4 finish; ignored while a dialog is open.
  document.addEventListener('keydown', (e) => {
    const id = KEYS[e.key];
    if (!id || $('#work-view').hidden) return;
    e.preventDefault();
    if ($('dialog[open]')) return;
    const button = document.getElementById(id);
    if (!button.disabled) button.click();
  });
}

async function boot() {
  wire();
  try {
    center = await api('GET', '/api/center');
  } catch (err) {
    showLogin(`无法读取中心信息：${err.message}`);
    return;
  }
  for (const node of $$('.center-name')) node.textContent = center.name;
  document.title = `窗口工作台 - ${center.name}`;
  try {
    afterLogin(await api('GET', '/api/me'));
  } catch (err) {
    showLogin(err.status === 401 ? '' : err.message); // not logged in yet: no message
  }
  // From now on a 401 means the session ended (logged out elsewhere or idle too long).
  onUnauthorized((message) => showLogin(message));
}

boot();
