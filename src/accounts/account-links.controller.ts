import { EmptyBodyDto } from '../common/empty-body.dto';
import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiServiceUnavailableResponse,
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Authorized } from '../auth/decorators/authorized.decorator';
import { Client } from '../auth/decorators/client.decorator';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { Public } from '../auth/decorators/public.decorator';
import type { Principal } from '../auth/principal';
import { RateLimit } from '../auth/rate-limit/rate-limit.decorator';
import type { ClientContext } from '../auth/client-context';
import {
  ChangeEmailDto,
  ForgotPasswordDto,
  LinkTokenDto,
  ResetPasswordDto,
} from './dto/account-links.dto';
import { EmailChangeService } from './email-change.service';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';
import { LatchRoutes } from '../common/latch-routes.decorator';

const INVALID_LINK =
  'invalid_link (the token is malformed, unknown, used or expired) or validation_failed';

/** The routes of mailed links, under /auth: verification, password reset, e-mail change. */
@ApiTags('auth')
@LatchRoutes()
@Controller('auth')
export class AccountLinksController {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly reset: PasswordResetService,
    private readonly emailChange: EmailChangeService,
  ) {}

  @Post('verify-email/send')
  @HttpCode(HttpStatus.ACCEPTED)
  @Authorized()
  @ApiAcceptedResponse({ description: 'a new link is mailed (nothing when already verified)' })
  @ApiTooManyRequestsResponse({ description: 'inside AUTH_MAIL_INTERVAL of the last one' })
  async sendVerification(
    @CurrentUser() principal: Principal,
    @Client() client: ClientContext,
    @Body() _body: EmptyBodyDto,
  ): Promise<void> {
    await this.verification.send(principal, client);
  }

  @Post('verify-email')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Public()
  @ApiNoContentResponse({ description: 'the address is verified' })
  @ApiBadRequestResponse({ description: INVALID_LINK })
  async verify(@Body() dto: LinkTokenDto, @Client() client: ClientContext): Promise<void> {
    await this.verification.verify(dto.token, client);
  }

  @Post('password/forgot')
  @HttpCode(HttpStatus.ACCEPTED)
  @Public()
  @RateLimit('login')
  @ApiAcceptedResponse({
    description: 'the same answer whether or not the account exists; a link is mailed if it does',
  })
  @ApiTooManyRequestsResponse({ description: 'rate limit' })
  @ApiServiceUnavailableResponse({
    description: 'service_unavailable (Retry-After): too many reset requests waiting',
  })
  forgot(@Body() dto: ForgotPasswordDto, @Client() client: ClientContext): void {
    this.reset.requestLater(dto.email, client);
  }

  @Post('password/reset')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Public()
  @RateLimit('login')
  @ApiNoContentResponse({ description: 'new password set; every session of the user ended' })
  @ApiBadRequestResponse({ description: INVALID_LINK })
  @ApiTooManyRequestsResponse({ description: 'rate limit' })
  async resetPassword(
    @Body() dto: ResetPasswordDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    await this.reset.reset(dto, client);
  }

  @Post('email')
  @HttpCode(HttpStatus.ACCEPTED)
  @Authorized()
  @RateLimit('login')
  @ApiAcceptedResponse({
    description: 'a confirmation link to the new address, a notice to the old',
  })
  @ApiUnauthorizedResponse({ description: 'invalid_credentials' })
  @ApiConflictResponse({ description: 'email_taken' })
  @ApiTooManyRequestsResponse({ description: 'rate limit, lockout or AUTH_MAIL_INTERVAL' })
  async changeEmail(
    @CurrentUser() principal: Principal,
    @Body() dto: ChangeEmailDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    await this.emailChange.request(principal, dto, client);
  }

  @Post('email/confirm')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Public()
  @ApiNoContentResponse({ description: 'the new address is the account’s, verified' })
  @ApiBadRequestResponse({ description: INVALID_LINK })
  @ApiConflictResponse({ description: 'email_taken: the address was taken meanwhile' })
  async confirmEmail(@Body() dto: LinkTokenDto, @Client() client: ClientContext): Promise<void> {
    await this.emailChange.confirm(dto.token, client);
  }
}
