import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/**
 * A local path of the app: one `/` then not a second `/` or a `\` (which browsers read as
 * `/`, making `//host` or `/\host` another site), no control characters and no fragment (the
 * callback adds its own). The app's origin is always put in front of it as well.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what it refuses
export const RETURN_TO = /^\/(?![/\\])[^\\#\x00-\x1f\x7f]*$/;

export class OidcStartQuery {
  @ApiPropertyOptional({
    description: 'where the app continues: a path starting with a single `/` (default `/`)',
    example: '/settings',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(RETURN_TO, { message: 'returnTo must be a path starting with a single /' })
  returnTo?: string;

  @ApiPropertyOptional({
    description: 'the ticket of a one-time link URL (POST /auth/oidc/:provider/link)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  link?: string;
}

export class OidcExchangeDto {
  @ApiProperty({ description: 'the one-time code of the callback (`#code=`), 60 s, single use' })
  @IsString()
  @MaxLength(128)
  code!: string;
}

export class IdentityProviderResponse {
  @ApiProperty({ example: 'google' }) id!: string;
  @ApiProperty({ example: 'Google' }) name!: string;
}

export class IdentityResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'google' }) provider!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'the address the provider gave when the identity was linked',
  })
  email!: string | null;
  @ApiProperty({ format: 'date-time' }) linkedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;
}

export class LinkUrlResponse {
  @ApiProperty({
    description: 'a one-time URL on this service (5 minutes) that starts the linking flow',
  })
  url!: string;
}
