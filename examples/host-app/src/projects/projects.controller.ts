import { Body, Controller, Get, Post, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { AccessTokenGuard, Authorized, CurrentUser, type Principal } from 'latch';
import { CreateProjectDto } from './create-project.dto';
import { ProjectsService } from './projects.service';

/**
 * The host's own routes: Latch's guard and decorators, the host's own validation and error
 * format (Nest's default JSON, not Latch's problem+json).
 */
@Controller('projects')
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get()
  @UseGuards(AccessTokenGuard)
  mine(@CurrentUser() user: Principal) {
    return this.projects.ownedBy(user.userId);
  }

  @Post()
  @UseGuards(AccessTokenGuard)
  create(@CurrentUser() user: Principal, @Body() dto: CreateProjectDto) {
    return this.projects.create(user.userId, dto.name);
  }

  @Get('all')
  @Authorized({ roles: ['admin'] })
  all() {
    return this.projects.all();
  }
}
