import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** The stable, machine-readable error codes of the HTTP contract (docs/api.md). */
export type ProblemCode =
  | 'validation_failed'
  | 'payload_too_large'
  | 'invalid_credentials'
  | 'missing_token'
  | 'invalid_token'
  | 'token_expired'
  | 'session_revoked'
  | 'invalid_grant'
  | 'refresh_token_reused'
  | 'forbidden'
  | 'email_taken'
  | 'last_admin'
  | 'account_disabled'
  | 'email_not_verified'
  | 'invalid_link'
  | 'mfa_required'
  | 'invalid_mfa_code'
  | 'mfa_already_enabled'
  | 'insufficient_user_authentication'
  | 'invalid_passkey'
  | 'passkey_exists'
  | 'passkey_limit'
  | 'last_sign_in_method'
  | 'too_many_requests'
  | 'service_unavailable'
  | 'not_found'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'bad_request'
  | 'internal_error';

export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem document as Latch sends it. */
export interface ProblemBody {
  type: 'about:blank';
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  errors?: FieldError[];
  /** Only on `mfa_required`: the token of the second step. */
  mfaToken?: string;
  /** Only on `mfa_required`: the second steps this account can take. */
  factors?: string[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemBody(
  status: number,
  code: ProblemCode,
  detail: string,
  errors?: FieldError[],
): ProblemBody {
  const body: ProblemBody = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    code,
    detail,
  };
  if (errors) body.errors = errors;
  return body;
}

/**
 * A domain error with a stable code. Services throw these; the global filter renders them.
 * `headers` carries e.g. Retry-After for 429.
 */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
    readonly errors?: FieldError[],
    /** Extra members of the body (RFC 9457 §3.2): `mfa_required`'s `mfaToken` and `factors`. */
    readonly extensions: { mfaToken?: string; factors?: string[] } = {},
  ) {
    super(detail, status);
  }
}

/** The default code for a bare HTTP status (Nest's built-in exceptions, Fastify errors). */
export function codeForStatus(status: number): ProblemCode {
  switch (status) {
    case 400:
      return 'validation_failed';
    case 401:
      return 'invalid_token';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'too_many_requests';
    case 503:
      return 'service_unavailable';
    default:
      return status >= 500 ? 'internal_error' : 'bad_request';
  }
}
