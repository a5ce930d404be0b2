import { EmptyBodyDto } from '../common/empty-body.dto';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { ClientContext } from '../auth/client-context';
import { Authorized } from '../auth/decorators/authorized.decorator';
import { Client } from '../auth/decorators/client.decorator';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import type { Principal } from '../auth/principal';
import { RateLimit } from '../auth/rate-limit/rate-limit.decorator';
import { ProblemException } from '../common/problem';
import { AdminUserView, toUserView, UserView } from '../users/user-view';
import { UsersRepository } from '../users/users.repository';
import { AccountDeletion } from './account-deletion';
import { AdministrationService } from './administration.service';
import { DeleteAccountDto, ListUsersQuery, UpdateUserDto } from './dto/accounts.dto';
import { LatchRoutes } from '../common/latch-routes.decorator';

const USER_ID = ApiParam({
  name: 'id',
  format: 'uuid',
  description: 'another user than the caller',
});

@ApiTags('users')
@LatchRoutes()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersRepository,
    private readonly administration: AdministrationService,
    private readonly deletion: AccountDeletion,
  ) {}

  @Get('me')
  @Authorized()
  @ApiOkResponse({ type: UserView })
  async me(@CurrentUser() principal: Principal): Promise<UserView> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'no such user');
    return toUserView(user);
  }

  @Delete('me')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authorized()
  @RateLimit('login')
  @ApiNoContentResponse({ description: 'the account and everything it owned are deleted' })
  @ApiUnauthorizedResponse({ description: 'invalid_credentials (wrong password)' })
  @ApiBadRequestResponse({ description: 'validation_failed' })
  @ApiTooManyRequestsResponse({ description: 'rate limit or lockout' })
  @ApiConflictResponse({
    description: 'last_admin: the change would leave no enabled administrator',
  })
  async deleteMe(
    @CurrentUser() principal: Principal,
    @Body() dto: DeleteAccountDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    await this.deletion.deleteOwn(principal, dto.password, client);
  }

  @Get()
  @Authorized('admin')
  @ApiOkResponse({ type: [AdminUserView], description: 'newest first' })
  @ApiBadRequestResponse({ description: 'validation_failed (limit or offset out of range)' })
  list(@Query() query: ListUsersQuery): Promise<AdminUserView[]> {
    return this.administration.list(query);
  }

  @Patch(':id')
  @Authorized('admin')
  @USER_ID
  @ApiOkResponse({ type: AdminUserView })
  @ApiBadRequestResponse({
    description: 'validation_failed (neither roles nor disabled, or bad values)',
  })
  @ApiForbiddenResponse({ description: "forbidden: not an admin, or the caller's own id" })
  @ApiNotFoundResponse({ description: 'not_found: unknown or malformed id' })
  @ApiConflictResponse({
    description: 'last_admin: the change would leave no enabled administrator',
  })
  update(
    @CurrentUser() principal: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateUserDto,
    @Client() client: ClientContext,
  ): Promise<AdminUserView> {
    return this.administration.update(principal, id, dto, client);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authorized('admin')
  @USER_ID
  @ApiNoContentResponse({ description: 'the user and everything they owned are deleted' })
  @ApiForbiddenResponse({ description: "forbidden: not an admin, or the caller's own id" })
  @ApiNotFoundResponse({ description: 'not_found: unknown or malformed id' })
  @ApiConflictResponse({
    description: 'last_admin: the change would leave no enabled administrator',
  })
  remove(
    @CurrentUser() principal: Principal,
    @Param('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.administration.delete(principal, id, client);
  }
}
