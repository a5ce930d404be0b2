/** A role: a lower-case word of at most 32 characters (user:create and PATCH /users/:id). */
export const ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** The most roles one user may hold. */
export const MAX_ROLES = 32;

/** Roles in their first order, each once. */
export const uniqueRoles = (roles: readonly string[]): string[] => [...new Set(roles)];
