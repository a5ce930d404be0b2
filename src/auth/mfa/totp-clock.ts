import { Injectable } from '@nestjs/common';

/**
 * The time TOTP codes are judged at, in milliseconds. A provider of its own so that tests can
 * move it to a chosen step instead of sleeping for 30 s.
 */
@Injectable()
export class TotpClock {
  now(): number {
    return Date.now();
  }
}
