// The manager's statistics page: one GET /api/stats, drawn with the vendored Apache ECharts.
// window.bianminStats.firstChartMs is set when the first chart has rendered (for bench.ledger).

const $ = (sel) => document.querySelector(sel);
const FONT = '"Bianmin Sans", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
const WEEKDAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const charts = [];
const state = { data: null, period: 'day' };
window.bianminStats = { firstChartMs: null, rendered: 0, complete: false };

function show(message) {
  const m = $('#message');
  m.textContent = message;
  m.hidden = !message;
}

async function getJson(path, pending = null) {
  let resp;
  try {
    resp = await (pending || fetch(path, { credentials: 'same-origin', cache: 'no-store' }));
  } catch (err) {
    return { status: 0, error: { code: 'network', message: '无法连接服务器，请检查网络后重试' } };
  }
  let body = null;
  try { body = await resp.json(); } catch (err) { body = null; }
  if (resp.ok && body !== null) return { status: resp.status, body };
  const error = body && body.error ? body.error : { code: 'server', message: `服务器错误（${resp.status}）` };
  return { status: resp.status, error };
}

function chart(id, option) {
  const el = document.getElementById(id);
  let c = echarts.getInstanceByDom(el);
  if (!c) {
    c = echarts.init(el, null, { renderer: 'canvas' });
    charts.push(c);
    c.on('finished', () => {
      if (window.bianminStats.firstChartMs === null) window.bianminStats.firstChartMs = performance.now();
    });
  }
  c.setOption({ textStyle: { fontFamily: FONT }, animation: false, ...option }, true);
  window.bianminStats.rendered += 1;
  return c;
}

const grid = { left: 48, right: 16, top: 24, bottom: 28, containLabel: false };
const minutes = (s) => (s === null || s === undefined ? null : Math.round(s / 6) / 10);
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

function bars(id, rows, { horizontal = false, name = '件', label = (k) => k, value = (r) => r[1] } = {}) {
  const cats = rows.map((r) => label(r[0]));
  const vals = rows.map(value);
  const crowded = !horizontal && cats.length > 5;
  const catAxis = { type: 'category', data: cats, axisLabel: { interval: 0, fontSize: 11, width: horizontal ? 110 : 60,
    overflow: 'truncate', rotate: crowded ? 30 : 0 } };
  const valAxis = { type: 'value', name };
  chart(id, {
    tooltip: { trigger: 'axis' },
    grid: horizontal ? { ...grid, left: 120 } : { ...grid, bottom: crowded ? 48 : grid.bottom },
    xAxis: horizontal ? valAxis : catAxis,
    yAxis: horizontal ? { ...catAxis, inverse: true } : valAxis,
    series: [{ type: 'bar', data: vals, itemStyle: { color: '#0b5394' } }],
  });
}

function volume() {
  const rows = state.data.volume[state.period];
  chart('c-volume', {
    tooltip: { trigger: 'axis' },
    grid,
    xAxis: { type: 'category', data: rows.map((r) => r[0]) },
    yAxis: { type: 'value', name: '件' },
    dataZoom: state.period === 'day' ? [{ type: 'inside' }] : [],
    series: [{ type: state.period === 'day' ? 'line' : 'bar', data: rows.map((r) => r[1]), showSymbol: false,
      itemStyle: { color: '#0b5394' }, areaStyle: state.period === 'day' ? { opacity: 0.15 } : undefined }],
  });
}

function kpis(t) {
  const items = [
    ['取号', t.issued], ['办结', t.served],
    ['等候中位数', t.wait_p50_s === null ? '—' : `${minutes(t.wait_p50_s)} 分`],
    ['等候 P90', t.wait_p90_s === null ? '—' : `${minutes(t.wait_p90_s)} 分`],
    ['等候超 30 分钟', pct(t.wait_over_30_share)], ['过号率', pct(t.no_show_rate)],
    ['转移率', pct(t.transfer_rate)], ['退办率', pct(t.rejection_rate)],
  ];
  const a = state.data && state.data.appointments; // the volume part, drawn first
  if (a) items.splice(2, 0, [a.tickets ? `预约取号 · 占 ${pct(a.share)}` : '预约取号', a.tickets]);
  $('#kpis').replaceChildren(...items.map(([k, v]) => {
    const d = document.createElement('div');
    d.className = 'kpi';
    const b = document.createElement('b');
    b.textContent = String(v);
    const s = document.createElement('span');
    s.textContent = k;
    d.append(b, s);
    return d;
  }));
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function drawPeriods(d) {
  state.data = d;
  volume();
  await nextFrame(); // the first chart is painted before the others are laid out
  const heat = d.heatmap;
  const hours = [...new Set(heat.map((r) => r[0]))].sort((a, b) => a - b);
  chart('c-heatmap', {
    tooltip: { formatter: (p) => `${WEEKDAYS[p.value[1]]} ${hours[p.value[0]]} 时：${p.value[2]} 人` },
    grid: { ...grid, left: 40, bottom: 56 },
    xAxis: { type: 'category', data: hours.map((h) => `${h}时`) },
    yAxis: { type: 'category', data: WEEKDAYS, inverse: true },
    visualMap: { min: 0, max: Math.max(1, ...heat.map((r) => r[2])), orient: 'horizontal', left: 'center',
      bottom: 0, itemHeight: 90, itemWidth: 10, calculable: false, inRange: { color: ['#f0f6ff', '#0b5394'] } },
    series: [{ type: 'heatmap', data: heat.map((r) => [hours.indexOf(r[0]), r[1] - 1, r[2]]) }],
  });
}

function drawGroups(d) {
  bars('c-category', d.volume.category, { label: (k) => d.categories[k] || k });
  bars('c-window', d.volume.window, { label: (k) => `${k} 号` });
  const top = [...d.volume.matter].sort((a, b) => b[1] - a[1]).slice(0, 10);
  bars('c-matter', top, { horizontal: true });
  drawOutcomes(d);
}

function drawTimes(d) {
  kpis(d.totals);
  bars('c-svc-matter', [...d.service_by_matter].sort((a, b) => b[1] - a[1]).slice(0, 10),
    { horizontal: true, name: '分钟', value: (r) => minutes(r[1]) });
  bars('c-svc-clerk', d.service_by_clerk, { name: '分钟', value: (r) => minutes(r[1]) });
}

function drawOutcomes(d) {
  chart('c-outcomes', {
    tooltip: { trigger: 'item' },
    series: [{ type: 'pie', radius: ['35%', '65%'], data: d.outcomes.map((r) => ({ name: r[0], value: r[1] })),
      label: { formatter: '{b} {d}%' } }],
  });
  bars('c-reasons', d.rejection_reasons.slice(0, 8), { horizontal: true });
}

function drawTimeliness(d) {
  drawRequests(d.requests || []);
  const tl = d.timeliness;
  chart('c-timeliness', {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, textStyle: { fontFamily: FONT } },
    grid: { ...grid, top: 34, right: 48 },
    xAxis: { type: 'category', data: tl.map((r) => r.month) },
    yAxis: [{ type: 'value', name: '天' }, { type: 'value', name: '按时率', min: 0, max: 1,
      axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } }],
    series: [
      { name: '平均用时', type: 'bar', data: tl.map((r) => r.avg_days), itemStyle: { color: '#0b5394' } },
      { name: '承诺时限', type: 'line', data: tl.map((r) => r.avg_promised_days), itemStyle: { color: '#b45309' } },
      { name: '法定时限', type: 'line', data: tl.map((r) => r.avg_statutory_days), itemStyle: { color: '#b42318' } },
      { name: '按时办结率', type: 'line', yAxisIndex: 1, data: tl.map((r) => r.on_time_share),
        itemStyle: { color: '#1e7b34' } },
    ],
  });
}

// 委托办理、上门服务、跨部门代办 recorded in the range: a small table, not a chart.
function drawRequests(rows) {
  $('#t-requests tbody').replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.kind = r.kind;
    for (const v of [r.kind_name, r.requests, r.closed, r.open, r.on_time, r.late, pct(r.on_time_share)]) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    return tr;
  }));
}

function drawCompare(d) {
  const c = d.compare;
  const keys = [['issued', '取号'], ['served', '办结'], ['rejected', '退办']];
  chart('c-compare', {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { ...grid, top: 34 },
    xAxis: { type: 'category', data: keys.map((k) => k[1]) },
    yAxis: { type: 'value', name: '件' },
    series: [
      { name: `上月（${c.last.from.slice(0, 7)}）`, type: 'bar', data: keys.map((k) => c.last[k[0]]),
        itemStyle: { color: '#8c959f' } },
      { name: `本月（${c.this.from.slice(0, 7)}）`, type: 'bar', data: keys.map((k) => c.this[k[0]]),
        itemStyle: { color: '#0b5394' } },
    ],
  });
}

// The cheap part (grouped counts) first, so the first chart appears at once on a year of data;
// the others are asked together and each draws when it arrives.
// periods first (the cheap scan: the first chart), then the rest side by side.
const PARTS = [['periods', drawPeriods], ['groups', drawGroups], ['times', drawTimes], ['timeliness', drawTimeliness],
  ['compare', drawCompare]];

async function load() {
  const form = $('#range');
  const q = `from=${form.elements.from.value}&to=${form.elements.to.value}`;
  $('#csv').href = `/api/ledger?${q}&format=csv`;
  $('#xlsx').href = `/api/report?${q}&format=xlsx`;
  $('#monthly').href = `/manage/stats/monthly?month=${form.elements.to.value.slice(0, 7)}`;
  // The first load uses the request stats_first.js started before ECharts loaded.
  const early = window.bianminFirst;
  window.bianminFirst = null;
  const first = await getJson(`/api/stats?${q}&part=periods`, early && early.q === q ? early.answer : null);
  if (first.status === 401) {
    $('#board').hidden = true;
    $('#login').hidden = false;
    show('');
    return;
  }
  if (first.error) {
    show(first.error.message);
    return;
  }
  show('');
  $('#login').hidden = true;
  $('#board').hidden = false;
  await drawPeriods(first.body);
  await Promise.all(PARTS.slice(1).map(async ([part, draw]) => {
    const r = await getJson(`/api/stats?${q}&part=${part}`);
    if (r.error) show(r.error.message);
    else draw(r.body);
  }));
  window.bianminStats.complete = true;
}

function init() {
  const form = $('#range');
  const { range } = window.bianminFirst; // the range from the address, or the year to today
  form.elements.from.value = range.from;
  form.elements.to.value = range.to;
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  $('#period').addEventListener('click', (e) => {
    const p = e.target.dataset && e.target.dataset.p;
    if (!p || !state.data) return;
    state.period = p;
    document.querySelectorAll('#period button').forEach((b) => b.classList.toggle('on', b.dataset.p === p));
    volume();
  });
  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    let resp;
    try {
      resp = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        credentials: 'same-origin', body: JSON.stringify({ login: f.elements.login.value, password: f.elements.password.value }) });
    } catch (err) {
      show('无法连接服务器，请检查网络后重试');
      return;
    }
    if (!resp.ok) {
      const body = await resp.json().catch(() => null);
      show(body && body.error ? body.error.message : '登录失败');
      return;
    }
    load();
  });
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
  load();
}

init();
