import { writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { OpenAiBatchProvider } from '../../src/providers/openai/openai-batch-provider';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../../src/providers/provider-limits';
import { PriceTable } from '../../src/report/price-table';
import { SqliteResultStore } from '../../src/results/sqlite-result-store';
import { JobSpecSchema, type JobSpecInput, type ResolvedJobSpec } from '../../src/spec/job-spec';
import { resolveSpec } from '../../src/spec/resolve-spec';
import { LocalBlobStore } from '../../src/storage/local-blob-store';
import { TICKET_PROMPT, TICKET_SCHEMA } from './datasets';
import { tempDir } from './temp-dirs';

/** Real storage, a real SQLite store and a real OpenAI adapter (unused client: no network in these tests). */
export function coreFixture() {
  const dir = tempDir('longhaul-core-');
  const blobs = new LocalBlobStore(path.join(dir, 'blobs'));
  const store = new SqliteResultStore(path.join(dir, 'results.sqlite'));
  const client = new OpenAI({ apiKey: 'unused', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 });
  const provider = new OpenAiBatchProvider(client, 'openai', PROVIDER_LIMITS.openai, PROVIDER_CAPABILITIES.openai);
  const prices = new PriceTable();
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const spec = (overrides: Partial<JobSpecInput> & { dataset: JobSpecInput['dataset'] }, jobId = 'job-1'): ResolvedJobSpec =>
    resolveSpec(JobSpecSchema.parse({ model: 'gpt-4o-mini', prompt: TICKET_PROMPT, outputSchema: { name: 'ticket', schema: TICKET_SCHEMA }, ...overrides }), jobId);
  return { dir, blobs, store, provider, prices, write, spec };
}

/** A chat.completion body answering `content`. */
export function chatBody(content: string, tokensIn = 40, tokensOut = 12) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: tokensIn, completion_tokens: tokensOut, total_tokens: tokensIn + tokensOut },
  };
}
