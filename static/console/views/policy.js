// "Roles, resource groups, assignments" at a scope: browse, create, edit, delete. Lists and
// writes are the admin API's (`…/roles`, `…/resource-groups`, `…/role-assignments` at
// `/v1`, `/v1/orgs/{org}`, `/v1/orgs/{org}/projects/{project}`); refusals are its messages.

import { get, put, del } from '../api.js';
import { h, clear, code, errorBox, heading, note, table, busy, hashParams, hashFor } from '../ui.js';
import { enc, scopePath, scopePicker, scopeText } from '../scope.js';
import { assignmentForm, groupForm, roleForm } from './policy_forms.js';

const ra = (x) => x['role-assignment'];
const managed = (yes) => (yes ? h('span', { class: 'badge managed' }, 'built-in') : '');

function included(g) {
  if (!g.included_scope.length) return 'no scope (grants nothing)';
  return g.included_scope.map((s) => [s.account, s.org, s.project].filter(Boolean).join('/')
    + (s.filter === 'INCLUDING_CHILD_SCOPES' ? ' and below' : '')).join('; ');
}

function resources(g) {
  if (g.include_all_resources) return 'all resources';
  if (!g.resource_filter.length) return 'none';
  return g.resource_filter.map((f) => {
    let text = f.resource_type;
    if (f.identifiers?.length) text += `: ${f.identifiers.join(', ')}`;
    if (f.attribute_name) text += ` where ${f.attribute_name} ∈ {${(f.attribute_values || []).join(', ')}}`;
    return text;
  }).join('; ');
}

const KINDS = {
  roles: {
    title: 'Roles', path: 'roles', noun: 'role', id: (x) => x.identifier, form: roleForm,
    columns: [
      ['Name', (x) => x.name],
      ['Permissions', (x) => String(x.permissions.length)],
      ['Usable at', (x) => x.allowed_scope_levels.join(', ')],
      ['', (x) => managed(x.harness_managed)],
    ],
    facts: (x) => [
      ['Name', x.name], ['Description', x.description || '—'], ['Usable at', x.allowed_scope_levels.join(', ')],
      ['Permissions', h('ul', { class: 'chips' }, x.permissions.map((p) => h('li', {}, code(p))))],
    ],
  },
  groups: {
    title: 'Resource groups', path: 'resource-groups', noun: 'resource group', id: (x) => x.identifier, form: groupForm,
    columns: [
      ['Name', (x) => x.name],
      ['Scopes', included],
      ['Resources', resources],
      ['', (x) => managed(x.harness_managed)],
    ],
    facts: (x) => [
      ['Name', x.name], ['Description', x.description || '—'], ['Scopes', included(x)], ['Resources', resources(x)],
    ],
  },
  assignments: {
    title: 'Role assignments', path: 'role-assignments', noun: 'role assignment', id: (x) => ra(x).identifier, form: assignmentForm,
    columns: [
      ['Principal', (x) => code(`${ra(x).principal.type}:${ra(x).principal.identifier}`)],
      ['Role', (x) => code(ra(x).role)],
      ['Resource group', (x) => code(ra(x).resource_group)],
      ['State', (x) => (ra(x).disabled ? h('span', { class: 'badge denied' }, 'disabled') : 'enabled')],
      ['', (x) => managed(x.harness_managed)],
    ],
    facts: (x) => [
      ['Principal', code(`${ra(x).principal.type}:${ra(x).principal.identifier}`)], ['Role', code(ra(x).role)],
      ['Resource group', code(ra(x).resource_group)], ['State', ra(x).disabled ? 'disabled' : 'enabled'],
    ],
  },
};

const PAGE = 50;

export async function render(root) {
  const params = hashParams();
  let tab = KINDS[params.tab] ? params.tab : 'roles';
  let page = 0;
  let scope;
  const picker = scopePicker({ onChange: (s) => { scope = s; page = 0; load(); } });
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'What to manage' });
  const status = h('div', { 'aria-live': 'polite' });
  const listBox = h('div', { class: 'list' });
  const detailBox = h('div', { class: 'detail' });
  const create = h('button', { type: 'button' });

  const drawTabs = () => {
    clear(tabs, Object.entries(KINDS).map(([key, k]) => h('button', {
      type: 'button', class: 'tab', 'aria-pressed': String(key === tab),
      onclick: () => { tab = key; page = 0; history.replaceState(null, '', hashFor('policy', { tab })); drawTabs(); load(); },
    }, k.title)));
    create.textContent = `New ${KINDS[tab].noun}`;
  };

  async function load(selected) {
    const k = KINDS[tab];
    clear(detailBox);
    listBox.setAttribute('aria-busy', 'true');
    try {
      const answer = await get(`${scopePath(scope)}/${k.path}`, { limit: PAGE, page });
      const total = Number(answer.headers.get('X-Total-Elements') || answer.data.length);
      const open = (x) => h('button', { type: 'button', class: 'link', onclick: () => showDetail(x) }, k.id(x));
      clear(listBox,
        h('h2', {}, `${k.title} at `, code(scopeText(scope))),
        table([['Identifier', open], ...k.columns], answer.data, { empty: `No ${k.noun} at this scope.` }),
        pager(total));
      const pick = selected && answer.data.find((x) => k.id(x) === selected);
      if (pick) showDetail(pick);
    } catch (err) {
      clear(listBox, h('h2', {}, `${k.title} at `, code(scopeText(scope))), errorBox(err));
    } finally {
      listBox.removeAttribute('aria-busy');
    }
  }

  function pager(total) {
    if (total <= PAGE) return h('p', { class: 'hint' }, `${total} in all.`);
    const last = Math.ceil(total / PAGE) - 1;
    return h('p', { class: 'pager' },
      h('button', { type: 'button', class: 'secondary', disabled: page === 0, onclick: () => { page -= 1; load(); } }, 'Previous'),
      ` page ${page + 1} of ${last + 1} (${total} in all) `,
      h('button', { type: 'button', class: 'secondary', disabled: page >= last, onclick: () => { page += 1; load(); } }, 'Next'));
  }

  const done = (id, verb) => {
    clear(status, note(`${KINDS[tab].noun[0].toUpperCase()}${KINDS[tab].noun.slice(1)} ${id} ${verb}.`, 'ok'));
    return load(verb === 'deleted' ? null : id);
  };

  async function openForm(existing) {
    clear(status);
    const k = KINDS[tab];
    try {
      const form = await k.form({ scope, existing, done, cancel: () => clear(detailBox) });
      clear(detailBox, form);
      form.querySelector('h2')?.focus();
    } catch (err) {
      clear(detailBox, errorBox(err));
    }
  }

  function showDetail(x) {
    const k = KINDS[tab];
    const id = k.id(x);
    const problem = h('div', { 'aria-live': 'polite' });
    const path = `${scopePath(scope)}/${k.path}/${enc(id)}`;
    const confirmBox = h('div', { class: 'confirm', hidden: true });
    const remove = h('button', { type: 'button', class: 'danger', onclick: () => { confirmBox.hidden = false; confirmBox.querySelector('button').focus(); } }, 'Delete');
    const yes = h('button', { type: 'button', class: 'danger' }, `Delete ${k.noun} ${id}`);
    yes.addEventListener('click', () => busy(yes, detailBox, async () => {
      try {
        await del(path);
        await done(id, 'deleted');
      } catch (err) {
        confirmBox.hidden = true;
        clear(problem, errorBox(err));
      }
    }));
    confirmBox.append(h('p', {}, `Delete ${k.noun} `, code(id), ' at ', code(scopeText(scope)), '?'
      + (tab === 'assignments' ? '' : ' Its role assignments are deleted with it.')),
    yes, ' ', h('button', { type: 'button', class: 'secondary', onclick: () => { confirmBox.hidden = true; remove.focus(); } }, 'Cancel'));
    const actions = [];
    if (tab === 'assignments') {
      const on = ra(x).disabled;
      const toggle = h('button', { type: 'button' }, on ? 'Enable' : 'Disable');
      toggle.addEventListener('click', () => busy(toggle, detailBox, async () => {
        const r = ra(x);
        try {
          await put(path, {
            identifier: r.identifier, role: r.role, resource_group: r.resource_group,
            principal: { identifier: r.principal.identifier, type: r.principal.type, scope_level: r.principal.scope_level },
            disabled: !on,
          });
          await done(id, on ? 'enabled' : 'disabled');
        } catch (err) {
          clear(problem, errorBox(err));
        }
      }));
      actions.push(toggle);
    } else {
      actions.push(h('button', { type: 'button', onclick: () => openForm(x) }, 'Edit'));
    }
    actions.push(remove);
    const title = h('h2', { tabindex: '-1' }, `${k.noun[0].toUpperCase()}${k.noun.slice(1)} `, code(id), ' ', managed(x.harness_managed));
    clear(detailBox, h('div', { class: 'card' }, title,
      h('dl', { class: 'facts' }, k.facts(x).map(([dt, dd]) => [h('dt', {}, dt), h('dd', {}, dd)])),
      h('div', { class: 'actions' }, actions), confirmBox, problem));
    title.focus();
  }

  create.addEventListener('click', () => openForm(null));
  drawTabs();
  clear(root, heading('Roles, resource groups, assignments',
    'Browse and change the policy at a scope. Built-in entities are read-only; every refusal is the API’s own answer.'),
  h('div', { class: 'card query' }, picker.el, tabs, h('div', { class: 'actions' }, create)), status, h('div', { class: 'split' }, listBox, detailBox));
  await picker.ready;
  scope = picker.value();
  await load();
}
