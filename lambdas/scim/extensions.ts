/**
 * Schema extensions a deployment declares for its own attributes (RFC 7643 §3.3): each is a schema
 * in the shape of RFC 7643 §7 that extends the User or the Group resource type (§6). The same rules
 * check the declaration wherever it is read: `cdk synth`, `npm start`, and every Lambda's cold start.
 */
import * as z from 'zod/mini';
import {
  groupModel,
  groupResourceType,
  resourceModel,
  schemaDefinitions,
  userModel,
  userResourceType,
  type ResourceModel,
  type ResourceTypeDefinition,
  type SchemaDefinition,
} from './schemas';
import { validate } from './validation';

/** RFC 7643 §2.1 ATTRNAME, and "$ref", the one name the RFC itself spells otherwise (§2.4). */
const ATTRNAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;

/**
 * A URN made of the characters the filter and PATCH path grammar carry, so that every attribute
 * can be named with its URN prefix (RFC 7644 §3.10): letters, digits, '.', '-' and '_', in
 * segments separated by ':'.
 */
const SCHEMA_URN = /^urn:[A-Za-z0-9._-]+(?::[A-Za-z0-9._-]+)+$/i;

const ATTRIBUTE_TYPES = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'binary', 'reference', 'complex'] as const;

// Characteristics left out take the defaults of RFC 7643 §2.2.
const characteristics = {
  name: z.string().check(z.regex(ATTRNAME, { error: 'an attribute name is a letter, then letters, digits, "-" or "_" (RFC 7643 §2.1)' })),
  type: z._default(z.enum(ATTRIBUTE_TYPES), 'string'),
  multiValued: z._default(z.boolean(), false),
  description: z._default(z.string(), ''),
  required: z._default(z.boolean(), false),
  caseExact: z._default(z.boolean(), false),
  mutability: z._default(
    z.enum(['readOnly', 'readWrite', 'immutable'], {
      error:
        'mutability is readOnly, readWrite or immutable. writeOnly is not offered: like password, a write-only value ' +
        'would be accepted and discarded. To store a value that is never shown, use readWrite with returned "never"',
    }),
    'readWrite',
  ),
  returned: z._default(z.enum(['always', 'never', 'default', 'request']), 'default'),
  uniqueness: z._default(z.enum(['none'], { error: 'uniqueness must be "none": this server enforces uniqueness only on userName and displayName' }), 'none'),
  canonicalValues: z.optional(z.array(z.string())),
  referenceTypes: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
};

type Named = { name: string };

function checkUniqueNames(items: Named[], what: string, context: z.core.$RefinementCtx, path: PropertyKey[]) {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const key = item.name.toLowerCase();
    if (seen.has(key)) {
      context.addIssue({
        code: 'custom',
        path: [...path, index, 'name'],
        message: `${what} '${item.name}' is declared twice (names are case-insensitive, RFC 7643 §2.1)`,
      });
    }
    seen.set(key, index);
  });
}

type AttributeShape = Named & { type: string; required: boolean; mutability: string; referenceTypes?: string[] };

function checkAttribute(attribute: AttributeShape, context: z.core.$RefinementCtx) {
  if (attribute.required && attribute.mutability === 'readOnly') {
    context.addIssue({ code: 'custom', path: ['required'], message: 'a readOnly attribute cannot be required: clients never set it (RFC 7643 §2.2)' });
  }
  if (attribute.referenceTypes && attribute.type !== 'reference') {
    context.addIssue({ code: 'custom', path: ['referenceTypes'], message: 'referenceTypes applies to attributes of type "reference" only (RFC 7643 §7)' });
  }
  // Clients built on the RFC's models refuse a reference that names no type, and /Schemas serves the declaration as is.
  if (attribute.type === 'reference' && !attribute.referenceTypes) {
    context.addIssue({
      code: 'custom',
      path: ['referenceTypes'],
      message: 'a reference names what it may point to (RFC 7643 §7 referenceTypes): resource types such as "User", "external" or "uri"',
    });
  }
}

const subAttributeSchema = z.strictObject(characteristics).check(
  z.superRefine((sub, context) => {
    checkAttribute(sub, context);
    if (sub.type === 'complex') {
      context.addIssue({ code: 'custom', path: ['type'], message: 'a sub-attribute cannot be complex (RFC 7643 §2.3.8)' });
    }
  }),
);

const attributeSchema = z.strictObject({ ...characteristics, subAttributes: z.optional(z.array(subAttributeSchema)) }).check(
  z.superRefine((attribute, context) => {
    checkAttribute(attribute, context);
    if (attribute.type === 'complex') {
      if (!attribute.subAttributes || attribute.subAttributes.length === 0) {
        context.addIssue({ code: 'custom', path: ['subAttributes'], message: 'a complex attribute needs subAttributes (RFC 7643 §2.3.8)' });
      } else {
        checkUniqueNames(attribute.subAttributes, 'sub-attribute', context, ['subAttributes']);
      }
    } else if (attribute.subAttributes) {
      context.addIssue({ code: 'custom', path: ['subAttributes'], message: `only complex attributes have subAttributes; this one is of type "${attribute.type}"` });
    }
  }),
);

const extensionSchema = z
  .strictObject({
    id: z.string().check(
      z.regex(SCHEMA_URN, {
        error: 'id is the schema URN, e.g. "urn:example:params:scim:schemas:extension:acme:2.0:User", of letters, digits, ".", "-" and "_" between its ":"',
      }),
    ),
    name: z.string().check(z.minLength(1)),
    description: z._default(z.string(), ''),
    /** The resource type it extends (RFC 7643 §6 schemaExtensions). */
    resourceType: z.enum(['User', 'Group']),
    /** RFC 7643 §6: a resource of the type must carry the extension, with its required attributes. */
    required: z._default(z.boolean(), false),
    attributes: z.array(attributeSchema).check(z.minLength(1)),
  })
  .check(
    z.superRefine((extension, context) => {
      checkUniqueNames(extension.attributes, 'attribute', context, ['attributes']);
      if (extension.required && extension.attributes.every((attribute) => attribute.mutability === 'readOnly')) {
        context.addIssue({ code: 'custom', path: ['required'], message: 'a required extension needs an attribute clients can set; all of these are readOnly' });
      }
    }),
  );

export const extensionsDeclarationSchema = z.strictObject({ extensions: z.array(extensionSchema) }).check(
  z.superRefine((declaration, context) => {
    const builtIn = schemaDefinitions.map((schema) => schema.id);
    declaration.extensions.forEach((extension, index) => {
      const id = extension.id.toLowerCase();
      const others = [...builtIn, ...declaration.extensions.slice(0, index).map((other) => other.id)];
      for (const other of others) {
        const lower = other.toLowerCase();
        let problem: string | undefined;
        if (lower === id) problem = builtIn.includes(other) ? 'is built in; give the extension a URN of its own' : 'is declared twice';
        // splitUrn and the path grammar tell an extension from its attributes by the URN prefix.
        else if (id.startsWith(`${lower}:`) || lower.startsWith(`${id}:`)) problem = `overlaps ${other}: one id followed by ':' begins the other, so attribute paths would be ambiguous`;
        if (problem) context.addIssue({ code: 'custom', path: ['extensions', index, 'id'], message: `schema ${extension.id} ${problem}` });
      }
    });
  }),
);

/** The declaration as the operator writes it (characteristics may be left to their defaults). */
export type ExtensionsDeclarationInput = z.input<typeof extensionsDeclarationSchema>;
export type ExtensionsDeclaration = z.output<typeof extensionsDeclarationSchema>;

/** "extensions[0](urn:…).attributes[2](badge).type": where a problem is, naming what the operator named. */
function locate(input: unknown, path: PropertyKey[]): string {
  let text = '';
  let node: unknown = input;
  for (const segment of path) {
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[segment] : undefined;
    if (typeof segment === 'number') {
      const label = node !== null && typeof node === 'object' ? ((node as Record<string, unknown>).id ?? (node as Record<string, unknown>).name) : undefined;
      text += `[${segment}]${typeof label === 'string' ? `(${label})` : ''}`;
    } else {
      text += `${text === '' ? '' : '.'}${String(segment)}`;
    }
  }
  return text === '' ? '(top level)' : text;
}

/** Validates a declaration (already parsed JSON); throws an Error listing every problem and where it is. */
export function parseExtensions(input: unknown): ExtensionsDeclaration {
  const parsed = validate(extensionsDeclarationSchema, input);
  if (parsed.success) return parsed.data;
  throw new Error(parsed.error.issues.map((issue) => `${locate(input, issue.path)}: ${issue.message}`).join('; '));
}

/** Validates a declaration given as JSON text. */
export function parseExtensionsJson(text: string): ExtensionsDeclaration {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON: ${(error as Error).message}`);
  }
  return parseExtensions(input);
}

/** Every schema and resource type a deployment serves, and the models its services work with. */
export interface SchemaRegistry {
  schemas: SchemaDefinition[];
  resourceTypes: ResourceTypeDefinition[];
  models: { User: ResourceModel; Group: ResourceModel };
}

const builtInRegistry: SchemaRegistry = {
  schemas: schemaDefinitions,
  resourceTypes: [userResourceType, groupResourceType],
  models: { User: userModel, Group: groupModel },
};

export function schemaRegistry(declaration?: ExtensionsDeclaration): SchemaRegistry {
  const declared = declaration?.extensions ?? [];
  if (declared.length === 0) return builtInRegistry;
  const schemas: SchemaDefinition[] = [
    ...schemaDefinitions,
    ...declared.map(({ id, name, description, attributes }) => ({ id, name, description, attributes })),
  ];
  const extend = (type: ResourceTypeDefinition): ResourceTypeDefinition => ({
    ...type,
    schemaExtensions: [
      ...type.schemaExtensions,
      ...declared.filter((extension) => extension.resourceType === type.id).map((extension) => ({ schema: extension.id, required: extension.required })),
    ],
  });
  const user = extend(userResourceType);
  const group = extend(groupResourceType);
  return { schemas, resourceTypes: [user, group], models: { User: resourceModel(user, schemas), Group: resourceModel(group, schemas) } };
}
