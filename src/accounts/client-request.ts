import type { FastifyRequest } from 'fastify';
import { clientContext, type ClientContext } from '../auth/client-context';

/** The client context of a request, as the auth routes record it. */
export const contextOf = (request: FastifyRequest): ClientContext =>
  clientContext(request.ip, request.headers['user-agent'], request.id);
