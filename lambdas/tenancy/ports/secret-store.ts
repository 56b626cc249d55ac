/**
 * The Secrets Manager operations the token lifecycle needs, and nothing more: Secrets Manager
 * implements it in AWS, a directory of files locally (lambdas/secrets/). Version stages work as in
 * Secrets Manager: AWSCURRENT is what readers get, AWSPENDING the version a rotation is making,
 * AWSPREVIOUS the one AWSCURRENT left.
 */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** What the verifier reads. */
export interface SecretSource {
  /** The secret's AWSCURRENT value; undefined when no such secret exists. Throws when the source is unreachable. */
  current(secretId: string): Promise<string | undefined>;
}

export interface SecretDescription {
  /** The secret's name (a rotation is told the secret's ARN). */
  name: string;
  /** Version id → its stages, as DescribeSecret's VersionIdsToStages. */
  versions: Record<string, string[]>;
}

export interface SecretStore extends SecretSource {
  /** A version's value, chosen by id and/or stage; undefined when there is none (or it has no value yet). */
  value(secretId: string, version: { versionId?: string; stage?: string }): Promise<string | undefined>;
  /** Undefined when no such secret exists. */
  describe(secretId: string): Promise<SecretDescription | undefined>;
  /** A new secret whose first version is AWSCURRENT; false when one of that name exists already. */
  create(name: string, value: string, description: string): Promise<boolean>;
  /** Writes version `versionId` with these stages (a stage moves off whichever version held it). Idempotent. */
  put(secretId: string, versionId: string, value: string, stages: string[]): Promise<void>;
  /** Moves a stage to a version (`to`), off another (`from`), or both, as UpdateSecretVersionStage. */
  moveStage(secretId: string, stage: string, move: { to?: string; from?: string }): Promise<void>;
  /** Names of the secrets whose name starts with `prefix`. */
  names(prefix: string): Promise<string[]>;
  /**
   * Starts a rotation whose new version is `versionId`, run by the secret's rotation function
   * (Secrets Manager's RotateSecret); with the id of an unfinished rotation's version, resumes it.
   * May return before the rotation finishes.
   */
  rotate(secretId: string, versionId: string): Promise<void>;
  /** Deletes the secret and every version of it at once (no recovery window); false when there was none. */
  delete(secretId: string): Promise<boolean>;
}

/** A step a rotation function is asked to run (Secrets Manager's rotation protocol). */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
export const ROTATION_STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** The version that holds `stage`, if any. */
export function versionWithStage(versions: SecretDescription['versions'], stage: string): string | undefined {
  return Object.entries(versions).find(([, stages]) => stages.includes(stage))?.[0];
}

/** The version an unfinished rotation left labelled AWSPENDING (apart from AWSCURRENT), if any. */
export function unfinishedRotation(versions: SecretDescription['versions']): string | undefined {
  const pending = versionWithStage(versions, AWSPENDING);
  return pending !== undefined && pending !== versionWithStage(versions, AWSCURRENT) ? pending : undefined;
}
