import { withNewToken } from '../../lambdas/tenancy/tenant-secret';
import { DAY_MS, tenantSecretId, tokenExpiryMetric } from '../../lambdas/contracts/tenancy';
import { awsWorld, PREFIX, type TokenWorld } from '../support/token-stores';

let world: TokenWorld;
let written = '';
const originals = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
const capture = ((chunk: unknown) => {
  written += String(chunk);
  return true;
}) as typeof process.stdout.write;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  world = await awsWorld();
  process.env.TENANT_SECRET_PREFIX = PREFIX;
});
afterAll(async () => {
  delete process.env.TENANT_SECRET_PREFIX;
  await world.close();
});

describe('the token expiry report', () => {
  it("publishes each enabled tenant's days to expiry as an embedded metric, per deployment and per tenant, and warns below 30 days", async () => {
    await world.admin.create('acme');
    await world.admin.create('globex');
    await world.admin.setDisabled('globex', true);
    await world.admin.create('soon');
    const soon = withNewToken({ tenant: 'soon', disabled: false }, { validityMs: 10 * DAY_MS, overlapMs: 0 }, Date.now());
    await world.store.put(tenantSecretId(PREFIX, 'soon'), '22222222-2222-4222-8222-222222222222', JSON.stringify(soon), ['AWSCURRENT']);

    const { handler } = await import('../../lambdas/token-expiry/handler');
    // Metrics go to stdout, the warning through the logger.
    process.stdout.write = process.stderr.write = capture;
    const result = await handler().finally(() => {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    });

    const lines = written.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    const metrics = lines.filter((line) => line._aws);
    expect(result).toEqual({ tenants: 2 });
    expect(metrics.map((line) => line.Tenant).sort()).toEqual(['acme', 'soon']);
    for (const metric of metrics) {
      expect(metric._aws.CloudWatchMetrics).toEqual([
        { Namespace: tokenExpiryMetric.namespace, Dimensions: [['Prefix'], ['Prefix', 'Tenant']], Metrics: [{ Name: tokenExpiryMetric.name, Unit: 'None' }] },
      ]);
      expect(metric.Prefix).toBe(PREFIX);
    }
    const days = Object.fromEntries(metrics.map((line) => [line.Tenant, line[tokenExpiryMetric.name]]));
    expect(days.acme).toBeGreaterThan(364.9);
    expect(days.soon).toBeGreaterThan(9.9);
    expect(days.soon).toBeLessThanOrEqual(10);
    const warnings = lines.filter((line) => line.message === 'token expires soon');
    expect(warnings.map((line) => line.tenant)).toEqual(['soon']);
  });
});
