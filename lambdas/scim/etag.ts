/**
 * Versions as the client sees them (RFC 7644 §3.14): the weak entity tag of a stored version, the
 * If-Match that pins one and the If-None-Match of a conditional GET. Every ETag we issue or check
 * goes through here.
 */
import { createHash } from 'node:crypto';
import { ScimError } from './errors';

export interface Preconditions {
  /** The If-Match header, if any (RFC 7644 §3.14). */
  ifMatch?: string;
}

/** The weak entity tag of a stored version, plus a tag for what is read from elsewhere (a user's groups). */
export function entityTag(version: number, versionTag?: string): string {
  return versionTag ? `W/"${version}-${versionTag}"` : `W/"${version}"`;
}

/** A short tag of what a representation shows beyond the stored resource, for entityTag. */
export function versionTagOf(shown: unknown): string {
  return createHash('sha256').update(JSON.stringify(shown)).digest('base64url').slice(0, 12);
}

/** The stored version an entity tag names; undefined for a tag we never issued. */
function versionOf(tag: string): number | undefined {
  const match = /^(?:W\/)?"(\d+)(?:-[^"]*)?"$/.exec(tag.trim());
  return match ? Number(match[1]) : undefined;
}

/** If-Match names a version (not `*`): the request must apply to exactly that version or not at all. */
export function isPinned(preconditions: Preconditions | undefined): boolean {
  const ifMatch = preconditions?.ifMatch?.trim();
  return ifMatch !== undefined && ifMatch !== '' && ifMatch !== '*';
}

/** Throws 412 unless If-Match (when pinned) names the stored version. */
export function checkIfMatch(version: number, preconditions: Preconditions | undefined): void {
  if (!isPinned(preconditions)) return;
  const ifMatch = preconditions!.ifMatch!.trim();
  // If-Match guards the resource's own attributes, so only the stored version is compared.
  if (!ifMatch.split(',').some((tag) => versionOf(tag) === version)) {
    throw ScimError.preconditionFailed(`The resource has changed: its version is ${entityTag(version)}, the request expected ${ifMatch}. Read it again and retry.`);
  }
}

/** The 412 for a pinned request that lost a race with another write to the same resource. */
export function changedMeanwhile(): ScimError {
  return ScimError.preconditionFailed('The resource changed while this request was being applied. Read it again and retry.');
}

/** RFC 7644 §3.14: a conditional GET whose If-None-Match names the current tag (or `*`) answers 304. */
export function isUnchanged(ifNoneMatch: string | undefined, current: string): boolean {
  return ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === current || tag.trim() === '*');
}
