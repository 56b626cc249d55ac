/**
 * Schema definitions (RFC 7643 §7, values as in §8.7.1) and attribute resolution. Everything that
 * needs to know an attribute's type, case-exactness, plurality or mutability asks here.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/**
 * Ours, read-only: what the server itself knows of a resource (who provisioned it, the user's role).
 * `urn:ietf:params:scim:…` is kept for IANA-registered schemas (RFC 7643 §10.3), so ours takes the
 * same shape under the project's own name, one schema per resource type as RFC 7643 §3.3 has it.
 */
export const PROVISIONING_USER_SCHEMA = 'urn:serverless-scim:params:scim:schemas:extension:provisioning:2.0:User';
export const PROVISIONING_GROUP_SCHEMA = 'urn:serverless-scim:params:scim:schemas:extension:provisioning:2.0:Group';

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

export interface ResourceTypeDefinition {
  id: string;
  name: string;
  endpoint: string;
  description: string;
  schema: string;
  schemaExtensions: Array<{ schema: string; required: boolean }>;
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description' | 'subAttributes'>>;

function attribute(name: string, type: AttributeType, description: string, options: Options = {}, subAttributes?: AttributeDefinition[]): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
    ...(subAttributes ? { subAttributes } : {}),
  };
}

const str = (name: string, description: string, options?: Options) => attribute(name, 'string', description, options);
const complex = (name: string, description: string, subAttributes: AttributeDefinition[], options?: Options) =>
  attribute(name, 'complex', description, options, subAttributes);

/** The value/display/type/primary quartet of RFC 7643 §2.4 multi-valued attributes. */
function multiValued(name: string, description: string, valueType: AttributeType, types: string[], value: Options = {}) {
  return complex(
    name,
    description,
    [
      attribute('value', valueType, `The ${name} value.`, value),
      str('display', 'A human-readable name, primarily used for display purposes.'),
      str('type', 'A label indicating the attribute\'s function.', { canonicalValues: types }),
      attribute('primary', 'boolean', 'Indicates the preferred value; at most one value is primary.'),
    ],
    { multiValued: true },
  );
}

const workHomeOther = ['work', 'home', 'other'];

export const userSchema: SchemaDefinition = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', 'Unique identifier for the User, used to authenticate; unique per tenant, case-insensitively.', {
      required: true,
      uniqueness: 'server',
    }),
    complex('name', 'The components of the user\'s real name.', [
      str('formatted', 'The full name, formatted for display.'),
      str('familyName', 'The family name of the User.'),
      str('givenName', 'The given name of the User.'),
      str('middleName', 'The middle name(s) of the User.'),
      str('honorificPrefix', 'The honorific prefix(es) of the User.'),
      str('honorificSuffix', 'The honorific suffix(es) of the User.'),
    ]),
    str('displayName', 'The name of the User, suitable for display to end-users.'),
    str('nickName', 'The casual way to address the user.'),
    attribute('profileUrl', 'reference', 'A fully qualified URL pointing to a page representing the User\'s online profile.', {
      referenceTypes: ['external'],
    }),
    str('title', 'The user\'s title, such as "Vice President".'),
    str('userType', 'Used to identify the relationship between the organization and the user.'),
    str('preferredLanguage', 'Indicates the User\'s preferred written or spoken language.'),
    str('locale', 'Used to indicate the User\'s default location.'),
    str('timezone', 'The User\'s time zone in the Olson time zone database format.'),
    attribute('active', 'boolean', 'A Boolean value indicating the User\'s administrative status.'),
    str('password', 'The User\'s cleartext password; accepted and never stored nor returned.', {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValued('emails', 'Email addresses for the user.', 'string', workHomeOther),
    multiValued('phoneNumbers', 'Phone numbers for the User.', 'string', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses for the User.', 'string', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    // RFC 7643 §8.7.1: a photo is a URL outside SCIM; clients built on the RFC's models need referenceTypes to read it.
    multiValued('photos', 'URLs of photos of the User.', 'reference', ['photo', 'thumbnail'], { referenceTypes: ['external'] }),
    complex(
      'addresses',
      'A physical mailing address for this User.',
      [
        str('formatted', 'The full mailing address, formatted for display.'),
        str('streetAddress', 'The full street address component.'),
        str('locality', 'The city or locality component.'),
        str('region', 'The state or region component.'),
        str('postalCode', 'The zip code or postal code component.'),
        str('country', 'The country name component.'),
        str('type', 'A label indicating the attribute\'s function.', { canonicalValues: workHomeOther }),
        attribute('primary', 'boolean', 'Indicates the preferred mailing address.'),
      ],
      { multiValued: true },
    ),
    complex(
      'groups',
      'A list of groups to which the user belongs, maintained through the Groups endpoint.',
      [
        str('value', 'The identifier of the User\'s group.', { mutability: 'readOnly' }),
        // RFC 7643 §8.7.1 lists ["User", "Group"]; §4.1.2 says it is the URI of the Group, and a user's groups are never users.
        attribute('$ref', 'reference', 'The URI of the corresponding Group resource.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
        str('display', 'A human-readable name, primarily used for display purposes.', { mutability: 'readOnly' }),
        str('type', 'A label indicating the attribute\'s function.', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    multiValued('entitlements', 'A list of entitlements for the User.', 'string', []),
    multiValued('roles', 'A list of roles for the User.', 'string', []),
    multiValued('x509Certificates', 'A list of certificates issued to the User.', 'binary', []),
  ],
};

export const enterpriseUserSchema: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person.'),
    str('costCenter', 'Identifies the name of a cost center.'),
    str('organization', 'Identifies the name of an organization.'),
    str('division', 'Identifies the name of a division.'),
    str('department', 'Identifies the name of a department.'),
    complex('manager', 'The User\'s manager.', [
      attribute('value', 'string', 'The id of the SCIM resource representing the User\'s manager.'),
      attribute('$ref', 'reference', 'The URI of the SCIM resource representing the User\'s manager.', { referenceTypes: ['User'] }),
      str('displayName', 'The displayName of the User\'s manager.', { mutability: 'readOnly' }),
    ]),
  ],
};

export const groupSchema: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', 'A human-readable name for the Group; unique per tenant, case-insensitively.', {
      required: true,
      uniqueness: 'server',
    }),
    complex(
      'members',
      'A list of members of the Group.',
      [
        str('value', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
        attribute('$ref', 'reference', 'The URI of the member resource.', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
        str('type', 'The type of the member.', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
        // Not in RFC 7643 §8.7.1, but §2.4 and the §8.4 example give members a display, and Okta sends it. Memberships
        // hold ids only, so showing it reads every member's User: only when `attributes` names members.display.
        str('display', 'The displayName (or userName) of the member; returned only when attributes names members.display.', {
          mutability: 'readOnly',
          returned: 'request',
        }),
      ],
      { multiValued: true },
    ),
  ],
};

/** RFC 7643 §3.1: common attributes every resource carries. */
export const commonAttributes: AttributeDefinition[] = [
  str('id', 'A unique identifier for the resource, assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  str('externalId', 'An identifier for the resource as defined by the provisioning client.', { caseExact: true }),
  complex(
    'meta',
    'Resource metadata.',
    [
      str('resourceType', 'The name of the resource type of the resource.', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'dateTime', 'When the resource was added to the service provider.', { mutability: 'readOnly' }),
      attribute('lastModified', 'dateTime', 'When the resource was last updated.', { mutability: 'readOnly' }),
      attribute('location', 'reference', 'The URI of the resource.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['uri'] }),
      str('version', 'The version (ETag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
    { mutability: 'readOnly' },
  ),
];

const readOnly: Options = { mutability: 'readOnly' };

/** What every resource the IdP provisions carries: the marker and its provenance. */
const provenanceAttributes = (what: string): AttributeDefinition[] => [
  attribute('scimManaged', 'boolean', `Always true: the identity provider owns this ${what}, so applications lock what it provisions.`, readOnly),
  str('provisioningClient', `The identity provider that created the ${what}, told by its User-Agent: Okta, Entra ID, OneLogin, JumpCloud or other.`, {
    ...readOnly,
    caseExact: true,
  }),
  attribute('provisionedAt', 'dateTime', `When the identity provider created the ${what}.`, readOnly),
  attribute('lastChangedByIdpAt', 'dateTime', `When an identity provider last changed the ${what}.`, readOnly),
];

export const provisioningUserSchema: SchemaDefinition = {
  id: PROVISIONING_USER_SCHEMA,
  name: 'ProvisioningUser',
  description: 'Provisioning marker, provenance and access of a User, set by the service provider only',
  attributes: [
    ...provenanceAttributes('User'),
    str('role', 'The highest-priority role the User has in the application; absent when nothing maps.', { ...readOnly, caseExact: true }),
    str('roles', 'Every role the User\'s attribute and groups map to, highest priority first.', { ...readOnly, caseExact: true, multiValued: true }),
    complex(
      'roleReason',
      'Why the User has its role.',
      [
        str('source', 'Where the role comes from.', { ...readOnly, caseExact: true, canonicalValues: ['attribute', 'group', 'default'] }),
        str('attribute', 'The User\'s attribute the role comes from (source "attribute").', { ...readOnly, caseExact: true, canonicalValues: ['userType', 'roles'] }),
        str('value', 'The id of the Group the role comes from (source "group").', { ...readOnly, caseExact: true }),
        str('display', 'The displayName of the Group the role comes from (source "group").', readOnly),
      ],
      readOnly,
    ),
  ],
};

export const provisioningGroupSchema: SchemaDefinition = {
  id: PROVISIONING_GROUP_SCHEMA,
  name: 'ProvisioningGroup',
  description: 'Provisioning marker and provenance of a Group, set by the service provider only',
  attributes: provenanceAttributes('Group'),
};

export const userResourceType: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: [
    { schema: ENTERPRISE_USER_SCHEMA, required: false },
    { schema: PROVISIONING_USER_SCHEMA, required: false },
  ],
};

export const groupResourceType: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  schemaExtensions: [{ schema: PROVISIONING_GROUP_SCHEMA, required: false }],
};

export const schemaDefinitions: SchemaDefinition[] = [userSchema, enterpriseUserSchema, groupSchema, provisioningUserSchema, provisioningGroupSchema];

export function schemaById(id: string, schemas: readonly SchemaDefinition[] = schemaDefinitions): SchemaDefinition | undefined {
  return schemas.find((schema) => schema.id.toLowerCase() === id.toLowerCase());
}

/** A resource type with its schemas resolved, as the filter, PATCH and projection code use it. */
export interface ResourceModel {
  type: ResourceTypeDefinition;
  core: SchemaDefinition;
  extensions: SchemaDefinition[];
}

/** `schemas` holds every schema the type names: the built-in ones and the deployment's declared extensions. */
export function resourceModel(type: ResourceTypeDefinition, schemas: readonly SchemaDefinition[] = schemaDefinitions): ResourceModel {
  const resolve = (id: string) => {
    const schema = schemaById(id, schemas);
    if (!schema) throw new Error(`schema ${id} is not defined`);
    return schema;
  };
  return { type, core: resolve(type.schema), extensions: type.schemaExtensions.map((extension) => resolve(extension.schema)) };
}

export const userModel = resourceModel(userResourceType);
export const groupModel = resourceModel(groupResourceType);

/** An attribute path once resolved against a model: where it lives and what it is. */
export interface ResolvedAttribute {
  /** The extension schema URN when the attribute lives in an extension object; undefined for core. */
  schema?: string;
  definition: AttributeDefinition;
  sub?: AttributeDefinition;
}

export interface AttributeReference {
  /** A schema URN prefix, as in `urn:…:enterprise:2.0:User:employeeNumber`. */
  uri?: string;
  name: string;
  subAttribute?: string;
}

/** An attribute by name, case-insensitively (RFC 7643 §2.1). */
export function findByName(attributes: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return attributes?.find((candidate) => candidate.name.toLowerCase() === lower);
}

/**
 * Resolves an attribute reference case-insensitively (RFC 7643 §2.1). A reference without a URN
 * is looked up in the core schema and common attributes first, then in the extensions.
 * Returns undefined for an attribute the model does not define.
 */
export function resolveAttribute(model: ResourceModel, ref: AttributeReference): ResolvedAttribute | undefined {
  let schema: string | undefined;
  let definition: AttributeDefinition | undefined;
  if (ref.uri && ref.uri.toLowerCase() !== model.core.id.toLowerCase()) {
    const extension = model.extensions.find((candidate) => candidate.id.toLowerCase() === ref.uri!.toLowerCase());
    if (!extension) return undefined;
    schema = extension.id;
    definition = findByName(extension.attributes, ref.name);
  } else {
    definition = findByName(model.core.attributes, ref.name) ?? findByName(commonAttributes, ref.name);
    if (!definition && !ref.uri) {
      for (const extension of model.extensions) {
        definition = findByName(extension.attributes, ref.name);
        if (definition) {
          schema = extension.id;
          break;
        }
      }
    }
  }
  if (!definition) return undefined;
  if (ref.subAttribute === undefined) return { schema, definition };
  const sub = findByName(definition.subAttributes ?? [], ref.subAttribute);
  return sub ? { schema, definition, sub } : undefined;
}

/** Splits `urn:…:User:name.givenName` into its URN and the attribute path after it. */
export function splitUrn(model: ResourceModel, path: string): { uri?: string; rest: string } {
  const lower = path.toLowerCase();
  for (const schema of [model.core, ...model.extensions]) {
    const prefix = schema.id.toLowerCase() + ':';
    if (lower.startsWith(prefix)) return { uri: schema.id, rest: path.slice(prefix.length) };
  }
  return { rest: path };
}
