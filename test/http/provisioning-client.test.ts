import { provisioningClientOf } from '../../lambdas/http/provisioning-client';

describe('the provisioning client, told by User-Agent', () => {
  it.each([
    ['Okta SCIM Client 1.0.0', 'Okta'],
    ['Microsoft.AAD.Provisioning', 'Entra ID'],
    ['Azure AD SCIM Provisioning', 'Entra ID'],
    ['AADProvisioning/1.0', 'Entra ID'],
    ['OneLogin SCIM', 'OneLogin'],
    ['JumpCloud-SCIM/2.0', 'JumpCloud'],
    ['curl/8.5.0', 'other'],
    ['node', 'other'],
    ['', 'other'],
    [undefined, 'other'],
  ] as const)('%p is %p', (userAgent, client) => {
    expect(provisioningClientOf(userAgent)).toBe(client);
  });
});
