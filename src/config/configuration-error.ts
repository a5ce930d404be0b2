/** Thrown when a setting is invalid; its message is one line naming the setting. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}
