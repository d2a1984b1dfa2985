// The booking widget shared by /book (residents) and /agent (village agents): category,
// matter, day, slot, then name and phone; shows the 6-digit code and its QR code.
"use strict";

const WEEK = "日一二三四五六";

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) {
    const msg = data && data.error ? data.error.message : `服务器出错（${r.status}）`;
    const err = new Error(msg);
    err.code = data && data.error ? data.error.code : "http";
    err.field = data && data.error ? data.error.field : null;
    throw err;
  }
  return data;
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const kid of kids) e.append(kid);
  return e;
}

function dayText(iso) {
  const d = new Date(iso.slice(0, 10) + "T00:00:00");
  return `${d.getMonth() + 1}月${d.getDate()}日 周${WEEK[d.getDay()]}`;
}

function slotText(iso) {
  return `${dayText(iso)} ${iso.slice(11, 16)}`;
}

// A booking's card: code, QR, slot, status, and a cancel button while it is booked.
function bookingCard(b, onCancel) {
  const card = el("section", { id: "booking" });
  const status = { booked: "已预约", cancelled: "已取消", checked_in: "已取号" }[b.status || "booked"];
  card.append(
    el("h2", {}, `预约成功 · ${status}`),
    el("div", { class: "code", id: "code" }, b.code),
    el("img", { class: "qr", src: `/b/${b.code}/qr.svg`, alt: "预约二维码" }),
    el("p", {}, `${b.category_name || ""} · ${slotText(b.slot)}`),
    el("p", { class: "note" },
      "请在预约时段开始前 30 分钟至开始后 15 分钟内，到大厅取号机点“预约取号”，输入上面的 6 位预约码（或扫描二维码）。预约号优先叫号。"),
  );
  if ((b.status || "booked") === "booked" && onCancel) {
    card.append(el("button", { class: "wide danger", id: "cancel", onclick: onCancel }, "取消预约"));
  }
  return card;
}

// Mount the booking form in ``root``. ``needName``: name and phone required (agents).
async function mountBooking(root, { needName = false, onBooked = null } = {}) {
  const center = await api("GET", "/api/center");
  const state = { category: null, day: null, slot: null, slots: [] };
  const cat = el("select", { id: "category" }, el("option", { value: "" }, "请选择业务类别"));
  for (const c of center.categories) cat.append(el("option", { value: c.code }, c.name));
  const matter = el("select", { id: "matter" }, el("option", { value: "" }, "（可不选）"));
  const days = el("div", { class: "days", id: "days" });
  const slots = el("div", { class: "slots", id: "slots" });
  const name = el("input", { id: "name", maxlength: "40", placeholder: needName ? "必填" : "可不填" });
  const phone = el("input", { id: "phone", maxlength: "20", inputmode: "tel", placeholder: needName ? "必填" : "可不填" });
  const error = el("div", { class: "error hidden", id: "error" });
  const submit = el("button", { class: "wide", id: "submit", disabled: "" }, "提交预约");
  const form = el("section", { id: "form" },
    el("h2", {}, "预约登记"),
    el("label", { for: "category" }, "业务类别"), cat,
    el("label", { for: "matter" }, "办理事项"), matter,
    el("label", {}, "预约日期（集中办公日）"), days,
    el("label", {}, "预约时段"), slots,
    el("label", { for: "name" }, "姓名"), name,
    el("label", { for: "phone" }, "联系电话"), phone,
    submit, error);
  root.replaceChildren(form);

  function showError(msg) { error.textContent = msg; error.classList.toggle("hidden", !msg); }
  function ready() { submit.toggleAttribute("disabled", !state.slot); }

  function drawSlots() {
    slots.replaceChildren();
    for (const s of state.slots.filter((s) => s.slot.startsWith(state.day))) {
      const left = s.capacity - s.booked;
      const b = el("button", { type: "button", "data-slot": s.slot }, s.slot.slice(11, 16), el("small", {}, left > 0 ? `余 ${left}` : "已满"));
      if (left <= 0) b.setAttribute("disabled", "");
      if (state.slot === s.slot) b.classList.add("on");
      b.addEventListener("click", () => { state.slot = s.slot; drawSlots(); ready(); });
      slots.append(b);
    }
  }

  function drawDays() {
    days.replaceChildren();
    const seen = [...new Set(state.slots.map((s) => s.slot.slice(0, 10)))];
    if (!seen.length) days.append(el("p", { class: "note" }, "近期没有可预约的时段"));
    for (const d of seen) {
      const b = el("button", { type: "button", "data-day": d }, dayText(d));
      if (state.day === d) b.classList.add("on");
      b.addEventListener("click", () => { state.day = d; state.slot = null; drawDays(); drawSlots(); ready(); });
      days.append(b);
    }
  }

  cat.addEventListener("change", async () => {
    state.category = cat.value || null;
    state.day = state.slot = null;
    matter.replaceChildren(el("option", { value: "" }, "（可不选）"));
    const c = center.categories.find((x) => x.code === cat.value);
    for (const m of c ? c.matters : []) matter.append(el("option", { value: m.code }, m.name));
    state.slots = state.category ? await api("GET", `/api/appointments/slots?category=${state.category}`) : [];
    state.day = state.slots.length ? state.slots[0].slot.slice(0, 10) : null;
    drawDays(); drawSlots(); ready();
  });

  submit.addEventListener("click", async () => {
    showError("");
    const body = { category: state.category, slot: state.slot };
    if (matter.value) body.matter = matter.value;
    if (name.value.trim()) body.name = name.value.trim();
    if (phone.value.trim()) body.phone = phone.value.trim();
    submit.setAttribute("disabled", "");
    try {
      const b = await api("POST", "/api/appointments", body);
      b.category_name = b.category_name || (center.categories.find((x) => x.code === state.category) || {}).name;
      if (onBooked) onBooked(b, form);
    } catch (e) {
      showError(e.message);
      ready();
    }
  });
}
