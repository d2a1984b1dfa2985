// 选号 / 绿色通道: call a chosen waiting ticket out of order, or put it on the green channel
// (老年人、残疾人、孕妇、急事急办). Both record the reason the clerk gives.

import { $, $$, el, toast } from './ui.js';

const REASONS = ['老年人', '残疾人', '孕妇', '急事急办', '行动不便', '预约'];

export function setupChoose(desk) {
  const dialog = $('#choose-dialog');
  const form = $('#choose-form');
  const msg = $('.msg', dialog);
  for (const b of $$('.cancel', dialog)) b.onclick = () => dialog.close();
  $('#choose-reasons').replaceChildren(...REASONS.map((r) => el('button', {
    type: 'button', onclick: () => { form.elements.reason.value = r; },
  }, r)));

  async function send(action) {
    const number = form.elements.number.value.trim().toUpperCase();
    const reason = form.elements.reason.value.trim();
    if (!number) { msg.textContent = '请输入号码'; return; }
    if (!reason) { msg.textContent = '请填写原因'; return; }
    const done = await desk.act(action, { number, reason }, msg);
    if (done) {
      dialog.close();
      const what = action === 'green' ? '已转入绿色通道' : '已叫号';
      desk.note(`${number} ${what}（${reason}）`);
      toast(`${number} ${what}`, 'info');
    }
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); send('call'); });
  $('#choose-green').onclick = () => send('green');
  return () => {
    form.reset();
    msg.textContent = '';
    dialog.showModal();
    form.elements.number.focus();
  };
}
