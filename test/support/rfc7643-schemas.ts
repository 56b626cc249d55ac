/**
 * The User, Group and EnterpriseUser schemas as RFC 7643 §8.7.1 represents them, transcribed from the
 * RFC's text: every characteristic the RFC lists for an attribute, and only those (it leaves
 * caseExact off booleans and complex attributes, uniqueness off some). Descriptions are left out.
 * Where §8.7.1 and the prose of §4 disagree, this is §8.7.1; the test lists our documented deviations.
 */
export interface RfcAttribute {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  caseExact?: boolean;
  mutability: string;
  returned: string;
  uniqueness?: string;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: RfcAttribute[];
}

export interface RfcSchema {
  id: string;
  name: string;
  attributes: RfcAttribute[];
}

/** A string attribute as §8.7.1 writes most of them: caseExact false, readWrite, default, no uniqueness. */
const text = (name: string, more: Partial<RfcAttribute> = {}): RfcAttribute => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...more,
});

/** `primary` as §8.7.1 writes it in every multi-valued attribute: no caseExact, no uniqueness. */
const primary: RfcAttribute = { name: 'primary', type: 'boolean', multiValued: false, required: false, mutability: 'readWrite', returned: 'default' };

export const rfcUser: RfcSchema = {
  id: 'urn:ietf:params:scim:schemas:core:2.0:User',
  name: 'User',
  attributes: [
    text('userName', { required: true, uniqueness: 'server' }),
    {
      name: 'name',
      type: 'complex',
      multiValued: false,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      subAttributes: [text('formatted'), text('familyName'), text('givenName'), text('middleName'), text('honorificPrefix'), text('honorificSuffix')],
    },
    text('displayName'),
    text('nickName'),
    text('profileUrl', { type: 'reference', referenceTypes: ['external'] }),
    text('title'),
    text('userType'),
    text('preferredLanguage'),
    text('locale'),
    text('timezone'),
    { name: 'active', type: 'boolean', multiValued: false, required: false, mutability: 'readWrite', returned: 'default' },
    text('password', { mutability: 'writeOnly', returned: 'never' }),
    {
      name: 'emails',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      subAttributes: [text('value'), text('display'), text('type', { canonicalValues: ['work', 'home', 'other'] }), primary],
    },
    {
      name: 'phoneNumbers',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [text('value'), text('display'), text('type', { canonicalValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] }), primary],
    },
    {
      name: 'ims',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [text('value'), text('display'), text('type', { canonicalValues: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'] }), primary],
    },
    {
      name: 'photos',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [text('value', { type: 'reference', referenceTypes: ['external'] }), text('display'), text('type', { canonicalValues: ['photo', 'thumbnail'] }), primary],
    },
    {
      name: 'addresses',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      subAttributes: [
        text('formatted'),
        text('streetAddress'),
        text('locality'),
        text('region'),
        text('postalCode'),
        text('country'),
        text('type', { canonicalValues: ['work', 'home', 'other'] }),
      ],
    },
    {
      name: 'groups',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readOnly',
      returned: 'default',
      subAttributes: [
        text('value', { mutability: 'readOnly' }),
        text('$ref', { type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'readOnly' }),
        text('display', { mutability: 'readOnly' }),
        text('type', { canonicalValues: ['direct', 'indirect'], mutability: 'readOnly' }),
      ],
    },
    {
      name: 'entitlements',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [text('value'), text('display'), text('type'), primary],
    },
    {
      name: 'roles',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [text('value'), text('display'), text('type', { canonicalValues: [] }), primary],
    },
    {
      name: 'x509Certificates',
      type: 'complex',
      multiValued: true,
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [text('value', { type: 'binary' }), text('display'), text('type', { canonicalValues: [] }), primary],
    },
  ],
};

export const rfcGroup: RfcSchema = {
  id: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  name: 'Group',
  attributes: [
    text('displayName'),
    {
      name: 'members',
      type: 'complex',
      multiValued: true,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [
        text('value', { mutability: 'immutable' }),
        text('$ref', { type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'immutable' }),
        text('type', { canonicalValues: ['User', 'Group'], mutability: 'immutable' }),
      ],
    },
  ],
};

export const rfcEnterpriseUser: RfcSchema = {
  id: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  name: 'EnterpriseUser',
  attributes: [
    text('employeeNumber'),
    text('costCenter'),
    text('organization'),
    text('division'),
    text('department'),
    {
      name: 'manager',
      type: 'complex',
      multiValued: false,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [
        // §8.7.1 describes both as "REQUIRED." yet lists "required" : false; §4.3 says RECOMMENDED.
        text('value'),
        text('$ref', { type: 'reference', referenceTypes: ['User'] }),
        text('displayName', { mutability: 'readOnly' }),
      ],
    },
  ],
};

export const rfcSchemas = [rfcUser, rfcGroup, rfcEnterpriseUser];
