// Create and edit forms of the policy view: roles, resource groups, role assignments.
// Each form builds the admin API's own body and sends it; the API's answer (201/200, or
// its error message as is) decides what the admin sees.

import { get, post, put } from '../api.js';
import { h, clear, code, errorBox, field, select, busy } from '../ui.js';
import { enc, level, permissions, scopePath } from '../scope.js';

const LEVELS = ['account', 'organization', 'project'];
const below = (s) => LEVELS.slice(LEVELS.indexOf(level(s)));
const words = (text) => text.split(/[\s,]+/).filter(Boolean);

/** The frame shared by the forms: title, fields, submit and cancel, the error area. */
function frame(title, fields, submitText, onSubmit, onCancel) {
  const problem = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, submitText);
  const form = h('form', { class: 'card editor' },
    h('h2', { tabindex: '-1' }, title), fields, problem,
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'secondary', onclick: onCancel }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(problem);
    await busy(submit, form, async () => {
      try {
        await onSubmit();
      } catch (err) {
        clear(problem, errorBox(err));
      }
    });
  });
  return form;
}

function levelBoxes(scope, chosen) {
  const boxes = below(scope).map((l) => h('input', { type: 'checkbox', name: 'level', value: l, checked: !chosen || chosen.includes(l) }));
  const el = h('fieldset', { class: 'inline' }, h('legend', {}, 'Usable at'),
    boxes.map((b) => h('label', {}, b, ' ', b.value)));
  return { el, value: () => boxes.filter((b) => b.checked).map((b) => b.value) };
}

/** A filterable checklist of the permissions available at or below the scope. */
async function permissionChecklist(scope, chosen) {
  const usable = new Set(below(scope));
  const all = (await permissions()).filter((p) => p.allowed_scope_levels.some((l) => usable.has(l)));
  const picked = new Set(chosen || []);
  const filter = h('input', { type: 'search', placeholder: 'filter: pipeline, sei_, _view…', 'aria-label': 'Filter permissions' });
  const count = h('span', { class: 'hint' });
  const list = h('div', { class: 'checklist' });
  const boxes = all.map((p) => {
    const box = h('input', { type: 'checkbox', value: p.identifier, checked: picked.has(p.identifier) });
    box.addEventListener('change', () => {
      if (box.checked) picked.add(p.identifier);
      else picked.delete(p.identifier);
      count.textContent = `${picked.size} selected`;
    });
    return { p, row: h('label', { class: 'check' }, box, ' ', code(p.identifier), h('span', { class: 'hint' }, ` ${p.resource_type}`)) };
  });
  const draw = () => {
    const needle = filter.value.trim().toLowerCase();
    clear(list, boxes.filter(({ p }) => !needle || p.identifier.includes(needle) || p.resource_type.toLowerCase().includes(needle))
      .map(({ row }) => row));
  };
  filter.addEventListener('input', draw);
  draw();
  count.textContent = `${picked.size} selected`;
  return {
    el: h('fieldset', {}, h('legend', {}, 'Permissions'), h('div', { class: 'row' }, filter, count), list),
    value: () => [...picked],
  };
}

export async function roleForm({ scope, existing, done, cancel }) {
  const id = h('input', { name: 'identifier', required: true, value: existing?.identifier, disabled: !!existing, spellcheck: 'false' });
  const name = h('input', { name: 'name', required: true, value: existing?.name });
  const description = h('input', { name: 'description', value: existing?.description });
  const levels = levelBoxes(scope, existing?.allowed_scope_levels);
  const perms = await permissionChecklist(scope, existing?.permissions);
  const base = `${scopePath(scope)}/roles`;
  return frame(existing ? `Edit role ${existing.identifier}` : 'New role',
    [h('div', { class: 'row' }, field('Identifier', id), field('Name', name)), field('Description', description), levels.el, perms.el],
    existing ? 'Save role' : 'Create role',
    async () => {
      const body = {
        identifier: id.value.trim(), name: name.value.trim(), description: description.value,
        permissions: perms.value(), allowed_scope_levels: levels.value(), tags: existing?.tags,
      };
      const answer = existing
        ? await put(`${base}/${enc(existing.identifier)}`, body)
        : await post(base, body);
      done(answer.data.identifier, existing ? 'saved' : 'created');
    }, cancel);
}

/** One resource-filter row: type, identifiers, attribute name and values. */
function filterRow(types, f, remove) {
  const type = select('resource_type', types.map((t) => [t, t]), f?.resource_type || types[0]);
  const ids = h('input', { name: 'identifiers', value: (f?.identifiers || []).join(', '), placeholder: 'all', spellcheck: 'false' });
  const attr = h('input', { name: 'attribute_name', value: f?.attribute_name, placeholder: 'e.g. team', spellcheck: 'false' });
  const values = h('input', { name: 'attribute_values', value: (f?.attribute_values || []).join(', '), spellcheck: 'false' });
  const row = h('div', { class: 'row filter' }, field('Resource type', type), field('Identifiers', ids),
    field('Attribute', attr), field('Values', values),
    h('button', { type: 'button', class: 'secondary', onclick: () => remove(row) }, 'Remove'));
  row.value = () => {
    const out = { resource_type: type.value };
    if (words(ids.value).length) out.identifiers = words(ids.value);
    if (attr.value.trim()) {
      out.attribute_name = attr.value.trim();
      out.attribute_values = words(values.value);
    }
    return out;
  };
  return row;
}

export async function groupForm({ scope, existing, done, cancel }) {
  const types = [...new Set((await permissions()).map((p) => p.resource_type))].sort();
  const id = h('input', { name: 'identifier', required: true, value: existing?.identifier, disabled: !!existing, spellcheck: 'false' });
  const name = h('input', { name: 'name', required: true, value: existing?.name });
  const description = h('input', { name: 'description', value: existing?.description });
  const own = existing?.included_scope?.[0];
  const children = h('input', { type: 'checkbox', name: 'children', checked: own ? own.filter === 'INCLUDING_CHILD_SCOPES' : level(scope) !== 'project' });
  const all = h('input', { type: 'checkbox', name: 'all', checked: !!existing?.include_all_resources });
  const rows = h('div', { class: 'filters' });
  const remove = (row) => row.remove();
  for (const f of existing?.resource_filter || []) rows.append(filterRow(types, f, remove));
  const add = h('button', { type: 'button', class: 'secondary', onclick: () => rows.append(filterRow(types, null, remove)) }, 'Add a resource filter');
  const filters = h('fieldset', {}, h('legend', {}, 'Resources'), rows, add);
  const sync = () => { filters.hidden = all.checked; };
  all.addEventListener('change', sync);
  sync();
  const base = `${scopePath(scope)}/resource-groups`;
  return frame(existing ? `Edit resource group ${existing.identifier}` : 'New resource group',
    [h('div', { class: 'row' }, field('Identifier', id), field('Name', name)), field('Description', description),
      h('label', { class: 'check' }, children, ' Include the scopes below this one'),
      h('label', { class: 'check' }, all, ' All resources'), filters],
    existing ? 'Save resource group' : 'Create resource group',
    async () => {
      const included = { filter: children.checked ? 'INCLUDING_CHILD_SCOPES' : 'EXCLUDING_CHILD_SCOPES' };
      if (scope.org) included.org = scope.org;
      if (scope.project) included.project = scope.project;
      const body = {
        identifier: id.value.trim(), name: name.value.trim(), description: description.value,
        included_scope: [included], include_all_resources: all.checked,
        resource_filter: all.checked ? [] : [...rows.children].map((r) => r.value()),
        color: existing?.color, tags: existing?.tags,
      };
      const answer = existing
        ? await put(`${base}/${enc(existing.identifier)}`, body)
        : await post(base, body);
      done(answer.data.identifier, existing ? 'saved' : 'created');
    }, cancel);
}

/** Roles an assignment at `scope` may use: built-in ones and custom ones of the scope and its ancestors. */
async function usableRoles(scope) {
  const scopes = [{ org: '', project: '' }];
  if (scope.org) scopes.push({ org: scope.org, project: '' });
  if (scope.project) scopes.push(scope);
  const lists = await Promise.all(scopes.map((s) => get(`${scopePath(s)}/roles`, { limit: 100 }).then((a) => a.data)));
  const seen = new Set();
  return lists.flat().filter((r) => !seen.has(r.identifier) && seen.add(r.identifier));
}

async function usableGroups(scope) {
  const [builtins, own] = await Promise.all([
    get('/v1/resource-groups', { limit: 100 }).then((a) => a.data.filter((g) => g.harness_managed)),
    scope.org ? get(`${scopePath(scope)}/resource-groups`, { limit: 100 }).then((a) => a.data) : [],
  ]);
  const seen = new Set();
  return [...builtins, ...own].filter((g) => !seen.has(g.identifier) && seen.add(g.identifier));
}

const PRINCIPALS = [['USER', 'User'], ['USER_GROUP', 'User group'], ['SERVICE_ACCOUNT', 'Service account']];

async function principalOptions(list, type, scope) {
  const path = type === 'USER' ? '/v1/users'
    : `${scopePath(scope)}/${type === 'USER_GROUP' ? 'user-groups' : 'service-accounts'}`;
  try {
    const { data } = await get(path, { limit: 100 });
    clear(list, data.map((p) => h('option', { value: p.identifier }, p.name || '')));
  } catch {
    clear(list);
  }
}

export async function assignmentForm({ scope, done, cancel }) {
  const problem = h('div');
  let roles = [];
  let groups = [];
  try {
    [roles, groups] = await Promise.all([usableRoles(scope), usableGroups(scope)]);
  } catch (err) {
    problem.append(errorBox(err));
  }
  const id = h('input', { name: 'identifier', required: true, spellcheck: 'false', placeholder: 'e.g. ra-alice-viewer' });
  const type = select('principal_type', PRINCIPALS, 'USER');
  const who = h('input', { name: 'principal', required: true, list: 'assign-known', spellcheck: 'false' });
  const known = h('datalist', { id: 'assign-known' });
  type.addEventListener('change', () => principalOptions(known, type.value, scope));
  principalOptions(known, type.value, scope);
  const role = select('role', roles.map((r) => [r.identifier, `${r.identifier} — ${r.name}`]), roles[0]?.identifier);
  const group = select('resource_group', groups.map((g) => [g.identifier, `${g.identifier} — ${g.name}`]), groups[0]?.identifier);
  const disabled = h('input', { type: 'checkbox', name: 'disabled' });
  return frame('New role assignment',
    [problem, h('div', { class: 'row' }, field('Identifier', id), field('Principal type', type), field('Principal', who), known),
      h('div', { class: 'row' }, field('Role', role), field('Resource group', group)),
      h('label', { class: 'check' }, disabled, ' Create it disabled')],
    'Create role assignment',
    async () => {
      const body = {
        identifier: id.value.trim(), role: role.value, resource_group: group.value,
        principal: { identifier: who.value.trim(), type: type.value }, disabled: disabled.checked,
      };
      const answer = await post(`${scopePath(scope)}/role-assignments`, body);
      done(answer.data['role-assignment'].identifier, 'created');
    }, cancel);
}
