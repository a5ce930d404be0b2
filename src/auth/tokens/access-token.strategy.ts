import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { RequestStrategy } from '../../common/passport-request-strategy';
import type { Principal } from '../principal';
import { AccessTokenVerifier } from './access-token-verifier';
import { bearerToken } from './bearer';

export const ACCESS_TOKEN_STRATEGY = 'access-token';

/**
 * The access token as a Passport strategy, for code that authenticates through Passport
 * (`AuthGuard(ACCESS_TOKEN_STRATEGY)`): the same verifier as AccessTokenGuard, so both
 * accept and refuse exactly the same tokens with the same problems.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(RequestStrategy, ACCESS_TOKEN_STRATEGY) {
  constructor(private readonly verifier: AccessTokenVerifier) {
    super();
  }

  validate(request: FastifyRequest): Promise<Principal> {
    return this.verifier.verify(bearerToken(request.headers.authorization));
  }
}
