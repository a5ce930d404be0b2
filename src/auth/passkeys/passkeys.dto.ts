import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  NotContains,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { EmailField } from '../../common/credential-fields';

/** Binary WebAuthn fields travel as base64url without padding (WebAuthn Level 3 JSON). */
const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** A credential id is at most 1023 bytes: 1364 base64url characters. */
const CREDENTIAL_ID_MAX = 1364;
const FIELD_MAX = 8192;
const MFA_TOKEN_MAX = 128;

const Base64UrlField = (max: number, description?: string, required = true) =>
  applyDecorators(
    required
      ? ApiProperty({ format: 'base64url', maxLength: max, description })
      : ApiPropertyOptional({ format: 'base64url', maxLength: max, description }),
    ...(required ? [IsDefined()] : [IsOptional()]),
    IsString(),
    Length(required ? 1 : 0, max),
    Matches(BASE64URL, { message: '$property must be base64url without padding' }),
  );

/** Absent, or a nested object of the class; never a string or an array. */
const Nested = (type: () => new () => object, description?: string) =>
  applyDecorators(
    ApiProperty({ type, description }),
    IsDefined(),
    IsObject(),
    ValidateNested(),
    Type(type),
  );

// eslint-disable-next-line no-control-regex -- the control characters are what it refuses
const NO_CONTROL = /^[^\x00-\x1f\x7f-\x9f]*$/;

/** A passkey's name: trimmed, 1 to 64 characters, no control characters. */
const PasskeyNameField = (required: boolean) =>
  applyDecorators(
    required
      ? ApiProperty({ minLength: 1, maxLength: 64, example: 'Laptop' })
      : ApiPropertyOptional({
          minLength: 1,
          maxLength: 64,
          example: 'Laptop',
          description: 'default: a name for the authenticator, else "Passkey"',
        }),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim() : value,
    ),
    ...(required ? [] : [ValidateIf((_dto: unknown, value: unknown) => value !== undefined)]),
    IsString(),
    Length(1, 64),
    Matches(NO_CONTROL, { message: 'name must not contain control characters' }),
  );

const ExtensionResults = () =>
  applyDecorators(
    ApiPropertyOptional({ type: 'object', additionalProperties: true }),
    IsOptional(),
    IsObject(),
  );

const Attachment = () =>
  applyDecorators(
    ApiPropertyOptional({ enum: ['platform', 'cross-platform'], nullable: true }),
    IsOptional(),
    IsIn(['platform', 'cross-platform']),
  );

export class AttestationResponseDto {
  @Base64UrlField(FIELD_MAX) clientDataJSON!: string;
  @Base64UrlField(FIELD_MAX) attestationObject!: string;
  @Base64UrlField(FIELD_MAX, undefined, false) authenticatorData?: string;
  @Base64UrlField(FIELD_MAX, undefined, false) publicKey?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  publicKeyAlgorithm?: number;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  transports?: string[];
}

/** `RegistrationResponseJSON`: what `credential.toJSON()` gives after `create()`. */
export class RegistrationCredentialDto {
  @Base64UrlField(CREDENTIAL_ID_MAX) id!: string;
  @Base64UrlField(CREDENTIAL_ID_MAX) rawId!: string;

  @ApiProperty({ enum: ['public-key'] })
  @IsIn(['public-key'])
  type!: 'public-key';

  @Nested(() => AttestationResponseDto) response!: AttestationResponseDto;
  @Attachment() authenticatorAttachment?: 'platform' | 'cross-platform';
  @ExtensionResults() clientExtensionResults?: Record<string, unknown>;
}

export class AssertionResponseDto {
  @Base64UrlField(FIELD_MAX) clientDataJSON!: string;
  @Base64UrlField(FIELD_MAX) authenticatorData!: string;
  @Base64UrlField(FIELD_MAX) signature!: string;
  @Base64UrlField(128, 'the handle the authenticator keeps as user.id', false) userHandle?: string;
}

/** `AuthenticationResponseJSON`: what `credential.toJSON()` gives after `get()`. */
export class AuthenticationCredentialDto {
  @Base64UrlField(CREDENTIAL_ID_MAX) id!: string;
  @Base64UrlField(CREDENTIAL_ID_MAX) rawId!: string;

  @ApiProperty({ enum: ['public-key'] })
  @IsIn(['public-key'])
  type!: 'public-key';

  @Nested(() => AssertionResponseDto) response!: AssertionResponseDto;
  @Attachment() authenticatorAttachment?: 'platform' | 'cross-platform';
  @ExtensionResults() clientExtensionResults?: Record<string, unknown>;
}

export class RegisterPasskeyDto {
  @Nested(() => RegistrationCredentialDto, 'credential.toJSON() of navigator.credentials.create()')
  response!: RegistrationCredentialDto;

  @PasskeyNameField(false) name?: string;
}

export class RenamePasskeyDto {
  @PasskeyNameField(true) name!: string;
}

export class PasskeyLoginOptionsDto {
  @ApiPropertyOptional({
    description:
      'the mfaToken of an mfa_required answer: options for the second step, allowing only ' +
      "that account's passkeys; omit for a discoverable sign-in (autofill)",
    maxLength: MFA_TOKEN_MAX,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MFA_TOKEN_MAX)
  mfaToken?: string;
}

export class PasskeyLoginDto {
  @Nested(() => AuthenticationCredentialDto, 'credential.toJSON() of navigator.credentials.get()')
  response!: AuthenticationCredentialDto;
}

export class PasskeyMfaLoginDto extends PasskeyLoginDto {
  @ApiProperty({ description: 'the `mfaToken` of the `mfa_required` answer', maxLength: 128 })
  @IsString()
  @MaxLength(MFA_TOKEN_MAX)
  mfaToken!: string;
}

export class PasskeySignupOptionsDto {
  @EmailField('email')
  email!: string;

  @ApiPropertyOptional({ example: 'Ada Lovelace', maxLength: 200 })
  @ValidateIf((_dto: unknown, value: unknown) => value !== undefined)
  @IsString()
  @MaxLength(200)
  @NotContains('\u0000', { message: 'name must not contain NUL characters' })
  name?: string;
}

export class PasskeySignupDto {
  @Nested(() => RegistrationCredentialDto, 'credential.toJSON() of navigator.credentials.create()')
  response!: RegistrationCredentialDto;
}

export class PasskeyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ description: 'the credential is backed up (synced)' }) backedUp!: boolean;
  @ApiProperty({ enum: ['singleDevice', 'multiDevice'] }) deviceType!: string;
  @ApiProperty({ type: [String], example: ['internal', 'hybrid'] }) transports!: string[];
}

class RelyingPartyJson {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

class UserEntityJson {
  @ApiProperty({ format: 'base64url', description: 'an opaque per-account handle' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() displayName!: string;
}

class CredentialParameterJson {
  @ApiProperty({ enum: ['public-key'] }) type!: string;
  @ApiProperty({ enum: [-7, -257] }) alg!: number;
}

class CredentialDescriptorJson {
  @ApiProperty({ format: 'base64url' }) id!: string;
  @ApiProperty({ enum: ['public-key'] }) type!: string;
  @ApiPropertyOptional({ type: [String] }) transports?: string[];
}

class AuthenticatorSelectionJson {
  @ApiProperty({ enum: ['required'] }) residentKey!: string;
  @ApiProperty() requireResidentKey!: boolean;
  @ApiProperty({ enum: ['required'] }) userVerification!: string;
}

/** `PublicKeyCredentialCreationOptionsJSON`, for `PublicKeyCredential.parseCreationOptionsFromJSON()`. */
export class CreationOptionsResponse {
  @ApiProperty({ format: 'base64url', description: '32 random bytes' }) challenge!: string;
  @ApiProperty({ type: RelyingPartyJson }) rp!: RelyingPartyJson;
  @ApiProperty({ type: UserEntityJson }) user!: UserEntityJson;
  @ApiProperty({ type: [CredentialParameterJson] }) pubKeyCredParams!: CredentialParameterJson[];
  @ApiProperty({ description: 'milliseconds' }) timeout!: number;
  @ApiProperty({ type: [CredentialDescriptorJson] })
  excludeCredentials!: CredentialDescriptorJson[];
  @ApiProperty({ type: AuthenticatorSelectionJson })
  authenticatorSelection!: AuthenticatorSelectionJson;
  @ApiProperty({ enum: ['none'] }) attestation!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  extensions?: Record<string, unknown>;
}

/** `PublicKeyCredentialRequestOptionsJSON`, for `PublicKeyCredential.parseRequestOptionsFromJSON()`. */
export class RequestOptionsResponse {
  @ApiProperty({ format: 'base64url', description: '32 random bytes' }) challenge!: string;
  @ApiProperty() rpId!: string;
  @ApiProperty({ description: 'milliseconds' }) timeout!: number;
  @ApiProperty({
    type: [CredentialDescriptorJson],
    description: 'empty for a discoverable sign-in',
  })
  allowCredentials!: CredentialDescriptorJson[];
  @ApiProperty({ enum: ['required'] }) userVerification!: string;
}
