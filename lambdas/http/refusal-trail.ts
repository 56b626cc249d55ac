import type { ActivityTrail, Refusal } from '../directory/activity';
import type { ProvisioningClient, ResourceTypeName } from '../contracts/table-design';
import type { HttpMethod } from '../contracts/routes';
import type { ScimError } from '../scim/errors';

export interface RefusalLog {
  warn(message: string, fields: Record<string, unknown>): void;
}

/** A write request as far as its trail may know it: the target, never the body beyond the name a create gives. */
export interface RefusedWrite {
  tenant: string;
  client: ProvisioningClient;
  method: HttpMethod;
  /** Relative to SCIM_BASE_PATH: `/Users`, `/groups/{id}`, `/Bulk`. */
  path: string;
  id?: string;
  body: unknown;
}

const WRITES = new Set<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);

function resourceTypeOf(path: string): ResourceTypeName | undefined {
  const endpoint = path.split('/')[1]?.toLowerCase();
  return endpoint === 'users' ? 'User' : endpoint === 'groups' ? 'Group' : undefined;
}

/**
 * Records a refused write (4xx but 429 on POST, PUT, PATCH or DELETE; searches are reads) in the activity
 * trail: its status, scimType and detail. A failure to record is logged and never changes the
 * answer the client gets.
 */
export async function recordRefusal(trail: Pick<ActivityTrail, 'refused'>, log: RefusalLog, write: RefusedWrite, error: ScimError): Promise<void> {
  // A 429 says "later", not "no": nothing was decided about the request, and a throttled table is no place for one more write.
  if (!WRITES.has(write.method) || error.status < 400 || error.status >= 500 || error.status === 429 || write.path.endsWith('/.search')) return;
  const resourceType = resourceTypeOf(write.path);
  const body = write.body as Record<string, unknown> | undefined;
  const name = write.method === 'POST' && resourceType && typeof body === 'object' && body !== null ? body[resourceType === 'User' ? 'userName' : 'displayName'] : undefined;
  const refusal: Refusal = {
    method: write.method as Refusal['method'],
    ...(resourceType ? { resourceType } : {}),
    ...(write.id !== undefined && write.method !== 'POST' ? { id: write.id } : {}),
    ...(typeof name === 'string' && name.trim() !== '' ? { name: name.trim() } : {}),
    client: write.client,
    status: error.status,
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.detail,
    code: error.code,
  };
  try {
    await trail.refused(write.tenant, refusal);
  } catch (failure) {
    log.warn('refused request not recorded in the activity trail', { tenant: write.tenant, status: error.status, error: (failure as Error).message });
  }
}
