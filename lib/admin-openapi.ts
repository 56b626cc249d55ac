import { z } from 'zod';
import { ADMIN_BASE_PATH, adminRoutes, type AdminRouteName } from '../lambdas/contracts/admin-routes';
import { tenantSettingsSchema } from '../lambdas/contracts/settings';

/**
 * The admin API's OpenAPI 3.1 document (docs/admin-api.openapi.json), built from the route table
 * and the contracts' zod schemas so that it cannot drift from what the stack deploys:
 * `npm run admin-openapi` writes it, and a test fails when the committed file differs.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const timestamp: Schema = { type: 'string', format: 'date-time' };
const cursorPage = (items: string, itemSchema: Schema): Schema => ({
  type: 'object',
  required: [items],
  properties: { [items]: { type: 'array', items: itemSchema }, nextCursor: { type: 'string', description: 'Pass as `cursor` for the next page; absent on the last.' } },
});

const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
  },
  Connection: {
    type: 'object',
    required: ['scimBaseUrl'],
    properties: { scimBaseUrl: { type: 'string', format: 'uri', description: 'What IdPs are given as the SCIM base URL.' }, tenantSecretPrefix: { type: 'string' }, tableName: { type: 'string' }, region: { type: 'string' } },
  },
  TenantStatus: {
    type: 'object',
    required: ['tenant', 'disabled'],
    properties: {
      tenant: { type: 'string' },
      disabled: { type: 'boolean' },
      current: { type: 'object', properties: { issuedAt: timestamp, expiresAt: timestamp }, description: 'Absent until the first token exists.' },
      previous: { type: 'object', properties: { endsAt: timestamp }, description: 'The replaced token, while its overlap lasts.' },
      problem: { type: 'string', description: "Why the tenant's secret could not be read." },
    },
  },
  Token: {
    type: 'object',
    required: ['tenant', 'token'],
    properties: { tenant: { type: 'string' }, token: { type: 'string', description: 'The bearer token for the IdP; shown once, never again.' } },
  },
  // The settings document as clients send it (defaults not yet applied).
  Settings: stripSchemaKeyword(z.toJSONSchema(tenantSettingsSchema, { io: 'input', target: 'draft-2020-12' }) as Schema),
  VersionedSettings: { type: 'object', required: ['version', 'settings'], properties: { version: { type: 'integer', minimum: 0 }, settings: ref('Settings'), updatedAt: timestamp } },
  RoleMove: {
    type: 'object',
    required: ['from', 'to', 'users'],
    properties: { from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] }, users: { type: 'integer', minimum: 0 } },
  },
  Seats: { type: 'object', required: ['inUse'], properties: { inUse: { type: 'integer', minimum: 0 }, limit: { type: ['integer', 'null'] } } },
  UserSummary: {
    type: 'object',
    required: ['id', 'userName', 'active'],
    properties: {
      id: { type: 'string' },
      userName: { type: 'string' },
      active: { type: 'boolean' },
      role: { type: ['string', 'null'] },
      roles: { type: 'array', items: { type: 'string' } },
      roleReason: {},
      groups: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, displayName: { type: 'string' } } } },
      provisionedBy: { type: 'object' },
      lastChangedBy: { type: 'object' },
    },
  },
  GroupSummary: {
    type: 'object',
    required: ['id', 'displayName'],
    properties: { id: { type: 'string' }, displayName: { type: 'string' }, members: { type: 'integer', minimum: 0 }, role: { type: ['string', 'null'] } },
  },
  ActivityEntry: { type: 'object', description: 'One entry of the activity trail (lambdas/contracts/events.ts ActivityEntry).', properties: { at: timestamp, type: { type: 'string' } } },
};

interface Operation {
  summary: string;
  query?: Record<string, { description: string; schema: Schema }>;
  body?: Schema;
  status: 200 | 201;
  answer: Schema;
}

const limit = { description: 'At most this many.', schema: { type: 'integer', minimum: 1, maximum: 1000 } };
const cursor = { description: 'The previous page’s `nextCursor`.', schema: { type: 'string' } };

const operations: Record<AdminRouteName, Operation> = {
  connection: { summary: "The SCIM base URL IdPs are given, and the deployment's names", status: 200, answer: ref('Connection') },
  listTenants: { summary: 'Every tenant, its state and its token’s expiry', status: 200, answer: { type: 'object', required: ['tenants'], properties: { tenants: { type: 'array', items: ref('TenantStatus') } } } },
  createTenant: {
    summary: 'A new tenant; answers its first token, shown once',
    body: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } }, additionalProperties: false },
    status: 201,
    answer: ref('Token'),
  },
  getTenant: { summary: 'A tenant’s state and its token’s expiry', status: 200, answer: ref('TenantStatus') },
  deleteTenant: {
    summary: 'Deletes the tenant’s secret and its directory',
    query: { force: { description: '`true` is needed to delete the default tenant.', schema: { type: 'string', enum: ['true', 'false'] } } },
    status: 200,
    answer: { type: 'object' },
  },
  disableTenant: { summary: 'Its tokens are refused (401) from now on', status: 200, answer: ref('TenantStatus') },
  enableTenant: { summary: 'Its tokens work again', status: 200, answer: ref('TenantStatus') },
  rotateToken: { summary: 'A new token, shown once; the previous one works for the overlap', status: 200, answer: ref('Token') },
  revokeToken: { summary: 'Ends the overlap now: the replaced token stops working', status: 200, answer: { type: 'object', properties: { revoked: { type: 'boolean' } } } },
  getSettings: { summary: 'The tenant’s settings and their version', status: 200, answer: ref('VersionedSettings') },
  putSettings: {
    summary: 'Saves the settings as the next version, if `expectedVersion` is still the current one (409 otherwise); answers who changes role',
    body: { type: 'object', required: ['settings', 'expectedVersion'], properties: { settings: ref('Settings'), expectedVersion: { type: 'integer', minimum: 0 } } },
    status: 200,
    answer: { type: 'object', required: ['version'], properties: { version: { type: 'integer' }, moves: { type: 'array', items: ref('RoleMove') } } },
  },
  previewSettings: {
    summary: 'Who would change role under these settings; saves nothing',
    body: ref('Settings'),
    status: 200,
    answer: { type: 'object', required: ['moves'], properties: { moves: { type: 'array', items: ref('RoleMove') } } },
  },
  seats: { summary: 'Seats in use and the limit', status: 200, answer: ref('Seats') },
  listUsers: {
    summary: 'Users, by userName or e-mail prefix',
    query: { search: { description: 'A userName or e-mail prefix.', schema: { type: 'string' } }, cursor, limit },
    status: 200,
    answer: cursorPage('users', ref('UserSummary')),
  },
  getUser: { summary: 'One user: active, role, roles, roleReason, groups', status: 200, answer: ref('UserSummary') },
  listGroups: { summary: 'Groups, each with its member count and the role it maps to', query: { cursor, limit }, status: 200, answer: cursorPage('groups', ref('GroupSummary')) },
  activity: {
    summary: 'A timeline, oldest first: the tenant’s own, or a user’s or group’s (also a deleted one’s)',
    query: {
      user: { description: 'A userName or id (not with `group`).', schema: { type: 'string' } },
      group: { description: 'A displayName or id (not with `user`).', schema: { type: 'string' } },
      since: { description: 'Entries from this time on.', schema: timestamp },
      limit,
      type: { description: 'Only entries of this type.', schema: { type: 'string' } },
    },
    status: 200,
    answer: { type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: ref('ActivityEntry') } } },
  },
};

const errorResponses = {
  '400': { description: 'The request is not valid.', content: json(ref('Error')) },
  '403': { description: 'Not signed with SigV4, or the signer lacks execute-api:Invoke on this API.', content: json(ref('Error')) },
  '404': { description: 'No such tenant, user or route.', content: json(ref('Error')) },
  '409': { description: 'A conflict: the tenant exists, the settings changed since `expectedVersion`, a rotation is unfinished.', content: json(ref('Error')) },
  '429': { description: 'Throttled; retry after Retry-After.', content: json(ref('Error')) },
  '500': { description: 'The admin API failed.', content: json(ref('Error')) },
};

const parameterDescriptions: Record<string, string> = { tenant: 'The tenant’s name.', user: 'A userName or an id.' };

export function adminOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(adminRoutes) as Array<[AdminRouteName, string]>) {
    const [method, path] = spec.split(' ');
    const operation = operations[name];
    const pathParameters = [...path.matchAll(/\{([^}]+)\}/g)].map(([, parameter]) => ({
      name: parameter,
      in: 'path',
      required: true,
      description: parameterDescriptions[parameter] ?? parameter,
      schema: { type: 'string' },
    }));
    const queryParameters = Object.entries(operation.query ?? {}).map(([parameter, { description, schema }]) => ({ name: parameter, in: 'query', required: false, description, schema }));
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      operationId: name,
      summary: operation.summary,
      ...(pathParameters.length + queryParameters.length > 0 ? { parameters: [...pathParameters, ...queryParameters] } : {}),
      ...(operation.body ? { requestBody: { required: true, content: json(operation.body) } } : {}),
      responses: { [String(operation.status)]: { description: 'Done.', content: json(operation.answer) }, ...errorResponses },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Serverless SCIM admin API',
      version: ADMIN_BASE_PATH.split('/').pop(),
      description:
        'Tenants, tokens, settings and the directory of a serverless-scim deployment, for the SaaS team’s backend. Every request is signed with AWS SigV4 (service execute-api) by a principal allowed execute-api:Invoke (the stack’s grantAdminInvoke). Tokens in answers are shown once.',
    },
    servers: [{ url: `https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}${ADMIN_BASE_PATH}`, description: 'The stack output AdminApiUrl', variables: { restApiId: { default: 'abc123' }, region: { default: 'us-east-1' }, stage: { default: 'prod' } } }],
    security: [{ sigv4: [] }],
    paths,
    components: {
      securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' } },
      schemas,
    },
  };
}

/** Embedded in a document that states its own dialect, a component has no `$schema` of its own. */
function stripSchemaKeyword(schema: Schema): Schema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** The committed file's text. */
export function adminOpenApiText(): string {
  return `${JSON.stringify(adminOpenApiDocument(), null, 2)}\n`;
}
