import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, unfinishedRotation, versionWithStage, type SecretDescription, type SecretStore } from '../tenancy/ports/secret-store';

interface StoredVersion {
  /** Absent while a rotation has labelled the version but not yet written it, as in Secrets Manager. */
  value?: string;
  stages: string[];
}

interface StoredSecret {
  name: string;
  description: string;
  versions: Record<string, StoredVersion>;
}

/** Runs a rotation's steps: locally, the role Secrets Manager gives the rotation function. */
export type LocalRotation = (store: SecretStore, secretId: string, versionId: string) => Promise<void>;

/**
 * Secrets Manager's versions and stages over a directory: one file per secret, written whole
 * through a rename so that a reader (the local server) never sees half a file. The files are
 * readable by their owner only; they are the one place a local token is stored.
 */
export class FileSecretStore implements SecretStore {
  constructor(
    private readonly directory: string,
    private readonly rotation?: LocalRotation,
  ) {}

  static fileName(secretId: string): string {
    return `${encodeURIComponent(secretId)}.json`;
  }

  async current(secretId: string): Promise<string | undefined> {
    return this.value(secretId, { stage: AWSCURRENT });
  }

  async value(secretId: string, version: { versionId?: string; stage?: string }): Promise<string | undefined> {
    const secret = await this.read(secretId);
    if (!secret) return undefined;
    const stage = version.stage ?? (version.versionId ? undefined : AWSCURRENT);
    const found = Object.entries(secret.versions).find(
      ([id, stored]) => (version.versionId === undefined || id === version.versionId) && (stage === undefined || stored.stages.includes(stage)),
    );
    return found?.[1].value;
  }

  async describe(secretId: string): Promise<SecretDescription | undefined> {
    const secret = await this.read(secretId);
    return secret && { name: secret.name, versions: Object.fromEntries(Object.entries(secret.versions).map(([id, stored]) => [id, [...stored.stages]])) };
  }

  async create(name: string, value: string, description: string): Promise<boolean> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const temporary = await this.temporary({ name, description, versions: { [randomUUID()]: { value, stages: [AWSCURRENT] } } });
    try {
      // link() fails when the name exists: two creators cannot both win.
      await link(temporary, this.file(name));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await unlink(temporary);
    }
  }

  async put(secretId: string, versionId: string, value: string, stages: string[]): Promise<void> {
    const secret = await this.existing(secretId);
    const stored = secret.versions[versionId];
    if (stored?.value !== undefined && stored.value !== value) throw new Error(`version ${versionId} of ${secretId} exists with another value`);
    secret.versions[versionId] = { value, stages: stored?.stages ?? [] };
    for (const stage of stages) attach(secret, stage, versionId);
    await this.write(secret);
  }

  async moveStage(secretId: string, stage: string, move: { to?: string; from?: string }): Promise<void> {
    const secret = await this.existing(secretId);
    const holder = versionWithStage(mapStages(secret), stage);
    if (move.from !== undefined && holder !== move.from) throw new Error(`${stage} of ${secretId} is not on version ${move.from}`);
    if (move.to !== undefined && !secret.versions[move.to]) throw new Error(`${secretId} has no version ${move.to}`);
    if (move.to !== undefined) attach(secret, stage, move.to);
    else if (holder !== undefined) detach(secret, stage);
    await this.write(secret);
  }

  async names(prefix: string): Promise<string[]> {
    let files: string[];
    try {
      files = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return files
      .filter((file) => file.endsWith('.json'))
      .map((file) => decodeURIComponent(file.slice(0, -'.json'.length)))
      .filter((name) => name.startsWith(prefix));
  }

  /** As RotateSecret: labels the new version AWSPENDING, refuses while another rotation is unfinished, then runs the steps. */
  async rotate(secretId: string, versionId: string): Promise<void> {
    if (!this.rotation) throw new Error('this secret store has no rotation function');
    const secret = await this.existing(secretId);
    const pending = unfinishedRotation(mapStages(secret));
    if (pending !== undefined && pending !== versionId) {
      throw new Error(`a rotation of ${secretId} (version ${pending}) has not finished`);
    }
    if (!secret.versions[versionId]) {
      secret.versions[versionId] = { stages: [] };
      attach(secret, AWSPENDING, versionId);
      await this.write(secret);
    }
    await this.rotation(this, secretId, versionId);
  }

  async delete(secretId: string): Promise<boolean> {
    try {
      await unlink(this.file(secretId));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private file(secretId: string): string {
    return join(this.directory, FileSecretStore.fileName(secretId));
  }

  private async read(secretId: string): Promise<StoredSecret | undefined> {
    let raw: string;
    try {
      raw = await readFile(this.file(secretId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const stored = JSON.parse(raw) as Partial<StoredSecret>;
    // Earlier versions kept only the secret's value in the file.
    if (!stored.versions) return { name: secretId, description: '', versions: { legacy: { value: raw, stages: [AWSCURRENT] } } };
    return stored as StoredSecret;
  }

  private async existing(secretId: string): Promise<StoredSecret> {
    const secret = await this.read(secretId);
    if (!secret) throw new Error(`no secret ${secretId}`);
    return secret;
  }

  private async temporary(secret: StoredSecret): Promise<string> {
    const temporary = join(this.directory, `.${randomUUID()}.tmp`);
    await writeFile(temporary, JSON.stringify(secret, null, 2), { mode: 0o600 });
    return temporary;
  }

  private async write(secret: StoredSecret): Promise<void> {
    // Versions without a stage are what Secrets Manager eventually deletes; dropping them keeps the file small.
    for (const [id, stored] of Object.entries(secret.versions)) if (stored.stages.length === 0) delete secret.versions[id];
    await rename(await this.temporary(secret), this.file(secret.name));
  }
}

function mapStages(secret: StoredSecret): Record<string, string[]> {
  return Object.fromEntries(Object.entries(secret.versions).map(([id, stored]) => [id, stored.stages]));
}

function detach(secret: StoredSecret, stage: string): void {
  for (const stored of Object.values(secret.versions)) stored.stages = stored.stages.filter((candidate) => candidate !== stage);
}

/** As Secrets Manager: a stage is on one version at most, and the version AWSCURRENT leaves becomes AWSPREVIOUS. */
function attach(secret: StoredSecret, stage: string, versionId: string): void {
  const leaving = versionWithStage(mapStages(secret), stage);
  if (leaving === versionId) return;
  detach(secret, stage);
  if (stage === AWSCURRENT && leaving !== undefined) {
    detach(secret, AWSPREVIOUS);
    secret.versions[leaving].stages.push(AWSPREVIOUS);
  }
  secret.versions[versionId].stages.push(stage);
}
