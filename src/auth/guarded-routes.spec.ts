import { Controller, Get, Injectable, Post, UseGuards, type CanActivate } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Authorized } from './decorators/authorized.decorator';
import { Public } from './decorators/public.decorator';
import { Roles } from './decorators/roles.decorator';
import { GuardedRoutesCheck, unguardedRoutes } from './guarded-routes';
import { RefreshTokenGuard } from './refresh/refresh-token.guard';
import { LogoutGuard } from './sessions/logout.guard';
import { AccessTokenGuard } from './tokens/access-token.guard';
import { LatchRoutes } from '../common/latch-routes.decorator';
import { LATCH_SETTINGS, MFA_SETTINGS } from '../latch.settings';

@Injectable()
class AllowAll implements CanActivate {
  canActivate() {
    return true;
  }
}

class StricterAccessGuard extends AccessTokenGuard {}

@Controller('fine')
class FineController {
  @Get('authorized') @Authorized() authorized() {}
  @Get('admin') @Authorized('admin') admin() {}
  @Get('step-up') @Authorized({ roles: ['admin'], mfa: true }) stepUp() {}
  @Get('roles') @UseGuards(AccessTokenGuard) @Roles('admin') roles() {}
  @Get('access') @UseGuards(AccessTokenGuard) access() {}
  @Post('refresh') @UseGuards(RefreshTokenGuard) refresh() {}
  @Post('logout') @UseGuards(LogoutGuard) logout() {}
  @Get('subclass') @UseGuards(StricterAccessGuard) subclass() {}
  @Get('public') @Public() open() {}
  helper() {} // not a route
}

@UseGuards(AccessTokenGuard)
@Controller('guarded-class')
class GuardedClassController {
  @Get() list() {}
  @Get(':id') one() {}
}

@Public()
@Controller('public-class')
class PublicClassController {
  @Get() list() {}
}

@Controller('bad')
class BadController {
  @Get('fine') @Authorized() fine() {}
  @Get('forgotten') forgotten() {}
  @Post(['one', 'two']) twoPaths() {}
  @Get('other-guard') @UseGuards(AllowAll) @Roles('admin') otherGuard() {}
  @Post('refresh-admin') @UseGuards(RefreshTokenGuard) @Roles('admin') refreshAdmin() {}
  @Get('public-admin') @Public() @Roles('admin') publicAdmin() {}
  @Get('instance') @UseGuards(new AllowAll()) instance() {}
  @Get('both') @Public() @Authorized() both() {}
}

describe('unguardedRoutes', () => {
  it('accepts access guards (directly, through @Authorized, subclassed, on the class) and @Public()', () => {
    expect(
      unguardedRoutes([FineController, GuardedClassController, PublicClassController]),
    ).toEqual([]);
  });

  it('names every route with neither an access guard nor @Public(), any with both, and any whose requirement no AccessTokenGuard checks', () => {
    const none = 'neither an access guard nor @Public()';
    const unchecked = 'a role or second factor asked, but no AccessTokenGuard checks it';
    expect(unguardedRoutes([BadController])).toEqual([
      `GET /bad/forgotten (BadController.forgotten): ${none}`,
      `POST /bad/one (BadController.twoPaths): ${none}`,
      `POST /bad/two (BadController.twoPaths): ${none}`,
      `GET /bad/other-guard (BadController.otherGuard): ${none}`,
      `POST /bad/refresh-admin (BadController.refreshAdmin): ${unchecked}`,
      `GET /bad/public-admin (BadController.publicAdmin): ${unchecked}`,
      `GET /bad/instance (BadController.instance): ${none}`,
      'GET /bad/both (BadController.both): both @Public() and an access guard',
    ]);
  });
});

@Controller('forgot')
class ForgottenController {
  @Get() forgotten() {}
}

describe('GuardedRoutesCheck', () => {
  // The guards are instantiated with their module, so the settings they need are a stub here.
  const startWith = async (
    requireGuards: 'latch' | 'all',
    ...controllers: (new () => object)[]
  ) => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      controllers,
      providers: [
        GuardedRoutesCheck,
        { provide: MFA_SETTINGS, useValue: {} },
        { provide: LATCH_SETTINGS, useValue: { requireGuards } },
      ],
    }).compile();
    try {
      await moduleRef.init();
    } finally {
      await moduleRef.close();
    }
  };
  const start = (...controllers: (new () => object)[]) => startWith('all', ...controllers);

  it('lets an application whose routes are all guarded or public start', async () => {
    await expect(start(GuardedClassController, PublicClassController)).resolves.toBeUndefined();
  });

  it('refuses to start an application with an unguarded route, naming it', async () => {
    await expect(start(GuardedClassController, ForgottenController)).rejects.toThrow(
      'every route needs an access guard or @Public(): GET /forgot (ForgottenController.forgotten)',
    );
  });

  it("checks only Latch's own controllers unless requireGuards is 'all'", async () => {
    @LatchRoutes()
    @Controller('latch-forgot')
    class LatchForgottenController {
      @Get() forgotten() {}
    }
    await expect(startWith('latch', ForgottenController)).resolves.toBeUndefined();
    await expect(startWith('latch', LatchForgottenController)).rejects.toThrow(
      'GET /latch-forgot (LatchForgottenController.forgotten)',
    );
  });
});
