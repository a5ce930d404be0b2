import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiSeeOtherResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EmptyBodyDto } from '../../common/empty-body.dto';
import { LatchRoutes } from '../../common/latch-routes.decorator';
import { ProblemException } from '../../common/problem';
import { canonicalUuid } from '../../common/uuid';
import { AUTH_SETTINGS, type AuthSettings } from '../../latch.settings';
import type { ClientContext } from '../client-context';
import { accountRefused, mfaRequired } from '../credential-problems';
import { Authorized } from '../decorators/authorized.decorator';
import { Client } from '../decorators/client.decorator';
import { CurrentUser } from '../decorators/current-user.decorator';
import { Public } from '../decorators/public.decorator';
import { TokenResponse } from '../dto/token-response.dto';
import type { Principal } from '../principal';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { invalidGrant } from '../refresh/refresh-errors';
import { TokenResponder } from '../token-responder';
import { Inject } from '@nestjs/common';
import {
  IdentityProviderResponse,
  IdentityResponse,
  LinkUrlResponse,
  OidcExchangeDto,
  OidcStartQuery,
} from './federation.dto';
import { IdentitiesService } from './identities.service';
import { IdentityProviders } from './identity-providers';
import { OidcExchange } from './oidc-exchange';
import { FLOW_TTL_SECONDS, OidcFlows } from './oidc-flows';

export const FLOW_COOKIE = 'oidc_flow';
const FLOW_COOKIE_PATH = '/auth/oidc';

/** Sign in with an identity provider (docs/api.md): OpenID Connect and GitHub. */
@ApiTags('identity providers')
@LatchRoutes()
@Controller('auth')
export class FederationController {
  constructor(
    private readonly providers: IdentityProviders,
    private readonly flows: OidcFlows,
    private readonly exchanges: OidcExchange,
    private readonly identities: IdentitiesService,
    private readonly responder: TokenResponder,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  @Get('oidc/providers')
  @Public()
  @ApiOkResponse({ type: [IdentityProviderResponse] })
  list(): IdentityProviderResponse[] {
    return this.providers.list();
  }

  @Post('oidc/exchange')
  @Public()
  @HttpCode(HttpStatus.OK)
  @RateLimit('login')
  @ApiOkResponse({ type: TokenResponse, description: 'a session with `amr` ["fed"]' })
  @ApiUnauthorizedResponse({
    description:
      'invalid_grant (the code is unknown, used or older than 60 s); or mfa_required with ' +
      '`mfaToken` for an account with a second factor',
  })
  @ApiForbiddenResponse({ description: 'account_disabled or email_not_verified' })
  async exchange(
    @Body() dto: OidcExchangeDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const outcome = await this.exchanges.exchange(dto.code, client);
    if (outcome.kind === 'invalid') throw invalidGrant('the code is unknown, used or expired');
    if (outcome.kind === 'second_factor') throw mfaRequired(outcome.mfaToken, outcome.factors);
    if (outcome.kind === 'refused') throw accountRefused(outcome.reason);
    return this.responder.respond(outcome.issued, reply);
  }

  @Get('oidc/:provider')
  @Public()
  // Each start stores a flow row: counted like a login attempt, so it cannot fill the table.
  @RateLimit('login')
  @ApiFoundResponse({
    description:
      'to the provider, with the `oidc_flow` cookie (HttpOnly, SameSite=Lax, Path=/auth/oidc, ' +
      '10 minutes) that binds the flow to this browser',
  })
  @ApiNotFoundResponse({ description: 'unknown provider' })
  async start(
    @Param('provider') provider: string,
    @Query() query: OidcStartQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const started = await this.flows.start(provider, query.returnTo ?? '/', query.link);
    void reply.setCookie(FLOW_COOKIE, started.browserSecret, {
      httpOnly: true,
      // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation.
      sameSite: 'lax',
      path: FLOW_COOKIE_PATH,
      maxAge: FLOW_TTL_SECONDS,
      secure: this.auth.cookieSecure,
    });
    void reply.header('cache-control', 'no-store').redirect(started.location, HttpStatus.FOUND);
  }

  @Get('oidc/:provider/callback')
  @Public()
  @ApiSeeOtherResponse({
    description:
      'to the app: `#code=<one-time code>`, `#linked=<provider>` or `#error=<code>`; the ' +
      'cookie is cleared',
  })
  @ApiNotFoundResponse({ description: 'unknown provider' })
  async callback(
    @Param('provider') provider: string,
    @Req() request: FastifyRequest,
    @Client() client: ClientContext,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // The raw query: providers add parameters of their own (iss, session_state, scope, …).
    const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const header = request.headers.cookie;
    const cookie = header ? request.server.parseCookie(header)[FLOW_COOKIE] : undefined;
    const location = await this.flows.callback(
      provider,
      new URLSearchParams(search),
      cookie,
      client,
    );
    void reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });
    void reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .redirect(location, HttpStatus.SEE_OTHER);
  }

  @Post('oidc/:provider/link')
  @HttpCode(HttpStatus.OK)
  @Authorized()
  @ApiOkResponse({ type: LinkUrlResponse })
  @ApiNotFoundResponse({ description: 'unknown provider' })
  async link(
    @CurrentUser() principal: Principal,
    @Param('provider') provider: string,
    @Body() _body: EmptyBodyDto,
  ): Promise<LinkUrlResponse> {
    return { url: await this.identities.linkUrl(principal, provider) };
  }

  @Get('identities')
  @Authorized()
  @ApiOkResponse({ type: [IdentityResponse] })
  listIdentities(@CurrentUser() principal: Principal): Promise<IdentityResponse[]> {
    return this.identities.list(principal);
  }

  @Delete('identities/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authorized()
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'not the caller’s' })
  @ApiConflictResponse({ description: 'last_sign_in_method' })
  async unlink(
    @CurrentUser() principal: Principal,
    @Param('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    const identityId = canonicalUuid(id);
    if (!identityId) throw new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'not found');
    await this.identities.unlink(principal, identityId, client);
  }
}
