import { Controller, Get } from '@nestjs/common';
// The only line that differs from a feature module inside Latch: the package it imports from.
import { Authorized, CurrentUser, type Principal } from '@latch/resource-server';

@Controller('orders')
export class OrdersController {
  /** The caller's own orders: any valid, unrevoked Latch access token for this audience. */
  @Get('mine')
  @Authorized()
  mine(@CurrentUser() user: Principal) {
    return { userId: user.userId, sessionId: user.sessionId, orders: [] };
  }

  /** Every order: role `admin`. */
  @Get()
  @Authorized('admin')
  all() {
    return { orders: [] };
  }
}
