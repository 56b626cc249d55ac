import { CfnResource, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export const DEFAULT_TENANT = 'default';

/**
 * Replacing the secret regenerates the token and breaks every IdP connection that uses it,
 * so its logical id is pinned like the table's.
 */
export const DEFAULT_TENANT_TOKEN_LOGICAL_ID = 'DefaultTenantToken';

/** 64 of 62 symbols ≈ 381 bits; RFC 6749 §10.10 asks for a guessing probability ≤ 2^-160. */
const TOKEN_LENGTH = 64;

/**
 * The default tenant's bearer token. Secrets Manager generates the value at deploy time,
 * so it never exists in code, the template or the cloud assembly.
 */
export class DefaultTenantToken extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.secret = new Secret(this, 'Secret', {
      description: `SCIM bearer token for tenant "${DEFAULT_TENANT}"`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ tenant: DEFAULT_TENANT }),
        generateStringKey: 'token',
        // IdP consoles and shell copy-paste mangle punctuation; length carries the entropy.
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: TOKEN_LENGTH,
      },
    });

    (this.secret.node.defaultChild as CfnResource).overrideLogicalId(DEFAULT_TENANT_TOKEN_LOGICAL_ID);

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A new token must be pasted into each IdP by its admin, so rotation is a manual hand-over with overlap, not a scheduled rotation Lambda.',
    });
  }
}
