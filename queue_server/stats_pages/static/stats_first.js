// The statistics page's first request, started before ECharts loads: on a year of data the
// library's parse and the server's counting then overlap, and the first chart appears sooner.
// It asks for the periods only (volume per day, week and month; the heatmap), the cheap half.
// stats.js takes the answer (window.bianminFirst) for the first draw and the form's range.
(() => {
  const pad = (n) => String(n).padStart(2, '0');
  const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const params = new URLSearchParams(location.search);
  const today = new Date();
  const yearAgo = new Date(today.getFullYear() - 1, today.getMonth(), today.getDate() + 1);
  const range = { from: params.get('from') || local(yearAgo), to: params.get('to') || local(today) };
  const q = `from=${range.from}&to=${range.to}`;
  const answer = fetch(`/api/stats?${q}&part=periods`, { credentials: 'same-origin', cache: 'no-store' });
  answer.catch(() => {}); // a network failure is reported by stats.js when it awaits the answer
  window.bianminFirst = { range, q, answer };
})();
