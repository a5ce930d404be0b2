import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../auth/dto/credentials.dto';

const normaliseEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

const TOKEN_DESCRIPTION =
  'the token from the link fragment (#token=…); a token of the wrong shape, unknown, used or expired is 400 invalid_link';

/** A mailed link's token. Its shape is checked by the service, so a bad one is invalid_link. */
export class LinkTokenDto {
  @ApiProperty({ description: TOKEN_DESCRIPTION, example: 'q3Yx…43 URL-safe characters' })
  @IsString()
  token!: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(normaliseEmail)
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;
}

export class ResetPasswordDto extends LinkTokenDto {
  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, format: 'password' })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  newPassword!: string;
}

export class ChangeEmailDto {
  @ApiProperty({ example: 'ada@new.example.com', maxLength: 254 })
  @Transform(normaliseEmail)
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'newEmail must be an email address' })
  newEmail!: string;

  @ApiProperty({ maxLength: PASSWORD_MAX, format: 'password' })
  @IsString()
  @Length(1, PASSWORD_MAX)
  currentPassword!: string;
}
