/** The named budgets of docs/api.md: `login` covers login and register, `refresh` covers refresh. */
export const RATE_LIMITS = ['login', 'refresh'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];
