import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { LatchRoutes } from '../../common/latch-routes.decorator';
import { toUserView } from '../../users/user-view';
import type { ClientContext } from '../client-context';
import { accountRefused } from '../credential-problems';
import { Client } from '../decorators/client.decorator';
import { Public } from '../decorators/public.decorator';
import {
  RegisterResponse,
  TokenResponse,
  UnverifiedRegisterResponse,
} from '../dto/token-response.dto';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { TokenResponder } from '../token-responder';
import { invalidPasskey } from './passkey-errors';
import { PasskeyLogin } from './passkey-login.service';
import { PasskeySecondStep } from './passkey-second-step';
import { PasskeySignup } from './passkey-signup.service';
import {
  CreationOptionsResponse,
  PasskeyLoginDto,
  PasskeyLoginOptionsDto,
  PasskeyMfaLoginDto,
  PasskeySignupDto,
  PasskeySignupOptionsDto,
  RequestOptionsResponse,
} from './passkeys.dto';

/** Signing in and up with a passkey, and the login's second step answered by one. */
@ApiTags('passkeys')
@LatchRoutes()
@Controller('auth')
export class PasskeyLoginController {
  constructor(
    private readonly login: PasskeyLogin,
    private readonly secondStep: PasskeySecondStep,
    private readonly signup: PasskeySignup,
    private readonly responder: TokenResponder,
  ) {}

  @Post('passkeys/login/options')
  @Public()
  @HttpCode(HttpStatus.OK)
  @RateLimit('login')
  @ApiOkResponse({
    type: RequestOptionsResponse,
    description:
      'PublicKeyCredentialRequestOptionsJSON: empty allowCredentials (discoverable, for ' +
      "autofill), or with an mfaToken that account's passkeys for the second step",
  })
  @ApiUnauthorizedResponse({ description: 'invalid_grant: the mfaToken is not live' })
  @ApiTooManyRequestsResponse({ description: 'rate limit' })
  loginOptions(@Body() dto: PasskeyLoginOptionsDto): Promise<RequestOptionsResponse> {
    return this.login.options(dto);
  }

  @Post('passkeys/login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TokenResponse, description: 'amr ["hwk", "mfa"]' })
  @ApiUnauthorizedResponse({ description: 'invalid_passkey' })
  @ApiForbiddenResponse({ description: 'account_disabled or email_not_verified' })
  async passkeyLogin(
    @Body() dto: PasskeyLoginDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const outcome = await this.login.login(dto, client);
    if (outcome.kind === 'invalid') throw invalidPasskey('sign_in');
    if (outcome.kind === 'refused') throw accountRefused(outcome.reason);
    return this.responder.respond(outcome.issued, reply);
  }

  @Post('login/mfa/passkey')
  @Public()
  @HttpCode(HttpStatus.OK)
  @RateLimit('login')
  @ApiOkResponse({ type: TokenResponse, description: 'amr ["pwd", "hwk", "mfa"]' })
  @ApiUnauthorizedResponse({
    description: 'invalid_passkey (counts like a wrong code), or invalid_grant (mfaToken)',
  })
  @ApiTooManyRequestsResponse({ description: 'rate limit or lockout' })
  async completeLogin(
    @Body() dto: PasskeyMfaLoginDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const issued = await this.secondStep.complete(dto, client);
    return this.responder.respond(issued, reply);
  }

  @Post('passkeys/signup/options')
  @Public()
  @HttpCode(HttpStatus.OK)
  @RateLimit('login')
  @ApiOkResponse({
    type: CreationOptionsResponse,
    description: 'PublicKeyCredentialCreationOptionsJSON, bound to this address',
  })
  @ApiConflictResponse({ description: 'email_taken' })
  @ApiTooManyRequestsResponse({ description: 'rate limit' })
  signupOptions(@Body() dto: PasskeySignupOptionsDto): Promise<CreationOptionsResponse> {
    return this.signup.options(dto);
  }

  @Post('passkeys/signup')
  @Public()
  @ApiExtraModels(RegisterResponse, UnverifiedRegisterResponse)
  @ApiCreatedResponse({
    description:
      'the token response and the user (amr ["hwk", "mfa"]); with ' +
      'AUTH_REQUIRE_VERIFIED_EMAIL=true only `{user}` and a verification mail',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(RegisterResponse) },
        { $ref: getSchemaPath(UnverifiedRegisterResponse) },
      ],
    },
  })
  @ApiBadRequestResponse({ description: 'invalid_passkey, or validation_failed' })
  @ApiConflictResponse({ description: 'email_taken or passkey_exists' })
  async passkeySignup(
    @Body() dto: PasskeySignupDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RegisterResponse | UnverifiedRegisterResponse> {
    const { user, issued } = await this.signup.signup(dto, client);
    if (!issued) return { user: toUserView(user) };
    return { ...this.responder.respond(issued, reply), user: toUserView(user) };
  }
}
