import { publishingTokenDependencies } from '../wiring/event-sink';
import { logger } from '../runtime/logger';
import { expiringTokenEvents, TenantAdmin } from '../tenancy/tenants';
import { tokenExpiryMetric } from '../contracts/tenancy';

const { store, prefix, publish } = publishingTokenDependencies();
const tenants = new TenantAdmin(store, prefix());

/**
 * Runs on a schedule: publishes each enabled tenant's days until its token expires, per
 * deployment (`Prefix`) and per tenant, in CloudWatch's embedded metric format, which needs no
 * API call and no permission. The deployment's alarm watches the minimum. Tokens expiring within
 * the alarm's threshold are also published as tenant.token_expiring.
 */
export async function handler(): Promise<{ tenants: number }> {
  const report = await tenants.daysToExpiry();
  const { namespace, name, alarmBelowDays } = tokenExpiryMetric;
  for (const { tenant, days, problem } of report) {
    const metric = {
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['Prefix'], ['Prefix', 'Tenant']], Metrics: [{ Name: name, Unit: 'None' }] }] },
      Prefix: prefix(),
      Tenant: tenant,
      [name]: Math.floor(days * 100) / 100,
    };
    process.stdout.write(`${JSON.stringify(metric)}\n`);
    if (problem) logger.warn('tenant secret unreadable', { tenant, problem });
    else if (days < alarmBelowDays) logger.warn('token expires soon', { tenant, days: Math.floor(days) });
  }
  if (publish) await publish(expiringTokenEvents(report, alarmBelowDays, Date.now()));
  return { tenants: report.length };
}
