// Small DOM helpers shared by the console's modules.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// el('td', {class: 'num'}, 'A001'): text children are set as text, never parsed as HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

let toastTimer = null;

// A message at the bottom of the screen; errors stay longer than confirmations.
export function toast(text, kind = 'error') {
  const box = $('#toast');
  box.textContent = text;
  box.className = `toast ${kind}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, kind === 'error' ? 8000 : 4000);
}

export function clearToast() {
  clearTimeout(toastTimer);
  $('#toast').hidden = true;
}

export function showView(id) {
  for (const view of $$('.view')) view.hidden = view.id !== id;
}

const WEEKDAYS = '日一二三四五六';

// "2026年12月11日（星期五）" for a "YYYY-MM-DD" date; '' when empty or invalid.
export function cnDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return '';
  const day = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日（星期${WEEKDAYS[day.getDay()]}）`;
}

// "10:32" in the hall's own time zone, taken from an ISO string with its offset.
export function clock(iso) {
  return iso ? iso.slice(11, 16) : '';
}
