// "Audit": recent events of the account (`GET /v1/audit-events`), newest first, with the
// API's filters (principal, action, outcome, request id, time range) and paging.

import { get } from '../api.js';
import { h, clear, code, errorBox, field, heading, prose, select, table, busy, time, hashFor } from '../ui.js';

const PAGE = 30;
const OUTCOMES = [['', 'any'], ['allowed', 'allowed'], ['denied', 'denied']];

/** `datetime-local` text → epoch milliseconds (local time), or ''. */
const millis = (v) => (v ? String(new Date(v).getTime()) : '');

function details(e) {
  if (e.before == null && e.after == null) return '';
  return h('details', {}, h('summary', {}, 'before / after'),
    h('pre', {}, JSON.stringify({ before: e.before, after: e.after }, null, 2)));
}

export async function render(root) {
  const principal = h('input', { name: 'principal', spellcheck: 'false', placeholder: 'identifier' });
  const action = h('input', { name: 'action', spellcheck: 'false', placeholder: 'role.create, gateway.request…' });
  const outcome = select('outcome', OUTCOMES, '');
  const requestId = h('input', { name: 'request_id', spellcheck: 'false' });
  const from = h('input', { name: 'from', type: 'datetime-local', step: '1' });
  const to = h('input', { name: 'to', type: 'datetime-local', step: '1' });
  const go = h('button', { type: 'submit' }, 'Show events');
  const out = h('div', { class: 'result', 'aria-live': 'polite' });
  let page = 0;

  async function load() {
    await busy(go, out, async () => {
      try {
        const answer = await get('/v1/audit-events', {
          principal: principal.value.trim(), action: action.value.trim(), outcome: outcome.value,
          request_id: requestId.value.trim(), from: millis(from.value), to: millis(to.value), limit: PAGE, page,
        });
        const total = Number(answer.headers.get('X-Total-Elements') || answer.data.length);
        const last = Math.max(0, Math.ceil(total / PAGE) - 1);
        clear(out,
          table([
            ['When', (e) => time(e.at)],
            ['Who', (e) => code(e.principal.type ? `${e.principal.type}:${e.principal.identifier}` : '(anonymous)')],
            ['Action', (e) => code(e.action)],
            ['Resource', (e) => code([e.resource_type, e.resource_identifier].filter(Boolean).join('/'))],
            ['Scope', (e) => [e.account, e.org, e.project].filter(Boolean).join('/')],
            ['Outcome', (e) => h('span', { class: `badge ${e.outcome}` }, e.outcome)],
            ['Reason', (e) => prose(e.reason)],
            ['Request id', (e) => (e.outcome === 'denied'
              ? h('a', { href: hashFor('why', { request_id: e.request_id }), title: 'Explain this deny' }, code(e.request_id))
              : code(e.request_id))],
            ['', details],
          ], answer.data, { empty: 'No event matches.' }),
          h('p', { class: 'pager' },
            h('button', { type: 'button', class: 'secondary', disabled: page === 0, onclick: () => { page -= 1; load(); } }, 'Newer'),
            ` page ${page + 1} of ${last + 1} (${total} event${total === 1 ? '' : 's'}) `,
            h('button', { type: 'button', class: 'secondary', disabled: page >= last, onclick: () => { page += 1; load(); } }, 'Older')));
      } catch (err) {
        clear(out, errorBox(err));
      }
    });
  }

  const form = h('form', { class: 'card query' },
    h('div', { class: 'row' }, field('Principal', principal), field('Action', action), field('Outcome', outcome), field('Request id', requestId)),
    h('div', { class: 'row' }, field('From', from), field('To', to), go));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    page = 0;
    load();
  });
  clear(root, heading('Audit', 'Admin writes (allowed and refused) and denied gateway requests, newest first.'), form, out);
  await load();
}
