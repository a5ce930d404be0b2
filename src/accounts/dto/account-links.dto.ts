import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { CurrentPasswordField, EmailField, NewPasswordField } from '../../common/credential-fields';

const TOKEN_DESCRIPTION =
  'the token from the link fragment (#token=…); a token of the wrong shape, unknown, used or expired is 400 invalid_link';

/** A mailed link's token. Its shape is checked by the service, so a bad one is invalid_link. */
export class LinkTokenDto {
  @ApiProperty({ description: TOKEN_DESCRIPTION, example: 'q3Yx…43 URL-safe characters' })
  @IsString()
  token!: string;
}

export class ForgotPasswordDto {
  @EmailField('email')
  email!: string;
}

export class ResetPasswordDto extends LinkTokenDto {
  @NewPasswordField()
  newPassword!: string;
}

export class ChangeEmailDto {
  @EmailField('newEmail')
  newEmail!: string;

  @CurrentPasswordField()
  currentPassword!: string;
}
