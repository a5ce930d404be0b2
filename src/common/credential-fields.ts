import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
const EMAIL_MAX = 254;

/**
 * Control characters, DEL and angle brackets: legal inside a quoted local part, but a mail
 * header would not carry such an address as stored (CR LF, `<x@y>`), so none is accepted.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what it refuses
const NO_HEADER_BREAKERS = /^[^\x00-\x1f\x7f<>]*$/;

const normaliseEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/**
 * An e-mail address as every body takes it: trimmed, lower-cased, at most 254 characters,
 * without control characters or `<>` (even in a quoted local part).
 */
export const EmailField = (field: string) =>
  applyDecorators(
    ApiProperty({ example: 'ada@example.com', maxLength: EMAIL_MAX }),
    Transform(normaliseEmail),
    IsString(),
    MaxLength(EMAIL_MAX),
    Matches(NO_HEADER_BREAKERS, { message: `${field} must be an email address` }),
    IsEmail({}, { message: `${field} must be an email address` }),
  );

/** A password being set (register, change, reset): 8 to 256 characters. */
export const NewPasswordField = () =>
  applyDecorators(
    ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, format: 'password' }),
    IsString(),
    Length(PASSWORD_MIN, PASSWORD_MAX),
  );

/** A password being checked: any non-empty string up to the longest a password can be. */
export const CurrentPasswordField = (description?: string) =>
  applyDecorators(
    ApiProperty({ maxLength: PASSWORD_MAX, format: 'password', description }),
    IsString(),
    Length(1, PASSWORD_MAX),
  );
