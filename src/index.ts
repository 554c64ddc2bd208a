/**
 * Longhaul's public surface: the client, the spec schemas and the types a user needs. Everything else is
 * internal and may change.
 */
export { createLonghaulClient, LonghaulClient, type LonghaulClientOptions, type JobSummary } from './client/longhaul-client';
export { JobHandle, type ReprocessOptions, type DetailedProgress } from './client/job-handle';
export { type StartSpec } from './client/start-spec';
export { planJob, type PlanJobOptions } from './client/job-plan';
export { checkReprocessChanges } from './client/reprocess-changes-check';
export { gcJobRows, gcPlanTotals, type GcPlan, type GcJob, type GcTotals } from './client/job-gc';
export { loadSpecFile } from './client/spec-file';
export { JobAlreadyExistsError, JobNotFoundError, ReprocessRejectedError, TemporalUnreachableError } from './client/client-errors';
export { JobSpecSchema, type JobSpec, type JobSpecInput, type ResolvedJobSpec, type Mode, type ProviderName, type Endpoint } from './spec/job-spec';
export { type JobSpecChanges } from './spec/resolve-spec';
export { InvalidSpecError, type InputProblem } from './spec/spec-errors';
export { loadConfig, type LonghaulConfig } from './config/longhaul-config';
export { createLonghaulWorker, type LonghaulWorkerOptions } from './worker/create-worker';
export { AesGcmPayloadCodec, PayloadKeyUnknownError, PayloadTamperedError } from './codec/aes-gcm-payload-codec';
export { payloadDataConverter } from './codec/payload-data-converter';
export { parsePayloadKeys, type PayloadKey } from './codec/payload-keys';
export { type RequestBuilder, type RequestBuilders } from './dataset/request-renderer';
export { type JobReport } from './report/job-report';
export { type PlanEstimate, type ThroughputRate } from './report/plan-estimate';
export { type WebhookReceiver, type WebhookReceiverOptions } from './webhooks/webhook-receiver';
export { type ResultLine } from './results/result-line';
export { RESULT_CSV_COLUMNS } from './client/result-csv';
export type { JobProgress, ShardProgress, ReprocessResult, JobStatus } from '../workflows/definitions';
