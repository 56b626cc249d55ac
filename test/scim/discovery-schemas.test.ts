import { isDeepStrictEqual } from 'node:util';
import { offeredResourceTypes, offeredSchemas, schemaRepresentation } from '../../lambdas/scim/discovery';
import { parseExtensions, schemaRegistry, type SchemaRegistry } from '../../lambdas/scim/extensions';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, type AttributeDefinition } from '../../lambdas/scim/schemas';
import { acmeExtensions } from '../support/acme-extensions';
import { rfcSchemas, type RfcAttribute } from '../support/rfc7643-schemas';

const BASE = 'https://scim.example.com/scim/v2';

/** What GET /Schemas serves for a registry, as the discovery function builds it. */
function served(registry: SchemaRegistry) {
  const types = offeredResourceTypes(registry, ['/Users', '/Groups']);
  return offeredSchemas(registry, types).map((schema) => schemaRepresentation(schema, BASE));
}

/** Where our representation differs from RFC 7643 §8.7.1: `present` is whether the attribute exists at all. */
interface Difference {
  schema: string;
  path: string;
  characteristic: string;
  ours: unknown;
  rfc: unknown;
}

/** Each deviation from §8.7.1 we make on purpose, and why. Anything else that differs fails the test. */
const deviations: Array<Difference & { why: string }> = [
  {
    schema: USER_SCHEMA,
    path: 'addresses.primary',
    characteristic: 'present',
    ours: true,
    rfc: false,
    why: 'RFC 7643 §2.4 gives every multi-valued attribute a primary and the §8.2 example sets it on an address; Okta and Entra ID send it.',
  },
  {
    schema: USER_SCHEMA,
    path: 'groups.$ref',
    characteristic: 'referenceTypes',
    ours: ['Group'],
    rfc: ['User', 'Group'],
    why: 'RFC 7643 §4.1.2: it is the URI of the Group the user belongs to; a user is never in a user.',
  },
  {
    schema: GROUP_SCHEMA,
    path: 'displayName',
    characteristic: 'required',
    ours: true,
    rfc: false,
    why: 'RFC 7643 §4.2 (and §8.7.1\'s own description) calls displayName REQUIRED; a group without one is refused.',
  },
  {
    schema: GROUP_SCHEMA,
    path: 'displayName',
    characteristic: 'uniqueness',
    ours: 'server',
    rfc: 'none',
    why: 'Entra ID requires group displayNames to be unique and Okta links pushed groups by it; enforced per tenant, case-insensitively.',
  },
  {
    schema: GROUP_SCHEMA,
    path: 'members.display',
    characteristic: 'present',
    ours: true,
    rfc: false,
    why: 'RFC 7643 §2.4 and the §8.4 example give members a display and Okta sends it; returned only on request, since it reads every member.',
  },
];

const CHARACTERISTICS = ['type', 'multiValued', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness', 'canonicalValues', 'referenceTypes'] as const;

function differences(schema: string, ours: readonly AttributeDefinition[], rfc: readonly RfcAttribute[], prefix = ''): Difference[] {
  const found: Difference[] = [];
  for (const expected of rfc) {
    const path = `${prefix}${expected.name}`;
    const actual = ours.find((attribute) => attribute.name === expected.name);
    if (!actual) {
      found.push({ schema, path, characteristic: 'present', ours: false, rfc: true });
      continue;
    }
    // Only what §8.7.1 lists: it leaves caseExact off booleans and complex attributes, uniqueness off some.
    for (const characteristic of CHARACTERISTICS) {
      if (!(characteristic in expected)) continue;
      if (!isDeepStrictEqual(actual[characteristic], expected[characteristic])) {
        found.push({ schema, path, characteristic, ours: actual[characteristic], rfc: expected[characteristic] });
      }
    }
    if (expected.subAttributes || actual.subAttributes) found.push(...differences(schema, actual.subAttributes ?? [], expected.subAttributes ?? [], `${path}.`));
  }
  for (const extra of ours.filter((attribute) => !rfc.some((expected) => expected.name === attribute.name))) {
    found.push({ schema, path: `${prefix}${extra.name}`, characteristic: 'present', ours: true, rfc: false });
  }
  return found;
}

function everyAttribute(attributes: readonly AttributeDefinition[], prefix = ''): Array<{ path: string; attribute: AttributeDefinition }> {
  return attributes.flatMap((attribute) => [{ path: `${prefix}${attribute.name}`, attribute }, ...everyAttribute(attribute.subAttributes ?? [], `${prefix}${attribute.name}.`)]);
}

const key = (difference: Difference) => `${difference.schema} ${difference.path} ${difference.characteristic}`;
const byKey = (a: Difference, b: Difference) => key(a).localeCompare(key(b));

describe('GET /Schemas against RFC 7643 §8.7.1', () => {
  const schemas = served(schemaRegistry());

  it('serves the User, Group and EnterpriseUser schemas of §8.7.1', () => {
    expect(schemas.map((schema) => schema.id)).toEqual(expect.arrayContaining([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]));
  });

  it('matches every characteristic §8.7.1 lists, except the documented deviations', () => {
    const found = rfcSchemas.flatMap((rfc) => {
      const ours = schemas.find((schema) => schema.id === rfc.id)!;
      expect({ id: ours.id, name: ours.name }).toEqual({ id: rfc.id, name: rfc.name });
      return differences(rfc.id, ours.attributes, rfc.attributes);
    });
    const documented = deviations.map(({ why: _why, ...difference }) => difference);
    expect(found.sort(byKey)).toEqual(documented.sort(byKey));
  });

  it('gives photos.value the referenceTypes an RFC-model client needs to read it', () => {
    const user = schemas.find((schema) => schema.id === USER_SCHEMA)!;
    const photos = user.attributes.find((attribute) => attribute.name === 'photos')!;
    expect(photos.subAttributes!.find((sub) => sub.name === 'value')).toMatchObject({ type: 'reference', referenceTypes: ['external'] });
  });

  it.each([
    ['the built-in schemas', schemaRegistry()],
    ['a deployment with declared extensions', schemaRegistry(parseExtensions(acmeExtensions))],
  ])('names referenceTypes on every reference, sub-attributes included (RFC 7643 §7): %s', (_case, registry) => {
    const references = served(registry).flatMap((schema) =>
      everyAttribute(schema.attributes)
        .filter(({ attribute }) => attribute.type === 'reference')
        .map(({ path, attribute }) => ({ where: `${schema.id}:${path}`, referenceTypes: attribute.referenceTypes })),
    );
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) expect(reference).toEqual({ where: reference.where, referenceTypes: expect.arrayContaining([expect.any(String)]) });
  });
});
