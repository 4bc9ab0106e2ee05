// The console's shell: sign-in and sign-out, the header (who is signed in, which account),
// and the hash router (`#/who`, `#/why?request_id=…`, …) that renders one view at a time.

import * as api from './api.js';
import { clear, errorBox, note } from './ui.js';
import { resetCaches } from './scope.js';
import * as who from './views/who.js';
import * as why from './views/why.js';
import * as whatif from './views/whatif.js';
import * as policy from './views/policy.js';
import * as audit from './views/audit.js';

const VIEWS = { who, why, whatif, policy, audit };
const $ = (id) => document.getElementById(id);

let renderCount = 0;

function showSignIn(problem) {
  $('nav').hidden = true;
  $('whoami').hidden = true;
  $('view').hidden = true;
  clear($('view'));
  $('signin').hidden = false;
  clear($('signin-error'), problem || null);
  $('signin-title').focus();
}

function showHeader(s) {
  $('whoami-principal').textContent = `${s.principal.type}:${s.principal.identifier}`;
  $('whoami-account').textContent = s.account;
  $('whoami').hidden = false;
  $('nav').hidden = false;
  $('signin').hidden = true;
}

async function route() {
  const s = api.session();
  if (!s) return showSignIn();
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1];
  const view = VIEWS[name];
  if (!view) {
    location.replace('#/who');
    return;
  }
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const container = $('view');
  const mine = ++renderCount;
  container.hidden = false;
  clear(container);
  document.title = `${document.querySelector(`#nav a[data-view="${name}"]`).textContent} · scopegate`;
  try {
    await view.render(container, { isCurrent: () => mine === renderCount });
  } catch (e) {
    if (mine === renderCount) container.append(errorBox(e));
  }
  if (mine === renderCount) container.querySelector('.view-title')?.focus();
}

/** Keeps `s` only after the server has accepted its credential. */
async function adopt(candidate, form) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const principal = await api.whoami(candidate);
    api.save({ ...candidate, principal });
    resetCaches();
    form.reset();
    showHeader(api.session());
    if (!location.hash || location.hash === '#') location.hash = '#/who';
    else await route();
  } finally {
    button.disabled = false;
  }
}

async function signInWithToken(event) {
  event.preventDefault();
  const form = event.target;
  clear($('signin-error'));
  const token = form.token.value.trim();
  try {
    await adopt({ kind: 'token', credential: token, account: api.tokenAccount(token) || '?' }, form);
  } catch (e) {
    form.token.value = '';
    showSignIn(errorBox(e));
  }
}

async function signInWithPassword(event) {
  event.preventDefault();
  const form = event.target;
  clear($('signin-error'));
  const account = form.account.value.trim();
  try {
    const { data } = await api.call('POST', '/v1/auth/login', {
      body: { email: form.email.value.trim(), password: form.password.value, account },
      as: null,
    });
    await adopt({ kind: 'jwt', credential: data.token, account, expiresAt: data.expires_at }, form);
  } catch (e) {
    form.password.value = '';
    showSignIn(errorBox(e));
  }
}

function signOut() {
  api.clear();
  resetCaches();
  history.replaceState(null, '', location.pathname);
  showSignIn(note('Signed out.', 'ok'));
}

api.onExpired((e) => {
  api.clear();
  resetCaches();
  showSignIn(errorBox(e, 'Your session is no longer accepted: sign in again.'));
});

async function start() {
  $('token-form').addEventListener('submit', signInWithToken);
  $('password-form').addEventListener('submit', signInWithPassword);
  $('signout').addEventListener('click', signOut);
  // The skip link moves the focus; letting it change the hash would reach the router.
  document.querySelector('.skip').addEventListener('click', (e) => {
    e.preventDefault();
    $('main').focus();
  });
  window.addEventListener('hashchange', route);
  // The current view's link opens it afresh (no hashchange fires for it).
  $('nav').addEventListener('click', (e) => {
    const link = e.target.closest('a');
    if (link && link.getAttribute('href') === location.hash) {
      e.preventDefault();
      route();
    }
  });
  const s = api.restore();
  if (!s) return showSignIn();
  showHeader(s);
  await route();
}

start();
