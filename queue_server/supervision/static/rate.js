// The rating on the ticket's QR page (/g/...?t=): offered once the service is finished, for
// the rating period; one rating per service, shared with the counter's pad.
import { BAD, LEVELS, NAMES, COLORS, face } from '/supervision/static/faces.js';

const box = document.getElementById('rating');
const token = box.dataset.token;
const url = `/api/tickets/${encodeURIComponent(token)}/rating`;
const $ = (sel) => box.querySelector(sel);
let level = null;

function say(text, cls = '') {
  $('.rating-msg').textContent = text;
  $('.rating-msg').className = `rating-msg ${cls}`;
}

function render(state) {
  box.dataset.state = state.state;
  $('.rating-form').hidden = state.state !== 'open';
  if (state.state === 'rated') say(`您已评价：${NAMES[state.level] || ''}。感谢您的监督！`, 'done');
  else if (state.state === 'closed') say('评价期已过，本次服务已按“基本满意”计入。', 'done');
  else if (state.state === 'not_finished') say('业务办结后，可在这里对本次服务进行评价。');
  else say('');
  box.hidden = false;
}

async function refresh() {
  try {
    const resp = await fetch(url, { cache: 'no-store' });
    const state = await resp.json();
    if (!resp.ok) return;
    if (!$('.levels').children.length) build(state.reasons);
    render(state);
    if (state.state === 'not_finished') setTimeout(refresh, 15000);
  } catch (e) {
    setTimeout(refresh, 15000);
  }
}

function build(reasons) {
  for (const l of LEVELS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.level = l;
    b.style.color = COLORS[l];
    b.innerHTML = face(l);
    b.append(NAMES[l]);
    b.addEventListener('click', () => pick(l));
    $('.levels').append(b);
  }
  for (const r of reasons) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox'; input.value = r;
    label.append(input, r);
    $('.reasons').append(label);
  }
}

function pick(l) {
  level = l;
  for (const b of box.querySelectorAll('.levels button')) b.classList.toggle('on', b.dataset.level === l);
  if (BAD.has(l)) { $('.bad').hidden = false; say('请选择不满意的原因，再点“提交评价”。'); return; }
  submit();
}

async function submit() {
  const body = { level };
  if (BAD.has(level)) {
    body.reasons = [...box.querySelectorAll('.reasons input:checked')].map((i) => i.value);
    body.comment = $('.bad textarea').value.trim();
    body.phone = $('.bad input[type=tel]').value.trim();
    if (!body.reasons.length) { say('请至少选择一个原因', 'err'); return; }
  }
  let resp, data;
  try {
    resp = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    data = await resp.json();
  } catch (e) {
    say('网络不通，请稍后再试', 'err');
    return;
  }
  if (resp.ok) { render({ state: 'rated', level }); return; }
  const err = data && data.error ? data.error : { code: '', message: '提交失败，请稍后再试' };
  if (err.code === 'already_rated') { $('.rating-form').hidden = true; box.dataset.state = 'rated'; say(err.message, 'done'); return; }
  say(err.message, 'err');
}

$('.bad button').addEventListener('click', submit);
refresh();
