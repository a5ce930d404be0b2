const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A uuid in PostgreSQL's canonical (lower-case) text form. */
export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && CANONICAL_UUID.test(value);

/** A path parameter as a canonical uuid (any case accepted), or undefined when it is none. */
export function canonicalUuid(value: string): string | undefined {
  const lower = value.toLowerCase();
  return isUuid(lower) ? lower : undefined;
}
