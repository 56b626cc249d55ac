import { DAY_MS } from '../../lambdas/contracts/tenancy';
import { eventually } from '../support/eventually';
import { useScimServer } from '../support/scim-fixture';

/**
 * Rotation, revocation and expiry as an IdP meets them: over HTTP, through the handlers'
 * verifier and its cache. The cache window is two seconds here (at most five minutes in
 * production) so that "within the window" can be watched.
 */
const CACHE_SECONDS = 2;
/** The window, plus a second for a loaded machine's requests. */
const WINDOW_MS = CACHE_SECONDS * 1000 + 1000;
const scim = useScimServer({ environment: { TOKEN_CACHE_SECONDS: String(CACHE_SECONDS) } });

const statusWith = async (token: string) => {
  const response = await scim.as(token)('GET', '/Users?count=1');
  return { status: response.status, detail: response.body?.detail as string | undefined };
};
/** What the token is answered once the cache window has passed: the first refusal, or the last success at the deadline. */
const refusedWithinWindow = (token: string) => eventually(() => statusWith(token), ({ status }) => status === 401, { withinMs: WINDOW_MS });
const acceptedWithinWindow = (token: string) => eventually(() => statusWith(token), ({ status }) => status === 200, { withinMs: WINDOW_MS });

describe('token rotation over HTTP', () => {
  it('the old token works during the overlap and is refused after it; the new one works at once', async () => {
    const tenants = scim.server.tenants();
    const first = await tenants.create('rotating');
    expect((await statusWith(first)).status).toBe(200);

    const second = await tenants.rotate('rotating');
    expect((await statusWith(second)).status).toBe(200);
    expect((await statusWith(first)).status).toBe(200);

    // A rotation done as if eight days ago: the overlap of the token it replaced (`second`) ended yesterday.
    const third = await scim.server.tenants(() => Date.now() - 8 * DAY_MS).rotate('rotating');
    expect(await refusedWithinWindow(second)).toEqual({ status: 401, detail: expect.stringMatching(/replaced by a newer one, and its overlap ended/) });
    expect((await statusWith(first)).status).toBe(401);
    expect((await statusWith(third)).status).toBe(200);
  });

  it('a revoked token keeps working no longer than the cache window', async () => {
    const tenants = scim.server.tenants();
    const old = await tenants.create('revoking');
    const current = await tenants.rotate('revoking');
    expect((await statusWith(old)).status).toBe(200);
    expect(await tenants.revoke('revoking')).toBe(true);
    const revokedAt = Date.now();
    // Still in this server's cache: the window is the promise, not an instant.
    expect((await statusWith(old)).status).toBe(200);
    expect((await refusedWithinWindow(old)).status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(WINDOW_MS);
    expect((await statusWith(current)).status).toBe(200);
  });

  it('an expired token is refused, saying it expired', async () => {
    const expired = await scim.server.tenants(() => Date.now() - 366 * DAY_MS).create('expiring');
    expect(await statusWith(expired)).toEqual({ status: 401, detail: expect.stringMatching(/expired at/) });
  });

  it("a disabled tenant's token is refused, and works again once enabled", async () => {
    const tenants = scim.server.tenants();
    const token = await tenants.create('disabling');
    expect((await statusWith(token)).status).toBe(200);
    await tenants.setDisabled('disabling', true);
    expect(await refusedWithinWindow(token)).toEqual({ status: 401, detail: expect.stringMatching(/disabled tenant/) });
    await tenants.setDisabled('disabling', false);
    expect((await acceptedWithinWindow(token)).status).toBe(200);
  });
});
