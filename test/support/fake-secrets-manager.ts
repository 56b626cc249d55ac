import { randomUUID } from 'node:crypto';
import * as sm from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

type Step = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
const STEPS: Step[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

interface Version {
  value?: string;
  stages: string[];
}

interface Secret {
  name: string;
  arn: string;
  description?: string;
  versions: Map<string, Version>;
  rotationLambdaArn?: string;
  rotationRules?: sm.RotationRulesType;
}

export type RotationFunction = (event: { SecretId: string; ClientRequestToken: string; Step: Step }) => Promise<void>;

const metadata = { $metadata: {} };
const notFound = (what: string) => new sm.ResourceNotFoundException({ message: `Secrets Manager can't find ${what}.`, ...metadata });

/**
 * Secrets Manager as the token code uses it, with state: secrets, versions and their stages
 * (AWSCURRENT moving leaves AWSPREVIOUS behind), name-prefix listing with pages, and RotateSecret,
 * which labels a version AWSPENDING and then invokes the rotation function's four steps
 * asynchronously, as the service does. Every SecretsManagerClient in the process talks to it.
 */
export class FakeSecretsManager {
  readonly secrets = new Map<string, Secret>();
  readonly mock = mockClient(sm.SecretsManagerClient);
  /** Every call fails as a network error would. */
  unreachable = false;
  /** The rotation stops with an error when it reaches this step, as when a Lambda times out between steps. */
  failAt?: Step;
  /** Errors the rotation function threw, as Secrets Manager would log them. */
  readonly rotationErrors: Error[] = [];
  private running: Promise<void> = Promise.resolve();
  private readonly listPageSize = 2;

  constructor(private readonly rotationFunction?: RotationFunction) {
    this.mock.on(sm.GetSecretValueCommand).callsFake((input) => this.call(() => this.getSecretValue(input)));
    this.mock.on(sm.DescribeSecretCommand).callsFake((input) => this.call(() => this.describeSecret(input.SecretId)));
    this.mock.on(sm.CreateSecretCommand).callsFake((input) => this.call(() => this.createSecret(input)));
    this.mock.on(sm.PutSecretValueCommand).callsFake((input) => this.call(() => this.putSecretValue(input)));
    this.mock.on(sm.UpdateSecretVersionStageCommand).callsFake((input) => this.call(() => this.updateSecretVersionStage(input)));
    this.mock.on(sm.ListSecretsCommand).callsFake((input) => this.call(() => this.listSecrets(input)));
    this.mock.on(sm.RotateSecretCommand).callsFake((input) => this.call(() => this.rotateSecret(input)));
  }

  /** Resolves when every rotation started so far has ended. */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.running;
      await seen;
    } while (seen !== this.running);
  }

  restore() {
    this.mock.restore();
  }

  /** A secret made outside the code under test (as CloudFormation makes the default tenant's). */
  seed(name: string, value: string, rotationLambdaArn?: string): string {
    const versionId = randomUUID();
    this.secrets.set(name, { name, arn: this.arnOf(name), versions: new Map([[versionId, { value, stages: ['AWSCURRENT'] }]]), rotationLambdaArn });
    return versionId;
  }

  /** As DescribeSecret's VersionIdsToStages: versions without a label are deprecated, and not listed. */
  stagesOf(name: string): Record<string, string[]> {
    return Object.fromEntries([...this.secret(name).versions].filter(([, version]) => version.stages.length > 0).map(([id, version]) => [id, [...version.stages]]));
  }

  private async call<T>(run: () => T | Promise<T>): Promise<T> {
    if (this.unreachable) throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
    return run();
  }

  private arnOf(name: string) {
    return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-Ab12Cd`;
  }

  private secret(secretId: string | undefined): Secret {
    const secret = this.secrets.get(secretId ?? '') ?? [...this.secrets.values()].find((candidate) => candidate.arn === secretId);
    if (!secret) throw notFound('the specified secret');
    return secret;
  }

  private holder(secret: Secret, stage: string): string | undefined {
    return [...secret.versions].find(([, version]) => version.stages.includes(stage))?.[0];
  }

  private label(secret: Secret, stage: string, versionId: string) {
    const from = this.holder(secret, stage);
    if (from === versionId) return;
    if (from !== undefined) secret.versions.get(from)!.stages = secret.versions.get(from)!.stages.filter((candidate) => candidate !== stage);
    if (stage === 'AWSCURRENT' && from !== undefined) {
      const previous = this.holder(secret, 'AWSPREVIOUS');
      if (previous !== undefined) secret.versions.get(previous)!.stages = secret.versions.get(previous)!.stages.filter((candidate) => candidate !== 'AWSPREVIOUS');
      secret.versions.get(from)!.stages.push('AWSPREVIOUS');
    }
    secret.versions.get(versionId)!.stages.push(stage);
  }

  private getSecretValue(input: { SecretId?: string; VersionId?: string; VersionStage?: string }) {
    const secret = this.secret(input.SecretId);
    const versionId = input.VersionId ?? this.holder(secret, input.VersionStage ?? 'AWSCURRENT');
    const version = versionId === undefined ? undefined : secret.versions.get(versionId);
    if (!version || (input.VersionStage && !version.stages.includes(input.VersionStage)) || version.value === undefined) {
      throw notFound(`the specified secret value for VersionId ${input.VersionId} and VersionStage ${input.VersionStage}`);
    }
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, SecretString: version.value, VersionStages: [...version.stages] };
  }

  private describeSecret(secretId: string | undefined) {
    const secret = this.secret(secretId);
    return {
      ARN: secret.arn,
      Name: secret.name,
      Description: secret.description,
      RotationEnabled: secret.rotationLambdaArn !== undefined && secret.rotationRules !== undefined,
      RotationLambdaARN: secret.rotationLambdaArn,
      RotationRules: secret.rotationRules,
      VersionIdsToStages: this.stagesOf(secret.name),
    };
  }

  private createSecret(input: { Name?: string; SecretString?: string; Description?: string; ClientRequestToken?: string }) {
    const name = input.Name!;
    if (this.secrets.has(name)) throw new sm.ResourceExistsException({ message: `The operation failed because the secret ${name} already exists.`, ...metadata });
    const versionId = input.ClientRequestToken ?? randomUUID();
    this.secrets.set(name, { name, arn: this.arnOf(name), description: input.Description, versions: new Map([[versionId, { value: input.SecretString, stages: ['AWSCURRENT'] }]]) });
    return { ARN: this.arnOf(name), Name: name, VersionId: versionId };
  }

  private putSecretValue(input: { SecretId?: string; ClientRequestToken?: string; SecretString?: string; VersionStages?: string[] }) {
    const secret = this.secret(input.SecretId);
    const versionId = input.ClientRequestToken ?? randomUUID();
    const existing = secret.versions.get(versionId);
    if (existing?.value !== undefined && existing.value !== input.SecretString) {
      throw new sm.ResourceExistsException({ message: 'You can’t modify an existing version, you can only create a new version.', ...metadata });
    }
    secret.versions.set(versionId, { value: input.SecretString, stages: existing?.stages ?? [] });
    for (const stage of input.VersionStages ?? ['AWSCURRENT']) this.label(secret, stage, versionId);
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...secret.versions.get(versionId)!.stages] };
  }

  private updateSecretVersionStage(input: { SecretId?: string; VersionStage?: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
    const secret = this.secret(input.SecretId);
    const stage = input.VersionStage!;
    const holder = this.holder(secret, stage);
    if (input.RemoveFromVersionId !== undefined && holder !== input.RemoveFromVersionId) {
      throw new sm.InvalidParameterException({ message: `The staging label ${stage} is not attached to version ${input.RemoveFromVersionId}.`, ...metadata });
    }
    if (input.MoveToVersionId !== undefined) {
      if (!secret.versions.has(input.MoveToVersionId)) throw notFound(`version ${input.MoveToVersionId}`);
      if (holder !== undefined && holder !== input.MoveToVersionId && input.RemoveFromVersionId === undefined) {
        throw new sm.InvalidParameterException({ message: `The staging label ${stage} is currently attached to version ${holder}; specify RemoveFromVersionId.`, ...metadata });
      }
      this.label(secret, stage, input.MoveToVersionId);
    } else if (holder !== undefined) {
      secret.versions.get(holder)!.stages = secret.versions.get(holder)!.stages.filter((candidate) => candidate !== stage);
    }
    return { ARN: secret.arn, Name: secret.name };
  }

  private listSecrets(input: { Filters?: Array<{ Key?: string; Values?: string[] }>; MaxResults?: number; NextToken?: string }) {
    const prefixes = (input.Filters ?? []).filter((filter) => filter.Key === 'name').flatMap((filter) => filter.Values ?? []);
    const matching = [...this.secrets.values()]
      .filter((secret) => prefixes.length === 0 || prefixes.some((prefix) => secret.name.toLowerCase().startsWith(prefix.toLowerCase())))
      .sort((a, b) => a.name.localeCompare(b.name));
    const start = Number(input.NextToken ?? 0);
    const end = start + Math.min(input.MaxResults ?? 100, this.listPageSize);
    return {
      SecretList: matching.slice(start, end).map((secret) => ({ ARN: secret.arn, Name: secret.name })),
      NextToken: end < matching.length ? String(end) : undefined,
    };
  }

  private rotateSecret(input: { SecretId?: string; ClientRequestToken?: string; RotationLambdaARN?: string; RotationRules?: sm.RotationRulesType; RotateImmediately?: boolean }) {
    const secret = this.secret(input.SecretId);
    if (input.RotationLambdaARN) secret.rotationLambdaArn = input.RotationLambdaARN;
    if (input.RotationRules) secret.rotationRules = input.RotationRules;
    if (!secret.rotationLambdaArn || !this.rotationFunction) throw new sm.InvalidRequestException({ message: 'No Lambda rotation function ARN is associated with this secret.', ...metadata });
    const versionId = input.ClientRequestToken ?? randomUUID();
    const pending = this.holder(secret, 'AWSPENDING');
    if (pending !== undefined && pending !== versionId && pending !== this.holder(secret, 'AWSCURRENT')) {
      throw new sm.InvalidRequestException({ message: 'A previous rotation isn’t complete. That rotation will be reattempted.', ...metadata });
    }
    if (!secret.versions.has(versionId)) {
      secret.versions.set(versionId, { stages: [] });
      this.label(secret, 'AWSPENDING', versionId);
    }
    const rotate = this.rotationFunction;
    this.running = this.running.then(async () => {
      for (const step of STEPS) {
        if (this.failAt === step) {
          this.rotationErrors.push(new Error(`Task timed out before ${step}`));
          return;
        }
        try {
          await rotate({ SecretId: secret.arn, ClientRequestToken: versionId, Step: step });
        } catch (error) {
          this.rotationErrors.push(error as Error);
          return;
        }
      }
    });
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId };
  }
}
