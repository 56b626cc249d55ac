import * as z from 'zod/mini';
import type { FunctionEnvironmentName } from '../contracts/environment';
import { parseExtensionsJson } from '../scim/extensions';
import { validate } from '../scim/validation';
import { DAY_MS, DEFAULT_TOKEN_POLICY } from '../contracts/tenancy';
import { DEFAULT_ACTIVITY_RETENTION_DAYS, MIGRATION_PACE } from '../contracts/table-design';

const secretPrefix = z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]+$/));

/** What every function that touches tokens reads: the verifier, the rotation, the expiry report. */
const tokenEnvironmentSchema = z.object({
  /** Tenants' token secrets are `{prefix}/tenants/{tenant}/token`; every function that serves HTTP needs it. */
  TENANT_SECRET_PREFIX: z.optional(secretPrefix),
  /** Local runs only: a directory of secret files standing in for Secrets Manager. */
  LOCAL_SECRETS_DIR: z.optional(z.string().check(z.minLength(1))),
  /** How long a verifier trusts a secret it read; a revoked token stops working within it. At most 5 minutes. */
  TOKEN_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(300)), 300),
  /** How long a new token is valid. */
  TOKEN_VALIDITY_DAYS: z._default(z.coerce.number().check(z.positive(), z.maximum(3650)), DEFAULT_TOKEN_POLICY.validityMs / DAY_MS),
  /** How long a replaced token keeps working after a rotation, so the IdP admin can paste the new one. */
  TOKEN_OVERLAP_DAYS: z._default(z.coerce.number().check(z.minimum(0), z.maximum(365)), DEFAULT_TOKEN_POLICY.overlapMs / DAY_MS),
  /** The EventBridge bus provisioning events are published on (the events consumer and the token functions). */
  EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  /** Local runs only: events are appended to this JSON-lines file instead (npm start's data directory). */
  EVENTS_FILE: z.optional(z.string().check(z.minLength(1))),
});

/**
 * The Lambda's configuration, read once at cold start and validated, so that a broken
 * deployment fails on its first request with a clear message rather than half-working.
 */
const environmentSchema = z.extend(tokenEnvironmentSchema, {
  TABLE_NAME: z.string().check(z.minLength(1)),
  /** Local runs only: the embedded DynamoDB-compatible store. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** Refuse a second user with the same externalId (see UserPolicy). */
  UNIQUE_EXTERNAL_ID: z.pipe(
    z._default(z.enum(['true', 'false']), 'false'),
    z.transform((value) => value === 'true'),
  ),
  /** Largest response body, in bytes: Lambda answers at most 6 MB, and headers need room. */
  MAX_RESPONSE_BYTES: z._default(z.coerce.number().check(z.int(), z.positive()), 5_500_000),
  /** How long activity entries are kept (stack property activityRetention). */
  ACTIVITY_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.positive(), z.maximum(36_500)), DEFAULT_ACTIVITY_RETENTION_DAYS),
  /** Largest request body accepted, in bytes. */
  MAX_BODY_BYTES: z._default(z.coerce.number().check(z.int(), z.positive()), 1_048_576),
  /** The deployment's schema extensions as JSON (lambdas/scim/extensions.ts), from scim-extensions.json. */
  SCIM_EXTENSIONS: z.pipe(
    z.optional(z.string()),
    z.transform((text, context) => {
      if (text === undefined || text.trim() === '') return undefined;
      try {
        return parseExtensionsJson(text);
      } catch (error) {
        context.issues.push({ code: 'custom', message: `invalid schema extension declaration: ${(error as Error).message}`, input: text });
        return z.NEVER;
      }
    }),
  ),
});

/** The migration function: the table, and how much of its capacity a run may take. */
const migrationEnvironmentSchema = z.extend(environmentSchema, {
  /** Items moved a second, all segments together. */
  MIGRATION_ITEMS_PER_SECOND: z._default(z.coerce.number().check(z.positive(), z.maximum(100_000)), MIGRATION_PACE.itemsPerSecond),
  /** Parallel Scan segments. */
  MIGRATION_SEGMENTS: z._default(z.coerce.number().check(z.int(), z.positive(), z.maximum(1000)), MIGRATION_PACE.segments),
});

/** The admin API's function: the table, the tenants' secrets, and what IdPs are told to call. */
const adminEnvironmentSchema = z.extend(environmentSchema, {
  TENANT_SECRET_PREFIX: secretPrefix,
  /** The SCIM base URL (`GET /connection` shows it to whoever configures the IdP). */
  SCIM_BASE_URL: z.url(),
});

export type Config = z.infer<typeof environmentSchema>;
export type TokenConfig = z.infer<typeof tokenEnvironmentSchema>;
export type AdminConfig = z.infer<typeof adminEnvironmentSchema>;
export type MigrationConfig = z.infer<typeof migrationEnvironmentSchema>;

/** Fails to compile when the schema reads a variable that lambdas/contracts/environment.ts does not publish. */
export type PublishedVariables<Name extends FunctionEnvironmentName = keyof Config> = Name;
export type PublishedAdminVariables<Name extends FunctionEnvironmentName = keyof AdminConfig> = Name;
export type PublishedMigrationVariables<Name extends FunctionEnvironmentName = keyof MigrationConfig> = Name;

function parse<T extends z.ZodMiniType>(schema: T, environment: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = validate(schema, environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid Lambda environment: ${problems}`);
  }
  return parsed.data;
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  return parse(environmentSchema, environment);
}

export function loadAdminConfig(environment: NodeJS.ProcessEnv = process.env): AdminConfig {
  return parse(adminEnvironmentSchema, environment);
}

export function loadMigrationConfig(environment: NodeJS.ProcessEnv = process.env): MigrationConfig {
  return parse(migrationEnvironmentSchema, environment);
}

/** For the functions that only handle tokens (no table). */
export function loadTokenConfig(environment: NodeJS.ProcessEnv = process.env): TokenConfig {
  return parse(tokenEnvironmentSchema, environment);
}
