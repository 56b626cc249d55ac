import { z } from 'zod';
import { parseExtensionsJson } from './scim/extensions';

/**
 * The Lambda's configuration, read once at cold start and validated, so that a broken
 * deployment fails on its first request with a clear message rather than half-working.
 */
const environmentSchema = z.object({
  TABLE_NAME: z.string().min(1),
  /** Secrets Manager secret holding the default tenant's token; every function that serves HTTP needs it. */
  TOKEN_SECRET_ID: z.string().min(1).optional(),
  /** Local runs only: a directory of secret files standing in for Secrets Manager. */
  LOCAL_SECRETS_DIR: z.string().min(1).optional(),
  /** Local runs only: the embedded DynamoDB-compatible store. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Refuse a second user with the same externalId (see UserPolicy). */
  UNIQUE_EXTERNAL_ID: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /** Largest response body, in bytes: Lambda answers at most 6 MB, and headers need room. */
  MAX_RESPONSE_BYTES: z.coerce.number().int().positive().default(5_500_000),
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

export type Config = z.infer<typeof environmentSchema>;

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid Lambda environment: ${problems}`);
  }
  return parsed.data;
}
