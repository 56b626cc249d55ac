import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ERROR_SCHEMA } from '../../lambdas/scim/errors';
import type { TenantAdmin } from '../../lambdas/tenancy/tenants';
import { localTenantAdmin } from '../../lambdas/admin/tenant-admin';
import { localEventsFile, localSecretsDir, startLocalScim, type LocalScimOptions } from '../../lib/local/local-environment';
import { provisioningEventSchema, type ProvisioningEvent } from '../../lambdas/contracts/events';

/** A line of events.jsonl: the event as an EventBridge target receives it. */
export type PublishedEvent = ProvisioningEvent & { id: string; time: string };

export interface TestScimServer {
  baseUrl: string;
  token: string;
  tableName: string;
  dynamoDbEndpoint: string;
  /** Waits for the asynchronous cleanup to have seen every change so far. */
  drainStreams(): Promise<void>;
  /** Holds the asynchronous cleanup back until resumeStreams(): what a slow stream consumer looks like. */
  pauseStreams(): Promise<void>;
  resumeStreams(): void;
  /** The server's data directory, as npm start's: `secrets/`, `events.jsonl`. */
  dataDir: string;
  /** Every provisioning event published so far (events.jsonl), each checked against the published schemas. */
  events(): Promise<PublishedEvent[]>;
  /** This server's tenants, administered as the admin CLI does; `now` moves the administrator's clock. */
  tenants(now?: () => number): TenantAdmin;
  close(): Promise<void>;
}

/** This worker's embedded store (JEST_WORKER_ID counts from 1; a run in band has one store). */
export function dynamoDbEndpoint(): string {
  const endpoints = process.env.TEST_DYNAMODB_ENDPOINTS?.split(',');
  if (!endpoints) throw new Error('TEST_DYNAMODB_ENDPOINTS is unset: run the tests through jest, whose global setup starts the embedded stores.');
  return endpoints[(Number(process.env.JEST_WORKER_ID ?? 1) - 1) % endpoints.length];
}

/** The real handlers over HTTP on the run's embedded store, in a table of their own. */
export async function startScimServer(options: Pick<LocalScimOptions, 'schemaExtensions'> & { dynamoDbEndpoint?: string } = {}): Promise<TestScimServer> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const dataDir = await mkdtemp(join(tmpdir(), 'scim-data-'));
  const secretsDir = localSecretsDir(dataDir);
  const tableName = `test-${randomUUID()}`;
  const endpoint = options.dynamoDbEndpoint ?? dynamoDbEndpoint();
  const api = await startLocalScim({
    root: resolve(__dirname, '../..'),
    dynamoDbEndpoint: endpoint,
    tableName,
    secretsDir,
    eventsFile: localEventsFile(dataDir),
    schemaExtensions: options.schemaExtensions,
  });
  return {
    baseUrl: api.baseUrl,
    token: api.token,
    tableName,
    dynamoDbEndpoint: endpoint,
    drainStreams: api.drainStreams,
    pauseStreams: api.pauseStreams,
    resumeStreams: api.resumeStreams,
    dataDir,
    events: async () => {
      const text = await readFile(localEventsFile(dataDir), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const published = JSON.parse(line) as { id: string; time: string };
          return { ...provisioningEventSchema.parse(published), id: published.id, time: published.time } as PublishedEvent;
        });
    },
    tenants: (now) => localTenantAdmin(secretsDir, process.env, now),
    close: async () => {
      await api.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small SCIM client for tests: JSON in, status + parsed body out. */
export function scimClient(server: { baseUrl: string; token: string }) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(server.baseUrl + path, {
      method,
      headers: {
        Authorization: `Bearer ${server.token}`,
        // What Okta sends; tests of clients that send none override it with an empty value.
        Accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, body: json, text };
  };
}

export type ScimTestResponse = Awaited<ReturnType<ReturnType<typeof scimClient>>>;

/** An RFC 7644 §3.12 error: SCIM content type, the Error schema, status as a string, scimType, a helpful detail. */
export function expectScimError(response: ScimTestResponse, status: number, scimType?: string) {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toContain('application/scim+json');
  expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(response.body.status).toBe(String(status));
  if (scimType) expect(response.body.scimType).toBe(scimType);
  expect(typeof response.body.detail).toBe('string');
  expect(response.body.detail.length).toBeGreaterThan(10);
}

/** A failure a retry may cure: 429 or 503 with a Retry-After in seconds (RFC 9110 §10.2.3), as an RFC 7644 §3.12 error. */
export function expectRetryLater(response: ScimTestResponse, status: 429 | 503) {
  expectScimError(response, status);
  expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
}

let sequence = 0;

/** A name no other test, file or run uses. */
export function unique(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}-${randomUUID().slice(0, 8)}`;
}
