import { z } from 'zod';
import type { FunctionEnvironmentName } from '../contracts/environment';
import { parseExtensionsJson } from '../scim/extensions';
import { DAY_MS, DEFAULT_TOKEN_POLICY } from '../contracts/tenancy';
import { DEFAULT_ACTIVITY_RETENTION_DAYS } from '../contracts/table-design';

/** What every function that touches tokens reads: the verifier, the rotation, the expiry report. */
const tokenEnvironmentSchema = z.object({
  /** Tenants' token secrets are `{prefix}/tenants/{tenant}/token`; every function that serves HTTP needs it. */
  TENANT_SECRET_PREFIX: z.string().regex(/^[A-Za-z0-9/_+=.@-]+$/).optional(),
  /** Local runs only: a directory of secret files standing in for Secrets Manager. */
  LOCAL_SECRETS_DIR: z.string().min(1).optional(),
  /** How long a verifier trusts a secret it read; a revoked token stops working within it. At most 5 minutes. */
  TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(300),
  /** How long a new token is valid. */
  TOKEN_VALIDITY_DAYS: z.coerce.number().positive().max(3650).default(DEFAULT_TOKEN_POLICY.validityMs / DAY_MS),
  /** How long a replaced token keeps working after a rotation, so the IdP admin can paste the new one. */
  TOKEN_OVERLAP_DAYS: z.coerce.number().min(0).max(365).default(DEFAULT_TOKEN_POLICY.overlapMs / DAY_MS),
  /** The EventBridge bus provisioning events are published on (the events consumer and the token functions). */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Local runs only: events are appended to this JSON-lines file instead (npm start's data directory). */
  EVENTS_FILE: z.string().min(1).optional(),
});

/**
 * The Lambda's configuration, read once at cold start and validated, so that a broken
 * deployment fails on its first request with a clear message rather than half-working.
 */
const environmentSchema = tokenEnvironmentSchema.extend({
  TABLE_NAME: z.string().min(1),
  /** Local runs only: the embedded DynamoDB-compatible store. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Refuse a second user with the same externalId (see UserPolicy). */
  UNIQUE_EXTERNAL_ID: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /** Largest response body, in bytes: Lambda answers at most 6 MB, and headers need room. */
  MAX_RESPONSE_BYTES: z.coerce.number().int().positive().default(5_500_000),
  /** How long activity entries are kept (stack property activityRetention). */
  ACTIVITY_RETENTION_DAYS: z.coerce.number().int().positive().max(36_500).default(DEFAULT_ACTIVITY_RETENTION_DAYS),
  /** Largest request body accepted, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** The deployment's schema extensions as JSON (lambdas/scim/extensions.ts), from scim-extensions.json. */
  SCIM_EXTENSIONS: z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined || text.trim() === '') return undefined;
      try {
        return parseExtensionsJson(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: `invalid schema extension declaration: ${(error as Error).message}` });
        return z.NEVER;
      }
    }),
});

/** The admin API's function: the table, the tenants' secrets, and what IdPs are told to call. */
const adminEnvironmentSchema = environmentSchema.extend({
  TENANT_SECRET_PREFIX: z.string().regex(/^[A-Za-z0-9/_+=.@-]+$/),
  /** The SCIM base URL (`GET /connection` shows it to whoever configures the IdP). */
  SCIM_BASE_URL: z.url(),
});

export type Config = z.infer<typeof environmentSchema>;
export type TokenConfig = z.infer<typeof tokenEnvironmentSchema>;
export type AdminConfig = z.infer<typeof adminEnvironmentSchema>;

/** Fails to compile when the schema reads a variable that lambdas/contracts/environment.ts does not publish. */
export type PublishedVariables<Name extends FunctionEnvironmentName = keyof Config> = Name;
export type PublishedAdminVariables<Name extends FunctionEnvironmentName = keyof AdminConfig> = Name;

function parse<T extends z.ZodType>(schema: T, environment: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(environment);
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

/** For the functions that only handle tokens (no table). */
export function loadTokenConfig(environment: NodeJS.ProcessEnv = process.env): TokenConfig {
  return parse(tokenEnvironmentSchema, environment);
}
