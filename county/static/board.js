"use strict";
// The county board: every hall's live figures, sorted and filtered here; drill-down; statistics.
(function () {
  const $ = (sel) => document.querySelector(sel);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const NA = '<span class="na">—</span>';
  const OFF = '<span class="na" title="该中心未接入此项">未接入</span>';
  let halls = [];
  let sortKey = "name";
  let sortDir = 1;
  let timer = null;
  window.boardState = { refreshMs: null, refreshes: 0, rows: 0 };

  async function api(path, opts) {
    const resp = await fetch(path, Object.assign({ credentials: "same-origin" }, opts || {}));
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (resp.status === 401) { showLogin(); throw new Error("login"); }
    if (!resp.ok) throw new Error((body && body.error && body.error.message) || "请求失败");
    return body;
  }

  function show(id) {
    for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== id;
    $("#nav").hidden = id === "login";
  }

  function showLogin() { stop(); show("login"); }

  function fmtSeconds(s) {
    if (s === null || s === undefined) return NA;
    if (s < 60) return s + " 秒";
    if (s < 3600) return Math.round(s / 60) + " 分";
    if (s < 86400) return (s / 3600).toFixed(1) + " 时";
    return Math.round(s / 86400) + " 天";
  }
  const num = (v) => (v === null || v === undefined ? NA : esc(v));
  // A hall that sent its figures but has no such feature connected: 未接入; no figures yet: —.
  const off = (v, h) => (v === null || v === undefined ? (h.faults ? OFF : NA) : esc(v));
  // Satisfaction is null both when supervision is not connected and when nothing was rated
  // this month; the 差评 count (0 when connected) tells them apart.
  const pct = (v, h) =>
    v === null || v === undefined ? (h.bad_reviews === null || h.bad_reviews === undefined ? off(v, h) : NA) : (v * 100).toFixed(1) + "%";
  function faults(h) {
    if (h.device_faults === null || h.device_faults === undefined) return `<td>${NA}</td>`;
    const list = h.faults || [];
    return `<td class="${list.length ? "fault" : ""}" title="${esc(list.join("；"))}">${list.length ? esc(list.join("；")) : "0"}</td>`;
  }

  function sorted(rows) {
    const k = sortKey;
    return rows.slice().sort((a, b) => {
      const x = a[k], y = b[k];
      if (x === y) return a.id - b.id;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      if (typeof x === "string") return sortDir * x.localeCompare(y, "zh-CN");
      return sortDir * (x - y);
    });
  }

  function renderHalls() {
    const text = $("#filter").value.trim();
    const onlySilent = $("#only-silent").checked;
    const onlyWaiting = $("#only-waiting").checked;
    const rows = sorted(halls.filter((h) =>
      (!text || h.name.includes(text)) && (!onlySilent || h.silent) && (!onlyWaiting || h.waiting > 0)));
    const html = [];
    for (const h of rows) {
      html.push(
        `<tr class="${h.silent ? "silent" : ""}" data-id="${h.id}"><td><a class="hall" href="#hall/${h.id}">${esc(h.name)}</a>` +
        (h.silent ? '<span class="badge">失联</span>' : "") + "</td>" +
        `<td>${num(h.waiting)}</td><td>${num(h.windows_open)}</td><td>${num(h.windows_paused)}</td>` +
        `<td>${num(h.served_today)}</td><td>${fmtSeconds(h.wait_p50_s)}</td><td>${fmtSeconds(h.wait_p90_s)}</td>` +
        `<td>${pct(h.satisfaction, h)}</td><td>${off(h.bad_reviews, h)}</td>` +
        `<td>${num(h.overdue)}</td><td>${off(h.complaints, h)}</td><td>${num(h.inspection_score)}</td>` +
        faults(h) + `<td>${h.last_seen ? fmtSeconds(h.lag_s) : "从未同步"}` +
        (h.pending > 0 ? `（待收 ${h.pending} 条）` : "") + "</td></tr>");
    }
    $("#halls-table tbody").innerHTML = html.join("");
    const silent = halls.filter((h) => h.silent).length;
    const waiting = halls.reduce((n, h) => n + h.waiting, 0);
    const served = halls.reduce((n, h) => n + h.served_today, 0);
    $("#summary").textContent = `共 ${halls.length} 个中心，显示 ${rows.length} 个 · 失联 ${silent} 个 · 等候 ${waiting} 人 · 今日办结 ${served} 件`;
    for (const th of document.querySelectorAll("#halls-table th")) {
      th.classList.toggle("asc", th.dataset.key === sortKey && sortDir > 0);
      th.classList.toggle("desc", th.dataset.key === sortKey && sortDir < 0);
    }
    window.boardState.rows = rows.length;
  }

  async function refreshHalls() {
    const t0 = performance.now();
    halls = await api("/api/halls");
    renderHalls();
    const ms = Math.round(performance.now() - t0);
    window.boardState.refreshMs = ms;
    window.boardState.refreshes += 1;
    $("#refresh-ms").textContent = `本次刷新 ${ms} 毫秒`;
  }

  async function refreshHall(id) {
    const [snap, day] = await Promise.all([api(`/api/halls/${id}/snapshot`), api(`/api/halls/${id}/day`)]);
    $("#hall-name").textContent = snap.hall.name + (snap.day ? `（${snap.day}）` : "");
    $("#hall-waiting").innerHTML = Object.keys(snap.waiting).sort().map((c) =>
      `<span>${esc(c)} 类等候 ${esc(snap.waiting[c])} 人</span>`).join("") || '<span class="na">暂无数据</span>';
    $("#hall-windows tbody").innerHTML = snap.windows.map((w) =>
      `<tr><td>${esc(w.name)}</td><td>${w.clerk ? esc(w.clerk) : NA}</td><td>${w.ticket ? esc(w.ticket.number) : NA}</td>` +
      `<td>${w.paused ? "暂停" : w.clerk ? "开放" : "未上岗"}</td><td>${esc(w.served_today)}</td></tr>`).join("");
    $("#hall-calls").innerHTML = snap.recent_calls.slice().reverse().map((c) =>
      `<li>${esc(c.number)} → ${esc(c.window)} 号窗口${c.recall ? "（重呼）" : ""} ${esc(c.at.slice(11, 19))}</li>`).join("");
    $("#hall-queue").innerHTML = snap.queue.map((t) =>
      `<li>${esc(t.number)}${t.matter_name ? " " + esc(t.matter_name) : ""}${t.status === "transferred" ? "（转入）" : ""}</li>`).join("");
    $("#day-title").textContent = `${day.day} 当天：取号 ${day.issued}，办结 ${day.served}，过号 ${day.no_shows}`;
    $("#hall-day tbody").innerHTML = day.hours.map((h) =>
      `<tr><td>${h.hour}:00</td><td>${h.issued}</td><td>${h.served}</td><td>${h.no_shows}</td><td>${fmtSeconds(h.wait_avg_s)}</td></tr>`).join("");
  }

  async function refreshStats() {
    const month = $("#month").value;
    const data = await api(`/api/stats?month=${encodeURIComponent(month)}`);
    $("#xlsx").href = `/api/stats.xlsx?month=${encodeURIComponent(month)}`;
    $("#stats-table tbody").innerHTML = data.halls.map((h) =>
      `<tr><td>${esc(h.name)}</td><td>${h.issued}</td><td>${h.served}</td><td>${h.no_shows}</td><td>${h.promised}</td>` +
      `<td>${h.rejected}</td><td>${fmtSeconds(h.wait_avg_s)}</td><td>${fmtSeconds(h.wait_p50_s)}</td>` +
      `<td>${fmtSeconds(h.wait_p90_s)}</td><td>${h.satisfaction === null ? NA : (h.satisfaction * 100).toFixed(1) + "%"}</td>` +
      `<td>${NA}</td></tr>`).join("");
  }

  async function refreshNotices() {
    const [list, all] = await Promise.all([api("/api/notices"), api("/api/halls")]);
    const names = new Map(all.map((h) => [h.id, h.name]));
    const sel = $("#notice-halls");
    const chosen = new Set(Array.from(sel.selectedOptions, (o) => o.value));
    sel.innerHTML = all.map((h) => `<option value="${h.id}"${chosen.has(String(h.id)) ? " selected" : ""}>${esc(h.name)}</option>`).join("");
    $("#notices-table tbody").innerHTML = list.map((n) =>
      `<tr><td>${esc(n.created_at.slice(0, 16).replace("T", " "))}</td><td>${esc(n.title)}</td><td>${esc(n.text)}</td>` +
      `<td>${n.halls === "all" ? "全部中心" : n.halls.map((id) => esc(names.get(id) || "#" + id)).join("、")}</td>` +
      `<td>${n.expires ? esc(n.expires) : "长期"}</td><td>${n.by ? esc(n.by) : NA}</td></tr>`).join("");
  }

  // A refresh starts `ms` after the one before has finished, so a slow network or PC never
  // stacks them up; a view left (or the login shown) ends its round: its last refresh stops there.
  let round = 0;
  function stop() { round += 1; if (timer) clearTimeout(timer); timer = null; }

  function every(fn, ms) {
    stop();
    const mine = round;
    const run = () => fn()
      .catch((e) => { if (e.message !== "login") $("#refresh-ms").textContent = e.message; })
      .finally(() => { if (mine === round) timer = setTimeout(run, ms); });
    run();
  }

  async function route() {
    const hash = location.hash.replace(/^#/, "") || "halls";
    const m = /^hall\/(\d+)$/.exec(hash);
    if (m) { show("hall"); every(() => refreshHall(m[1]), 2000); }
    else if (hash === "stats") { show("stats"); stop(); refreshStats().catch(() => {}); }
    else if (hash === "notices") { show("notices"); stop(); refreshNotices().catch((e) => { $("#notice-msg").textContent = e.message; }); }
    // Every second: a hall's ticket shows here within 2 s of its commit (sync lag + this period).
    else { show("halls"); every(refreshHalls, 1000); }
  }

  async function start() {
    try {
      const me = await api("/api/me");
      $("#who").textContent = me.name;
      route();
    } catch (e) { /* showLogin already ran */ }
  }

  $("#login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    $("#login-error").textContent = "";
    try {
      const resp = await fetch("/api/login", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ login: f.login.value, password: f.password.value }) });
      const body = await resp.json();
      if (!resp.ok) { $("#login-error").textContent = body.error.message; return; }
      f.password.value = "";
      start();
    } catch (e) { $("#login-error").textContent = "连接不上县级服务器"; }
  });
  $("#notice-form").addEventListener("change", () => {
    $("#notice-halls").disabled = $("#notice-form").elements.to.value !== "chosen";
  });
  $("#notice-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target.elements; // (form.title would be the form's own title attribute)
    const body = { title: f.title.value, text: f.text.value, expires: f.expires.value || null, halls: "all" };
    if (f.to.value === "chosen") {
      body.halls = Array.from($("#notice-halls").selectedOptions, (o) => Number(o.value));
      if (!body.halls.length) { $("#notice-msg").textContent = "请选择至少一个中心"; return; }
    }
    try {
      await api("/api/notices", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      f.title.value = ""; f.text.value = ""; f.expires.value = "";
      $("#notice-msg").textContent = "已发布，各中心联网后即可收到";
      await refreshNotices();
    } catch (e) { if (e.message !== "login") $("#notice-msg").textContent = e.message; }
  });
  $("#logout").addEventListener("click", async () => { await fetch("/api/logout", { method: "POST" }); showLogin(); });
  $("#halls-table thead").addEventListener("click", (ev) => {
    const key = ev.target.dataset && ev.target.dataset.key;
    if (!key) return;
    if (key === sortKey) sortDir = -sortDir; else { sortKey = key; sortDir = key === "name" ? 1 : -1; }
    renderHalls();
  });
  for (const id of ["#filter", "#only-silent", "#only-waiting"]) $(id).addEventListener("input", renderHalls);
  const now = new Date();
  $("#month").value = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
  $("#month").addEventListener("change", () => refreshStats().catch(() => {}));
  window.addEventListener("hashchange", route);
  start();
})();
