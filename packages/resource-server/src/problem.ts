import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';

/** The codes this module answers with: Latch's own for the same refusals (its docs/api.md). */
export type ResourceProblemCode =
  | 'missing_token'
  | 'invalid_token'
  | 'token_expired'
  | 'session_revoked'
  | 'forbidden'
  | 'insufficient_user_authentication'
  | 'service_unavailable';

/** An RFC 9457 problem, rendered as application/problem+json by ResourceProblemFilter. */
export class ResourceProblem extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ResourceProblemCode,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super({ type: 'about:blank', title: STATUS_CODES[status], status, code, detail }, status);
  }
}

export const problems = {
  missingToken: () =>
    new ResourceProblem(HttpStatus.UNAUTHORIZED, 'missing_token', 'an access token is required', {
      'www-authenticate': 'Bearer',
    }),
  invalidToken: (detail = 'access token is invalid') =>
    new ResourceProblem(HttpStatus.UNAUTHORIZED, 'invalid_token', detail, {
      'www-authenticate': 'Bearer error="invalid_token"',
    }),
  tokenExpired: () =>
    new ResourceProblem(HttpStatus.UNAUTHORIZED, 'token_expired', 'access token has expired', {
      'www-authenticate': 'Bearer error="invalid_token", error_description="expired"',
    }),
  sessionRevoked: () =>
    new ResourceProblem(HttpStatus.UNAUTHORIZED, 'session_revoked', 'this session has ended', {
      'www-authenticate': 'Bearer error="invalid_token", error_description="revoked"',
    }),
  forbidden: () =>
    new ResourceProblem(HttpStatus.FORBIDDEN, 'forbidden', 'a required role is missing'),
  insufficientUserAuthentication: () =>
    new ResourceProblem(
      HttpStatus.UNAUTHORIZED,
      'insufficient_user_authentication',
      'this route needs a session verified with a second factor',
      {
        'www-authenticate':
          'Bearer error="insufficient_user_authentication", ' +
          'error_description="a second factor is required"',
      },
    ),
  unavailable: (detail: string) =>
    new ResourceProblem(HttpStatus.SERVICE_UNAVAILABLE, 'service_unavailable', detail, {
      'retry-after': '1',
    }),
};

/**
 * Renders this module's refusals as problem+json on the host's own HTTP adapter (Express or
 * Fastify alike); it catches nothing else, so the host's other errors keep its format.
 */
@Catch(ResourceProblem)
@Injectable()
export class ResourceProblemFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(problem: ResourceProblem, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    for (const [name, value] of Object.entries(problem.headers)) {
      adapter.setHeader(response, name, value);
    }
    adapter.setHeader(response, 'content-type', 'application/problem+json');
    // A string, so that neither adapter re-types it as application/json.
    adapter.reply(response, JSON.stringify(problem.getResponse()), problem.getStatus());
  }
}
