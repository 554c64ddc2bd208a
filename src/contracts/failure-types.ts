/**
 * Failure types: the `type` of every ApplicationFailure Longhaul raises, and which of them retrying cannot fix.
 * Sandbox-safe (plain constants, no imports): workflows, activities, the client and tests read them from here,
 * and nothing spells a failure type as a string anywhere else.
 */
export const FailureType = {
  rateLimited: 'ProviderRateLimited',
  quotaExceeded: 'ProviderQuotaExceeded',
  unavailable: 'ProviderUnavailable',
  transient: 'ProviderTransient',
  notFound: 'ProviderNotFound',
  invalidRequest: 'ProviderInvalidRequest',
  auth: 'ProviderAuth',
  invalidSpec: 'InvalidSpec',
  datasetNotFound: 'DatasetNotFound',
  config: 'ConfigurationError',
  submitFenced: 'SubmitFenced',
  createSlotBusy: 'CreateSlotBusy',
  reconcileAmbiguous: 'ReconcileAmbiguous',
  datasetChanged: 'DatasetChanged',
  blobNotFound: 'BlobNotFound',
  blobUnreadable: 'BlobUnreadable',
  storageUnavailable: 'StorageUnavailable',
  storageMismatch: 'StorageMismatch',
  storageTransient: 'StorageTransient',
  jobNotFound: 'JobNotFound',
  reportNotFound: 'ReportNotFound',
} as const;
export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/**
 * Failures that end an activity at once (the workflows' `nonRetryableErrorTypes`): the same call cannot
 * succeed later, whichever worker makes it. Every other type is retried with Temporal's backoff.
 */
export const PERMANENT_FAILURES: readonly FailureTypeName[] = [
  FailureType.invalidSpec,
  FailureType.datasetNotFound,
  FailureType.datasetChanged,
  FailureType.config,
  FailureType.jobNotFound,
  FailureType.reportNotFound,
  FailureType.blobNotFound,
  FailureType.blobUnreadable,
  FailureType.storageUnavailable,
  FailureType.invalidRequest,
  FailureType.auth,
];

/** Failures that come from what the user gave (the spec, the dataset): a client shows them as bad input. */
export const BAD_INPUT_FAILURES: readonly FailureTypeName[] = [FailureType.invalidSpec, FailureType.datasetNotFound, FailureType.datasetChanged];
