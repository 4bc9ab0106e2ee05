// Small DOM helpers. Text from the API only ever goes into text nodes (never innerHTML).

/** `h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child)`. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden') el[k] = true;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const code = (text) => h('code', {}, text);

/** A labelled form control. */
export function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), control,
    hint ? h('span', { class: 'hint' }, hint) : null);
}

export function select(name, options, value) {
  return h('select', { name },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

/** The API's error as it answered: status, code, message, missing permission, request id. */
export function errorBox(err, extra) {
  const status = err.status ? `${err.status}${err.code ? ` ${err.code}` : ''}` : 'error';
  return h('div', { class: 'error', role: 'alert' },
    h('p', {}, h('strong', {}, status), ' ', err.message),
    err.permission ? h('p', { class: 'missing' }, 'Missing permission ', code(err.permission),
      err.resource ? [' on ', code(err.resource)] : null) : null,
    extra ? h('p', {}, extra) : null,
    err.requestId ? h('p', { class: 'rid' }, 'Request id ', code(err.requestId)) : null);
}

export function note(text, kind = 'info') {
  return h('p', { class: `note ${kind}`, role: kind === 'ok' ? 'status' : null }, text);
}

/** A table: `columns` are `[heading, row => cell]`. */
export function table(columns, rows, { caption, empty = 'Nothing to show.' } = {}) {
  if (!rows.length) return note(empty);
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(([head]) => h('th', { scope: 'col' }, head)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(r))))))));
}

/** Server text whose `backticked` parts are identifiers: those become code. */
export function prose(text) {
  return String(text ?? '').split('`').map((part, i) => (i % 2 ? code(part) : part));
}

/** Runs `work` with `button` disabled and a busy mark on `region`. */
export async function busy(button, region, work) {
  if (button) button.disabled = true;
  region?.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
    region?.removeAttribute('aria-busy');
  }
}

/** Epoch milliseconds as local `YYYY-MM-DD HH:MM:SS`. */
export function time(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} `
    + `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A view's heading, focused when the view opens (keyboard and screen-reader users land there). */
export function heading(text, intro) {
  return [h('h1', { tabindex: '-1', class: 'view-title' }, text), intro ? h('p', { class: 'intro' }, intro) : null];
}

/** The `#/view?x=1` parameters of the current location. */
export function hashParams() {
  const q = location.hash.split('?')[1] || '';
  return Object.fromEntries(new URLSearchParams(q));
}

export function hashFor(view, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  return `#/${view}${q ? `?${q}` : ''}`;
}
