import { EmptyBodyDto } from '../../common/empty-body.dto';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ClientContext } from '../client-context';
import { Authorized } from '../decorators/authorized.decorator';
import { Client } from '../decorators/client.decorator';
import { CurrentUser } from '../decorators/current-user.decorator';
import { Public } from '../decorators/public.decorator';
import { TokenResponse } from '../dto/token-response.dto';
import type { Principal } from '../principal';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { TokenResponder } from '../token-responder';
import { MfaLogin } from './mfa-login.service';
import {
  MfaLoginDto,
  MfaProofDto,
  MfaStatusResponse,
  RecoveryCodesResponse,
  TotpCodeDto,
  TotpEnrolmentResponse,
} from './mfa.dto';
import { TotpEnrolment } from './totp-enrolment.service';
import { LatchRoutes } from '../../common/latch-routes.decorator';

/** The second factor (docs/api.md, "Second factor"): TOTP, recovery codes, the login step. */
@ApiTags('mfa')
@LatchRoutes()
@Controller('auth')
export class MfaController {
  constructor(
    private readonly enrolment: TotpEnrolment,
    private readonly login: MfaLogin,
    private readonly responder: TokenResponder,
  ) {}

  @Get('mfa')
  @Authorized()
  @ApiOkResponse({ type: MfaStatusResponse })
  status(@CurrentUser() principal: Principal): Promise<MfaStatusResponse> {
    return this.enrolment.status(principal);
  }

  @Post('mfa/totp')
  @HttpCode(HttpStatus.OK)
  @Authorized()
  @ApiOkResponse({
    type: TotpEnrolmentResponse,
    description: 'a new secret, pending until confirmed (replaces an unconfirmed one)',
  })
  @ApiConflictResponse({ description: 'mfa_already_enabled' })
  startTotp(
    @CurrentUser() principal: Principal,
    @Body() _body: EmptyBodyDto,
  ): Promise<TotpEnrolmentResponse> {
    return this.enrolment.start(principal);
  }

  @Post('mfa/totp/confirm')
  @HttpCode(HttpStatus.OK)
  @Authorized()
  @RateLimit('login')
  @ApiOkResponse({
    type: RecoveryCodesResponse,
    description:
      'TOTP is on; every other session of the user is revoked; this session carries ' +
      '["pwd","otp","mfa"] from its next refresh',
  })
  @ApiUnauthorizedResponse({ description: 'invalid_mfa_code' })
  @ApiNotFoundResponse({ description: 'no enrolment was started' })
  @ApiConflictResponse({ description: 'mfa_already_enabled' })
  confirmTotp(
    @CurrentUser() principal: Principal,
    @Body() dto: TotpCodeDto,
    @Client() client: ClientContext,
  ): Promise<RecoveryCodesResponse> {
    return this.enrolment.confirm(principal, dto.code, client);
  }

  @Delete('mfa/totp')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authorized()
  @RateLimit('login')
  @ApiBody({ type: MfaProofDto })
  @ApiNoContentResponse({ description: 'TOTP is off and the recovery codes are gone' })
  @ApiUnauthorizedResponse({ description: 'invalid_mfa_code' })
  @ApiNotFoundResponse({ description: 'TOTP is not on' })
  @ApiTooManyRequestsResponse({ description: 'rate limit or lockout' })
  async disableTotp(
    @CurrentUser() principal: Principal,
    @Body() dto: MfaProofDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    await this.enrolment.disable(principal, dto, client);
  }

  // Needs a session verified with the second factor, like @Authorized({ mfa: true }), but
  // checked after "is TOTP on?": without TOTP no session can step up, so 404 says more.
  @Post('mfa/recovery-codes')
  @HttpCode(HttpStatus.OK)
  @Authorized()
  @ApiOkResponse({
    type: RecoveryCodesResponse,
    description: 'a new set; the old set stops working',
  })
  @ApiNotFoundResponse({ description: 'TOTP is not on' })
  @ApiUnauthorizedResponse({
    description: 'insufficient_user_authentication: the session was not verified with TOTP',
  })
  renewRecoveryCodes(
    @CurrentUser() principal: Principal,
    @Body() _body: EmptyBodyDto,
  ): Promise<RecoveryCodesResponse> {
    return this.enrolment.renewRecoveryCodes(principal);
  }

  @Post('login/mfa')
  @Public()
  @HttpCode(HttpStatus.OK)
  @RateLimit('login')
  @ApiOkResponse({ type: TokenResponse })
  @ApiUnauthorizedResponse({
    description: 'invalid_mfa_code, or invalid_grant (mfaToken used, expired or voided)',
  })
  @ApiTooManyRequestsResponse({ description: 'rate limit or lockout' })
  async completeLogin(
    @Body() dto: MfaLoginDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const issued = await this.login.complete(dto, client);
    return this.responder.respond(issued, reply);
  }
}
