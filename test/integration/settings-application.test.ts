import { AccessService } from '../../lambdas/directory/access';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { schemaRegistry } from '../../lambdas/scim/extensions';
import { directoryServices } from '../../lambdas/wiring/dependencies';
import { useScimServer } from '../support/scim-fixture';

const TENANT = 'default';
const scim = useScimServer();

/**
 * A settings change is applied in steps the stream hands on, so no run has to finish a tenant of
 * any size. Here the stream is held and the steps are taken by hand, three users a step.
 */
describe('applying settings to every user, step by step', () => {
  let directory: ReturnType<typeof directoryServices>;
  let steps: AccessService;
  let client: ReturnType<typeof createDocumentClient>;

  beforeAll(async () => {
    client = createDocumentClient(scim.server.dynamoDbEndpoint);
    directory = directoryServices(client, scim.server.tableName, { uniqueExternalId: false, registry: schemaRegistry() });
    steps = new AccessService(directory.users, directory.groups, directory.memberships, directory.settings, 3);
    await scim.createUsers(7);
  });
  afterAll(() => client.destroy());

  const settingsWith = (defaultRole: string) => ({ roles: ['member', 'guest'], defaultRole, groupRoles: [], seatLimit: null });
  const roles = async () => {
    const users: Array<{ access?: { role: string | null } }> = [];
    await directory.users.scanAll(TENANT, (batch) => users.push(...batch));
    return users.map((user) => user.access?.role ?? null).sort();
  };

  it('records each step, resumes from the last user applied, and finishes', async () => {
    await scim.server.pauseStreams();
    try {
      const { after } = await directory.settings.set(TENANT, settingsWith('member'));
      expect(await steps.applySettings(TENANT)).toBe(0);
      expect(await directory.settings.progress(TENANT)).toMatchObject({ version: after.version, done: 0, total: 7, finished: false });

      const done: number[] = [];
      for (let step = 0; step < 3; step++) {
        await steps.applySettings(TENANT);
        done.push((await directory.settings.progress(TENANT))!.done);
      }
      expect(done).toEqual([3, 6, 7]);
      expect(await directory.settings.progress(TENANT)).toMatchObject({ finished: true });
      expect(await roles()).toEqual(Array(7).fill('member'));
      // Finished: another call (a replayed stream record) changes nothing.
      expect(await steps.applySettings(TENANT)).toBe(0);
    } finally {
      scim.server.resumeStreams();
    }
  });

  it('a newer version restarts from the first user; two appliers of one step advance it once', async () => {
    await scim.server.pauseStreams();
    try {
      await directory.settings.set(TENANT, settingsWith('member'));
      await steps.applySettings(TENANT);
      await steps.applySettings(TENANT);
      expect(await directory.settings.progress(TENANT)).toMatchObject({ done: 3, finished: false });

      const { after } = await directory.settings.set(TENANT, settingsWith('guest'));
      await steps.applySettings(TENANT);
      expect(await directory.settings.progress(TENANT)).toMatchObject({ version: after.version, done: 0 });

      // Both read the same step; only one record follows it.
      await Promise.all([steps.applySettings(TENANT), steps.applySettings(TENANT)]);
      expect(await directory.settings.progress(TENANT)).toMatchObject({ version: after.version, done: 3 });
      while (!(await directory.settings.progress(TENANT))!.finished) await steps.applySettings(TENANT);
      expect(await roles()).toEqual(Array(7).fill('guest'));
    } finally {
      scim.server.resumeStreams();
    }
  });

  it('through the stream, a saved version reaches every user and the record says so', async () => {
    const { after } = await directory.settings.set(TENANT, settingsWith('member'));
    await scim.server.drainStreams();
    expect(await directory.settings.progress(TENANT)).toMatchObject({ version: after.version, done: 7, total: 7, finished: true });
    expect(await roles()).toEqual(Array(7).fill('member'));
  });
});
