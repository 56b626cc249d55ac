import * as z from 'zod/mini';
import { ScimError } from './errors';
import { validate } from './validation';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** RFC 7644 §3.5.2. `op` stays a string here: its case is an IdP habit the PATCH engine folds. */
export const patchRequestSchema = z.object({
  schemas: z.optional(z.array(z.string())),
  Operations: z
    .array(
      z.object({
        op: z.string({ error: 'every operation needs an "op" (add, remove or replace)' }),
        path: z.optional(z.string()),
        value: z.optional(z.unknown()),
      }),
    )
    .check(z.minLength(1, { error: 'Operations must hold at least one operation' })),
});
export type PatchRequest = z.infer<typeof patchRequestSchema>;

/** Renames keys that match one of `names` case-insensitively to that name (RFC 7643 §2.1). */
export function foldKeys(body: unknown, names: string[]): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [names.find((name) => name.toLowerCase() === key.toLowerCase()) ?? key, value]),
  );
}

/** Parses a message body with a zod schema; any mismatch is a 400 that says where. */
export function parseMessage<T>(schema: z.ZodMiniType<T>, body: unknown, what: string): T {
  if (body === undefined) throw ScimError.invalidSyntax(`A ${what} request body is required.`);
  const parsed = validate(schema, body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw ScimError.invalidSyntax(`Invalid ${what}${where}: ${issue.message}.`);
}

export function parsePatchRequest(body: unknown): PatchRequest {
  // Attribute names are case-insensitive (RFC 7643 §2.1); some clients send "operations".
  const folded = foldKeys(body, ['schemas', 'Operations']);
  const request = parseMessage(patchRequestSchema, folded, 'PatchOp');
  if (request.schemas && !request.schemas.some((schema) => schema.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw ScimError.invalidSyntax(`A PATCH body must list "${PATCH_OP_SCHEMA}" in schemas.`);
  }
  return request;
}
