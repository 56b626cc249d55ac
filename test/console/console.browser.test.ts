import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { adminApi } from '../../lambdas/admin/admin-api';
import { adminDependencies } from '../../lib/admin/admin-cli';
import { CONSOLE_SECRET_HEADER, startConsole, type RunningConsole } from '../../lib/console/console-server';
import { writeStoreMarker } from '../../lib/local/local-store';
import { scimClient, startScimServer, type TestScimServer } from '../support/scim-server';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** CONSOLE_SCREENSHOTS=1 writes each page to docs/console-<page>.png for the README. */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1' ? resolve(__dirname, '../../docs') : undefined;

/** A raw HTTP request, so the Host header can be anything (fetch forbids setting it). */
function raw(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((done, fail) => {
    const sent = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      response.resume();
      done(response.statusCode ?? 0);
    });
    sent.on('error', fail);
    sent.end();
  });
}

describe('console in a browser, over a local SCIM server', () => {
  let server: TestScimServer;
  let running: RunningConsole;
  let dependencies: ReturnType<typeof adminDependencies>;
  let browser: Browser;
  let page: Page;

  const shoot = async (name: string) => {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: resolve(SCREENSHOTS, `console-${name}.png`), fullPage: true });
  };
  const open = async (hash: string, heading: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await page.getByRole('heading', { level: 2, name: heading }).waitFor();
  };

  beforeAll(async () => {
    server = await startScimServer();
    // As npm start leaves it: the console finds the store, the table and the SCIM URL of this data directory.
    writeStoreMarker(server.dataDir, server.dynamoDbEndpoint, server.tableName, process.pid, server.baseUrl);
    dependencies = adminDependencies({ dataDir: server.dataDir }, process.env);
    running = await startConsole({ api: adminApi(dependencies), port: 0 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await dependencies?.close();
    await server?.close();
  });

  it('creates a tenant, gives it a token that SCIM accepts, maps a group to a role, and shows roles, the badge and the activity', async () => {
    await page.goto(running.url);
    await page.getByRole('heading', { level: 2, name: 'Connection' }).waitFor();
    // The secret leaves the address bar once the page has it.
    expect(page.url()).not.toContain(running.secret);

    await open('#/tenants', 'Tenants');
    await page.getByLabel('Name').fill('acme');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const token = (await page.getByTestId('new-token').locator('code').textContent())!;
    expect(token).toMatch(/^acme\./);
    await page.getByRole('cell', { name: 'acme' }).waitFor();
    await shoot('tenants');

    const scim = scimClient({ baseUrl: server.baseUrl, token });
    const okta = { 'User-Agent': 'Okta SCIM Client 1.0.0' };
    const ada = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'ada@acme.test', emails: [{ value: 'ada@acme.test', primary: true }], active: true }, okta);
    expect(ada.status).toBe(201);
    expect((await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'bob@acme.test', active: true }, okta)).status).toBe(201);
    expect((await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineers', members: [{ value: ada.body.id }] }, okta)).status).toBe(201);
    await server.drainStreams();

    await page.selectOption('#tenant', 'acme');
    await open('#/roles', 'Roles and seats');
    for (const role of ['admin', 'member']) {
      await page.getByLabel('New role').fill(role);
      await page.getByRole('button', { name: 'Add role' }).click();
    }
    await page.getByRole('button', { name: 'Move member up' }).click();
    await page.getByRole('button', { name: 'Move admin up' }).click();
    await page.locator('#new-mapping-group').selectOption('Engineers');
    await page.locator('#new-mapping-role').selectOption('admin');
    await page.getByRole('button', { name: 'Add mapping' }).click();
    await page.getByLabel('Default role').selectOption('member');
    await page.getByLabel('Seat limit').fill('5');
    await page.getByTestId('role-changes').getByText('1 user: no role → admin').waitFor();
    await page.getByText('1 user: no role → member').waitFor();
    await shoot('roles');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/Saved as version 1/).waitFor();
    await server.drainStreams();
    await page.getByText(/Roles applied to all/).waitFor({ timeout: 15_000 });

    await open('#/users', 'Users');
    const adaRow = page.getByRole('row', { name: /ada@acme\.test/ });
    await adaRow.getByText('from group Engineers').waitFor();
    expect(await adaRow.textContent()).toMatch(/admin.*from group Engineers.*Engineers.*SCIM-managed.*Okta/);
    expect(await page.getByRole('row', { name: /bob@acme\.test/ }).textContent()).toContain('default role');
    await shoot('users');
    await page.getByLabel('Search by userName or email').fill('BOB');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('row', { name: /ada@acme\.test/ }).waitFor({ state: 'detached' });
    expect(await page.getByRole('row', { name: /bob@acme\.test/ }).count()).toBe(1);

    await open('#/users', 'Users');
    await page.getByRole('link', { name: 'ada@acme.test' }).click();
    await page.getByRole('heading', { level: 2, name: /ada@acme\.test/ }).waitFor();
    await page.getByText('user.created').waitFor();
    await page.getByText('group.member_added').waitFor();
    await shoot('user');

    await open('#/groups', 'Groups');
    expect(await page.getByRole('row', { name: /Engineers/ }).textContent()).toMatch(/Engineers\s*1\s*admin/);
    await shoot('groups');

    await open('#/activity', 'Activity');
    await page.getByRole('cell', { name: 'tenant.settings_changed' }).waitFor();
    await shoot('activity');
    await page.getByLabel('Type').selectOption('tenant.seat_limit_reached');
    await page.getByRole('cell', { name: 'No activity.' }).waitFor();
    expect(await page.getByRole('cell', { name: 'tenant.settings_changed' }).count()).toBe(0);

    await open('#/connection', 'Connection');
    await page.getByText(server.baseUrl).first().waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Rotate token' }).click();
    const rotated = (await page.getByTestId('new-token').locator('code').textContent())!;
    expect(rotated).not.toBe(token);
    expect((await scimClient({ baseUrl: server.baseUrl, token: rotated })('GET', '/Users')).status).toBe(200);
    await shoot('connection');
  }, 60_000);

  it('refuses API calls without the secret, from another origin or for another host, and listens on 127.0.0.1 only', async () => {
    const tenants = `http://127.0.0.1:${running.port}/admin/v1/tenants`;
    expect((await fetch(tenants)).status).toBe(403);
    expect((await fetch(tenants, { headers: { [CONSOLE_SECRET_HEADER]: 'guessed' } })).status).toBe(403);
    expect((await fetch(tenants, { headers: { [CONSOLE_SECRET_HEADER]: running.secret } })).status).toBe(200);
    expect((await fetch(tenants, { headers: { [CONSOLE_SECRET_HEADER]: running.secret, Origin: 'http://evil.example' } })).status).toBe(403);
    expect((await fetch(tenants, { method: 'POST', body: '{"name":"x"}', headers: { [CONSOLE_SECRET_HEADER]: running.secret, Origin: 'http://evil.example' } })).status).toBe(403);
    // DNS rebinding: a hostile name resolving to 127.0.0.1 still says its own name in Host.
    expect(await raw(running.port, '/admin/v1/tenants', { Host: `evil.example:${running.port}`, [CONSOLE_SECRET_HEADER]: running.secret })).toBe(403);
    expect(await raw(running.port, '/', { Host: `evil.example:${running.port}` })).toBe(403);
    expect(await raw(running.port, '/admin/v1/tenants', { Host: `localhost:${running.port}`, [CONSOLE_SECRET_HEADER]: running.secret })).toBe(200);

    expect(new URL(running.url).hostname).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) {
      const reached = await new Promise<boolean>((done) => {
        const socket = connect(running.port, external.address);
        socket.once('connect', () => (socket.destroy(), done(true)));
        socket.once('error', () => done(false));
      });
      expect(reached).toBe(false);
    }
  });
});
