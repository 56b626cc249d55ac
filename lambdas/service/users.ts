import { userModel } from '../scim/schemas';
import type { ResourceKind } from './resources';

export interface UserPolicy {
  /**
   * RFC 7643 §3.1 sets no uniqueness on externalId, Microsoft's own SCIM test suite creates
   * users that share one, and Entra ID maps it from mailNickname by default, which can repeat.
   * Deployments fed only by Okta (where it is Okta's user id) may enforce it.
   */
  uniqueExternalId: boolean;
}

export const userKind = (policy: UserPolicy): ResourceKind => ({
  type: 'User',
  model: userModel,
  // RFC 7643 §4.1: userName is unique and caseExact false; externalId is caseExact.
  lookupAttributes: [
    { name: 'userName', unique: true },
    { name: 'externalId', unique: policy.uniqueExternalId },
  ],
  // A user provisioned without `active` is meant to be able to sign in.
  onCreate: (resource) => (resource.active === undefined ? { ...resource, active: true } : resource),
  // Okta's PUT bodies may omit `active`; replacing it with "absent" would deactivate the user.
  onReplace: (next, current) => (next.active === undefined && current.active !== undefined ? { ...next, active: current.active } : next),
});
