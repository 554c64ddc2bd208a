import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/longhaul-config';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../providers/provider-limits';
import { DEFAULT_REALTIME_RATE, estimatePlan, type PlanEstimate, type ThroughputRate } from '../report/plan-estimate';
import { planDatasetStore } from '../report/plan-dataset-store';
import { scanDataset } from '../report/plan-scan';
import { PriceTable } from '../report/price-table';
import type { ResolvedJobSpec } from '../spec/job-spec';
import { prepareStartSpec, type StartSpec } from './start-spec';

export interface PlanJobOptions {
  /** Relative paths in the spec are resolved against this (default: the current directory). */
  baseDir?: string;
  /** Latency tolerance in seconds; the spec's deadline counts too, the tighter wins. */
  withinSeconds?: number;
  /** Realtime pace (flex is assumed at FLEX_RATE_FACTOR of it); default: the spec's `realtime` pace, else DEFAULT_REALTIME_RATE. */
  realtimeRate?: Partial<ThroughputRate>;
  /** Where prices (LONGHAUL_PRICES) and AWS settings for an s3:// dataset are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads the dataset once and estimates tokens, cost and time in batch, flex and realtime mode, with a
 * recommendation; nothing is sent or spent, and inline rows go to a temporary directory removed afterwards
 * (also when the process exits meanwhile). An s3:// dataset is read in place with the AWS variables.
 * @throws InvalidSpecError naming the field; the dataset's read errors (a bad row reports its line number).
 */
export async function planJob(input: StartSpec, options: PlanJobOptions = {}): Promise<{ spec: ResolvedJobSpec; estimate: PlanEstimate }> {
  const env = options.env ?? process.env;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'longhaul-plan-'));
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
  process.once('exit', removeScratch);
  const { blobs, close } = planDatasetStore(input.dataset, scratch, env);
  try {
    const spec = await prepareStartSpec(input, blobs, options.baseDir);
    const scan = await scanDataset(spec, blobs);
    const prices = new PriceTable(loadConfig(env, { dataDir: scratch }).prices);
    const estimate = estimatePlan({
      spec,
      scan,
      price: prices.priceOf(spec.model),
      limits: PROVIDER_LIMITS[spec.provider],
      capabilities: PROVIDER_CAPABILITIES[spec.provider],
      realtimeRate: rateOf(spec, options.realtimeRate),
      ...(options.withinSeconds !== undefined ? { withinSeconds: options.withinSeconds } : {}),
    });
    return { spec, estimate };
  } finally {
    close();
    process.removeListener('exit', removeScratch);
    removeScratch();
  }
}

/** The given pace, else the pace the spec sets for synchronous tiers (in specs that have one), else the defaults. */
function rateOf(spec: object, given: Partial<ThroughputRate> = {}): ThroughputRate {
  const paced = (spec as { realtime?: Partial<ThroughputRate> }).realtime;
  return {
    requestsPerMinute: given.requestsPerMinute ?? paced?.requestsPerMinute ?? DEFAULT_REALTIME_RATE.requestsPerMinute,
    tokensPerMinute: given.tokensPerMinute ?? paced?.tokensPerMinute ?? DEFAULT_REALTIME_RATE.tokensPerMinute,
  };
}
