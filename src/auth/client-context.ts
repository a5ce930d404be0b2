import type { FastifyRequest } from 'fastify';

/** Where a sign-in or refresh came from, recorded on the session and in audit events. */
export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
  /** The request's id, for log lines written about it. */
  requestId: string;
}

const MAX_USER_AGENT = 512;

export function clientContext(
  ip: string | undefined,
  userAgent: unknown,
  requestId: string,
): ClientContext {
  return {
    ip: ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT) : null,
    requestId,
  };
}

/** The client context of a request, as every route records it. */
export const contextOf = (request: FastifyRequest): ClientContext =>
  clientContext(request.ip, request.headers['user-agent'], request.id);
