const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A uuid in PostgreSQL's canonical (lower-case) text form. */
export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && CANONICAL_UUID.test(value);
