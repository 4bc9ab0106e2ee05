// The console's only way to the server: the public admin API on this origin.
// The session (credential, account, principal) lives in sessionStorage: it ends with the tab.
// An API token is sent as `x-api-key`, a login token as `Authorization: Bearer`.

const KEY = 'scopegate.console.session';

let current = null;
const expiredListeners = [];

/** An error answer of the API: `{code, message, request_id, permission?, resource?}`. */
export class ApiError extends Error {
  constructor(status, body, statusText) {
    const known = body && typeof body === 'object' && typeof body.message === 'string';
    super(known ? body.message : status === 0
      ? 'the server did not answer (network error)'
      : `HTTP ${status} ${statusText || ''}`.trim());
    this.status = status;
    this.code = known ? body.code : null;
    this.requestId = known ? body.request_id : null;
    this.permission = known ? body.permission ?? null : null;
    this.resource = known ? body.resource ?? null : null;
  }
}

export function session() {
  return current;
}

/** Restores the tab's session, if any (not yet verified with the server). */
export function restore() {
  try {
    const text = sessionStorage.getItem(KEY);
    current = text ? JSON.parse(text) : null;
  } catch {
    current = null;
  }
  return current;
}

export function save(s) {
  current = s;
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clear() {
  current = null;
  sessionStorage.removeItem(KEY);
}

/** Called with the API's error when a signed-in call answers 401 (expired, revoked). */
export function onExpired(fn) {
  expiredListeners.push(fn);
}

function authHeaders(s) {
  if (!s) return {};
  return s.kind === 'jwt'
    ? { Authorization: `Bearer ${s.credential}` }
    : { 'x-api-key': s.credential };
}

/**
 * One API call. `query` values that are empty are left out. Answers
 * `{status, data, headers}`; throws ApiError for any status ≥ 400.
 * `as` overrides the session (sign-in checks a credential before keeping it).
 */
export async function call(method, path, { body, query, as } = {}) {
  const who = as === undefined ? current : as;
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    }
    const text = q.toString();
    if (text) url += `?${text}`;
  }
  const headers = { Accept: 'application/json', ...authHeaders(who) };
  const init = { method, headers, credentials: 'omit', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, null);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.statusText);
    if (res.status === 401 && who && who === current) {
      for (const fn of expiredListeners) fn(err);
    }
    throw err;
  }
  return { status: res.status, data, headers: res.headers };
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body) => call('POST', path, { body });
export const put = (path, body) => call('PUT', path, { body });
export const del = (path) => call('DELETE', path);

/** The account named inside an API token (`pat.<account>.<id>.<secret>`), if any. */
export function tokenAccount(token) {
  const parts = token.split('.');
  return parts.length === 4 && (parts[0] === 'pat' || parts[0] === 'sat') ? parts[1] : null;
}

/** Who a credential belongs to: an ACL question with no items answers the caller. */
export async function whoami(as) {
  const { data } = await call('POST', '/authz/api/acl', { body: { permissions: [] }, as });
  return { type: data.data.principal.type, identifier: data.data.principal.identifier };
}
