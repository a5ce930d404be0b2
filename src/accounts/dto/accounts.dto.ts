import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { CurrentPasswordField } from '../../common/credential-fields';
import { MAX_ROLES, ROLE_PATTERN } from '../../users/user-roles';

export const PAGE_LIMIT_MAX = 200;
export const PAGE_LIMIT_DEFAULT = 50;
const OFFSET_MAX = 2_147_483_647;

/**
 * A query parameter of plain decimal digits becomes a number; anything else (a sign, a
 * fraction, an exponent, a repeated parameter, an empty value) stays as it came and fails
 * IsInt, so it is 400 validation_failed rather than a silently rounded number.
 */
const digitsToInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;

export class ListUsersQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT })
  @IsOptional()
  @Transform(digitsToInteger)
  @IsInt()
  @Min(1)
  @Max(PAGE_LIMIT_MAX)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: OFFSET_MAX, default: 0 })
  @IsOptional()
  @Transform(digitsToInteger)
  @IsInt()
  @Min(0)
  @Max(OFFSET_MAX)
  offset?: number;
}

const absent = (value: unknown) => value === undefined;

export class UpdateUserDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ROLES,
    example: ['user', 'admin'],
    description:
      'the whole set of roles, each a lower-case word of at most 32 characters; duplicates ' +
      'are dropped. A removed role ends every session of the user at once; an added one is ' +
      'in the access token from the next refresh',
  })
  // Optional, but one of the two fields must be there: with neither, roles is required.
  @ValidateIf((dto: UpdateUserDto, value: unknown) => !absent(value) || absent(dto.disabled))
  @IsDefined({ message: 'roles or disabled (or both) must be given' })
  @IsArray()
  @ArrayMaxSize(MAX_ROLES)
  @IsString({ each: true })
  @Matches(ROLE_PATTERN, {
    each: true,
    message: 'each role must be a lower-case word of at most 32 characters',
  })
  roles?: string[];

  @ApiPropertyOptional({
    description: 'true ends every session of the user at once and refuses their logins',
  })
  @ValidateIf((_dto: unknown, value: unknown) => !absent(value))
  @IsBoolean()
  disabled?: boolean;
}

export class DeleteAccountDto {
  @CurrentPasswordField('the current password')
  password!: string;
}
