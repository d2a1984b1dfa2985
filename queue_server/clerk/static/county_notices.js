// Notices from the county center (县政务服务中心) on the clerk and manager consoles.
// Plain fetch (not api.js): a 401 here must not log anyone out; it just hides the strip.
const el = document.getElementById('county-notices');

function text(tag, cls, value) {
  const node = document.createElement(tag);
  node.className = cls;
  node.textContent = value;
  return node;
}

async function refresh() {
  let data;
  try {
    const resp = await fetch('/api/county-notices', { cache: 'no-store', credentials: 'same-origin' });
    if (!resp.ok) { el.hidden = true; return 3000; }
    data = await resp.json();
  } catch (err) {
    return 10000;
  }
  el.replaceChildren();
  for (const n of data.notices) {
    const item = document.createElement('div');
    item.className = 'county-notice';
    item.append(text('span', 'from', n.from), text('b', 'title', n.title), text('span', 'body', n.text));
    if (n.expires) item.append(text('span', 'expires', `有效期至 ${n.expires}`));
    el.append(item);
  }
  el.hidden = data.notices.length === 0;
  return 15000;
}

async function loop() {
  setTimeout(loop, await refresh());
}

if (el) loop();
