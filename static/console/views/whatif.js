// "What if": one change (remove or disable an assignment, edit a role's permissions, move a
// split phase) → `POST /v1/policy/preview` (DESIGN §4.8), which runs the change as the
// caller's own write inside a rolled-back transaction and re-decides the logged decisions:
// the tables of requests that would become denied or allowed. Nothing is written.

import { get, post } from '../api.js';
import { h, clear, code, errorBox, field, heading, note, select, table, busy, time } from '../ui.js';
import { enc, scopePath, scopePicker } from '../scope.js';

const KINDS = [
  ['remove-assignment', 'Remove a role assignment'],
  ['disable-assignment', 'Disable a role assignment'],
  ['edit-role', 'Edit a role’s permissions'],
  ['split-phase', 'Move a permission split to its next phase'],
];

const SINCE = [['', 'the whole decision log'], ['1', 'the last hour'], ['24', 'the last 24 hours'], ['168', 'the last 7 days']];
const PHASES = ['off', 'migration', 'enforced'];

/** The PUT body that changes only `disabled` of an assignment as listed. */
function disabledBody(a) {
  const r = a['role-assignment'];
  return {
    identifier: r.identifier,
    resource_group: r.resource_group,
    role: r.role,
    principal: { identifier: r.principal.identifier, type: r.principal.type, scope_level: r.principal.scope_level },
    disabled: true,
  };
}

function assignmentPart(kind) {
  const choice = h('select', { name: 'assignment', required: true });
  const problem = h('div');
  let listed = [];
  let scope = null;
  const load = async (s) => {
    scope = s;
    clear(problem);
    clear(choice, h('option', { value: '' }, 'loading…'));
    try {
      listed = (await get(`${scopePath(s)}/role-assignments`, { limit: 100 })).data;
      clear(choice, h('option', { value: '' }, listed.length ? '— pick one —' : '(none at this scope)'),
        listed.map((a, i) => {
          const r = a['role-assignment'];
          return h('option', { value: String(i) },
            `${r.identifier}: ${r.role} on ${r.resource_group} for ${r.principal.type}:${r.principal.identifier}${r.disabled ? ' (disabled)' : ''}`);
        }));
    } catch (err) {
      listed = [];
      clear(choice, h('option', { value: '' }, '(cannot list)'));
      clear(problem, errorBox(err));
    }
  };
  const picker = scopePicker({ onChange: load });
  picker.ready.then(() => load(picker.value()));
  return {
    el: [picker.el, field('Assignment', choice), problem],
    change() {
      const a = listed[Number(choice.value)];
      if (!choice.value || !a) throw new Error('pick an assignment');
      const path = `${scopePath(scope)}/role-assignments/${enc(a['role-assignment'].identifier)}`;
      return kind === 'remove-assignment'
        ? { method: 'DELETE', path }
        : { method: 'PUT', path, body: disabledBody(a) };
    },
  };
}

function rolePart() {
  const choice = h('select', { name: 'role', required: true });
  const perms = h('textarea', { name: 'permissions', rows: '8', spellcheck: 'false' });
  const problem = h('div');
  let roles = [];
  let scope = null;
  const fill = () => {
    const r = roles[Number(choice.value)];
    perms.value = r ? r.permissions.join('\n') : '';
  };
  const load = async (s) => {
    scope = s;
    clear(problem);
    try {
      roles = (await get(`${scopePath(s)}/roles`, { limit: 100 })).data.filter((r) => !r.harness_managed);
      clear(choice, h('option', { value: '' }, roles.length ? '— pick one —' : '(no custom role at this scope)'),
        roles.map((r, i) => h('option', { value: String(i) }, `${r.identifier} (${r.name})`)));
    } catch (err) {
      roles = [];
      clear(choice, h('option', { value: '' }, '(cannot list)'));
      clear(problem, errorBox(err));
    }
    fill();
  };
  choice.addEventListener('change', fill);
  const picker = scopePicker({ onChange: load });
  picker.ready.then(() => load(picker.value()));
  return {
    el: [picker.el, field('Custom role', choice, 'Built-in roles are read-only.'),
      field('Permissions after the change', perms, 'One identifier per line (or separated by spaces or commas).'), problem],
    change() {
      const r = roles[Number(choice.value)];
      if (!choice.value || !r) throw new Error('pick a role');
      const permissions = perms.value.split(/[\s,]+/).filter(Boolean);
      return {
        method: 'PUT',
        path: `${scopePath(scope)}/roles/${enc(r.identifier)}`,
        body: {
          identifier: r.identifier, name: r.name, permissions, allowed_scope_levels: r.allowed_scope_levels,
          description: r.description, tags: r.tags,
        },
      };
    },
  };
}

function splitPart() {
  const choice = h('select', { name: 'split', required: true });
  const problem = h('div');
  let splits = [];
  (async () => {
    try {
      splits = (await get('/v1/settings/permission-splits')).data;
      clear(choice, splits.map((s, i) => {
        const next = PHASES[PHASES.indexOf(s.phase) + 1];
        return h('option', { value: String(i), disabled: !next },
          next ? `${s.resource_type}: ${s.phase} → ${next}` : `${s.resource_type}: ${s.phase} (last phase)`);
      }));
    } catch (err) {
      clear(problem, errorBox(err));
    }
  })();
  return {
    el: [field('Split pair', choice, 'Phases move forward only: off → migration → enforced.'), problem],
    change() {
      const s = splits[Number(choice.value)];
      const next = s && PHASES[PHASES.indexOf(s.phase) + 1];
      if (!next) throw new Error('pick a split pair that has a next phase');
      return { method: 'PUT', path: '/v1/settings/permission-splits', body: { resource_type: s.resource_type, phase: next } };
    },
  };
}

const affected = (rows) => table([
  ['Principal', (r) => code(r.principal)],
  ['Permission', (r) => code(r.permission)],
  ['Resource', (r) => code(r.resource)],
  ['Requests', (r) => String(r.requests)],
  ['Last seen', (r) => time(r.last_seen)],
], rows || [], { empty: 'None.' });

function showPreview(out, p) {
  clear(out,
    h('p', { class: 'summary', role: 'status' },
      `Re-decided ${p.evaluated} logged decision${p.evaluated === 1 ? '' : 's'} (${p.requests} request${p.requests === 1 ? '' : 's'}) under the changed policy. Nothing was written.`),
    table([
      ['Change', (c) => [code(c.method), ' ', code(c.path)]],
      ['Status', (c) => String(c.status)],
    ], p.changes || []),
    h('h2', {}, `Newly denied (${(p.newly_denied || []).length})`),
    affected(p.newly_denied),
    h('h2', {}, `Newly allowed (${(p.newly_allowed || []).length})`),
    affected(p.newly_allowed),
    p.truncated ? note('The lists are truncated to their 1,000 largest entries.', 'warn') : null);
}

export async function render(root) {
  const kind = select('kind', KINDS, 'remove-assignment');
  const since = select('since', SINCE, '');
  const detail = h('div', { class: 'detail' });
  const go = h('button', { type: 'submit' }, 'Preview');
  const out = h('div', { class: 'result', 'aria-live': 'polite' });
  let part = null;
  const pick = () => {
    part = kind.value === 'edit-role' ? rolePart()
      : kind.value === 'split-phase' ? splitPart() : assignmentPart(kind.value);
    clear(detail, part.el);
  };
  kind.addEventListener('change', pick);
  pick();
  const form = h('form', { class: 'card query' }, field('Change', kind), detail,
    field('Decisions to replay', since), go);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let change;
    try {
      change = part.change();
    } catch (err) {
      clear(out, note(`Cannot preview yet: ${err.message}.`, 'warn'));
      return;
    }
    const body = { changes: [change] };
    if (since.value) body.since = Date.now() - Number(since.value) * 3600 * 1000;
    await busy(go, out, async () => {
      try {
        showPreview(out, (await post('/v1/policy/preview', body)).data);
      } catch (err) {
        const missing = err.status === 404 && err.message.startsWith('no route for');
        clear(out, errorBox(err, missing
          ? 'This scopegate has no policy preview endpoint (POST /v1/policy/preview) yet.'
          : null));
      }
    });
  });
  clear(root, heading('What if…',
    'Preview one change against the gateway’s recent decisions: who would lose or gain access. The change runs with your permissions and is rolled back.'),
  form, out);
}
