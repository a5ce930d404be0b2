import { ApiHideProperty } from '@nestjs/swagger';
import { IsEmpty } from 'class-validator';

/**
 * The body of a route that takes none: with the global ValidationPipe's
 * `forbidNonWhitelisted`, any field given is 400 validation_failed (docs/api.md). A missing
 * or empty body is fine.
 */
export class EmptyBodyDto {
  // class-validator judges only classes it has rules for; this one names no real field.
  @ApiHideProperty()
  @IsEmpty()
  readonly _?: never;
}
