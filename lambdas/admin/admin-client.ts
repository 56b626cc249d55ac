import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { adminRoutes, type AdminRouteName } from '../contracts/admin-routes';

/**
 * The admin API for the SaaS team's backend: tenants, tokens, settings, seats, users, groups and
 * the activity trail, each call signed with SigV4 for `execute-api` (the API admits AWS IAM
 * only; grant the caller's role with ScimEndpoint.grantAdmin). Routes and their bodies:
 * docs/admin-api.openapi.json.
 *
 *   const admin = new AdminClient({ baseUrl: process.env.SCIM_ADMIN_URL!, region: 'eu-west-1' });
 *   const { token } = await admin.request('createTenant', { body: { name: 'acme' } });
 */
export interface AdminClientOptions {
  /** The stack's AdminApiUrl output: `https://…/{stage}/admin/v1`. */
  readonly baseUrl: string;
  readonly region: string;
  /** @default the AWS SDK's default chain (environment, SSO, profile, the function's role…) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface AdminCall {
  /** The route's `{placeholders}`, e.g. `{ tenant: 'acme' }`. */
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
}

/** A 4xx or 5xx of the admin API, with its error code (`not_found`, `version_conflict`, …). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export class AdminClient {
  private readonly base: URL;
  private readonly signer: SignatureV4;

  constructor(options: AdminClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
    this.signer = new SignatureV4({
      service: 'execute-api',
      region: options.region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Hash.bind(null, 'sha256'),
    });
  }

  /** Calls one route of the table; answers the parsed JSON body (undefined for 204). */
  async request<T = unknown>(route: AdminRouteName, call: AdminCall = {}): Promise<T> {
    const spec = adminRoutes[route];
    const space = spec.indexOf(' ');
    const method = spec.slice(0, space);
    const path = spec.slice(space + 1).replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = call.params?.[name];
      if (value === undefined || value === '') throw new TypeError(`${route} needs params.${name}`);
      return encodeURIComponent(value);
    });
    const query = Object.fromEntries(Object.entries(call.query ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])));
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const signed = await this.signer.sign(
      new HttpRequest({
        method,
        protocol: this.base.protocol,
        hostname: this.base.hostname,
        port: this.base.port ? Number(this.base.port) : undefined,
        path: `${this.base.pathname}${path}`,
        query,
        headers: { host: this.base.host, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body,
      }),
    );
    const url = new URL(`${this.base.origin}${signed.path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    // fetch sets Host itself and refuses it among the headers.
    const { host: _host, ...headers } = signed.headers;
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    const parsed = parseBody(text);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      // API Gateway's own refusals (403 for a missing grant) carry `message`, not `error`.
      const message = error?.message ?? (parsed as { message?: string } | undefined)?.message ?? response.statusText;
      throw new AdminApiError(response.status, error?.code ?? `http_${response.status}`, `${method} ${path}: ${message}`, parsed);
    }
    return parsed as T;
  }
}

/** JSON, or the text as it came (a proxy's HTML page): never a parse error instead of the answer. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
