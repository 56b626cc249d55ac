import type { ExtensionsDeclarationInput } from '../../lambdas/scim/extensions';

export const ACME_USER = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
export const ACME_GROUP = 'urn:example:params:scim:schemas:extension:acme:2.0:Group';

/** A deployment's own attributes for users and groups, covering each type and `returned`/`mutability` case. */
export const acmeExtensions = {
  extensions: [
    {
      id: ACME_USER,
      name: 'AcmeUser',
      description: 'Acme application attributes of a user',
      resourceType: 'User',
      attributes: [
        { name: 'costCenter', description: 'Cost center code' },
        { name: 'seatLevel', type: 'integer' },
        { name: 'contractor', type: 'boolean' },
        { name: 'startDate', type: 'dateTime' },
        { name: 'tenantCode', caseExact: true, returned: 'always' },
        { name: 'badgeCode', returned: 'never' },
        { name: 'internalNotes', returned: 'request' },
        { name: 'accountState', mutability: 'readOnly' },
        {
          name: 'licenses',
          type: 'complex',
          multiValued: true,
          subAttributes: [{ name: 'value' }, { name: 'tier', required: true, canonicalValues: ['basic', 'pro'] }],
        },
      ],
    },
    {
      id: ACME_GROUP,
      name: 'AcmeGroup',
      resourceType: 'Group',
      required: true,
      attributes: [{ name: 'site', required: true }, { name: 'budget', type: 'decimal' }],
    },
  ],
} satisfies ExtensionsDeclarationInput;
