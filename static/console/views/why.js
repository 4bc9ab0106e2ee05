// "Why": a request id from a 403 (or a recent deny from the audit log) → the recorded event
// (`GET /v1/audit-events?request_id=…`) and what the engine answers now for the same question
// (`POST /v1/access/explain`): the missing permission and the assignments that came close.

import { get, post } from '../api.js';
import { h, clear, code, errorBox, field, heading, note, prose, table, busy, time, hashParams, hashFor } from '../ui.js';

const principalText = (p) => (p.type ? `${p.type}:${p.identifier}` : '(anonymous)');

function scopeOf(e) {
  return [e.account, e.org, e.project].filter(Boolean).join('/');
}

function resourceOf(e) {
  const r = e.resource_identifier ? `${e.resource_type}/${e.resource_identifier}` : e.resource_type;
  return `${r} in ${scopeOf(e)}`;
}

const nearMisses = (list) => table([
  ['Assignment', (m) => code(m.assignment)],
  ['Role', (m) => code(m.role)],
  ['Resource group', (m) => code(m.resource_group)],
  ['Scope', (m) => code(m.scope)],
  ['Why it did not grant', (m) => prose(m.why)],
], list || [], { empty: 'No assignment of this principal comes close.' });

function eventCard(e) {
  const after = e.after && typeof e.after === 'object' ? e.after : {};
  return h('dl', { class: 'facts' },
    h('dt', {}, 'When'), h('dd', {}, time(e.at)),
    h('dt', {}, 'Who'), h('dd', {}, code(principalText(e.principal))),
    h('dt', {}, 'What'), h('dd', {}, code(e.action), after.route ? [' on route ', code(after.route)] : null),
    after.permission ? [h('dt', {}, 'Permission'), h('dd', {}, code(after.permission))] : null,
    h('dt', {}, 'Resource'), h('dd', {}, code(resourceOf(e))),
    h('dt', {}, 'Outcome'), h('dd', {}, h('span', { class: `badge ${e.outcome}` }, e.outcome)),
    h('dt', {}, 'Reason'), h('dd', {}, e.reason ? prose(e.reason) : '—'));
}

/** The explain question for a gateway deny: same principal, permission and resource. */
function question(e) {
  const scope = { accountIdentifier: e.account };
  if (e.org) scope.orgIdentifier = e.org;
  if (e.project) scope.projectIdentifier = e.project;
  const q = {
    principal: { identifier: e.principal.identifier, type: e.principal.type },
    resourceScope: scope,
    resourceType: e.resource_type,
    permission: e.after.permission,
  };
  if (e.resource_identifier) q.resourceIdentifier = e.resource_identifier;
  return q;
}

function explanation(answer, unchanged) {
  if (answer.permitted) {
    const g = answer.granted_by || {};
    return [
      note('Permitted now: the policy has changed since this request.', 'ok'),
      h('p', {}, 'Granted by assignment ', code(g.assignment), ' (role ', code(g.role), ', resource group ',
        code(g.resource_group), ', scope ', code(g.scope), ').'),
    ];
  }
  return [
    h('p', { class: 'verdict' }, 'Still denied: missing permission ', code(answer.missing_permission), '.'),
    h('p', {}, prose(answer.reason)),
    h('h3', {}, unchanged ? 'Near misses (as when it was decided)' : 'Near misses'),
    nearMisses(answer.near_misses),
  ];
}

async function explainId(out, requestId) {
  const { data: events } = await get('/v1/audit-events', { request_id: requestId, limit: 10 });
  if (!events.length) {
    clear(out, note(`No audit event has request id “${requestId}”. Gateway denies are recorded within about a second `
      + '(best effort); allowed gateway requests are not recorded.', 'warn'));
    return;
  }
  const e = events.find((x) => x.outcome === 'denied') || events[0];
  const parts = [h('h2', { tabindex: '-1' }, 'The request'), eventCard(e)];
  const recorded = e.after && typeof e.after === 'object' ? e.after : null;
  if (e.action === 'gateway.request' && recorded?.permission) {
    let now = null;
    let problem = null;
    try {
      now = (await post('/v1/access/explain', question(e))).data;
    } catch (err) {
      problem = err;
    }
    const then = recorded.near_misses || [];
    const key = (list) => list.map((m) => [m.assignment, m.role, m.resource_group, m.scope, m.why].join('|')).join('\n');
    const unchanged = now && !now.permitted && key(then) === key(now.near_misses || []);
    if (!unchanged && then.length) {
      parts.push(h('h3', {}, 'Near misses when it was decided'), nearMisses(then));
    }
    parts.push(h('h2', {}, 'Explained now'), now ? explanation(now, unchanged) : errorBox(problem));
  } else if (e.outcome === 'denied') {
    parts.push(note('An admin API write was refused: the reason above names what was missing.'));
  } else {
    parts.push(note('This request was allowed.', 'ok'));
  }
  clear(out, parts);
}

async function recentDenies(box, choose) {
  try {
    const { data } = await get('/v1/audit-events', { outcome: 'denied', limit: 15 });
    clear(box, h('h2', {}, 'Recent denies'), table([
      ['When', (e) => time(e.at)],
      ['Who', (e) => code(principalText(e.principal))],
      ['What', (e) => code(e.action)],
      ['Resource', (e) => resourceOf(e)],
      ['', (e) => h('button', { type: 'button', class: 'link', onclick: () => choose(e.request_id) }, 'Explain')],
    ], data, { empty: 'No deny recorded yet.' }));
  } catch (err) {
    clear(box, h('h2', {}, 'Recent denies'), errorBox(err));
  }
}

export async function render(root) {
  const params = hashParams();
  const input = h('input', { name: 'request_id', required: true, spellcheck: 'false', value: params.request_id || '', placeholder: 'the request_id of a 403 answer' });
  const go = h('button', { type: 'submit' }, 'Explain');
  const out = h('div', { class: 'result', 'aria-live': 'polite' });
  const recent = h('div', { class: 'recent' });
  const form = h('form', { class: 'card query' }, h('div', { class: 'row' }, field('Request id', input), go));
  const run = async (id) => {
    input.value = id;
    history.replaceState(null, '', hashFor('why', { request_id: id }));
    await busy(go, out, async () => {
      try {
        await explainId(out, id);
      } catch (err) {
        clear(out, errorBox(err));
      }
    });
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(input.value.trim());
  });
  clear(root, heading('Why was it denied?',
    'Paste the request id of a 403 (its body’s request_id, or the X-Request-Id header), or pick a recent deny.'),
  form, out, recent);
  const choose = (id) => run(id).then(() => out.querySelector('h2')?.focus());
  await Promise.all([params.request_id ? run(params.request_id) : null, recentDenies(recent, choose)]);
}
