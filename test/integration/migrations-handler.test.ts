import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { FORMAT_VERSION, MIGRATION_EVENT } from '../../lambdas/contracts/table-design';
import { useScimServer } from '../support/scim-fixture';

const scim = useScimServer();
const eventBridge = mockClient(EventBridgeClient);

/** The migration function over the test server's table (the store is real; EventBridge is not). */
async function loadHandler() {
  process.env.TABLE_NAME = scim.server.tableName;
  process.env.DYNAMODB_ENDPOINT = scim.server.dynamoDbEndpoint;
  return (await import('../../lambdas/migrations/handler')).handler;
}

const event = (round = 0) => ({ source: MIGRATION_EVENT.source, 'detail-type': MIGRATION_EVENT.detailType, detail: { table: scim.server.tableName, formatVersion: FORMAT_VERSION, round } });

describe('the migration function', () => {
  beforeEach(() => eventBridge.reset());
  afterAll(() => {
    delete process.env.TABLE_NAME;
    delete process.env.DYNAMODB_ENDPOINT;
  });

  it('hands what it could not finish in its time to a next run, which finishes and hands nothing on', async () => {
    await scim.createUsers(3);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const handler = await loadHandler();

    // Less time left than the function keeps back: no page is started.
    expect(await handler(event(), { getRemainingTimeInMillis: () => 1000 })).toEqual({ complete: false, round: 0 });
    const [call] = eventBridge.commandCalls(PutEventsCommand);
    const [entry] = call.args[0].input.Entries!;
    expect({ source: entry.Source, detailType: entry.DetailType, detail: JSON.parse(entry.Detail!) }).toEqual({
      source: MIGRATION_EVENT.source,
      detailType: MIGRATION_EVENT.detailType,
      detail: { table: scim.server.tableName, formatVersion: FORMAT_VERSION, round: 1 },
    });

    eventBridge.resetHistory();
    expect(await handler(event(1), { getRemainingTimeInMillis: () => 900_000 })).toEqual({ complete: true, round: 1 });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("refuses another table's event", async () => {
    const handler = await loadHandler();
    await expect(handler({ ...event(), detail: { ...event().detail, table: 'another' } }, { getRemainingTimeInMillis: () => 900_000 })).rejects.toThrow(/not another/);
  });
});
