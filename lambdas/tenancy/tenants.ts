import { randomUUID } from 'node:crypto';
import { AWSCURRENT, AWSPENDING, unfinishedRotation, type SecretDescription, type SecretStore } from './ports/secret-store';
import { parseTenantSecret, previousTokenEnd, serializeTenantSecret, withoutPrevious, type TenantSecret } from './tenant-secret';
import { assertTenant, DAY_MS, DEFAULT_TENANT, tenantOfSecretName, tenantSecretId, tenantSecretPrefix } from '../contracts/tenancy';
import { eventId, provisioningEvent } from '../contracts/event-envelope';
import type { TenantEvent } from '../contracts/events';

/** Why an admin action was refused: the admin API answers each with its own status. */
export type TenantAdminRefusal = 'invalid' | 'not_found' | 'exists' | 'conflict';

/** A refusal the operator can act on; the admin CLI prints its message alone. */
export class TenantAdminError extends Error {
  constructor(
    message: string,
    readonly reason: TenantAdminRefusal = 'invalid',
  ) {
    super(message);
    this.name = 'TenantAdminError';
  }
}

export interface TenantStatus {
  tenant: string;
  disabled: boolean;
  /** Absent while the tenant has no token (its first rotation has not finished). */
  current?: { issuedAt: string; expiresAt: string };
  /** The replaced token and the end of its overlap, while it has one. */
  previous?: { endsAt: string };
  /** Why the tenant's secret could not be read, when it could not. */
  problem?: string;
}

export interface TokenExpiry {
  tenant: string;
  days: number;
  /** Absent when the secret could not be read (`problem`). */
  expiresAt?: string;
  problem?: string;
}

/**
 * tenant.token_expiring for each readable token expiring within `belowDays`. The report runs
 * several times a day; its events share one id per tenant, token and day, so a consumer that
 * deduplicates is told once a day.
 */
export function expiringTokenEvents(report: TokenExpiry[], belowDays: number, now: number): TenantEvent[] {
  const at = new Date(now).toISOString();
  return report.flatMap(({ tenant, days, expiresAt }) =>
    expiresAt !== undefined && days < belowDays
      ? [
          provisioningEvent('tenant.token_expiring', {
            eventId: eventId('tenant.token_expiring', tenant, expiresAt, at.slice(0, 10)),
            tenant,
            at,
            sequence: String(now),
            expiresAt,
            daysLeft: Math.floor(days * 100) / 100,
          }),
        ]
      : [],
  );
}

export interface TenantAdminOptions {
  now?: () => number;
  /** How long to wait for a rotation to finish, and how often to look. */
  rotationTimeoutMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The operator's view of tenants and their tokens: the admin CLI (locally and against a deployed
 * stack) and `npm start` use it, so each action has one code path whichever store is behind it.
 * Tokens are returned to the caller, which shows them once; nothing here logs or stores them
 * anywhere but in the secret store.
 */
export class TenantAdmin {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly store: SecretStore,
    private readonly prefix: string,
    private readonly options: TenantAdminOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** A new tenant, and its first token from a rotation, like every later token. */
  async create(tenant: string): Promise<string> {
    const name = this.validName(tenant);
    const created = await this.store.create(
      tenantSecretId(this.prefix, name),
      serializeTenantSecret({ tenant: name, disabled: false }),
      `SCIM bearer token of tenant "${name}"`,
    );
    if (!created) throw new TenantAdminError(`Tenant "${name}" exists already. For a new token: tokens rotate ${name}`, 'exists');
    return this.rotate(name);
  }

  /** Every tenant under this deployment's prefix, by name. */
  async list(): Promise<TenantStatus[]> {
    const names = await this.store.names(tenantSecretPrefix(this.prefix));
    const tenants = names.map((name) => tenantOfSecretName(this.prefix, name)).filter((tenant): tenant is string => tenant !== undefined);
    // One unreadable secret must not hide the others, nor itself.
    return Promise.all(tenants.sort().map((tenant) => this.status(tenant).catch((error: Error) => ({ tenant, disabled: false, problem: error.message }))));
  }

  async status(tenant: string): Promise<TenantStatus> {
    const secret = await this.secret(tenant);
    return {
      tenant: secret.tenant,
      disabled: secret.disabled,
      ...(secret.current ? { current: { issuedAt: secret.current.issuedAt, expiresAt: secret.current.expiresAt } } : {}),
      ...(secret.previous ? { previous: { endsAt: new Date(previousTokenEnd(secret.previous)).toISOString() } } : {}),
    };
  }

  async setDisabled(tenant: string, disabled: boolean): Promise<void> {
    await this.update(tenant, (secret) => ({ ...secret, disabled }));
  }

  /**
   * A new current token through the deployment's rotation; the one it replaces keeps working for
   * the overlap. An unfinished rotation (interrupted between steps) is resumed rather than stacked.
   */
  async rotate(tenant: string): Promise<string> {
    const secretId = tenantSecretId(this.prefix, this.validName(tenant));
    const description = await this.described(tenant);
    const versionId = unfinishedRotation(description.versions) ?? randomUUID();
    await this.store.rotate(secretId, versionId);
    await this.finished(secretId, versionId);
    // This rotation's version, whatever happened to the secret since.
    const token = parseTenantSecret(await this.store.value(secretId, { versionId }))?.current?.token;
    if (!token) throw new Error(`rotation of tenant "${tenant}" finished without a token`);
    return token;
  }

  /** Ends the overlap now: the replaced token stops working (within the verifiers' cache window). */
  async revoke(tenant: string): Promise<boolean> {
    let revoked = false;
    await this.update(tenant, (secret) => {
      revoked = secret.previous !== undefined && previousTokenEnd(secret.previous) > this.now();
      return withoutPrevious(secret);
    });
    return revoked;
  }

  /**
   * Deletes the tenant's secret: its tokens are refused from then on (within the verifiers' cache
   * window). The default tenant is what a deployment starts with, so it goes only with `force`.
   */
  async delete(tenant: string, options: { force?: boolean } = {}): Promise<void> {
    const name = this.validName(tenant);
    if (name === DEFAULT_TENANT && !options.force) {
      throw new TenantAdminError(`Tenant "${DEFAULT_TENANT}" is the deployment's own tenant; delete it only with --force (force=true).`, 'conflict');
    }
    if (!(await this.store.delete(tenantSecretId(this.prefix, name)))) throw new TenantAdminError(`No tenant "${tenant}". See: tenants list`, 'not_found');
  }

  /**
   * The default tenant as `npm start` needs it: created on first start, and given a new token
   * when it has none that still works; otherwise its current token, unchanged across restarts.
   */
  async ensure(tenant: string): Promise<string> {
    if (!(await this.store.describe(tenantSecretId(this.prefix, this.validName(tenant))))) return this.create(tenant);
    const current = (await this.secret(tenant)).current;
    return current && Date.parse(current.expiresAt) > this.now() ? current.token : this.rotate(tenant);
  }

  /**
   * Days until each enabled tenant's current token expires, for the expiry alarm. A tenant whose
   * secret cannot be read counts as expired (0 days): its IdP is as cut off as if it were.
   */
  async daysToExpiry(): Promise<TokenExpiry[]> {
    return (await this.list())
      .filter((status) => status.problem || (!status.disabled && status.current))
      .map((status) =>
        status.problem
          ? { tenant: status.tenant, days: 0, problem: status.problem }
          : { tenant: status.tenant, days: (Date.parse(status.current!.expiresAt) - this.now()) / DAY_MS, expiresAt: status.current!.expiresAt },
      );
  }

  private validName(tenant: string): string {
    try {
      return assertTenant(tenant);
    } catch {
      throw new TenantAdminError(`"${tenant}" is not a valid tenant name: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit.`);
    }
  }

  private async described(tenant: string): Promise<SecretDescription> {
    const description = await this.store.describe(tenantSecretId(this.prefix, this.validName(tenant)));
    if (!description) throw new TenantAdminError(`No tenant "${tenant}". See: tenants list`, 'not_found');
    return description;
  }

  private async secret(tenant: string): Promise<TenantSecret> {
    const secretId = tenantSecretId(this.prefix, this.validName(tenant));
    const raw = await this.store.current(secretId);
    if (raw === undefined) throw new TenantAdminError(`No tenant "${tenant}". See: tenants list`, 'not_found');
    const secret = parseTenantSecret(raw);
    if (!secret || secret.tenant !== tenant) throw new Error(`secret ${secretId} does not hold tenant "${tenant}"`);
    return secret;
  }

  /** A new AWSCURRENT version from the current one; refused while a rotation would overwrite it. */
  private async update(tenant: string, change: (secret: TenantSecret) => TenantSecret): Promise<void> {
    const description = await this.described(tenant);
    if (unfinishedRotation(description.versions)) {
      throw new TenantAdminError(`A rotation of tenant "${tenant}" has not finished; finish it first: tokens rotate ${tenant}`, 'conflict');
    }
    const secretId = tenantSecretId(this.prefix, tenant);
    await this.store.put(secretId, randomUUID(), serializeTenantSecret(change(await this.secret(tenant))), [AWSCURRENT]);
  }

  private async finished(secretId: string, versionId: string): Promise<void> {
    const deadline = this.now() + (this.options.rotationTimeoutMs ?? 120_000);
    let started = false;
    for (;;) {
      const stages = (await this.store.describe(secretId))?.versions[versionId] ?? [];
      if (stages.includes(AWSCURRENT)) return;
      // AWSPENDING marks the new version while the rotation runs; if it goes without AWSCURRENT, the rotation was cancelled.
      if (stages.includes(AWSPENDING)) started = true;
      else if (started) throw new Error(`the rotation of ${secretId} was cancelled; its rotation function's log says why`);
      if (this.now() >= deadline) throw new Error(`the rotation of ${secretId} has not finished yet; see its rotation function's log, then check with tokens show-expiry`);
      await this.sleep(this.options.pollMs ?? 500);
    }
  }
}

