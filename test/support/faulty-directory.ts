import { tableInspector } from './directory-invariants';
import { useScimServer } from './scim-fixture';
import type { ScimTestResponse } from './scim-server';
import { storeFaults, type Fault } from './store-faults';

/**
 * A SCIM server for fault-injection tests (the file must also mock lambdas/store/dynamo-client
 * with store-faults' faultyDynamoClient), its table's invariants, and a way to send one request
 * while a fault is armed. The stream consumers' clients would meet the faults too: they run only
 * when a test drains them, with none armed.
 */
export function useFaultyDirectory() {
  const scim = useScimServer();
  let inspector: ReturnType<typeof tableInspector> | undefined;
  beforeAll(async () => {
    inspector = tableInspector(scim.server.dynamoDbEndpoint, scim.server.tableName);
    await scim.server.pauseStreams();
  });
  afterAll(() => inspector?.close());
  afterEach(() => storeFaults.clear());
  return {
    scim,
    /** The table's inspector, usable from the first hook on. */
    table: new Proxy({} as ReturnType<typeof tableInspector>, {
      get: (_, name) => {
        const value = inspector![name as keyof ReturnType<typeof tableInspector>];
        return typeof value === 'function' ? value.bind(inspector) : value;
      },
    }),
    /** The response to `request` while `fault` is armed, and how many calls it struck; disarmed on return. */
    async withFault(fault: Fault, request: () => Promise<ScimTestResponse>) {
      const armed = storeFaults.inject(fault);
      try {
        return { response: await request(), struck: armed.struck() };
      } finally {
        storeFaults.clear();
      }
    },
  };
}
