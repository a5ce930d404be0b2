import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength, NotContains, ValidateIf } from 'class-validator';
import {
  CurrentPasswordField,
  EmailField,
  NewPasswordField,
  PASSWORD_MAX,
} from '../../common/credential-fields';

export class RegisterDto {
  @EmailField('email')
  email!: string;

  @NewPasswordField()
  password!: string;

  @ApiPropertyOptional({ example: 'Ada Lovelace', maxLength: 200 })
  // Optional means absent: a null (IsOptional would let it through) is a wrong type.
  @ValidateIf((_dto: unknown, value: unknown) => value !== undefined)
  @IsString()
  @MaxLength(200)
  @NotContains('\u0000', { message: 'name must not contain NUL characters' })
  name?: string;
}

export class LoginDto {
  @EmailField('email')
  email!: string;

  @CurrentPasswordField()
  password!: string;
}

export class RefreshDto {
  @ApiPropertyOptional({ description: 'omit to use the refresh_token cookie' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  refreshToken?: string;
}

export class ChangePasswordDto {
  @ApiPropertyOptional({
    maxLength: PASSWORD_MAX,
    format: 'password',
    description: 'required when the account has a password; omitted by one that has none yet',
  })
  @ValidateIf((_dto: unknown, value: unknown) => value !== undefined)
  @IsString()
  @Length(1, PASSWORD_MAX)
  currentPassword?: string;

  @NewPasswordField()
  newPassword!: string;
}
