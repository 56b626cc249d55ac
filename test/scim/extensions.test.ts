import { PROVISIONING_GROUP, PROVISIONING_USER } from '../support/urns';
import { loadConfig } from '../../lambdas/wiring/config';
import { parseExtensions, parseExtensionsJson, schemaRegistry } from '../../lambdas/scim/extensions';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, groupModel, schemaDefinitions, userModel } from '../../lambdas/scim/schemas';
import { ACME_GROUP, ACME_USER, acmeExtensions } from '../support/acme-extensions';

const URN = 'urn:example:params:scim:schemas:extension:test:2.0:User';

/** A declaration of one User extension whose attribute list (or the extension itself) a case overrides. */
function declaration(attributes: unknown[], extension: Record<string, unknown> = {}) {
  return { extensions: [{ id: URN, name: 'Test', resourceType: 'User', attributes, ...extension }] };
}

function problemOf(input: unknown): string {
  try {
    parseExtensions(input);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the declaration was accepted');
}

describe('a schema extension declaration', () => {
  it('fills the characteristics left out with the defaults of RFC 7643 §2.2', () => {
    const parsed = parseExtensions(declaration([{ name: 'costCenter' }]));
    expect(parsed.extensions[0]).toEqual({
      id: URN,
      name: 'Test',
      description: '',
      resourceType: 'User',
      required: false,
      attributes: [
        {
          name: 'costCenter',
          type: 'string',
          multiValued: false,
          description: '',
          required: false,
          caseExact: false,
          mutability: 'readWrite',
          returned: 'default',
          uniqueness: 'none',
        },
      ],
    });
  });

  it('keeps what is declared, sub-attributes included', () => {
    const parsed = parseExtensions(acmeExtensions);
    const licenses = parsed.extensions[0].attributes.find((attribute) => attribute.name === 'licenses')!;
    expect(licenses).toMatchObject({ type: 'complex', multiValued: true });
    expect(licenses.subAttributes).toEqual([
      expect.objectContaining({ name: 'value', type: 'string', required: false }),
      expect.objectContaining({ name: 'tier', required: true, canonicalValues: ['basic', 'pro'] }),
    ]);
    expect(parsed.extensions[1]).toMatchObject({ id: ACME_GROUP, resourceType: 'Group', required: true });
  });

  it('accepts an empty list: no extension', () => {
    expect(parseExtensions({ extensions: [] })).toEqual({ extensions: [] });
  });

  it.each<[string, unknown, string]>([
    ['a declaration that is not an object', [], '(top level): Invalid input: expected object'],
    ['no extensions list', {}, 'extensions: Invalid input: expected array'],
    ['an id that is not a URN', declaration([{ name: 'a' }], { id: 'acme-user' }), `extensions[0](acme-user).id: id is the schema URN`],
    ['a URN with characters filters cannot carry', declaration([{ name: 'a' }], { id: 'urn:acme:user profile' }), 'extensions[0](urn:acme:user profile).id'],
    ['a URN ending in ":"', declaration([{ name: 'a' }], { id: 'urn:acme:User:' }), '.id: id is the schema URN'],
    ['a built-in schema', declaration([{ name: 'a' }], { id: ENTERPRISE_USER_SCHEMA }), 'is built in; give the extension a URN of its own'],
    ['the core schema in other case', declaration([{ name: 'a' }], { id: USER_SCHEMA.toUpperCase() }), 'is built in'],
    ['a resource type other than User or Group', declaration([{ name: 'a' }], { resourceType: 'Device' }), '.resourceType: Invalid option: expected one of "User"|"Group"'],
    ['no attributes', declaration([]), '.attributes: Too small'],
    ['a misspelt characteristic', declaration([{ name: 'a', mutablity: 'readOnly' }]), 'attributes[0](a): Unrecognized key: "mutablity"'],
    ['an unknown key on the extension', declaration([{ name: 'a' }], { schemaExtension: true }), 'Unrecognized key: "schemaExtension"'],
    ['an attribute name that is not ATTRNAME', declaration([{ name: 'cost center' }]), 'attributes[0](cost center).name: an attribute name is a letter'],
    ['an attribute name with a dot', declaration([{ name: 'cost.center' }]), 'attributes[0](cost.center).name'],
    ['an unknown type', declaration([{ name: 'a', type: 'text' }]), 'attributes[0](a).type: Invalid option'],
    ['the same attribute twice, in other case', declaration([{ name: 'costCenter' }, { name: 'CostCenter' }]), "attributes[1](CostCenter).name: attribute 'CostCenter' is declared twice"],
    ['writeOnly', declaration([{ name: 'pin', mutability: 'writeOnly' }]), 'writeOnly is not offered'],
    ['uniqueness it does not enforce', declaration([{ name: 'a', uniqueness: 'server' }]), 'uniqueness must be "none"'],
    ['a required readOnly attribute', declaration([{ name: 'a', required: true, mutability: 'readOnly' }]), 'attributes[0](a).required: a readOnly attribute cannot be required'],
    ['a complex attribute without sub-attributes', declaration([{ name: 'a', type: 'complex' }]), 'attributes[0](a).subAttributes: a complex attribute needs subAttributes'],
    ['sub-attributes on a string', declaration([{ name: 'a', subAttributes: [{ name: 'b' }] }]), 'only complex attributes have subAttributes'],
    [
      'a complex sub-attribute',
      declaration([{ name: 'a', type: 'complex', subAttributes: [{ name: 'b', type: 'complex' }] }]),
      'attributes[0](a).subAttributes[0](b).type: a sub-attribute cannot be complex',
    ],
    ['a sub-attribute declared twice', declaration([{ name: 'a', type: 'complex', subAttributes: [{ name: 'b' }, { name: 'B' }] }]), "sub-attribute 'B' is declared twice"],
    ['referenceTypes on a string', declaration([{ name: 'a', referenceTypes: ['User'] }]), 'referenceTypes applies to attributes of type "reference" only'],
    ['a reference without referenceTypes', declaration([{ name: 'a', type: 'reference' }]), 'attributes[0](a).referenceTypes: a reference names what it may point to'],
    ['a required extension whose attributes are all readOnly', declaration([{ name: 'a', mutability: 'readOnly' }], { required: true }), 'a required extension needs an attribute clients can set'],
    [
      'the same extension twice',
      { extensions: [declaration([{ name: 'a' }]).extensions[0], declaration([{ name: 'b' }], { id: URN.toLowerCase() }).extensions[0]] },
      `extensions[1](${URN.toLowerCase()}).id: schema ${URN.toLowerCase()} is declared twice`,
    ],
    [
      'an id that continues another',
      { extensions: [declaration([{ name: 'a' }]).extensions[0], declaration([{ name: 'b' }], { id: `${URN}:Extra` }).extensions[0]] },
      'so attribute paths would be ambiguous',
    ],
  ])('refuses %s, saying where', (_case, input, expected) => {
    expect(problemOf(input)).toContain(expected);
  });

  it('lists every problem at once', () => {
    const message = problemOf(declaration([{ name: 'a', type: 'text' }, { name: 'b', mutability: 'writeOnly' }], { resourceType: 'Device' }));
    expect(message.split('; ')).toHaveLength(3);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseExtensionsJson('{"extensions": [')).toThrow(/^not valid JSON: /);
    expect(parseExtensionsJson(JSON.stringify(acmeExtensions))).toEqual(parseExtensions(acmeExtensions));
  });
});

describe('the schema registry', () => {
  it('without a declaration is exactly the built-in schemas and models', () => {
    for (const registry of [schemaRegistry(), schemaRegistry({ extensions: [] })]) {
      expect(registry.schemas).toBe(schemaDefinitions);
      expect(registry.models.User).toBe(userModel);
      expect(registry.models.Group).toBe(groupModel);
      expect(registry.resourceTypes.map((type) => type.schemaExtensions)).toEqual([
        [{ schema: ENTERPRISE_USER_SCHEMA, required: false }, { schema: PROVISIONING_USER, required: false }],
        [{ schema: PROVISIONING_GROUP, required: false }],
      ]);
    }
  });

  it('adds each declared extension to its schemas, its resource type and that type\'s model', () => {
    const registry = schemaRegistry(parseExtensions(acmeExtensions));
    expect(registry.schemas.map((schema) => schema.id)).toEqual([...schemaDefinitions.map((schema) => schema.id), ACME_USER, ACME_GROUP]);
    const [user, group] = registry.resourceTypes;
    expect(user.schemaExtensions).toEqual([
      { schema: ENTERPRISE_USER_SCHEMA, required: false },
      { schema: PROVISIONING_USER, required: false },
      { schema: ACME_USER, required: false },
    ]);
    expect(group.schemaExtensions).toEqual([{ schema: PROVISIONING_GROUP, required: false }, { schema: ACME_GROUP, required: true }]);
    expect(registry.models.User.extensions.map((schema) => schema.id)).toEqual([ENTERPRISE_USER_SCHEMA, PROVISIONING_USER, ACME_USER]);
    expect(registry.models.Group.core.id).toBe(GROUP_SCHEMA);
    expect(registry.models.Group.extensions.map((schema) => schema.id)).toEqual([PROVISIONING_GROUP, ACME_GROUP]);
  });

  it('leaves the built-in definitions untouched', () => {
    schemaRegistry(parseExtensions(acmeExtensions));
    expect(userModel.extensions.map((schema) => schema.id)).toEqual([ENTERPRISE_USER_SCHEMA, PROVISIONING_USER]);
    expect(groupModel.extensions.map((schema) => schema.id)).toEqual([PROVISIONING_GROUP]);
  });
});

describe('the Lambda configuration', () => {
  const base = { TABLE_NAME: 'scim' };

  it('parses SCIM_EXTENSIONS once, with the same rules', () => {
    expect(loadConfig({ ...base, SCIM_EXTENSIONS: JSON.stringify(acmeExtensions) }).SCIM_EXTENSIONS).toEqual(parseExtensions(acmeExtensions));
    expect(loadConfig(base).SCIM_EXTENSIONS).toBeUndefined();
  });

  it('fails a misconfigured function clearly', () => {
    expect(() => loadConfig({ ...base, SCIM_EXTENSIONS: JSON.stringify(declaration([{ name: 'a', type: 'text' }])) })).toThrow(
      /^Invalid Lambda environment: SCIM_EXTENSIONS: invalid schema extension declaration: extensions\[0\]\(urn:[^)]+\)\.attributes\[0\]\(a\)\.type: /,
    );
    expect(() => loadConfig({ ...base, SCIM_EXTENSIONS: '{' })).toThrow('SCIM_EXTENSIONS: invalid schema extension declaration: not valid JSON');
  });
});
