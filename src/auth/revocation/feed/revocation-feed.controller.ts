import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { LatchRoutes } from '../../../common/latch-routes.decorator';
import { FeedTokenGuard } from './feed-token.guard';
import { RevocationFeed } from './revocation-feed';

@ApiTags('auth')
@LatchRoutes()
@Controller('auth')
export class RevocationFeedController {
  constructor(private readonly feed: RevocationFeed) {}

  @Get('revocations')
  @UseGuards(FeedTokenGuard)
  @ApiBearerAuth()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'Server-Sent Events: one `snapshot` `{sessions: [{sid, until}]}`, then `revoked` ' +
      '`{sid, until}` within 1 s of each revocation on any instance, and a comment at least ' +
      'every 15 s',
  })
  @ApiUnauthorizedResponse({ description: 'invalid_token: AUTH_FEED_TOKEN missing or wrong' })
  @ApiNotFoundResponse({ description: 'AUTH_FEED_TOKEN is not set' })
  @ApiServiceUnavailableResponse({
    description: 'too many feed clients, or this instance cannot vouch for revocations now',
  })
  revocations(@Res() reply: FastifyReply): void {
    this.feed.open(reply);
  }
}
