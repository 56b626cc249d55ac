/**
 * RFC 7644 §3.7 bulk requests: the BulkRequest message, its limits (§3.7.4), bulkId references
 * (§3.7.2) and the BulkResponse. The order operations run in is lambdas/directory/bulk.ts.
 */
import * as z from 'zod/mini';
import { ScimError, type ScimErrorBody } from './errors';
import { foldKeys, parseMessage } from './messages';
import { MAX_BODY_NESTING } from './json-limits';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/**
 * Advertised as bulk.maxOperations in /ServiceProviderConfig. A request this size must finish
 * within API Gateway's 29 s; test/bench/bulk.bench.ts times one.
 */
export const MAX_OPERATIONS = 1000;

const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type BulkMethod = (typeof METHODS)[number];

const bulkOperationSchema = z.object({
  method: z.pipe(
    z.pipe(
      z.string({ error: 'every operation needs a method' }),
      z.transform((method) => method.toUpperCase()),
    ),
    z.enum(METHODS, { error: 'method must be POST, PUT, PATCH or DELETE' }),
  ),
  bulkId: z.optional(z.string({ error: 'bulkId must be a string' }).check(z.minLength(1))),
  version: z.optional(z.string({ error: 'version must be an entity tag string' })),
  path: z.string({ error: 'every operation needs a path, such as "/Users" or "/Groups/{id}"' }).check(z.minLength(1)),
  data: z.optional(z.unknown()),
});

const bulkRequestSchema = z.object({
  schemas: z.array(z.string(), { error: `expected ["${BULK_REQUEST_SCHEMA}"]` }),
  failOnErrors: z.optional(z.number({ error: 'failOnErrors must be a positive integer' }).check(z.int(), z.minimum(1))),
  // Attribute names are case-insensitive (RFC 7643 §2.1), inside operations too.
  Operations: z
    .array(
      z.pipe(
        z.transform((operation) => foldKeys(operation, Object.keys(bulkOperationSchema.shape))),
        bulkOperationSchema,
      ),
    )
    .check(z.minLength(1, { error: 'Operations must hold at least one operation' })),
});

export type BulkRequest = z.infer<typeof bulkRequestSchema>;
export type BulkOperation = BulkRequest['Operations'][number];

/** What running one operation gave. */
export interface BulkOutcome {
  status: number;
  /** The id of the resource a POST created. */
  id?: string;
  location?: string;
  version?: string;
  /** The RFC 7644 §3.12 error, for a status other than 2xx. */
  response?: ScimErrorBody;
}

export interface BulkOperationResponse {
  method: BulkMethod;
  bulkId?: string;
  version?: string;
  location?: string;
  /** RFC 7644 §3.7.3: the HTTP status code, as a string. */
  status: string;
  response?: ScimErrorBody;
}

export interface BulkResponse {
  schemas: [typeof BULK_RESPONSE_SCHEMA];
  Operations: BulkOperationResponse[];
}

export function parseBulkRequest(body: unknown, maxOperations = MAX_OPERATIONS): BulkRequest {
  const folded = foldKeys(body, Object.keys(bulkRequestSchema.shape));
  const operations = (folded as { Operations?: unknown } | null | undefined)?.Operations;
  // Counted before anything else is read: an oversized request is refused at once (RFC 7644 §3.7.4).
  if (Array.isArray(operations) && operations.length > maxOperations) {
    throw ScimError.payloadTooLarge(
      `The bulk request has ${operations.length} operations, more than maxOperations (${maxOperations}) allows; split it into requests of at most ${maxOperations}.`,
    );
  }
  const request = parseMessage(bulkRequestSchema, folded, 'BulkRequest');
  if (!request.schemas.some((schema) => schema.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())) {
    throw ScimError.invalidSyntax(`A bulk request body must list "${BULK_REQUEST_SCHEMA}" in schemas (RFC 7644 §3.7).`);
  }
  const definedAt = new Map<string, number>();
  request.Operations.forEach((operation, index) => {
    if (operation.method !== 'POST' || operation.bulkId === undefined) return;
    const earlier = definedAt.get(operation.bulkId);
    if (earlier !== undefined) {
      throw ScimError.invalidValue(
        `bulkId "${operation.bulkId}" names the POSTs at Operations.${earlier} and Operations.${index}; a bulkId must be unique within a request (RFC 7644 §3.7).`,
      );
    }
    definedAt.set(operation.bulkId, index);
  });
  return request;
}

/** RFC 7644 §3.7.2: `bulkId:qwerty` stands for the id of the resource the POST with bulkId "qwerty" creates. */
const REFERENCE = /^bulkId:(.+)$/;

/**
 * Data nested beyond what any body may is refused when its operation runs (assertBodyNesting);
 * until then references are not looked for there, so no recursion goes deeper than that.
 */
const REFERENCE_DEPTH = MAX_BODY_NESTING + 1;

function collect(value: unknown, into: Set<string>, depth = 0): void {
  if (typeof value === 'string') {
    const match = REFERENCE.exec(value);
    if (match) into.add(match[1]);
  } else if (depth > REFERENCE_DEPTH) {
    return;
  } else if (Array.isArray(value)) {
    for (const element of value) collect(element, into, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const element of Object.values(value)) collect(element, into, depth + 1);
  }
}

function substitute(value: unknown, ids: ReadonlyMap<string, string>, depth = 0): unknown {
  if (typeof value === 'string') {
    const match = REFERENCE.exec(value);
    return match && ids.has(match[1]) ? ids.get(match[1]) : value;
  }
  if (depth > REFERENCE_DEPTH) return value;
  if (Array.isArray(value)) return value.map((element) => substitute(element, ids, depth + 1));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, element]) => [key, substitute(element, ids, depth + 1)]));
  return value;
}

/** In a Bulk request body, the path of an operation's data: checked when the operation runs, so that its failure is its own. */
export function isOperationData(path: ReadonlyArray<string | number>): boolean {
  return path.length === 3 && String(path[0]).toLowerCase() === 'operations' && typeof path[1] === 'number' && String(path[2]).toLowerCase() === 'data';
}

/** The bulkIds an operation refers to, in its data (a member's value) or as a segment of its path. */
export function referencedBulkIds(operation: BulkOperation): string[] {
  const found = new Set<string>();
  collect(operation.path.split('/'), found);
  collect(operation.data, found);
  return [...found];
}

/** The operation with every reference replaced by the id it stands for. */
export function resolveBulkIds(operation: BulkOperation, ids: ReadonlyMap<string, string>): BulkOperation {
  return {
    ...operation,
    path: operation.path
      .split('/')
      .map((segment) => substitute(segment, ids) as string)
      .join('/'),
    data: substitute(operation.data, ids),
  };
}

export function bulkOperationResponse(operation: BulkOperation, outcome: BulkOutcome): BulkOperationResponse {
  return {
    method: operation.method,
    ...(operation.bulkId !== undefined ? { bulkId: operation.bulkId } : {}),
    ...(outcome.version !== undefined ? { version: outcome.version } : {}),
    ...(outcome.location !== undefined ? { location: outcome.location } : {}),
    status: String(outcome.status),
    ...(outcome.response !== undefined ? { response: outcome.response } : {}),
  };
}
