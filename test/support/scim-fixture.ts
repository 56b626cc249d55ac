import { startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb-local';
import { tableAdmin, type TableAdmin } from '../../lambdas/admin/table-admin';
import { mapLimited } from '../../lambdas/runtime/concurrency';
import type { LocalScimOptions } from '../../lib/local/local-environment';
import { aGroup, aUser, membersOp, patchOf } from './builders';
import { scimClient, startScimServer, type ScimTestResponse, type TestScimServer } from './scim-server';

export type ScimClient = ReturnType<typeof scimClient>;

export interface ScimServerOptions {
  schemaExtensions?: LocalScimOptions['schemaExtensions'];
  /** Configuration the handlers read at start, set before the server starts and removed after the file. */
  environment?: Record<string, string>;
  /**
   * A store of the file's own instead of the worker's. DynamoDB Local's transactions on a table made
   * after others in the same store run several times slower (measured: 6 ms on the first table,
   * 12–90 ms on later ones, whether or not the others were deleted), which takes files that time
   * hundreds of concurrent member changes past their budget when they run late in a worker.
   */
  ownStore?: boolean;
}

type Body = Record<string, any>;

/** What a test does to a SCIM directory through one client; each step checks its own status. */
export function directory(scim: ScimClient) {
  const created = async (path: string, body: Body) => {
    const response = await scim('POST', path, body);
    expect({ path, status: response.status, detail: response.body?.detail }).toEqual({ path, status: 201, detail: undefined });
    return response.body as Body & { id: string };
  };
  const patchGroup = (groupId: string, operations: unknown[], options: { query?: string; headers?: Record<string, string> } = {}) =>
    scim('PATCH', `/Groups/${groupId}${options.query ?? ''}`, patchOf(...operations), options.headers);
  const changeMembers = async (groupId: string, operations: unknown[]) => {
    const response = await patchGroup(groupId, operations);
    expect({ status: response.status, detail: response.body?.detail }).toEqual({ status: 204, detail: undefined });
  };
  return {
    createUser: (overrides: Body = {}) => created('/Users', aUser(overrides)) as Promise<Body & { id: string; userName: string }>,
    /** `count` users at once (16 in flight, as a busy IdP sends them); `overrides` may depend on the index. */
    createUsers: (count: number, overrides: (index: number) => Body = () => ({}), concurrency = 16) =>
      mapLimited(Array.from({ length: count }, (_, index) => index), concurrency, (index) => created('/Users', aUser(overrides(index)))) as Promise<
        Array<Body & { id: string; userName: string }>
      >,
    /** A group holding `members` (ids), created with them in the POST. */
    createGroup: (overrides: Body = {}) => created('/Groups', aGroup(overrides)) as Promise<Body & { id: string; displayName: string; meta: Body & { version: string } }>,
    patchGroup,
    addMembers: (groupId: string, userIds: readonly string[]) => changeMembers(groupId, [membersOp.add(userIds)]),
    removeMembers: (groupId: string, userIds: readonly string[]) => changeMembers(groupId, [membersOp.removeByValue(userIds)]),
    /** The member ids GET /Groups/{id} shows, sorted. */
    memberIds: async (groupId: string): Promise<string[]> => {
      const response = await scim('GET', `/Groups/${groupId}`);
      expect({ groupId, status: response.status }).toEqual({ groupId, status: 200 });
      return ((response.body.members ?? []) as Array<{ value: string }>).map((member) => member.value).sort();
    },
    /** The group ids GET /Users/{id} lists in the user's read-only `groups` attribute, sorted. */
    groupIdsOf: async (userId: string): Promise<string[]> => {
      const response = await scim('GET', `/Users/${userId}`);
      expect({ userId, status: response.status }).toEqual({ userId, status: 200 });
      return ((response.body.groups ?? []) as Array<{ value: string }>).map((group) => group.value).sort();
    },
  };
}

export type ScimFixture = ScimClient &
  ReturnType<typeof directory> & {
    /** The running server (base URL, token, table); available from the first hook or test on. */
    readonly server: TestScimServer;
    /** A client of the same server with another token, e.g. another tenant's. */
    as(token: string): ScimClient;
    /** The admin library on the server's table (settings, seats, users), as the CLI uses it. */
    readonly admin: TableAdmin;
  };

/**
 * One SCIM server for the test file: started in beforeAll (on the run's embedded store, in a
 * table of its own), closed in afterAll. The result is the client, plus the directory steps.
 *
 *   const scim = useScimServer();
 *   it('…', async () => { const user = await scim.createUser(); expect((await scim('GET', `/Users/${user.id}`)).status).toBe(200); });
 */
export function useScimServer(options: ScimServerOptions = {}): ScimFixture {
  let running: { server: TestScimServer; client: ScimClient; admin?: TableAdmin } | undefined;
  const started = () => {
    if (!running) throw new Error('useScimServer(): the server starts in beforeAll; use it from a hook or a test, not at load time.');
    return running;
  };
  let store: DynamoDbLocal | undefined;
  beforeAll(async () => {
    Object.assign(process.env, options.environment);
    if (options.ownStore) store = await startDynamoDbLocal();
    const server = await startScimServer({ schemaExtensions: options.schemaExtensions, dynamoDbEndpoint: store?.endpoint });
    running = { server, client: scimClient(server) };
  }, 60_000);
  afterAll(async () => {
    for (const name of Object.keys(options.environment ?? {})) delete process.env[name];
    running?.admin?.close();
    await running?.server.close();
    await store?.stop();
  });
  const client: ScimClient = (...args: Parameters<ScimClient>): Promise<ScimTestResponse> => started().client(...args);
  const fixture = Object.assign(client, directory(client), { as: (token: string) => scimClient({ baseUrl: started().server.baseUrl, token }) });
  // A getter, not a value: the server exists only once beforeAll has run.
  Object.defineProperty(fixture, 'admin', {
    get: () => {
      const { server } = started();
      return (started().admin ??= tableAdmin({ endpoint: server.dynamoDbEndpoint, tableName: server.tableName }));
    },
  });
  return Object.defineProperty(fixture, 'server', { get: () => started().server }) as ScimFixture;
}
