// "Who can do what": a principal and a scope → its effective permissions, grouped by
// resource type, and the routes they open
// (`GET /v1/principals/{type}/{id}/permissions?scope=…`).

import { get, session } from '../api.js';
import { h, clear, code, errorBox, field, heading, note, select, table, busy, hashParams } from '../ui.js';
import { enc, parseScope, permissions, scopePicker, scopeText } from '../scope.js';

const TYPES = [['USER', 'User'], ['SERVICE_ACCOUNT', 'Service account']];

/** Identifiers for the datalist; a caller who may not list them simply types. */
async function known(list, type) {
  const path = type === 'USER' ? '/v1/users' : '/v1/service-accounts';
  try {
    const { data } = await get(path, { limit: 100 });
    clear(list, data.map((p) => h('option', { value: p.identifier }, p.name || p.email || '')));
  } catch {
    clear(list);
  }
}

function grouped(held, catalogue) {
  const byId = new Map(catalogue.map((p) => [p.identifier, p]));
  const groups = new Map();
  for (const id of held) {
    const type = byId.get(id)?.resource_type || '(unknown)';
    if (!groups.has(type)) groups.set(type, []);
    groups.get(type).push(id);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function showAnswer(out, answer, catalogue) {
  const filter = h('input', { type: 'search', placeholder: 'permission or resource type', 'aria-label': 'Filter permissions' });
  const body = h('div');
  const draw = () => {
    const needle = filter.value.trim().toLowerCase();
    const rows = grouped(answer.permissions, catalogue)
      .map(([type, ids]) => [type, needle && !type.toLowerCase().includes(needle)
        ? ids.filter((i) => i.toLowerCase().includes(needle)) : ids])
      .filter(([, ids]) => ids.length);
    clear(body, table([
      ['Resource type', ([type]) => code(type)],
      ['Permissions', ([, ids]) => h('ul', { class: 'chips' }, ids.map((i) => h('li', {}, code(i))))],
    ], rows, { empty: needle ? 'No permission matches the filter.' : 'No permission at this scope.' }));
  };
  filter.addEventListener('input', draw);
  draw();
  const p = answer.principal;
  clear(out,
    h('p', { class: 'summary', role: 'status' }, code(`${p.type}:${p.identifier}`), ' at ', code(answer.scope),
      ` holds ${answer.permissions.length} permission${answer.permissions.length === 1 ? '' : 's'}`
      + ` and opens ${answer.routes.length} route${answer.routes.length === 1 ? '' : 's'}.`),
    h('h2', {}, 'Permissions by resource type'),
    field('Filter', filter),
    body,
    h('h2', {}, 'Routes they open'),
    table([
      ['Method', (r) => code(r.method)],
      ['Path', (r) => code(r.path)],
    ], answer.routes, { empty: 'No route of the loaded route table.' }));
}

export async function render(root) {
  const me = session().principal;
  const params = hashParams();
  const type = select('type', TYPES, params.type || me.type);
  const id = h('input', { name: 'id', required: true, list: 'who-known', value: params.id || me.identifier, spellcheck: 'false' });
  const list = h('datalist', { id: 'who-known' });
  const picker = scopePicker(params.scope ? { initial: parseScope(params.scope) } : {});
  const go = h('button', { type: 'submit' }, 'Show permissions');
  const out = h('div', { class: 'result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card query' },
    h('div', { class: 'row' }, field('Principal type', type), field('Identifier', id), list),
    picker.el, go);
  type.addEventListener('change', () => known(list, type.value));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    await busy(go, out, async () => {
      const scope = scopeText(picker.value());
      try {
        const [{ data }, catalogue] = await Promise.all([
          get(`/v1/principals/${enc(type.value)}/${enc(id.value.trim())}/permissions`, { scope }),
          permissions(),
        ]);
        showAnswer(out, data, catalogue);
      } catch (err) {
        clear(out, errorBox(err));
      }
    });
  });
  clear(root, heading('Who can do what',
    'A user or service account and a scope: the permissions it holds there, by resource type, and the gateway routes they open.'),
  form, out);
  known(list, type.value);
  await picker.ready;
  if (params.id) form.requestSubmit();
  else out.append(note('Pick a principal and a scope, then “Show permissions”.'));
}
