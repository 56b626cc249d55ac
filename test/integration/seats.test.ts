import { aUser } from '../support/builders';
import { useScimServer } from '../support/scim-fixture';
import { expectScimError } from '../support/scim-server';
import { PATCH } from '../support/urns';

const TENANT = 'default';
const scim = useScimServer();
const admin = { settings: { set: (tenant: string, input: unknown) => scim.admin.settings.set(tenant, input) }, seatsInUse: (tenant: string) => scim.admin.seatsInUse(tenant) };

const limitSeats = (seatLimit: number | null, seatPolicy: 'reject' | 'createInactive' = 'reject') =>
  admin.settings.set(TENANT, { roles: [], defaultRole: null, groupRoles: [], seatLimit, seatPolicy });

const create = (active?: boolean) => scim('POST', '/Users', aUser(active === undefined ? { active: undefined } : { active }));
const setActive = (id: string, active: boolean) => scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active } }] });

/** Active users as the directory lists them, the ground truth the counter must equal. */
async function activeUsers(): Promise<number> {
  const response = await scim('GET', '/Users?filter=active eq true&count=0');
  return response.body.totalResults;
}

// Dozens of writes contend for one counter item and retry with backoff: 7 s alone, several times
// that beside the rest of the suite on 2 cores.
jest.setTimeout(120_000);

describe('seats', () => {
  it('50 concurrent creates against a limit of 10: exactly 10 created, 40 refused with the limit and what to do', async () => {
    await limitSeats(10);
    const responses = await Promise.all(Array.from({ length: 50 }, () => create()));
    const created = responses.filter((response) => response.status === 201);
    const refused = responses.filter((response) => response.status !== 201);
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const response of refused) {
      expectScimError(response, 403);
      expect(response.body.detail).toMatch(/10 of 10 seats/);
      expect(response.body.detail).toMatch(/Deactivate/);
    }
    expect(await activeUsers()).toBe(10);
    expect(await admin.seatsInUse(TENANT)).toBe(10);

    // Inactive users take no seat; deactivating frees one at once; a reactivation at the limit is refused.
    expect((await create(false)).status).toBe(201);
    expect((await setActive(created[0].body.id, false)).status).toBe(200);
    expect(await admin.seatsInUse(TENANT)).toBe(9);
    expect((await create()).status).toBe(201);
    expectScimError(await setActive(created[0].body.id, true), 403);
    expect((await scim('DELETE', `/Users/${created[1].body.id}`)).status).toBe(204);
    expect((await setActive(created[0].body.id, true)).status).toBe(200);
    expect(await admin.seatsInUse(TENANT)).toBe(10);
    expect(await activeUsers()).toBe(10);
  });

  it('concurrent deactivations and reactivations keep the count exact', async () => {
    await limitSeats(null);
    const ids = (await Promise.all(Array.from({ length: 12 }, () => create()))).map((response) => response.body.id as string);
    const before = await admin.seatsInUse(TENANT);
    // Each user flips several times, concurrently with the others and with itself.
    await Promise.all(ids.flatMap((id, index) => [setActive(id, false), setActive(id, index % 2 === 0), setActive(id, false), setActive(id, true)]));
    expect(await admin.seatsInUse(TENANT)).toBe(await activeUsers());
    expect(await admin.seatsInUse(TENANT)).toBeLessThanOrEqual(before);
  });

  it('createInactive: at the limit the user is created with active false, taking no seat', async () => {
    const inUse = await admin.seatsInUse(TENANT);
    await limitSeats(inUse, 'createInactive');
    const response = await create();
    expect(response.status).toBe(201);
    expect(response.body.active).toBe(false);
    expect(await admin.seatsInUse(TENANT)).toBe(inUse);
  });
});
