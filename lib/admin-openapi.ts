import * as z from 'zod/mini';
import { adminRequestSchemas, type AdminConnection, type AdminErrorCode } from '../lambdas/admin/admin-api';
import type { GroupSummary, RoleMove, UserSummary } from '../lambdas/admin/table-admin';
import type { TenantStatus } from '../lambdas/admin/tenant-admin';
import { ADMIN_BASE_PATH, adminRoutes, type AdminRouteName } from '../lambdas/contracts/admin-routes';
import { activityEntrySchema, provisioningClientSchema, roleReasonSchema, type ActivityEntry } from '../lambdas/contracts/events';
import { tenantSettingsSchema, type SettingsProgress, type VersionedSettings } from '../lambdas/contracts/settings';
import { TENANT_PATTERN } from '../lambdas/contracts/tenancy';
import { adminGatewayResponses } from './admin-gateway-responses';

/**
 * The admin API's OpenAPI 3.1 document (docs/admin-api.openapi.json), built from the route table,
 * the implementation's own request schemas and the contracts' zod schemas so that it cannot drift
 * from what the stack deploys: `npm run admin-openapi` writes it, a test fails when the committed
 * file differs, and test/admin/admin-api-contract.test.ts checks every answer against it.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The schema of an implementation type T: the compiler refuses one that stops describing it. */
const describing =
  <T>() =>
  <S extends z.ZodMiniType>(schema: S & (Same<z.output<S>, T> extends true ? unknown : never)): S =>
    schema;

const timestamp = z.string().check(z.meta({ format: 'date-time' }));
const provenance = z.object({ client: provisioningClientSchema, at: timestamp });
const roleMove = describing<RoleMove>()(z.object({ from: z.nullable(z.string()), to: z.nullable(z.string()), users: z.number().check(z.int(), z.minimum(0)) }));
const tenantStatus = describing<TenantStatus>()(z.object({
  tenant: z.string(),
  disabled: z.boolean(),
  current: z.optional(z.object({ issuedAt: timestamp, expiresAt: timestamp })).check(z.meta({ description: 'Absent while the tenant has no token (its first rotation has not finished).' })),
  previous: z.optional(z.object({ endsAt: timestamp })).check(z.meta({ description: 'The replaced token and the end of its overlap, while it has one.' })),
  problem: z.optional(z.string()).check(z.meta({ description: "Why the tenant's secret could not be read (in GET /tenants, which lists the tenant anyway)." })),
}));
const connection = describing<AdminConnection>()(z.object({
  scimBaseUrl: z.nullable(z.string()).check(z.meta({ description: 'What IdPs are given as the SCIM base URL; null when it is not known.' })),
  target: z.string().check(z.meta({ description: '`stack <name>` or `data directory <dir>`.' })),
}));
const versionedSettings = describing<VersionedSettings>()(z.object({ version: z.number().check(z.int(), z.minimum(0)), settings: tenantSettingsSchema, updatedAt: timestamp }));
const settingsProgress = describing<SettingsProgress>()(z.object({
  version: z.number().check(z.int(), z.minimum(0)),
  done: z.number().check(z.int(), z.minimum(0)),
  total: z.number().check(z.int(), z.minimum(0)),
  at: timestamp,
  afterId: z.optional(z.string()),
  finished: z.boolean(),
}));
const userSummary = describing<UserSummary>()(z.object({
  id: z.string(),
  userName: z.string(),
  email: z.optional(z.string()).check(z.meta({ description: 'The primary email, else the first; absent when the user has none.' })),
  active: z.boolean(),
  role: z.nullable(z.string()),
  roles: z.array(z.string()),
  roleReason: z.nullable(roleReasonSchema),
  groups: z.array(z.object({ id: z.string(), displayName: z.string() })),
  provisionedBy: z.optional(provenance),
  lastChangedBy: z.optional(provenance),
}));
const groupSummary = describing<GroupSummary>()(z.object({
  id: z.string(),
  displayName: z.string(),
  externalId: z.optional(z.string()),
  members: z.number().check(z.int(), z.minimum(0)),
  roles: z.array(z.string()).check(z.meta({ description: "Roles the tenant's settings map this group to, highest priority first; the first is what it gives." })),
  provisionedBy: z.optional(provenance),
  lastChangedBy: z.optional(provenance),
}));
const issuedToken = z.object({ tenant: tenantStatus, token: z.string().check(z.meta({ description: 'The bearer token for the IdP; shown once, never again.' })), shownOnce: z.literal(true) });
const nextCursor = z.optional(z.string()).check(z.meta({ description: 'Pass as `cursor` for the next page; absent on the last.' }));

/** Every answer body, named: operations refer to them, and they refer to one another. */
const answers = {
  Connection: connection,
  TenantStatus: tenantStatus,
  TenantList: z.object({ tenants: z.array(tenantStatus) }),
  IssuedToken: issuedToken,
  TenantDeleted: z.object({ tenant: z.string(), deleted: z.object({ secret: z.literal(true), items: z.number().check(z.int(), z.minimum(0), z.meta({ description: 'Items of its directory deleted.' })) }) }),
  TokenRevoked: z.object({ revoked: z.boolean().check(z.meta({ description: 'False when there was no overlap left to end.' })), tenant: tenantStatus }),
  Settings: tenantSettingsSchema,
  SettingsProgress: settingsProgress,
  RoleMove: roleMove,
  SettingsRead: z.extend(versionedSettings, { progress: z.nullable(settingsProgress).check(z.meta({ description: 'How far the roles of the last saved version have been applied; null before any was saved.' })) }),
  SettingsSaved: z.extend(versionedSettings, { changes: z.array(roleMove).check(z.meta({ description: 'Who changes role, computed before saving.' })) }),
  SettingsPreview: z.object({ changes: z.array(roleMove) }),
  Seats: z.object({ tenant: z.string(), used: z.number().check(z.int(), z.minimum(0)), limit: tenantSettingsSchema.shape.seatLimit, policy: tenantSettingsSchema.shape.seatPolicy }),
  UserSummary: userSummary,
  UserPage: z.object({ users: z.array(userSummary), nextCursor }),
  GroupSummary: groupSummary,
  GroupPage: z.object({ groups: z.array(groupSummary), nextCursor }),
  ActivityEntry: describing<ActivityEntry>()(activityEntrySchema),
  Activity: z.object({ entries: z.array(activityEntrySchema) }),
};
type AnswerName = keyof typeof answers;

function answerSchemas(): Record<string, Schema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(answers)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: 'output', target: 'draft-2020-12', uri: (id) => ref(id).$ref as string });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, component(schema as Schema)]));
}

/** What a client sends: the settings before defaults are applied. */
const settingsInput = component(z.toJSONSchema(tenantSettingsSchema, { io: 'input', target: 'draft-2020-12' }) as Schema);
const requestSchema = (schema: z.ZodMiniType) => component(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Schema);

function withProperty(schema: Schema, name: string, property: Schema): Schema {
  const properties = schema.properties as Record<string, Schema>;
  if (!(name in properties)) throw new Error(`the request schema has no property ${name}`);
  return { ...schema, properties: { ...properties, [name]: property } };
}

const requestBodies = {
  // The name is checked by the tenant library rather than the body schema, and refused alike (400 invalid_request).
  createTenant: withProperty(requestSchema(adminRequestSchemas.createTenant), 'name', { type: 'string', pattern: TENANT_PATTERN.source }),
  // The body schema takes any settings so that their problems are answered as invalid_settings, every one.
  putSettings: withProperty(requestSchema(adminRequestSchemas.putSettings), 'settings', ref('SettingsInput')),
  previewSettings: ref('SettingsInput'),
};

/** Error bodies `{ "error": { code, message } }`, from the implementation (admin-api.ts adminError) and from API Gateway (admin-gateway-responses.ts). */
function errorBody(codes: readonly string[], problems = false): Schema {
  return {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: problems ? ['code', 'message', 'problems'] : ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', enum: [...new Set(codes)] },
          message: { type: 'string' },
          ...(problems ? { problems: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'Every problem, each with where it is.' } } : {}),
        },
      },
    },
  };
}

const gatewayCodes = (status: number) => adminGatewayResponses.filter(({ error }) => error.status === status).map(({ error }) => error.code);
const implementation = (...codes: AdminErrorCode[]) => codes;
const invalidRequest = errorBody([...implementation('invalid_request'), ...gatewayCodes(400)]);

interface ErrorResponse {
  status: number;
  description: string;
  schema: Schema;
  headers?: Record<string, unknown>;
}

const errorResponses = {
  BadRequest: { status: 400, description: 'The body is not JSON, or the body, a query parameter or the tenant name is not valid.', schema: invalidRequest },
  BadSettings: {
    status: 400,
    description: 'The request is not valid (`invalid_request`), or the settings are not (`invalid_settings`, with every problem); nothing was saved.',
    schema: { anyOf: [invalidRequest, errorBody(implementation('invalid_settings'), true)] },
  },
  Forbidden: { status: 403, description: 'Answered by API Gateway: not signed with SigV4, or the signer lacks execute-api:Invoke on this API.', schema: errorBody(gatewayCodes(403)) },
  NotFound: { status: 404, description: 'No such tenant (or user).', schema: errorBody(implementation('not_found')) },
  NoRoute: { status: 404, description: 'No route has this path.', schema: errorBody([...implementation('not_found'), ...gatewayCodes(404)]) },
  MethodNotAllowed: { status: 405, description: 'A route has this path, with other methods; the message names them.', schema: errorBody(implementation('method_not_allowed')) },
  TenantExists: { status: 409, description: 'A tenant of this name exists.', schema: errorBody(implementation('exists')) },
  Conflict: { status: 409, description: 'Refused as things stand: the default tenant without `force=true`, or a token rotation of the tenant has not finished.', schema: errorBody(implementation('conflict')) },
  VersionConflict: { status: 409, description: 'The settings changed since `expectedVersion`: read them again and reapply the change.', schema: errorBody(implementation('version_conflict')) },
  TooLarge: { status: 413, description: 'Answered by API Gateway: the request is too large.', schema: errorBody(gatewayCodes(413)) },
  UnsupportedMediaType: { status: 415, description: 'Answered by API Gateway: the body is not sent as application/json.', schema: errorBody(gatewayCodes(415)) },
  Throttled: { status: 429, description: 'Answered by API Gateway: throttled; retry after Retry-After.', schema: errorBody(gatewayCodes(429)), headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } },
  Internal: { status: 500, description: 'The admin API failed; its log says why.', schema: errorBody([...implementation('internal'), ...gatewayCodes(500)]) },
  BadGateway: { status: 502, description: 'Answered by API Gateway: the function failed to answer; the request may not have been applied.', schema: errorBody(gatewayCodes(502)) },
  GatewayTimeout: { status: 504, description: 'Answered by API Gateway: the function did not answer in time; the request may have been applied.', schema: errorBody(gatewayCodes(504)) },
} satisfies Record<string, ErrorResponse>;
type ErrorName = keyof typeof errorResponses;

/** What every operation may answer besides its own refusals: API Gateway's, and a failure. */
const ALWAYS: ErrorName[] = ['Forbidden', 'TooLarge', 'UnsupportedMediaType', 'Throttled', 'Internal', 'BadGateway', 'GatewayTimeout'];
/** Every route of a tenant refuses an invalid tenant name (400) and an unknown tenant (404). */
const OF_A_TENANT: ErrorName[] = ['BadRequest', 'NotFound'];

interface Operation {
  summary: string;
  query?: z.ZodMiniType;
  body?: Schema;
  status: 200 | 201;
  answer: AnswerName;
  /** The implementation's refusals; every route refuses a body that is not JSON (BadRequest). */
  errors: ErrorName[];
}

const operations: Record<AdminRouteName, Operation> = {
  connection: { summary: "The SCIM base URL IdPs are given, and the deployment's names", status: 200, answer: 'Connection', errors: ['BadRequest'] },
  listTenants: { summary: 'Every tenant, its state and its token’s expiry', status: 200, answer: 'TenantList', errors: ['BadRequest'] },
  createTenant: { summary: 'A new tenant; answers its first token, shown once', body: requestBodies.createTenant, status: 201, answer: 'IssuedToken', errors: ['BadRequest', 'TenantExists'] },
  getTenant: { summary: 'A tenant’s state and its token’s expiry', status: 200, answer: 'TenantStatus', errors: OF_A_TENANT },
  deleteTenant: { summary: 'Deletes the tenant’s secret, then its directory', query: adminRequestSchemas.deleteTenantQuery, status: 200, answer: 'TenantDeleted', errors: [...OF_A_TENANT, 'Conflict'] },
  disableTenant: { summary: 'Its tokens are refused (401) from now on', status: 200, answer: 'TenantStatus', errors: [...OF_A_TENANT, 'Conflict'] },
  enableTenant: { summary: 'Its tokens work again', status: 200, answer: 'TenantStatus', errors: [...OF_A_TENANT, 'Conflict'] },
  rotateToken: { summary: 'A new token, shown once; the previous one works for the overlap', status: 200, answer: 'IssuedToken', errors: OF_A_TENANT },
  revokeToken: { summary: 'Ends the overlap now: the replaced token stops working', status: 200, answer: 'TokenRevoked', errors: [...OF_A_TENANT, 'Conflict'] },
  getSettings: { summary: 'The tenant’s settings, their version, and how far their roles have been applied', status: 200, answer: 'SettingsRead', errors: OF_A_TENANT },
  putSettings: {
    summary: 'Saves the settings as the next version, if `expectedVersion` is still the current one; answers who changes role',
    body: requestBodies.putSettings,
    status: 200,
    answer: 'SettingsSaved',
    errors: ['BadSettings', 'NotFound', 'VersionConflict'],
  },
  previewSettings: { summary: 'Who would change role under these settings; saves nothing', body: requestBodies.previewSettings, status: 200, answer: 'SettingsPreview', errors: ['BadSettings', 'NotFound'] },
  seats: { summary: 'Seats in use, the limit and what happens at it', status: 200, answer: 'Seats', errors: OF_A_TENANT },
  listUsers: { summary: 'Users in id order, by userName or e-mail prefix', query: adminRequestSchemas.listUsersQuery, status: 200, answer: 'UserPage', errors: OF_A_TENANT },
  getUser: { summary: 'One user: active, role, roles, roleReason, groups', status: 200, answer: 'UserSummary', errors: OF_A_TENANT },
  listGroups: { summary: 'Groups in id order, each with its member count and the roles it maps to', query: adminRequestSchemas.listGroupsQuery, status: 200, answer: 'GroupPage', errors: OF_A_TENANT },
  activity: {
    summary: 'A timeline, oldest first: the tenant’s own, or a user’s or group’s (also a deleted one’s)',
    query: adminRequestSchemas.activityQuery,
    status: 200,
    answer: 'Activity',
    errors: OF_A_TENANT,
  },
};

const queryDescriptions: Record<string, string> = {
  force: '`true` is needed to delete the default tenant.',
  cursor: 'The previous page’s `nextCursor`.',
  limit: 'At most this many.',
  search: 'A userName or e-mail prefix, in any case.',
  user: 'A userName or id (not with `group`).',
  group: 'A displayName or id (not with `user`).',
  since: 'Entries from this time on.',
  type: 'Only entries of this type, or of its subtypes (`user` takes `user.created`…).',
};

const pathParameters: Record<string, { description: string; schema: Schema }> = {
  tenant: { description: 'The tenant’s name.', schema: { type: 'string', pattern: TENANT_PATTERN.source } },
  user: { description: 'A userName (in any case) or an id.', schema: { type: 'string' } },
};

function queryParameters(query: z.ZodMiniType | undefined) {
  if (!query) return [];
  const { properties, required = [] } = requestSchema(query) as { properties: Record<string, Schema>; required?: string[] };
  return Object.entries(properties).map(([name, schema]) => {
    const description = queryDescriptions[name];
    if (!description) throw new Error(`query parameter ${name} has no description`);
    return { name, in: 'query', required: required.includes(name), description, schema };
  });
}

const responseRef = (name: ErrorName) => ({ $ref: `#/components/responses/${name}` });

export function adminOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(adminRoutes) as Array<[AdminRouteName, string]>) {
    const [method, path] = spec.split(' ');
    const operation = operations[name];
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map(([, parameter]) => {
      if (!pathParameters[parameter]) throw new Error(`path parameter ${parameter} has no description`);
      return { name: parameter, in: 'path', required: true, ...pathParameters[parameter] };
    });
    const parameters = [...inPath, ...queryParameters(operation.query)];
    const errors = [...new Set([...operation.errors, ...ALWAYS])].sort((a, b) => errorResponses[a].status - errorResponses[b].status);
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      operationId: name,
      summary: operation.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body ? { requestBody: { required: true, content: json(operation.body) } } : {}),
      responses: {
        [String(operation.status)]: { description: 'Done.', content: json(ref(operation.answer)) },
        ...Object.fromEntries(errors.map((error) => [String(errorResponses[error].status), responseRef(error)])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Serverless SCIM admin API',
      version: ADMIN_BASE_PATH.split('/').pop(),
      description:
        'Tenants, tokens, settings and the directory of a serverless-scim deployment, for the SaaS team’s backend. Every request is signed with AWS SigV4 (service execute-api) by a principal allowed execute-api:Invoke (ScimEndpoint’s grantAdmin). Tokens in answers are shown once. Every error is `{ "error": { "code", "message" } }`. A path no route has answers 404, and a route’s path with another method 405 (`x-unmatched-requests`); behind API Gateway both answer 403 `not_signed` instead.',
    },
    servers: [{ url: `https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}${ADMIN_BASE_PATH}`, description: 'The stack output AdminApiUrl', variables: { restApiId: { default: 'abc123' }, region: { default: 'us-east-1' }, stage: { default: 'prod' } } }],
    security: [{ sigv4: [] }],
    paths,
    // OpenAPI describes the routes it has; what the API answers for any other request is stated here.
    'x-unmatched-requests': { unknownPath: { '404': responseRef('NoRoute') }, otherMethod: { '405': responseRef('MethodNotAllowed') } },
    components: {
      securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' } },
      schemas: { ...answerSchemas(), SettingsInput: settingsInput },
      responses: Object.fromEntries(
        Object.entries(errorResponses).map(([name, response]: [string, ErrorResponse]) => [
          name,
          { description: response.description, ...(response.headers ? { headers: response.headers } : {}), content: json(response.schema) },
        ]),
      ),
    },
  };
}

/** Embedded in a document that states its own dialect and names its components, a schema has no `$schema` or `$id` of its own. */
function component(schema: Schema): Schema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** The committed file's text. */
export function adminOpenApiText(): string {
  return `${JSON.stringify(adminOpenApiDocument(), null, 2)}\n`;
}
