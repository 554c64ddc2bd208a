import path from 'node:path';
import { z } from 'zod';
import { ProviderNameSchema } from '../spec/job-spec';
import { InvalidSpecError, parseWith } from '../spec/spec-errors';
import { PriceOverridesSchema } from '../report/price-table';
import { readPriceOverrides } from '../report/price-overrides';
import { blobStoreLocation, resultStoreLocation } from './store-urls';
import { KEY_ID_PATTERN, readPayloadKeys } from '../codec/payload-keys';

/** How to reach one provider account. Keys come from the environment, never from job specs. */
export const ProviderConnectionSchema = z.strictObject({
  provider: ProviderNameSchema,
  baseURL: z.url().optional(),
  apiKey: z.string().min(1).optional(),
  organization: z.string().optional(),
  /** Azure OpenAI: API version. */
  apiVersion: z.string().optional(),
  /** Per-request timeout for batch management calls (ms). */
  timeoutMs: z.number().int().positive().default(120_000),
  /** Per-request timeout for synchronous calls on the flex tier (ms); flex can take minutes. */
  flexTimeoutMs: z.number().int().positive().default(15 * 60_000),
});
export type ProviderConnection = z.infer<typeof ProviderConnectionSchema>;

export const LonghaulConfigSchema = z.strictObject({
  /** Where the embedded default keeps blobs, the result database and the dev server's state. */
  dataDir: z.string().min(1),
  taskQueue: z.string().min(1).default('longhaul'),
  /** Blobs: a local directory (the embedded default) or an S3-compatible bucket (LONGHAUL_BLOB_STORE). */
  storage: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('local'), dir: z.string().min(1) }),
    z.strictObject({
      kind: z.literal('s3'),
      bucket: z.string().min(3),
      prefix: z.string(),
      endpoint: z.url().optional(),
      region: z.string().min(1).optional(),
      forcePathStyle: z.boolean(),
      credentials: z.strictObject({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().min(1).optional() }).optional(),
      serverSideEncryption: z.strictObject({ algorithm: z.enum(['AES256', 'aws:kms']), kmsKeyId: z.string().min(1).optional() }).optional(),
    }),
  ]),
  /** Outcomes and records: a SQLite file (the embedded default) or PostgreSQL (LONGHAUL_RESULT_STORE). */
  results: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('sqlite'), file: z.string().min(1) }),
    z.strictObject({ kind: z.literal('postgres'), url: z.string().min(1) }),
  ]),
  /** Provider accounts by name; a spec's `account` picks one, else the account named after its provider. */
  accounts: z.record(z.string(), ProviderConnectionSchema),
  prices: PriceOverridesSchema.default({}),
  metricsPort: z.number().int().min(0).max(65535).optional(),
  /**
   * Threads a worker uses to prepare large JSONL datasets and to read large result files (each its own few,
   * shared by the worker's jobs): default the cores, at most 4; 0 does all on the worker's own thread (~50 MB
   * less peak memory per thread).
   */
  threads: z.number().int().min(0).max(64).optional(),
  /**
   * The payload key ring (LONGHAUL_PAYLOAD_KEY or LONGHAUL_PAYLOAD_KEY_FILE): when set, every workflow and
   * activity payload is encrypted with AES-256-GCM under the first key; every key decrypts.
   */
  payloadKeys: z.array(z.strictObject({ id: z.string().regex(KEY_ID_PATTERN), key: z.base64() })).min(1).optional(),
  /**
   * The Worker Deployment Version this worker runs (LONGHAUL_BUILD_ID, LONGHAUL_DEPLOYMENT_NAME,
   * LONGHAUL_VERSIONING_BEHAVIOR; docs/versioning.md): unset, the worker is unversioned and takes every task of
   * its queue. Set, it takes only the tasks the server routes to its version (after `temporal worker deployment
   * set-current-version`), and new workflows are pinned to the version that started them or move to the
   * current one on their next task (auto-upgrade, the default: every workflow change is behind patched()).
   */
  deployment: z
    .strictObject({
      name: z.string().min(1).regex(/^[^.]+$/, 'a deployment name has no "."'),
      buildId: z.string().min(1).max(255),
      behavior: z.enum(['auto-upgrade', 'pinned']).default('auto-upgrade'),
    })
    .optional(),
});
export type LonghaulConfig = Readonly<z.infer<typeof LonghaulConfigSchema>>;
export type LonghaulConfigInput = z.input<typeof LonghaulConfigSchema>;

function accountsFromEnv(env: NodeJS.ProcessEnv): Record<string, z.input<typeof ProviderConnectionSchema>> {
  const accounts: Record<string, z.input<typeof ProviderConnectionSchema>> = {
    openai: { provider: 'openai', baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, organization: env.OPENAI_ORG_ID },
    anthropic: { provider: 'anthropic', baseURL: env.ANTHROPIC_BASE_URL, apiKey: env.ANTHROPIC_API_KEY },
    'azure-openai': {
      provider: 'azure-openai',
      baseURL: env.AZURE_OPENAI_ENDPOINT,
      apiKey: env.AZURE_OPENAI_API_KEY,
      apiVersion: env.OPENAI_API_VERSION ?? '2025-04-01-preview',
    },
    'openai-compatible': { provider: 'openai-compatible', baseURL: env.LONGHAUL_COMPATIBLE_BASE_URL, apiKey: env.LONGHAUL_COMPATIBLE_API_KEY },
  };
  for (const account of Object.values(accounts)) {
    for (const key of Object.keys(account) as Array<keyof typeof account>) if (account[key] === undefined || account[key] === '') delete account[key];
  }
  return accounts;
}

/**
 * Reads the configuration once per process from the environment (and optional overrides), validates it and
 * freezes it. Nothing else reads process.env.
 *   LONGHAUL_DATA_DIR (default ./.longhaul), LONGHAUL_BLOB_STORE (s3://bucket/prefix, file:///dir or a directory;
 *   default <data dir>/blobs; S3 endpoint and region from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and AWS_REGION),
 *   LONGHAUL_RESULT_STORE (postgres://... or a SQLite file; default <data dir>/results.sqlite),
 *   LONGHAUL_TASK_QUEUE (default longhaul), LONGHAUL_METRICS_PORT,
 *   LONGHAUL_THREADS (prepare and collect threads; default the cores, at most 4), LONGHAUL_PRICES (a JSON file
 *   of model prices), OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL,
 *   AZURE_OPENAI_API_KEY / AZURE_OPENAI_ENDPOINT / OPENAI_API_VERSION, LONGHAUL_COMPATIBLE_BASE_URL / LONGHAUL_COMPATIBLE_API_KEY,
 *   LONGHAUL_PAYLOAD_KEY / LONGHAUL_PAYLOAD_KEY_FILE (the payload key ring, see src/codec/payload-keys.ts),
 *   LONGHAUL_S3_SSE / LONGHAUL_S3_SSE_KMS_KEY_ID (S3 server-side encryption of blobs),
 *   LONGHAUL_BUILD_ID / LONGHAUL_DEPLOYMENT_NAME / LONGHAUL_VERSIONING_BEHAVIOR (docs/versioning.md).
 * @throws InvalidSpecError naming the bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<LonghaulConfigInput> = {}): LonghaulConfig {
  const dataDir = path.resolve(overrides.dataDir ?? env.LONGHAUL_DATA_DIR ?? '.longhaul');
  const prices = env.LONGHAUL_PRICES ? readPriceOverrides(env.LONGHAUL_PRICES) : undefined;
  const input: LonghaulConfigInput = {
    dataDir,
    taskQueue: env.LONGHAUL_TASK_QUEUE,
    storage: env.LONGHAUL_BLOB_STORE ? blobStoreLocation(env.LONGHAUL_BLOB_STORE, env) : { kind: 'local', dir: path.join(dataDir, 'blobs') },
    results: env.LONGHAUL_RESULT_STORE ? resultStoreLocation(env.LONGHAUL_RESULT_STORE) : { kind: 'sqlite', file: path.join(dataDir, 'results.sqlite') },
    metricsPort: wholeNumber(env, 'LONGHAUL_METRICS_PORT'),
    threads: wholeNumber(env, 'LONGHAUL_THREADS'),
    prices,
    payloadKeys: readPayloadKeys(env),
    deployment: deploymentFromEnv(env),
    ...overrides,
    accounts: { ...accountsFromEnv(env), ...overrides.accounts },
  };
  for (const key of Object.keys(input) as Array<keyof LonghaulConfigInput>) if (input[key] === undefined) delete input[key];
  return deepFreeze(parseWith(LonghaulConfigSchema, input, 'configuration'));
}

/** The Worker Deployment Version named by LONGHAUL_BUILD_ID (the deployment and behaviour have defaults). */
function deploymentFromEnv(env: NodeJS.ProcessEnv): LonghaulConfigInput['deployment'] {
  const buildId = env.LONGHAUL_BUILD_ID?.trim();
  if (!buildId) {
    for (const name of ['LONGHAUL_DEPLOYMENT_NAME', 'LONGHAUL_VERSIONING_BEHAVIOR']) {
      if (env[name]?.trim()) throw new InvalidSpecError([{ path: name, message: 'needs LONGHAUL_BUILD_ID (the version this worker runs)' }], 'configuration');
    }
    return undefined;
  }
  return {
    name: env.LONGHAUL_DEPLOYMENT_NAME?.trim() || 'longhaul',
    buildId,
    behavior: (env.LONGHAUL_VERSIONING_BEHAVIOR?.trim() || undefined) as 'auto-upgrade' | 'pinned' | undefined,
  };
}

/** A variable that holds a whole number (undefined when unset). @throws InvalidSpecError naming the variable. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  if (!/^\d+$/.test(text)) throw new InvalidSpecError([{ path: name, message: `expected a whole number, got "${text}"` }], 'configuration');
  return Number(text);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
