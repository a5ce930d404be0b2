import { EmptyBodyDto } from '../common/empty-body.dto';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../common/problem';
import { canonicalUuid } from '../common/uuid';
import { toUserView } from '../users/user-view';
import type { ClientContext } from './client-context';
import { CredentialsService } from './credentials.service';
import { Authorized } from './decorators/authorized.decorator';
import { Client } from './decorators/client.decorator';
import { CurrentUser } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import { ChangePasswordDto, LoginDto, RefreshDto, RegisterDto } from './dto/credentials.dto';
import {
  AuditEventResponse,
  MeResponse,
  RegisterResponse,
  SessionResponse,
  TokenResponse,
  UnverifiedRegisterResponse,
} from './dto/token-response.dto';
import { AuditLog } from './events/audit-log';
import { accountRefused, invalidCredentials, mfaRequired } from './credential-problems';
import type { Principal } from './principal';
import { RateLimit } from './rate-limit/rate-limit.decorator';
import type { RefreshCredentials } from './refresh/refresh-credentials';
import { RefreshRotation } from './refresh/refresh-rotation';
import { RefreshTokenGuard } from './refresh/refresh-token.guard';
import { LogoutGuard } from './sessions/logout.guard';
import { SessionsService } from './sessions/sessions.service';
import { TokenResponder } from './token-responder';
import { LatchRoutes } from '../common/latch-routes.decorator';

type Authenticated<T> = FastifyRequest & { user: T };

@ApiTags('auth')
@LatchRoutes()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly sessions: SessionsService,
    private readonly rotation: RefreshRotation,
    private readonly responder: TokenResponder,
    private readonly audit: AuditLog,
  ) {}

  @Post('register')
  @Public()
  @RateLimit('login')
  @ApiExtraModels(RegisterResponse, UnverifiedRegisterResponse)
  @ApiCreatedResponse({
    description:
      'the token response and the user; with AUTH_REQUIRE_VERIFIED_EMAIL=true only `{user}` ' +
      '(no tokens, no cookie, no session until the address is verified)',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(RegisterResponse) },
        { $ref: getSchemaPath(UnverifiedRegisterResponse) },
      ],
    },
  })
  @ApiConflictResponse({ description: 'email_taken' })
  async register(
    @Body() dto: RegisterDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RegisterResponse | UnverifiedRegisterResponse> {
    const { user, issued } = await this.credentials.register(dto, client);
    if (!issued) return { user: toUserView(user) };
    return { ...this.responder.respond(issued, reply), user: toUserView(user) };
  }

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @RateLimit('login')
  @ApiOkResponse({ type: TokenResponse })
  @ApiUnauthorizedResponse({
    description:
      'invalid_credentials; or, for the right password of an account with TOTP on, ' +
      'mfa_required with extra members `mfaToken` (for POST /auth/login/mfa, or ' +
      'POST /auth/login/mfa/passkey) and `factors` (from totp, recovery_code, passkey)',
  })
  @ApiForbiddenResponse({
    description:
      'right password, but account_disabled or (AUTH_REQUIRE_VERIFIED_EMAIL) email_not_verified',
  })
  @ApiTooManyRequestsResponse({ description: 'rate limit or lockout' })
  async login(
    @Body() dto: LoginDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const outcome = await this.credentials.login(dto, client);
    if (outcome.kind === 'second_factor') throw mfaRequired(outcome.mfaToken, outcome.factors);
    if (outcome.kind === 'refused') {
      throw outcome.reason === 'invalid_credentials'
        ? invalidCredentials()
        : accountRefused(outcome.reason);
    }
    return this.responder.respond(outcome.issued, reply);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @RateLimit('refresh')
  @UseGuards(RefreshTokenGuard)
  @ApiOkResponse({ type: TokenResponse })
  @ApiUnauthorizedResponse({ description: 'invalid_grant or refresh_token_reused' })
  async refresh(
    @Body() _dto: RefreshDto,
    @Req() request: Authenticated<RefreshCredentials>,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const issued = await this.rotation.rotate(request.user.parts, client);
    return this.responder.respond(issued, reply);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @UseGuards(LogoutGuard)
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'the session is over (or already was)' })
  async logout(
    @Body() _dto: RefreshDto,
    @Req() request: FastifyRequest & { user?: Principal | RefreshCredentials },
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    if (request.user) await this.sessions.logout(request.user, client);
    this.responder.clearCookie(reply);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authorized()
  @ApiNoContentResponse()
  async logoutAll(
    @CurrentUser() principal: Principal,
    @Body() _body: EmptyBodyDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.logoutAll(principal, client);
    this.responder.clearCookie(reply);
  }

  @Get('me')
  @Authorized()
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentUser() principal: Principal): MeResponse {
    return {
      userId: principal.userId,
      sessionId: principal.sessionId,
      roles: principal.roles,
      amr: principal.amr,
      expiresAt: new Date(principal.expiresAt * 1000).toISOString(),
    };
  }

  @Get('sessions')
  @Authorized()
  @ApiOkResponse({ type: [SessionResponse] })
  listSessions(@CurrentUser() principal: Principal): Promise<SessionResponse[]> {
    return this.sessions.list(principal);
  }

  @Delete('sessions/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authorized()
  @ApiNoContentResponse()
  async deleteSession(
    @CurrentUser() principal: Principal,
    @Body() _body: EmptyBodyDto,
    @Param('id') id: string,
    @Client() client: ClientContext,
  ): Promise<void> {
    const sessionId = canonicalUuid(id);
    const ended =
      sessionId !== undefined && (await this.sessions.end(principal, sessionId, client));
    if (!ended) throw new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'no such session');
  }

  @Post('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authorized()
  @RateLimit('login')
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ description: 'invalid_credentials' })
  @ApiTooManyRequestsResponse({ description: 'rate limit or lockout' })
  async changePassword(
    @CurrentUser() principal: Principal,
    @Body() dto: ChangePasswordDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    await this.credentials.changePassword(principal, dto, client);
  }

  @Get('events')
  @Authorized()
  @ApiOkResponse({ type: [AuditEventResponse] })
  events(@CurrentUser() principal: Principal): Promise<AuditEventResponse[]> {
    return this.audit.recentFor(principal.userId);
  }
}
