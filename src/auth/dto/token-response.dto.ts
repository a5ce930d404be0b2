import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UserView } from '../../users/user-view';

export class TokenResponse {
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'ES256 JWT, typ at+jwt' }) accessToken!: string;
  @ApiProperty({ example: 900, description: 'seconds' }) expiresIn!: number;
  @ApiPropertyOptional({ description: 'opaque; absent when AUTH_REFRESH_TRANSPORT=cookie' })
  refreshToken?: string;
  @ApiProperty({ example: 1209600, description: 'seconds' }) refreshExpiresIn!: number;
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
}

export class RegisterResponse extends TokenResponse {
  @ApiProperty({ type: UserView }) user!: UserView;
}

/** Register under AUTH_REQUIRE_VERIFIED_EMAIL=true: the user, no tokens, no session. */
export class UnverifiedRegisterResponse {
  @ApiProperty({ type: UserView }) user!: UserView;
}

export class MeResponse {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({
    type: [String],
    description: 'how the session was authenticated (RFC 8176): pwd, otp, mfa',
    example: ['pwd', 'otp', 'mfa'],
  })
  amr!: string[];
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastUsedAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty() current!: boolean;
}

export class AuditEventResponse {
  @ApiProperty({ example: 'login.succeeded' }) type!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ nullable: true, type: String }) sessionId!: string | null;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
}
