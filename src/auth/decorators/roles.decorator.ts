import { requireAuthorization } from './authorization';

/**
 * The caller needs at least one of these roles: added to the route's requirement, which
 * AccessTokenGuard (`@Authorized()` or `@UseGuards(AccessTokenGuard)`) enforces.
 */
export const Roles = (...roles: string[]) => requireAuthorization({ roles });
