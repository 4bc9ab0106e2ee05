// Scopes (account ⊃ organization ⊃ project) as the console handles them, the scope picker
// shared by the views, and the permission catalogue (read once per session).

import { get, session } from './api.js';
import { h, field } from './ui.js';

/** The scope the admin last picked, kept across views: `{org, project}` ('' for none). */
let chosen = { org: '', project: '' };
let catalogue = null;
let orgs = null;

export function resetCaches() {
  chosen = { org: '', project: '' };
  catalogue = null;
  orgs = null;
}

/** `/v1`, `/v1/orgs/eng`, `/v1/orgs/eng/projects/web`. */
export function scopePath(s) {
  if (s.org && s.project) return `/v1/orgs/${enc(s.org)}/projects/${enc(s.project)}`;
  if (s.org) return `/v1/orgs/${enc(s.org)}`;
  return '/v1';
}

/** `demo`, `demo/eng`, `demo/eng/web`. */
export function scopeText(s) {
  return [session()?.account, s.org, s.project].filter(Boolean).join('/');
}

export function level(s) {
  if (s.project) return 'project';
  return s.org ? 'organization' : 'account';
}

/** `demo/eng/web` → `{org: 'eng', project: 'web'}` (the account part is dropped). */
export function parseScope(text) {
  const [, org = '', project = ''] = (text || '').split('/');
  return { org, project };
}

export const enc = encodeURIComponent;

/** The permission catalogue: `[{identifier, name, resource_type, action, allowed_scope_levels}]`. */
export async function permissions() {
  if (!catalogue) catalogue = (await get('/v1/permissions')).data;
  return catalogue;
}

async function listOrgs() {
  if (!orgs) orgs = (await get('/v1/orgs', { limit: 100 })).data.map((o) => o.org.identifier);
  return orgs;
}

/**
 * Two selects (organization, project) for a scope of the signed-in account. `onChange` gets
 * the new scope. Organizations the caller may not list leave the picker at the account.
 */
export function scopePicker({ onChange, initial } = {}) {
  const value = { ...(initial || chosen) };
  const org = h('select', { name: 'org' }, h('option', { value: '' }, '— whole account —'));
  const project = h('select', { name: 'project', disabled: true },
    h('option', { value: '' }, '— whole organization —'));
  const problem = h('span', { class: 'hint' });
  const el = h('fieldset', { class: 'scope' }, h('legend', {}, 'Scope'),
    field('Organization', org), field('Project', project), problem);

  async function fillProjects() {
    project.replaceChildren(h('option', { value: '' }, '— whole organization —'));
    project.disabled = !value.org;
    if (!value.org) return;
    try {
      const { data } = await get(`/v1/orgs/${enc(value.org)}/projects`, { limit: 100 });
      for (const p of data) {
        const id = p.project.identifier;
        project.append(h('option', { value: id, selected: id === value.project }, id));
      }
      if (!data.some((p) => p.project.identifier === value.project)) value.project = '';
    } catch (e) {
      problem.textContent = `Projects: ${e.message}`;
    }
  }

  const ready = (async () => {
    try {
      for (const id of await listOrgs()) {
        org.append(h('option', { value: id, selected: id === value.org }, id));
      }
      if (!orgs.includes(value.org)) value.org = '';
    } catch (e) {
      value.org = '';
      problem.textContent = `Organizations: ${e.message}`;
    }
    await fillProjects();
  })();

  org.addEventListener('change', async () => {
    value.org = org.value;
    value.project = '';
    await fillProjects();
    chosen = { ...value };
    onChange?.({ ...value });
  });
  project.addEventListener('change', () => {
    value.project = project.value;
    chosen = { ...value };
    onChange?.({ ...value });
  });
  return { el, ready, value: () => ({ ...value }) };
}
