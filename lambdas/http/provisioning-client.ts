import type { ProvisioningClient } from '../contracts/table-design';

/**
 * The identity provider a request comes from, told by its User-Agent header; the first line that
 * matches wins, and a client none of them names (scripts, our own tests) is `other`.
 */
const clients: Array<[pattern: RegExp, client: ProvisioningClient]> = [
  // Okta: "Okta SCIM Client 1.0.0".
  [/\bokta\b/i, 'Okta'],
  // Microsoft Entra ID (formerly Azure AD): "Microsoft.AAD.Provisioning" (older), or agents naming "Azure AD" or "AADProvisioning".
  [/Microsoft\.AAD\.Provisioning|\bAzure AD\b|AADProvisioning|\bEntra\b/i, 'Entra ID'],
  // OneLogin: its SCIM provisioner names itself "OneLogin".
  [/\bOneLogin\b/i, 'OneLogin'],
  // JumpCloud: its SCIM integration names itself "JumpCloud".
  [/\bJumpCloud\b/i, 'JumpCloud'],
];

export function provisioningClientOf(userAgent: string | undefined): ProvisioningClient {
  if (!userAgent) return 'other';
  return clients.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'other';
}
