// The county sync state in the top bar: 已同步 / 待同步 N 条 / 上次成功时间.
// Plain fetch (not api.js): a 401 here must not log the clerk out of the console.
const el = document.getElementById('county-sync');

function hhmmss(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString('zh-CN', { hour12: false });
}

async function refresh() {
  let state;
  try {
    const resp = await fetch('/api/county-sync', { cache: 'no-store', credentials: 'same-origin' });
    if (!resp.ok) { el.hidden = true; return 2000; } // not logged in yet: look again soon
    state = await resp.json();
  } catch (err) {
    return 5000;
  }
  if (!state.configured) { el.hidden = true; return 60000; }
  const when = state.last_ok ? `，上次成功 ${hhmmss(state.last_ok)}` : '';
  el.textContent = `县级同步：${state.label}${when}`;
  el.title = state.last_error || '';
  el.className = state.last_error ? 'badge warn' : '';
  el.hidden = false;
  return 5000;
}

async function loop() {
  const wait = await refresh();
  setTimeout(loop, wait);
}

loop();
