export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12 table 9, plus RFC 9865's cursor errors. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor';

/** The code of a refusal at the tenant's seat limit: the activity trail and the seat-limit event know it by this. */
export const SEAT_LIMIT_CODE = 'seat_limit';

/** What an error's status alone says, as a code, where no scimType says more. */
const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal_error',
  501: 'not_implemented',
  502: 'bad_gateway',
  503: 'unavailable',
  504: 'timeout',
};

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/**
 * The one error type that speaks SCIM. Whatever throws it decides the status and
 * the words an IdP admin will read; the HTTP edge only serialises it.
 */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType?: ScimType;
  readonly headers: Record<string, string>;
  private reasonCode?: string;

  constructor(status: number, detail: string, scimType?: ScimType, headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.headers = headers;
  }

  get detail(): string {
    return this.message;
  }

  /**
   * A short, stable reason for operators' logs and queries (`uniqueness`, `not_found`,
   * `seat_limit`): the scimType in snake case, else the status's name, unless the thrower named a
   * finer one. Never sent: the body has status, scimType and detail only (RFC 7644 §3.12).
   */
  get code(): string {
    if (this.reasonCode) return this.reasonCode;
    if (this.scimType) return this.scimType.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    return STATUS_CODES[this.status] ?? `status_${this.status}`;
  }

  /** Names the reason where status and scimType leave it ambiguous (a 403 for a full seat count, a 401 for an expired token). */
  withCode(code: string): this {
    this.reasonCode = code;
    return this;
  }

  toBody(): ScimErrorBody {
    return {
      schemas: [ERROR_SCHEMA],
      // RFC 7644 §3.12: status is a string; Okta's SPEC test checks that.
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.message,
    };
  }

  static invalidSyntax(detail: string) {
    return new ScimError(400, detail, 'invalidSyntax');
  }
  static invalidFilter(detail: string) {
    return new ScimError(400, detail, 'invalidFilter');
  }
  static invalidPath(detail: string) {
    return new ScimError(400, detail, 'invalidPath');
  }
  static noTarget(detail: string) {
    return new ScimError(400, detail, 'noTarget');
  }
  static invalidValue(detail: string) {
    return new ScimError(400, detail, 'invalidValue');
  }
  static mutability(detail: string) {
    return new ScimError(400, detail, 'mutability');
  }
  static tooMany(detail: string) {
    return new ScimError(400, detail, 'tooMany');
  }
  static invalidCursor(detail: string) {
    return new ScimError(400, detail, 'invalidCursor');
  }
  static expiredCursor(detail: string) {
    return new ScimError(400, detail, 'expiredCursor');
  }
  static unauthorized(detail: string) {
    return new ScimError(401, detail, undefined, { 'WWW-Authenticate': 'Bearer realm="SCIM"' });
  }
  static forbidden(detail: string) {
    return new ScimError(403, detail);
  }
  /** Every seat of the tenant is taken: a create or activation refused (RFC 7644 §3.12 has no scimType for it). */
  static seatLimit(detail: string) {
    return new ScimError(403, detail).withCode(SEAT_LIMIT_CODE);
  }
  static notFound(detail: string) {
    return new ScimError(404, detail);
  }
  static methodNotAllowed(detail: string, allow: string[]) {
    return new ScimError(405, detail, undefined, { Allow: allow.join(', ') });
  }
  static uniqueness(detail: string) {
    return new ScimError(409, detail, 'uniqueness');
  }
  static preconditionFailed(detail: string) {
    return new ScimError(412, detail);
  }
  static payloadTooLarge(detail: string) {
    return new ScimError(413, detail);
  }
  static unsupportedMediaType(detail: string) {
    return new ScimError(415, detail);
  }
  /** RFC 6585 §4; Okta retries a 429 by itself after Retry-After, where another 4xx becomes an admin's task. */
  static tooManyRequests(detail: string, retryAfterSeconds: number) {
    return new ScimError(429, detail, undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
  static serviceUnavailable(detail: string, retryAfterSeconds: number) {
    return new ScimError(503, detail, undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
  static notImplemented(detail: string) {
    return new ScimError(501, detail);
  }
}
