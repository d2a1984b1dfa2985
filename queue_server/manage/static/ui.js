// The console pages' small DOM helpers, shared by the manager console and its supervision page.
import { ApiError } from '/clerk/static/api.js';

export const $ = (sel, root = document) => root.querySelector(sel);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

let toastTimer = null;
export function toast(text) {
  const t = $('#toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
}

// Runs ``fn``; an API error's Chinese message goes to ``msgEl`` (or a toast), anything else is thrown.
export async function guarded(fn, msgEl) {
  try {
    if (msgEl) msgEl.textContent = '';
    return await fn();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (msgEl) msgEl.textContent = err.message; else toast(err.message);
    return undefined;
  }
}
