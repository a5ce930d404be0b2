import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { TOTP_CODE_SHAPE } from './totp';

const RECOVERY_CODE_MAX = 64;
const MFA_TOKEN_MAX = 128;

/** One code of the authenticator app: six digits. */
const TotpCodeField = () => Matches(TOTP_CODE_SHAPE, { message: 'code must be 6 digits' });

/** Missing or null, as @IsOptional() reads it. */
const absent = (value: unknown) => value === undefined || value === null;
/**
 * Exactly one of the two given: both present is refused whatever the values (null too), and
 * neither given (absent or null) as well.
 */
const exactlyOneGiven = (_code: unknown, args?: ValidationArguments) => {
  const body = (args?.object ?? {}) as { code?: unknown; recoveryCode?: unknown };
  const bothPresent = body.code !== undefined && body.recoveryCode !== undefined;
  return !bothPresent && absent(body.code) !== absent(body.recoveryCode);
};

/**
 * `code` in a body that takes a TOTP code or a recovery code: exactly one of the two must be
 * given (docs/api.md), and a given code must be six digits. One rule on one field, because
 * class-validator's ValidateIf would switch off every rule of the field at once.
 */
const CodeOrRecoveryCode = () =>
  ValidateBy({
    name: 'codeOrRecoveryCode',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        if (!exactlyOneGiven(value, args)) return false;
        return absent(value) || (typeof value === 'string' && TOTP_CODE_SHAPE.test(value));
      },
      defaultMessage: (args?: ValidationArguments) =>
        exactlyOneGiven(args?.value, args)
          ? 'code must be 6 digits'
          : 'exactly one of code and recoveryCode must be given',
    },
  });

export class TotpCodeDto {
  @ApiProperty({ example: '123456', pattern: '^\\d{6}$' })
  @IsString()
  @TotpCodeField()
  code!: string;
}

/** A current second factor: a TOTP code or one recovery code, exactly one of them. */
export class MfaProofDto {
  @ApiPropertyOptional({
    example: '123456',
    pattern: '^\\d{6}$',
    description: 'a code of the authenticator app; or give recoveryCode instead',
  })
  @CodeOrRecoveryCode()
  code?: string;

  @ApiPropertyOptional({
    example: 'abcd-efgh-ijkl-mnop',
    maxLength: RECOVERY_CODE_MAX,
    description: 'one unused recovery code (any case, hyphens optional); or give code instead',
  })
  @IsOptional()
  @IsString()
  @Length(1, RECOVERY_CODE_MAX)
  recoveryCode?: string;
}

export class MfaLoginDto extends MfaProofDto {
  @ApiProperty({
    description: 'the `mfaToken` of the `mfa_required` answer',
    maxLength: MFA_TOKEN_MAX,
  })
  @IsString()
  @MaxLength(MFA_TOKEN_MAX)
  mfaToken!: string;
}

export class TotpEnrolmentResponse {
  @ApiProperty({
    description: 'base32, 160 bits, for typing in by hand',
    example: 'JBSWY3DPEHPK3PXP',
  })
  secret!: string;
  @ApiProperty({
    description: 'otpauth://totp/<issuer>:<email>?secret=…&issuer=<issuer>, for a QR code',
  })
  otpauthUrl!: string;
}

export class RecoveryCodesResponse {
  @ApiProperty({
    type: [String],
    description: 'ten single-use codes, shown this once',
    example: ['abcd-efgh-ijkl-mnop'],
  })
  recoveryCodes!: string[];
}

export class MfaStatusResponse {
  @ApiProperty() totpEnabled!: boolean;
  @ApiProperty({ description: 'unused recovery codes' }) recoveryCodesRemaining!: number;
}
