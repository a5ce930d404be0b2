import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from './database-errors';
import {
  codeForStatus,
  PROBLEM_CONTENT_TYPE,
  ProblemBody,
  problemBody,
  ProblemException,
} from './problem';

/** Fastify's own errors (body parsing, content type, size) carry a statusCode. */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

function detailFor(status: number, error: FastifyLikeError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'request body must be application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty but declared as JSON';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'request body is not valid JSON';
    case 'FST_ERR_BAD_URL':
      return 'the request path is not validly percent-encoded';
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'a path parameter is too long';
    default:
      return status === 400 ? 'request body is not valid JSON' : 'the request was refused';
  }
}

export interface RenderedProblem {
  body: ProblemBody;
  headers: Record<string, string>;
}

/**
 * Turns any thrown value into a problem document. Unknown errors become a generic 500;
 * their details go to the log only.
 */
export function renderProblem(error: unknown, logger: Logger, requestId?: string): RenderedProblem {
  if (error instanceof ProblemException) {
    return {
      body: {
        ...problemBody(error.getStatus(), error.code, error.detail, error.errors),
        ...error.extensions,
      },
      headers: error.headers,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response && 'message' in response
        ? String(response.message)
        : error.message;
    const detail = status === 404 ? 'no such resource' : message;
    return { body: problemBody(status, codeForStatus(status), detail), headers: {} };
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn({ reqId: requestId }, `database unavailable: ${(error as Error).message}`);
    return {
      body: problemBody(503, 'service_unavailable', 'the database is unavailable; retry shortly'),
      headers: { 'retry-after': '1' },
    };
  }
  const fastifyError = error as FastifyLikeError;
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      body: problemBody(status, codeForStatus(status), detailFor(status, fastifyError)),
      headers: {},
    };
  }
  logger.error(
    { reqId: requestId, stack: error instanceof Error ? error.stack : undefined },
    `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
  );
  return { body: problemBody(500, 'internal_error', 'an unexpected error occurred'), headers: {} };
}

function sendProblem(reply: FastifyReply, rendered: RenderedProblem): void {
  void reply
    .status(rendered.body.status)
    .headers(rendered.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(rendered.body);
}

const errorsLogger = new Logger('Errors');

/** Answers a request that failed with its problem document (and logs what needs logging). */
export function replyWithProblem(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  sendProblem(reply, renderProblem(error, errorsLogger, request.id));
}

/** The one global filter: every error leaves as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    replyWithProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), error);
  }
}
