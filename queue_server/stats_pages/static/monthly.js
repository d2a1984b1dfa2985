// The printable monthly report: this month's figures against last month's, and charts drawn
// as SVG (sharp on paper). window.bianminMonthly.ready turns true when everything is drawn.

const $ = (sel) => document.querySelector(sel);
const FONT = '"Bianmin Sans", "Noto Sans CJK SC", sans-serif';
const WEEKDAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
window.bianminMonthly = { ready: false };

const pad = (n) => String(n).padStart(2, '0');
const minutes = (s) => (s === null || s === undefined ? '—' : `${(s / 60).toFixed(1)} 分钟`);
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

async function getJson(path) {
  const resp = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  const body = await resp.json().catch(() => null);
  if (!resp.ok) throw new Error(body && body.error ? body.error.message : `服务器错误（${resp.status}）`);
  return body;
}

function chart(id, option) {
  const c = echarts.init(document.getElementById(id), null, { renderer: 'svg' });
  c.setOption({ animation: false, textStyle: { fontFamily: FONT, fontSize: 10 }, ...option });
  return c;
}

const grid = { left: 36, right: 10, top: 14, bottom: 22 };

function cells(values) {
  const tr = document.createElement('tr');
  for (const text of values) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '—' : String(text);
    tr.append(td);
  }
  return tr;
}

function figures(c) {
  const rows = [
    ['取号总数', 'issued', (v) => v], ['办结件数', 'served', (v) => v], ['退办件数', 'rejected', (v) => v],
    ['等候时间中位数', 'wait_p50_s', minutes], ['等候时间 P90', 'wait_p90_s', minutes],
    ['等候超过 30 分钟', 'wait_over_30_share', pct], ['平均办理时长', 'service_avg_s', minutes],
    ['过号率', 'no_show_rate', pct], ['退办率', 'rejection_rate', pct],
  ];
  $('#figures tbody').replaceChildren(...rows.map(([name, key, fmt]) => {
    const a = c.this[key];
    const b = c.last[key];
    let change = '—';
    if (typeof a === 'number' && typeof b === 'number' && b !== 0) change = `${a >= b ? '+' : ''}${((a / b - 1) * 100).toFixed(1)}%`;
    return cells([name, fmt(a), fmt(b), change]);
  }));
}

// Appointments (booked, kept, no-show, cancelled) and the requests handled, per kind.
function services(a, requests) {
  const due = a.checked_in + a.no_show; // bookings whose day has come and gone or were kept
  const kept = due ? a.checked_in / due : null;
  $('#appointments tbody').replaceChildren(cells([a.bookings, a.checked_in, a.no_show, a.cancelled, pct(kept), pct(a.share)]));
  $('#requests tbody').replaceChildren(...requests.map((r) => cells([r.kind_name, r.requests, r.closed, r.open, pct(r.on_time_share)])));
}

async function main() {
  const params = new URLSearchParams(location.search);
  const now = new Date();
  const month = params.get('month') || `${now.getFullYear()}-${pad(now.getMonth() + 1)}`;
  const [y, m] = month.split('-').map(Number);
  if (!y || !m || m < 1 || m > 12) {
    $('#message').textContent = '月份格式应为 YYYY-MM，例如 2026-11';
    $('#message').hidden = false;
    return;
  }
  const from = `${y}-${pad(m)}-01`;
  const to = `${y}-${pad(m)}-${pad(new Date(y, m, 0).getDate())}`;
  const yearAgo = new Date(y, m - 12, 1);
  const trendFrom = `${yearAgo.getFullYear()}-${pad(yearAgo.getMonth() + 1)}-01`;
  let d;
  let trend;
  try {
    [d, trend] = await Promise.all([
      getJson(`/api/stats?from=${from}&to=${to}`),
      getJson(`/api/stats?from=${trendFrom}&to=${to}&part=timeliness`),
    ]);
  } catch (err) {
    $('#message').textContent = `${err.message}（请先在“业务分析”页面以中心负责人身份登录）`;
    $('#message').hidden = false;
    return;
  }
  $('#title').textContent = `${d.center_name || ''}业务月报`;
  $('#subtitle').textContent = `${y} 年 ${m} 月（${from} 至 ${to}），与上月对比`;
  $('#report').hidden = false;
  figures(d.compare);
  services(d.appointments, d.requests);
  chart('m-daily', {
    grid, xAxis: { type: 'category', data: d.volume.day.map((r) => r[0].slice(8)) }, yAxis: { type: 'value' },
    series: [{ type: 'bar', data: d.volume.day.map((r) => r[1]), itemStyle: { color: '#0b5394' },
      label: { show: true, position: 'top', fontSize: 8 } }],
  });
  chart('m-window', {
    grid, xAxis: { type: 'category', data: d.volume.window.map((r) => `${r[0]}号`) }, yAxis: { type: 'value' },
    series: [{ type: 'bar', data: d.volume.window.map((r) => r[1]), itemStyle: { color: '#0b5394' },
      label: { show: true, position: 'top', fontSize: 8 } }],
  });
  chart('m-outcomes', {
    series: [{ type: 'pie', radius: ['30%', '62%'], data: d.outcomes.map((r) => ({ name: r[0], value: r[1] })),
      label: { formatter: '{b} {d}%', fontSize: 9 } }],
  });
  const tl = trend.timeliness;
  chart('m-timeliness', {
    grid: { ...grid, top: 22, right: 34 },
    legend: { top: 0, itemHeight: 6, textStyle: { fontSize: 8 } },
    xAxis: { type: 'category', data: tl.map((r) => r.month.slice(2)) },
    yAxis: [{ type: 'value', name: '天' }, { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v) => `${v * 100}%` } }],
    series: [
      { name: '平均用时', type: 'bar', data: tl.map((r) => r.avg_days), itemStyle: { color: '#0b5394' } },
      { name: '承诺时限', type: 'line', data: tl.map((r) => r.avg_promised_days), itemStyle: { color: '#b45309' } },
      { name: '按时率', type: 'line', yAxisIndex: 1, data: tl.map((r) => r.on_time_share), itemStyle: { color: '#1e7b34' } },
    ],
  });
  const hours = [...new Set(d.heatmap.map((r) => r[0]))].sort((a, b) => a - b);
  chart('m-heatmap', {
    grid: { ...grid, left: 34 },
    xAxis: { type: 'category', data: hours.map((h) => `${h}`) },
    yAxis: { type: 'category', data: WEEKDAYS, inverse: true },
    visualMap: { show: false, min: 0, max: Math.max(1, ...d.heatmap.map((r) => r[2])), inRange: { color: ['#f0f6ff', '#0b5394'] } },
    series: [{ type: 'heatmap', data: d.heatmap.map((r) => [hours.indexOf(r[0]), r[1] - 1, r[2]]) }],
  });
  const t = d.totals;
  const cases = tl.length ? tl[tl.length - 1] : null;
  $('#note').textContent = `本月共取号 ${t.issued} 人次，办结 ${t.served} 件；`
    + (cases && cases.month === month ? `承诺件、代办件办结 ${cases.cases} 件，按时办结率 ${pct(cases.on_time_share)}。` : '本月无办结的承诺件、代办件。');
  window.bianminMonthly.ready = true;
}

main();
