// The clerk's own 差评 at this window that may still be appealed (申诉): a badge in the top
// bar, shown only when there are some, linking to /supervision/appeal. Ratings arrive from
// the pad or the phone after a service, so the count is read again every minute while the
// working screen is open.

import { api, ApiError } from './api.js';
import { $ } from './ui.js';

const EVERY_MS = 60_000;
let timer = null;

export function watchBadRatings(windowNo) {
  stopBadRatings();
  const refresh = async () => {
    let rows;
    try {
      rows = await api('GET', '/api/my-bad-ratings');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return; // offline or logged out: the console says so elsewhere; keep what shows
    }
    const open = rows.filter((c) => c.window === windowNo && !c.appeal);
    const link = $('#appeal-link');
    link.textContent = `差评 ${open.length} 条 · 申诉`;
    link.hidden = open.length === 0;
  };
  refresh();
  timer = setInterval(refresh, EVERY_MS);
}

export function stopBadRatings() {
  clearInterval(timer);
  timer = null;
  $('#appeal-link').hidden = true;
}
