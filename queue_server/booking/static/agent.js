// The village agent's page (村级代办员): log in, submit entrusted requests, follow them to
// their outcome, and book appointments for villagers. Everything goes through the JSON API.
"use strict";

const $ = (id) => document.getElementById(id);
let center = null;

function show(id, on) { $(id).classList.toggle("hidden", !on); }

async function start() {
  center = await api("GET", "/api/center");
  let me = null;
  try { me = await api("GET", "/api/me"); } catch (e) { me = null; }
  if (!me || me.role !== "agent") {
    show("login", true); show("app", false);
    return;
  }
  $("who").textContent = `${me.name} · ${center.name}`;
  show("login", false); show("app", true);
  const sel = $("r-matter");
  for (const c of center.categories) for (const m of c.matters) sel.append(el("option", { value: m.code }, `${c.name} · ${m.name}`));
  tab("new");
}

function tab(name) {
  for (const t of ["new", "mine", "book"]) {
    $(`tab-${t}`).classList.toggle("on", t === name);
    show(`pane-${t}`, t === name);
  }
  if (name === "mine") loadMine();
  if (name === "book") mountBooking($("pane-book"), {
    needName: true,
    onBooked: (b, form) => form.replaceWith(bookingCard(b, null)),
  });
}

async function loadMine() {
  const box = $("mine");
  const { requests } = await api("GET", "/api/requests");
  box.replaceChildren();
  if (!requests.length) box.append(el("p", { class: "note" }, "还没有提交委托"));
  for (const r of requests) {
    const item = el("div", { class: "req", "data-code": r.code },
      el("span", { class: `st ${r.status}` }, r.status === "open" && r.bucket_name ? `${r.status_name} · ${r.bucket_name}` : r.status_name),
      el("b", {}, `${r.name}（${r.village || "—"}）`),
      el("div", { class: "note" }, `${r.code} · ${r.matter_name || r.detail}`),
      el("div", { class: "note" }, `承诺办结：${r.due}`));
    if (r.outcome) item.append(el("div", { class: "outcome" }, `办理结果：${r.outcome}`));
    box.append(item);
  }
}

$("login-go").addEventListener("click", async () => {
  show("login-error", false);
  try {
    await api("POST", "/api/login", { login: $("login-name").value.trim(), password: $("login-password").value });
    await start();
  } catch (e) {
    $("login-error").textContent = e.message; show("login-error", true);
  }
});

$("r-submit").addEventListener("click", async () => {
  show("r-error", false);
  const body = {
    kind: "entrusted",
    name: $("r-name").value, village: $("r-village").value, phone: $("r-phone").value,
    detail: $("r-detail").value, materials: $("r-materials").value,
  };
  if ($("r-matter").value) body.matter = $("r-matter").value;
  if (!body.detail.trim() && body.matter) body.detail = $("r-matter").selectedOptions[0].textContent;
  try {
    await api("POST", "/api/requests", body);
    for (const id of ["r-name", "r-village", "r-phone", "r-detail", "r-materials"]) $(id).value = "";
    tab("mine");
  } catch (e) {
    $("r-error").textContent = e.message; show("r-error", true);
  }
});

for (const t of ["new", "mine", "book"]) $(`tab-${t}`).addEventListener("click", () => tab(t));
start();
