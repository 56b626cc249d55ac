/**
 * The URNs tests send and expect, written out from RFC 7643/7644 rather than imported from the
 * code under test, so that a wrong constant there fails a test.
 */
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
/** Ours: the read-only provisioning extensions (marker, provenance, access). */
export const PROVISIONING_USER = 'urn:serverless-scim:params:scim:schemas:extension:provisioning:2.0:User';
export const PROVISIONING_GROUP = 'urn:serverless-scim:params:scim:schemas:extension:provisioning:2.0:Group';
