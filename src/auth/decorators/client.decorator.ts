import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ClientContext, contextOf } from '../client-context';

/** Where the request came from (IP, user agent, request id): `@Client() client: ClientContext`. */
export const Client = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientContext =>
    contextOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
