import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type RotationRulesType,
} from '@aws-sdk/client-secrets-manager';
import type { SecretDescription, SecretStore } from '../tenancy/ports/secret-store';

/** A secret that does not exist, or is scheduled for deletion, is absent rather than an outage. */
function absent(error: unknown): boolean {
  return error instanceof ResourceNotFoundException || (error instanceof InvalidRequestException && /marked for deletion/i.test(error.message));
}

async function unlessAbsent<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (absent(error)) return undefined;
    throw error;
  }
}

export class SecretsManagerStore implements SecretStore {
  private rotation?: Promise<{ RotationLambdaARN?: string; RotationRules?: RotationRulesType }>;
  private connection?: SecretsManagerClient;

  /**
   * `client`: the SDK's default one unless given. `rotationLike`: a secret whose rotation function
   * and schedule every rotation started here applies, so that a tenant made at run time rotates
   * like the deployment's default tenant.
   */
  constructor(
    client?: SecretsManagerClient,
    private readonly rotationLike?: string,
  ) {
    this.connection = client;
  }

  /**
   * Built on first use: a SCIM function behind API Gateway's authorizer holds a store only to check
   * a token no authorizer checked (lambdas/http/scim-handler.ts), so in AWS it never builds one.
   */
  private get client(): SecretsManagerClient {
    this.connection ??= new SecretsManagerClient({});
    return this.connection;
  }

  async current(secretId: string): Promise<string | undefined> {
    return this.value(secretId, {});
  }

  async value(secretId: string, version: { versionId?: string; stage?: string }): Promise<string | undefined> {
    const output = await unlessAbsent(
      this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: version.versionId, VersionStage: version.stage })),
    );
    return output?.SecretString;
  }

  async describe(secretId: string): Promise<SecretDescription | undefined> {
    const output = await unlessAbsent(this.client.send(new DescribeSecretCommand({ SecretId: secretId })));
    return output && { name: output.Name ?? secretId, versions: output.VersionIdsToStages ?? {} };
  }

  async create(name: string, value: string, description: string): Promise<boolean> {
    try {
      await this.client.send(new CreateSecretCommand({ Name: name, SecretString: value, Description: description }));
      return true;
    } catch (error) {
      if (error instanceof ResourceExistsException) return false;
      throw error;
    }
  }

  async put(secretId: string, versionId: string, value: string, stages: string[]): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: versionId, SecretString: value, VersionStages: stages }));
  }

  async moveStage(secretId: string, stage: string, move: { to?: string; from?: string }): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: stage, MoveToVersionId: move.to, RemoveFromVersionId: move.from }),
    );
  }

  async names(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      // The name filter matches prefixes, case-insensitively; the check after it makes it exact.
      const page = await this.client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 100, NextToken }));
      for (const secret of page.SecretList ?? []) if (secret.Name?.startsWith(prefix)) names.push(secret.Name);
      NextToken = page.NextToken;
    } while (NextToken);
    return names;
  }

  async rotate(secretId: string, versionId: string): Promise<void> {
    const { RotationLambdaARN, RotationRules } = await this.rotationSettings();
    await this.client.send(new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: versionId, RotationLambdaARN, RotationRules, RotateImmediately: true }));
  }

  async delete(secretId: string): Promise<boolean> {
    // Without recovery: a deleted tenant's name can be given to a new tenant at once, and its token is gone.
    const output = await unlessAbsent(this.client.send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true })));
    return output !== undefined;
  }

  private rotationSettings(): Promise<{ RotationLambdaARN?: string; RotationRules?: RotationRulesType }> {
    if (!this.rotationLike) return Promise.resolve({});
    this.rotation ??= this.client.send(new DescribeSecretCommand({ SecretId: this.rotationLike })).then((output) => {
      if (!output.RotationLambdaARN) throw new Error(`${this.rotationLike} has no rotation function: is this the right stack?`);
      return { RotationLambdaARN: output.RotationLambdaARN, RotationRules: rulesToApply(output.RotationRules) };
    });
    return this.rotation;
  }
}

/** DescribeSecret reports AutomaticallyAfterDays computed from a schedule; RotateSecret takes one or the other. */
function rulesToApply(rules: RotationRulesType | undefined): RotationRulesType | undefined {
  if (rules?.ScheduleExpression) return { ScheduleExpression: rules.ScheduleExpression, Duration: rules.Duration };
  if (rules?.AutomaticallyAfterDays) return { AutomaticallyAfterDays: rules.AutomaticallyAfterDays };
  return undefined;
}
