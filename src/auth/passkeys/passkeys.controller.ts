import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { EmptyBodyDto } from '../../common/empty-body.dto';
import { LatchRoutes } from '../../common/latch-routes.decorator';
import { canonicalUuid } from '../../common/uuid';
import type { ClientContext } from '../client-context';
import { Authorized } from '../decorators/authorized.decorator';
import { Client } from '../decorators/client.decorator';
import { CurrentUser } from '../decorators/current-user.decorator';
import type { Principal } from '../principal';
import { PasskeyManagement } from './passkey-management.service';
import { PasskeyRegistration } from './passkey-registration.service';
import {
  CreationOptionsResponse,
  PasskeyResponse,
  RegisterPasskeyDto,
  RenamePasskeyDto,
} from './passkeys.dto';

/** A signed-in user's passkeys (docs/api.md, "Passkeys"): registration, list, rename, delete. */
@ApiTags('passkeys')
@LatchRoutes()
@Controller('auth/passkeys')
export class PasskeysController {
  constructor(
    private readonly registration: PasskeyRegistration,
    private readonly management: PasskeyManagement,
  ) {}

  @Post('register/options')
  @HttpCode(HttpStatus.OK)
  @Authorized()
  @ApiOkResponse({
    type: CreationOptionsResponse,
    description: 'PublicKeyCredentialCreationOptionsJSON, bound to the calling session',
  })
  @ApiConflictResponse({ description: 'passkey_limit' })
  registrationOptions(
    @CurrentUser() principal: Principal,
    @Body() _body: EmptyBodyDto,
  ): Promise<CreationOptionsResponse> {
    return this.registration.options(principal);
  }

  @Post('register')
  @Authorized()
  @ApiCreatedResponse({ type: PasskeyResponse })
  @ApiBadRequestResponse({ description: 'invalid_passkey, or validation_failed' })
  @ApiConflictResponse({ description: 'passkey_exists or passkey_limit' })
  register(
    @CurrentUser() principal: Principal,
    @Body() dto: RegisterPasskeyDto,
    @Client() client: ClientContext,
  ): Promise<PasskeyResponse> {
    return this.registration.register(principal, dto, client);
  }

  @Get()
  @Authorized()
  @ApiOkResponse({ type: [PasskeyResponse], description: "the caller's passkeys, newest first" })
  list(@CurrentUser() principal: Principal): Promise<PasskeyResponse[]> {
    return this.management.list(principal);
  }

  @Patch(':id')
  @Authorized()
  @ApiOkResponse({ type: PasskeyResponse })
  @ApiNotFoundResponse({ description: "not the caller's passkey" })
  rename(
    @CurrentUser() principal: Principal,
    @Param('id') id: string,
    @Body() dto: RenamePasskeyDto,
  ): Promise<PasskeyResponse> {
    return this.management.rename(principal, canonicalUuid(id), dto.name);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authorized()
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: "not the caller's passkey" })
  @ApiConflictResponse({
    description: 'last_sign_in_method: the account would keep no password, passkey or identity',
  })
  async delete(
    @CurrentUser() principal: Principal,
    @Param('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    await this.management.delete(principal, canonicalUuid(id), client);
  }
}
