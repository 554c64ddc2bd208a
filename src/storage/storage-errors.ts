/**
 * A configured store cannot be used: a missing bucket or database, wrong credentials, nothing listening. Found
 * when a worker or client starts (the process says so in one line and exits), or by an activity (then it fails
 * non-retryably, naming the store).
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}
