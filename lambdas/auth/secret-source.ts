import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where token secrets are read from: Secrets Manager in AWS, a directory of files locally. */
export interface SecretSource {
  /** The secret's current string value; undefined when no such secret exists. Throws when the source is unreachable. */
  current(secretId: string): Promise<string | undefined>;
}

export class SecretsManagerSource implements SecretSource {
  constructor(private readonly client = new SecretsManagerClient({})) {}

  async current(secretId: string): Promise<string | undefined> {
    try {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      return output.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }
}

/** A secret is a file named after its id, holding exactly what Secrets Manager would hold. */
export class FileSecretSource implements SecretSource {
  constructor(private readonly directory: string) {}

  static fileName(secretId: string): string {
    return `${encodeURIComponent(secretId)}.json`;
  }

  async current(secretId: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.directory, FileSecretSource.fileName(secretId)), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
