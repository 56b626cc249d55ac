// The console's page script: a small single-page app over the admin API (ADMIN_BASE_PATH), which
// it calls with the per-start secret taken from the link's fragment (never sent to a server).
'use strict';

const BASE = '/admin/v1';
const secret = (() => {
  const match = /secret=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem('consoleSecret', match[1]);
    // Out of the address bar and the history, so it is not shared with a screenshot or a copied link.
    history.replaceState(null, '', location.pathname + '#/connection');
  }
  return sessionStorage.getItem('consoleSecret') || '';
})();

const state = { tenants: [], tenant: localStorage.getItem('consoleTenant') || '', connection: null };

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || 'Request failed (' + status + ')');
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, options = {}) {
  const query = options.query ? '?' + new URLSearchParams(Object.entries(options.query).filter(([, value]) => value !== undefined && value !== '')) : '';
  const response = await fetch(BASE + path + query, {
    method,
    headers: { 'X-Console-Secret': secret, ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** An element with attributes (on* are listeners) and children (strings become text, never HTML). */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) if (child !== undefined && child !== null && child !== false) element.append(child instanceof Node ? child : String(child));
  return element;
}

const main = () => document.getElementById('main');
const tenantPath = (suffix = '') => '/tenants/' + encodeURIComponent(state.tenant) + suffix;

function say(message, isError = false) {
  const status = document.getElementById('status');
  status.className = 'status' + (isError ? ' error-status' : '');
  status.textContent = message;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => (status.textContent = ''), isError ? 8000 : 4000);
}

function time(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function copyable(value, label) {
  const code = h('code', { class: 'mono' }, value);
  return h(
    'div',
    { class: 'copyable' },
    code,
    h('button', {
      class: 'secondary small',
      type: 'button',
      'aria-label': 'Copy ' + label,
      onclick: async (event) => {
        await navigator.clipboard.writeText(value).then(
          () => say(label + ' copied.'),
          () => say('Copy failed: select the text and copy it.', true),
        );
        event.target.focus();
      },
    }, 'Copy'),
  );
}

/** A token shown this once, with the warning an administrator needs before closing the page. */
function shownOnce(token, status) {
  return h(
    'div',
    { class: 'warning', role: 'alert', 'data-testid': 'new-token' },
    h('p', {}, h('strong', {}, 'New token for tenant "' + status.tenant + '": shown only this once.'), ' Paste it into the identity provider now; it cannot be shown again.'),
    copyable(token, 'token'),
    status.previous ? h('p', {}, 'The previous token keeps working until ' + time(status.previous.endsAt) + ', so the identity provider is not cut off while you paste. Revoke it once the new one works.') : null,
  );
}

function roleWhy(user) {
  const reason = user.roleReason;
  if (!reason) return 'not computed yet';
  if (reason.source === 'group') return 'from group ' + reason.group.displayName;
  if (reason.source === 'attribute') return 'from attribute ' + reason.attribute;
  return user.role ? 'default role' : 'no role: nothing maps';
}

function needsTenant() {
  if (state.tenant) return false;
  main().replaceChildren(h('h2', {}, 'No tenant'), h('p', {}, 'Create a tenant on the ', h('a', { href: '#/tenants' }, 'Tenants'), ' page first.'));
  return true;
}

function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error.message);
}

// ---- pages ----

async function connectionPage() {
  const connection = state.connection;
  const root = h('section', {}, h('h2', {}, 'Connection'));
  const url = connection.scimBaseUrl;
  root.append(
    h('div', { class: 'card' }, h('h3', {}, 'SCIM base URL'), url ? copyable(url, 'SCIM base URL') : h('p', { class: 'muted' }, 'Unknown: start the SCIM server (npm start) with this data directory.')),
  );
  if (needsTenant()) return;
  const status = await api('GET', tenantPath());
  const tokenArea = h('div', {});
  const card = h(
    'div',
    { class: 'card' },
    h('h3', {}, 'Token of tenant "' + status.tenant + '"'),
    h(
      'table',
      {},
      h('tbody', {},
        h('tr', {}, h('th', { scope: 'row' }, 'Tenant'), h('td', {}, status.disabled ? h('span', { class: 'badge off' }, 'disabled') : h('span', { class: 'badge on' }, 'enabled'))),
        h('tr', {}, h('th', { scope: 'row' }, 'Current token'), h('td', {}, status.current ? 'issued ' + time(status.current.issuedAt) + ', expires ' + time(status.current.expiresAt) : 'none yet')),
        h('tr', {}, h('th', { scope: 'row' }, 'Previous token'), h('td', {}, status.previous ? 'works until ' + time(status.previous.endsAt) : 'none'))),
    ),
    h('div', { class: 'row' },
      h('button', {
        type: 'button',
        onclick: async () => {
          if (status.current && !confirm('Rotate the token of "' + status.tenant + '"? The current one keeps working for the overlap.')) return;
          try {
            const rotated = await api('POST', tenantPath('/token/rotate'));
            await connectionPage();
            main().querySelector('[data-token-area]').replaceChildren(shownOnce(rotated.token, rotated.tenant));
          } catch (error) {
            say(error.message, true);
          }
        },
      }, status.current ? 'Rotate token' : 'Generate token'),
      h('button', {
        type: 'button',
        class: 'secondary',
        disabled: !status.previous,
        onclick: async () => {
          if (!confirm('Revoke the previous token of "' + status.tenant + '"? It is refused within 5 minutes.')) return;
          try {
            await api('POST', tenantPath('/token/revoke'));
            say('Previous token revoked.');
            await connectionPage();
          } catch (error) {
            say(error.message, true);
          }
        },
      }, 'Revoke previous token')),
  );
  tokenArea.setAttribute('data-token-area', '');
  const base = url || '<SCIM base URL>';
  root.append(
    card,
    tokenArea,
    h('div', { class: 'card' },
      h('h3', {}, 'Okta'),
      h('ol', { class: 'steps' },
        h('li', {}, 'Applications → your app → General → App Settings → Edit: Provisioning: SCIM. Save.'),
        h('li', {}, 'Provisioning → Integration → Edit: SCIM connector base URL: ', h('code', {}, base)),
        h('li', {}, 'Unique identifier field for users: ', h('code', {}, 'userName'), '. Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups.'),
        h('li', {}, 'Authentication Mode: HTTP Header. Authorization: Bearer: the token of "' + status.tenant + '" (rotate above to get one to paste).'),
        h('li', {}, 'Test Connector Configuration, then Save. Provisioning → To App → Edit: enable Create Users, Update User Attributes, Deactivate Users.'),
        h('li', {}, 'Push Groups: push the groups you map to roles on the Roles and seats page.'))),
    h('div', { class: 'card' },
      h('h3', {}, 'Microsoft Entra ID'),
      h('ol', { class: 'steps' },
        h('li', {}, 'Enterprise applications → New application → Create your own application (non-gallery).'),
        h('li', {}, 'Provisioning → Get started → Provisioning Mode: Automatic.'),
        h('li', {}, 'Admin Credentials: Tenant URL: ', h('code', {}, base)),
        h('li', {}, 'Secret Token: the token of "' + status.tenant + '". Test Connection, then Save.'),
        h('li', {}, 'Users and groups: assign who is provisioned. Set Provisioning Status: On.'))),
  );
  main().replaceChildren(root);
}

async function tenantsPage() {
  const { tenants } = await api('GET', '/tenants');
  const created = h('div', {});
  const nameInput = h('input', { id: 'new-tenant', name: 'name', required: true, pattern: '[a-z0-9][a-z0-9-]{0,62}', autocomplete: 'off', 'aria-describedby': 'new-tenant-hint' });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const answer = await api('POST', '/tenants', { body: { name: nameInput.value } });
          state.tenant = answer.tenant.tenant;
          localStorage.setItem('consoleTenant', state.tenant);
          await loadTenants();
          await tenantsPage();
          main().querySelector('[data-created]').replaceChildren(shownOnce(answer.token, answer.tenant));
        } catch (error) {
          say(error.message, true);
        }
      },
    },
    h('h3', {}, 'Create a tenant'),
    h('div', { class: 'field' },
      h('label', { for: 'new-tenant' }, 'Name'),
      nameInput,
      h('span', { class: 'hint', id: 'new-tenant-hint' }, '1 to 63 lower-case letters, digits and hyphens; it leads the tenant\'s tokens.')),
    h('button', { type: 'submit' }, 'Create tenant'),
  );
  created.setAttribute('data-created', '');
  const rows = tenants.map((tenant) =>
    h('tr', {},
      h('td', {}, h('strong', {}, tenant.tenant)),
      h('td', {}, tenant.problem ? h('span', { class: 'error' }, 'unreadable') : tenant.disabled ? h('span', { class: 'badge off' }, 'disabled') : h('span', { class: 'badge on' }, 'enabled')),
      h('td', {}, tenant.current ? time(tenant.current.expiresAt) : 'no token'),
      h('td', {}, tenant.previous ? time(tenant.previous.endsAt) : '—'),
      h('td', { class: 'row' },
        h('button', {
          type: 'button',
          class: 'secondary small',
          onclick: async () => {
            try {
              await api('POST', '/tenants/' + encodeURIComponent(tenant.tenant) + (tenant.disabled ? '/enable' : '/disable'));
              say('Tenant "' + tenant.tenant + '" ' + (tenant.disabled ? 'enabled' : 'disabled') + '.');
              await tenantsPage();
            } catch (error) {
              say(error.message, true);
            }
          },
        }, tenant.disabled ? 'Enable' : 'Disable'),
        h('button', { type: 'button', class: 'danger small', onclick: () => confirmDelete(tenant.tenant) }, 'Delete'))));
  main().replaceChildren(
    h('section', {},
      h('h2', {}, 'Tenants'),
      form,
      created,
      h('table', {},
        h('caption', { class: 'muted' }, tenants.length + ' tenant' + (tenants.length === 1 ? '' : 's')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Tenant'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Token expires'), h('th', { scope: 'col' }, 'Previous token until'), h('th', { scope: 'col' }, 'Actions'))),
        h('tbody', {}, rows))),
  );
}

function confirmDelete(tenant) {
  const typed = h('input', { id: 'confirm-name', autocomplete: 'off' });
  const isDefault = tenant === 'default';
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'delete-title' },
    h('form', {
      method: 'dialog',
      onsubmit: async (event) => {
        if (event.submitter && event.submitter.value === 'cancel') return;
        event.preventDefault();
        if (typed.value !== tenant) return say('Type the tenant\'s name to confirm.', true);
        try {
          const answer = await api('DELETE', '/tenants/' + encodeURIComponent(tenant), { query: isDefault ? { force: 'true' } : undefined });
          dialog.close();
          say('Deleted tenant "' + tenant + '": its secret and ' + answer.deleted.items + ' directory items.');
          if (state.tenant === tenant) state.tenant = '';
          await loadTenants();
          await tenantsPage();
        } catch (error) {
          say(error.message, true);
        }
      },
    },
    h('h3', { id: 'delete-title' }, 'Delete tenant "' + tenant + '"?'),
    h('p', {}, 'This deletes, with no way back:'),
    h('ul', {},
      h('li', {}, 'its token secret: its identity provider\'s requests are refused from then on (within 5 minutes);'),
      h('li', {}, 'every user, group and membership of it, its settings (every version), its seat count and its activity trail.')),
    isDefault ? h('p', { class: 'warning' }, 'This is the deployment\'s default tenant: npm start makes it again on its next start.') : null,
    h('div', { class: 'field' }, h('label', { for: 'confirm-name' }, 'Type "' + tenant + '" to confirm'), typed),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'danger', value: 'delete' }, 'Delete tenant'), h('button', { type: 'submit', class: 'secondary', value: 'cancel', formnovalidate: true }, 'Cancel'))),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  typed.focus();
}

async function rolesPage() {
  if (needsTenant()) return;
  const [current, groups, seats] = await Promise.all([api('GET', tenantPath('/settings')), api('GET', tenantPath('/groups'), { query: { limit: 200 } }), api('GET', tenantPath('/seats'))]);
  const draft = JSON.parse(JSON.stringify(current.settings));
  let version = current.version;
  const feedback = h('div', { 'aria-live': 'polite' });
  const progressArea = h('div', {});
  const saveButton = h('button', { type: 'button' }, 'Save settings');
  const editor = h('div', {});
  let previewTimer;

  const documentOf = () => {
    const settings = { roles: draft.roles, defaultRole: draft.defaultRole, groupRoles: draft.groupRoles, seatLimit: draft.seatLimit, seatPolicy: draft.seatPolicy };
    if (draft.roleAttribute) settings.roleAttribute = draft.roleAttribute;
    return settings;
  };
  const changed = () => {
    render();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 250);
  };
  const preview = async () => {
    try {
      const { changes } = await api('POST', tenantPath('/settings/preview'), { body: documentOf() });
      saveButton.disabled = false;
      feedback.replaceChildren(
        h('h3', {}, 'Who changes role when you save'),
        changes.length === 0 ? h('p', {}, 'No user changes role.') : h('ul', { 'data-testid': 'role-changes' }, changes.map((move) => h('li', {}, move.users + ' user' + (move.users === 1 ? '' : 's') + ': ' + (move.from || 'no role') + ' → ' + (move.to || 'no role')))),
      );
    } catch (error) {
      saveButton.disabled = true;
      const problems = (error.body && error.body.error && error.body.error.problems) || [error.message];
      feedback.replaceChildren(h('h3', {}, 'Fix before saving'), h('ul', { class: 'problems', role: 'alert' }, problems.map((problem) => h('li', {}, problem))));
    }
  };
  saveButton.addEventListener('click', async () => {
    try {
      const saved = await api('PUT', tenantPath('/settings'), { body: { settings: documentOf(), expectedVersion: version } });
      version = saved.version;
      say('Saved as version ' + saved.version + '.');
      watchProgress(saved.version);
    } catch (error) {
      say(error.message, true);
    }
  });
  const watchProgress = async (savedVersion) => {
    for (let round = 0; round < 120; round++) {
      const { progress } = await api('GET', tenantPath('/settings'));
      const done = progress && progress.version >= savedVersion ? progress : null;
      const share = done && done.total > 0 ? Math.round((100 * done.done) / done.total) : done && done.finished ? 100 : 0;
      progressArea.replaceChildren(
        h('p', {}, done && done.finished ? 'Roles applied to all ' + done.done + ' users.' : done ? 'Applying roles: ' + done.done + ' of ' + done.total + ' users…' : 'Waiting to apply the roles…'),
        h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': share, 'aria-label': 'Roles applied' }, h('span', { style: 'width:' + share + '%' })),
      );
      if (done && done.finished) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

  const roleSelect = (id, value, onchange, allowNone) =>
    h('select', { id, onchange: (event) => onchange(event.target.value || null) },
      allowNone ? h('option', { value: '', selected: value === null }, '(no role)') : null,
      draft.roles.map((role) => h('option', { value: role, selected: role === value }, role)));
  const groupNames = groups.groups.map((group) => group.displayName);

  function render() {
    const roleItems = draft.roles.map((role, index) =>
      h('li', {},
        h('div', { class: 'row' },
          h('span', { class: 'mono' }, role),
          h('button', { type: 'button', class: 'secondary small', 'aria-label': 'Move ' + role + ' up', disabled: index === 0, onclick: () => { draft.roles.splice(index - 1, 0, draft.roles.splice(index, 1)[0]); changed(); } }, '↑'),
          h('button', { type: 'button', class: 'secondary small', 'aria-label': 'Move ' + role + ' down', disabled: index === draft.roles.length - 1, onclick: () => { draft.roles.splice(index + 1, 0, draft.roles.splice(index, 1)[0]); changed(); } }, '↓'),
          h('button', { type: 'button', class: 'secondary small', 'aria-label': 'Remove role ' + role, onclick: () => { draft.roles.splice(index, 1); changed(); } }, 'Remove'))));
    const newRole = h('input', { id: 'new-role', autocomplete: 'off' });
    const mappingRows = draft.groupRoles.map((mapping, index) => {
      const name = mapping.group || mapping.externalId || mapping.id;
      return h('tr', {},
        h('td', {}, name, mapping.group && !groupNames.some((candidate) => candidate.toLowerCase() === mapping.group.toLowerCase()) ? h('span', { class: 'muted' }, ' (not pushed yet)') : null),
        h('td', {}, roleSelect('mapping-role-' + index, mapping.role, (role) => { mapping.role = role || ''; changed(); }, false)),
        h('td', {}, h('button', { type: 'button', class: 'secondary small', 'aria-label': 'Remove mapping of ' + name, onclick: () => { draft.groupRoles.splice(index, 1); changed(); } }, 'Remove')));
    });
    const newGroup = h('select', { id: 'new-mapping-group' }, groupNames.length === 0 ? h('option', { value: '' }, '(no groups pushed yet)') : groupNames.map((name) => h('option', { value: name }, name)));
    const newMappingRole = roleSelect('new-mapping-role', draft.roles[0] || null, () => undefined, false);
    editor.replaceChildren(
      h('div', { class: 'card' },
        h('h3', {}, 'Roles, highest priority first'),
        roleItems.length ? h('ol', { class: 'roles' }, roleItems) : h('p', { class: 'muted' }, 'No roles yet.'),
        h('div', { class: 'row' }, h('label', { for: 'new-role' }, 'New role'), newRole, h('button', { type: 'button', class: 'secondary', onclick: () => { if (newRole.value.trim()) { draft.roles.push(newRole.value.trim()); changed(); } } }, 'Add role'))),
      h('div', { class: 'card' },
        h('h3', {}, 'Groups → roles'),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Group'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Actions'))), h('tbody', {}, mappingRows)),
        h('div', { class: 'row' },
          h('label', { for: 'new-mapping-group' }, 'Group'), newGroup,
          h('label', { for: 'new-mapping-role' }, 'Role'), newMappingRole,
          h('button', { type: 'button', class: 'secondary', disabled: groupNames.length === 0 || draft.roles.length === 0, onclick: () => { draft.groupRoles.push({ group: newGroup.value, role: newMappingRole.value }); changed(); } }, 'Add mapping'))),
      h('div', { class: 'card' },
        h('h3', {}, 'Defaults'),
        h('div', { class: 'field' }, h('label', { for: 'default-role' }, 'Default role'), roleSelect('default-role', draft.defaultRole, (role) => { draft.defaultRole = role; changed(); }, true), h('span', { class: 'hint' }, 'For a provisioned user whose groups and attribute name no role.')),
        h('div', { class: 'field' },
          h('label', { for: 'role-attribute' }, 'Role attribute'),
          h('select', { id: 'role-attribute', onchange: (event) => { draft.roleAttribute = event.target.value || undefined; changed(); } },
            h('option', { value: '', selected: !draft.roleAttribute }, '(none)'),
            h('option', { value: 'userType', selected: draft.roleAttribute === 'userType' }, 'userType (Okta)'),
            h('option', { value: 'roles', selected: draft.roleAttribute === 'roles' }, 'roles (Entra ID app roles)')),
          h('span', { class: 'hint' }, 'A value naming a known role wins over groups.'))),
      h('div', { class: 'card' },
        h('h3', {}, 'Seats'),
        h('p', {}, 'In use: ', h('strong', { 'data-testid': 'seats-used' }, String(seats.used)), seats.limit === null ? ' (no limit)' : ' of ' + seats.limit),
        h('div', { class: 'field' },
          h('label', { for: 'seat-limit' }, 'Seat limit'),
          h('input', { id: 'seat-limit', type: 'number', min: 0, value: draft.seatLimit === null ? '' : draft.seatLimit, oninput: (event) => { draft.seatLimit = event.target.value === '' ? null : Number(event.target.value); clearTimeout(previewTimer); previewTimer = setTimeout(preview, 250); } }),
          h('span', { class: 'hint' }, 'Empty: no limit.')),
        h('div', { class: 'field' },
          h('label', { for: 'seat-policy' }, 'At the limit'),
          h('select', { id: 'seat-policy', onchange: (event) => { draft.seatPolicy = event.target.value; changed(); } },
            h('option', { value: 'reject', selected: draft.seatPolicy === 'reject' }, 'Refuse the new user'),
            h('option', { value: 'createInactive', selected: draft.seatPolicy === 'createInactive' }, 'Create the user inactive')))),
    );
  }
  render();
  main().replaceChildren(
    h('section', {},
      h('h2', {}, 'Roles and seats'),
      h('p', { class: 'muted' }, current.version === 0 ? 'Default settings (never saved).' : 'Version ' + current.version + ', saved ' + time(current.updatedAt) + '.'),
      editor,
      feedback,
      h('div', { class: 'row' }, saveButton),
      progressArea),
  );
  await preview();
  if (current.progress && !current.progress.finished) watchProgress(current.version);
}

async function usersPage(params) {
  if (needsTenant()) return;
  const search = params.get('search') || '';
  const cursor = params.get('cursor') || undefined;
  const page = await api('GET', tenantPath('/users'), { query: { search, cursor, limit: 25 } });
  const input = h('input', { id: 'user-search', type: 'search', value: search, autocomplete: 'off' });
  const rows = page.users.map((user) =>
    h('tr', {},
      h('td', {}, h('a', { href: '#/user?id=' + encodeURIComponent(user.id) }, user.userName), user.email && user.email !== user.userName ? h('div', { class: 'muted' }, user.email) : null),
      h('td', {}, user.active ? h('span', { class: 'badge on' }, 'active') : h('span', { class: 'badge off' }, 'inactive')),
      h('td', {}, h('strong', {}, user.role || 'none'), h('div', { class: 'muted' }, roleWhy(user))),
      h('td', {}, user.groups.map((group) => group.displayName).join(', ') || '—'),
      h('td', {}, user.provisionedBy ? h('span', { class: 'badge scim', title: 'Created and kept by ' + user.provisionedBy.client + ' over SCIM' }, 'SCIM-managed') : '—', user.provisionedBy ? h('div', { class: 'muted' }, user.provisionedBy.client) : null),
      h('td', {}, user.lastChangedBy ? time(user.lastChangedBy.at) : '—', user.lastChangedBy ? h('div', { class: 'muted' }, 'by ' + user.lastChangedBy.client) : null)));
  main().replaceChildren(
    h('section', {},
      h('h2', {}, 'Users'),
      h('form', { class: 'row', role: 'search', onsubmit: (event) => { event.preventDefault(); location.hash = '#/users?search=' + encodeURIComponent(input.value); } },
        h('label', { for: 'user-search' }, 'Search by userName or email'), input, h('button', { type: 'submit' }, 'Search')),
      h('table', {},
        h('thead', {}, h('tr', {}, ['User', 'Active', 'Role and why', 'Groups', 'Provisioning client', 'Last change'].map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, search ? 'No user matches.' : 'No users yet.')))),
      h('div', { class: 'row' },
        cursor ? h('a', { class: 'button secondary', href: '#/users?search=' + encodeURIComponent(search) }, 'First page') : null,
        page.nextCursor ? h('a', { class: 'button', href: '#/users?search=' + encodeURIComponent(search) + '&cursor=' + encodeURIComponent(page.nextCursor) }, 'Next page') : null)),
  );
}

function timeline(entries) {
  if (entries.length === 0) return h('p', { class: 'muted' }, 'No activity recorded.');
  return h('ol', { class: 'timeline' },
    entries.slice().reverse().map((entry) =>
      h('li', { class: entry.type === 'request.refused' ? 'refused' : '' },
        h('div', {}, h('strong', {}, entry.type), ' · ', time(entry.at), entry.client ? ' · ' + entry.client : ''),
        h('div', { class: 'muted' }, describe(entry)))));
}

function describe(entry) {
  const parts = [];
  if (entry.userName) parts.push('user ' + entry.userName);
  if (entry.displayName) parts.push('group ' + entry.displayName);
  if (entry.user && entry.user.userName) parts.push('user ' + entry.user.userName);
  if (entry.group && entry.group.displayName) parts.push('group ' + entry.group.displayName);
  if (entry.changedAttributes) parts.push('changed ' + entry.changedAttributes.join(', '));
  if (entry.changed) parts.push('changed ' + entry.changed.join(', '));
  if (entry.type === 'user.role_changed') parts.push('role ' + (entry.previousRole || 'none') + ' → ' + (entry.role || 'none'));
  if (entry.status) parts.push(entry.status + (entry.scimType ? ' ' + entry.scimType : '') + ': ' + entry.detail);
  return parts.join('; ');
}

async function userPage(params) {
  if (needsTenant()) return;
  const id = params.get('id') || '';
  const [user, activity] = await Promise.all([api('GET', tenantPath('/users/' + encodeURIComponent(id))), api('GET', tenantPath('/activity'), { query: { user: id, limit: 200 } })]);
  main().replaceChildren(
    h('section', {},
      h('p', {}, h('a', { href: '#/users' }, '← Users')),
      h('h2', {}, user.userName, ' ', user.provisionedBy ? h('span', { class: 'badge scim' }, 'SCIM-managed') : null),
      h('table', {}, h('tbody', {},
        h('tr', {}, h('th', { scope: 'row' }, 'Email'), h('td', {}, user.email || '—')),
        h('tr', {}, h('th', { scope: 'row' }, 'Active'), h('td', {}, user.active ? 'yes' : 'no')),
        h('tr', {}, h('th', { scope: 'row' }, 'Role'), h('td', {}, (user.role || 'none') + ' (' + roleWhy(user) + ')')),
        h('tr', {}, h('th', { scope: 'row' }, 'All roles'), h('td', {}, user.roles.join(', ') || '—')),
        h('tr', {}, h('th', { scope: 'row' }, 'Groups'), h('td', {}, user.groups.map((group) => group.displayName).join(', ') || '—')),
        h('tr', {}, h('th', { scope: 'row' }, 'Provisioned by'), h('td', {}, user.provisionedBy ? user.provisionedBy.client + ', ' + time(user.provisionedBy.at) : '—')),
        h('tr', {}, h('th', { scope: 'row' }, 'Last change'), h('td', {}, user.lastChangedBy ? user.lastChangedBy.client + ', ' + time(user.lastChangedBy.at) : '—')),
        h('tr', {}, h('th', { scope: 'row' }, 'Id'), h('td', { class: 'mono' }, user.id)))),
      h('h3', {}, 'Activity, latest first'),
      timeline(activity.entries)),
  );
}

async function groupsPage(params) {
  if (needsTenant()) return;
  const cursor = params.get('cursor') || undefined;
  const page = await api('GET', tenantPath('/groups'), { query: { cursor, limit: 50 } });
  main().replaceChildren(
    h('section', {},
      h('h2', {}, 'Groups'),
      h('table', {},
        h('thead', {}, h('tr', {}, ['Group', 'Members', 'Mapped role', 'Pushed by'].map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {},
          page.groups.length
            ? page.groups.map((group) =>
                h('tr', {},
                  h('td', {}, group.displayName, group.externalId ? h('div', { class: 'muted mono' }, group.externalId) : null),
                  h('td', {}, String(group.members)),
                  h('td', {}, group.roles.length ? h('strong', {}, group.roles[0]) : h('span', { class: 'muted' }, 'none'), group.roles.length > 1 ? h('div', { class: 'muted' }, 'also ' + group.roles.slice(1).join(', ')) : null),
                  h('td', {}, group.provisionedBy ? group.provisionedBy.client : '—')))
            : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No groups pushed yet.')))),
      h('div', { class: 'row' },
        cursor ? h('a', { class: 'button secondary', href: '#/groups' }, 'First page') : null,
        page.nextCursor ? h('a', { class: 'button', href: '#/groups?cursor=' + encodeURIComponent(page.nextCursor) }, 'Next page') : null)),
  );
}

const ACTIVITY_TYPES = ['user', 'group', 'tenant', 'request.refused', 'user.created', 'user.updated', 'user.deactivated', 'user.deleted', 'user.role_changed', 'group.member_added', 'tenant.settings_changed', 'tenant.token_rotated', 'tenant.seat_limit_reached'];

async function activityPage(params) {
  if (needsTenant()) return;
  const type = params.get('type') || '';
  const { entries } = await api('GET', tenantPath('/activity'), { query: { type, limit: 200 } });
  const select = h('select', { id: 'activity-type', onchange: (event) => (location.hash = '#/activity' + (event.target.value ? '?type=' + encodeURIComponent(event.target.value) : '')) },
    h('option', { value: '' }, 'All types'),
    ACTIVITY_TYPES.map((candidate) => h('option', { value: candidate, selected: candidate === type }, candidate)));
  main().replaceChildren(
    h('section', {},
      h('h2', {}, 'Activity'),
      h('p', { class: 'muted' }, 'The tenant\'s own trail: settings, tokens and seats. A user\'s or group\'s full timeline is on its page.'),
      h('div', { class: 'row' }, h('label', { for: 'activity-type' }, 'Type'), select),
      h('table', {},
        h('thead', {}, h('tr', {}, ['Time', 'Type', 'What'].map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {},
          entries.length
            ? entries.slice().reverse().map((entry) => h('tr', {}, h('td', {}, time(entry.at)), h('td', { class: 'mono' }, entry.type), h('td', {}, describe(entry))))
            : h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No activity.'))))),
  );
}

const pages = { connection: connectionPage, tenants: tenantsPage, roles: rolesPage, users: usersPage, user: userPage, groups: groupsPage, activity: activityPage };

async function loadTenants() {
  state.tenants = (await api('GET', '/tenants')).tenants;
  if (!state.tenants.some((tenant) => tenant.tenant === state.tenant)) state.tenant = state.tenants.length ? state.tenants[0].tenant : '';
  const picker = document.getElementById('tenant');
  picker.replaceChildren(...state.tenants.map((tenant) => h('option', { value: tenant.tenant, selected: tenant.tenant === state.tenant }, tenant.tenant)));
}

async function route() {
  const [path, search] = (location.hash.replace(/^#\/?/, '') || 'connection').split('?');
  const name = pages[path] ? path : 'connection';
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.page === (name === 'user' ? 'users' : name)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = (document.querySelector('nav a[aria-current]') || {}).textContent + ' · SCIM console';
  try {
    await pages[name](new URLSearchParams(search || ''));
  } catch (error) {
    main().replaceChildren(h('h2', {}, 'Something went wrong'), errorBox(error));
  }
}

async function start() {
  if (!secret) {
    main().replaceChildren(h('h2', {}, 'Open the console from its link'), h('p', {}, 'Use the link npm run console printed: it carries this run\'s secret.'));
    return;
  }
  try {
    state.connection = await api('GET', '/connection');
    document.getElementById('target').textContent = state.connection.target;
    await loadTenants();
  } catch (error) {
    main().replaceChildren(h('h2', {}, 'The console cannot reach its server'), errorBox(error));
    return;
  }
  document.getElementById('tenant').addEventListener('change', (event) => {
    state.tenant = event.target.value;
    localStorage.setItem('consoleTenant', state.tenant);
    route();
  });
  window.addEventListener('hashchange', route);
  await route();
}

start();
