import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authorized } from '../auth/decorators/authorized.decorator';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { toUserView, UserView } from '../users/user-view';
import { UsersRepository } from '../users/users.repository';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersRepository) {}

  @Get('me')
  @Authorized()
  @ApiOkResponse({ type: UserView })
  async me(@CurrentUser() principal: Principal): Promise<UserView> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'no such user');
    return toUserView(user);
  }

  @Get()
  @Authorized('admin')
  @ApiOkResponse({ type: [UserView] })
  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toUserView);
  }
}
