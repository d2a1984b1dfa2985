// A clerk's own 差评 and the appeal (申诉) against one: the reason goes to the manager.
import { api, ApiError } from '/clerk/static/api.js';

const $ = (sel) => document.querySelector(sel);
const APPEAL_NAMES = { pending: '待审核', upheld: '申诉成立', rejected: '已驳回' };

function cell(text) { const td = document.createElement('td'); td.textContent = text; return td; }

async function load() {
  let rows;
  try {
    const me = await api('GET', '/api/me');
    $('#me-name').textContent = me.name;
    rows = await api('GET', '/api/my-bad-ratings');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    $('#msg').textContent = err.status === 401 ? '请先在窗口工作台（/clerk）登录' : err.message;
    return;
  }
  $('#mine-table tbody').replaceChildren(...rows.map((c) => {
    const tr = document.createElement('tr');
    tr.dataset.id = c.id;
    tr.append(cell(c.ticket), cell(c.day), cell(c.matter_name || '—'), cell(c.level_name),
      cell(c.reasons.join('、') + (c.comment ? `：${c.comment}` : '')), cell(c.reply || '—'),
      cell(c.appeal ? `${APPEAL_NAMES[c.appeal.status]}${c.appeal.note ? `：${c.appeal.note}` : ''}` : '—'));
    const td = document.createElement('td');
    td.className = 'actions';
    if (!c.appeal) {
      const input = document.createElement('input');
      input.placeholder = '申诉理由'; input.maxLength = 1000; input.className = 'reason';
      const b = document.createElement('button');
      b.type = 'button'; b.textContent = '提出申诉'; b.className = 'appeal';
      b.addEventListener('click', async () => {
        try {
          await api('POST', `/api/rating-cases/${c.id}/appeal`, { reason: input.value.trim() });
          load();
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          $('#msg').textContent = err.message;
        }
      });
      td.append(input, b);
    }
    tr.append(td);
    return tr;
  }));
}
load();
