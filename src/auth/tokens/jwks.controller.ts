import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator';
import { SigningKeys } from './signing-keys';
import { LatchRoutes } from '../../common/latch-routes.decorator';

@ApiTags('auth')
@LatchRoutes()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeys) {}

  /** Public halves of every verifying key; never a private part. */
  @Get('jwks.json')
  @Public()
  @Header('cache-control', 'public, max-age=300')
  @ApiOkResponse({ description: 'JSON Web Key Set' })
  jwks(): { keys: Record<string, string>[] } {
    return this.keys.jwks();
  }
}
