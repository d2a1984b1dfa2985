// JSON client for the queue server. Every failure becomes an ApiError carrying the
// server's Chinese message, so the page can show it as is and never a stack trace.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

let unauthorized = null;
let clockOffset = 0; // server time minus this PC's time, in ms (window PCs' clocks drift)

// fn(message) runs on any 401: the session ended, the page returns to the login form.
export function onUnauthorized(fn) { unauthorized = fn; }

export function serverNow() { return Date.now() + clockOffset; }

export async function api(method, path, body) {
  const init = { method, headers: {}, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  const date = Date.parse(resp.headers.get('Date') || '');
  if (!Number.isNaN(date)) clockOffset = date - Date.now();
  let data = null;
  try { data = await resp.json(); } catch (err) { data = null; }
  if (resp.ok && data !== null) return data;
  const e = data && data.error;
  const error = e
    ? new ApiError(resp.status, e.code, e.message, e.field)
    : new ApiError(resp.status, 'bad_response', `服务器返回了无法识别的内容（HTTP ${resp.status}），请稍后重试`);
  if (resp.status === 401 && path !== '/api/login' && unauthorized) unauthorized(error.message);
  throw error;
}
