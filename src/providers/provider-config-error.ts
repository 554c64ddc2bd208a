/** A provider account is missing or unusable (no key, no endpoint, no adapter): fix the configuration. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}
