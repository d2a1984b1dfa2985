// The complaint and suggestion form (意见箱): sends JSON, shows the 查询码 and its page.
const form = document.getElementById('box-form');
const msg = document.getElementById('box-msg');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = { kind: form.kind.value, text: form.text.value.trim() };
  if (form.phone.value.trim()) body.phone = form.phone.value.trim();
  if (form.matter.value) body.matter = form.matter.value;
  if (form.window.value) body.window = Number(form.window.value);
  msg.textContent = '';
  let resp, data;
  try {
    resp = await fetch('/api/complaints', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    data = await resp.json();
  } catch (e) {
    msg.textContent = '网络不通，请稍后再试';
    return;
  }
  if (!resp.ok) { msg.textContent = data && data.error ? data.error.message : '提交失败，请稍后再试'; return; }
  form.hidden = true;
  document.getElementById('box-code').textContent = data.code;
  const link = document.getElementById('box-link');
  link.href = data.url;
  link.textContent = location.origin + data.url;
  document.getElementById('box-done').hidden = false;
});
