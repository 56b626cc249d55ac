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

/** Refusals the server tells apart for itself beyond status and scimType. */
export type RefusalReason = 'seatLimit';

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
  /** Why the server refused, for its own records (the activity trail, the seat-limit event); never sent to the client. */
  readonly reason?: RefusalReason;

  constructor(status: number, detail: string, scimType?: ScimType, headers: Record<string, string> = {}, reason?: RefusalReason) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.headers = headers;
    this.reason = reason;
  }

  get detail(): string {
    return this.message;
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
    return new ScimError(403, detail, undefined, {}, 'seatLimit');
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
  static serviceUnavailable(detail: string, retryAfterSeconds: number) {
    return new ScimError(503, detail, undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
  static notImplemented(detail: string) {
    return new ScimError(501, detail);
  }
}
