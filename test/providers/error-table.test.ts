import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { toFailure } from '../../activities/failures';
import { FailureType, PERMANENT_FAILURES } from '../../src/contracts/failure-types';
import { toAnthropicProviderError } from '../../src/providers/anthropic/anthropic-errors';
import { toProviderError } from '../../src/providers/openai/openai-errors';

/**
 * One meaning per HTTP status on every provider: the official SDKs get each answer from a real HTTP server
 * (no retries of their own), each adapter's table maps it, and activities/failures.ts makes the Temporal
 * failure. The tests read failure types and retryability, never messages.
 */
let answer: { status: number; body: unknown; headers?: Record<string, string> } = { status: 500, body: {} };
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

type Outcome = { type: string; retryable: boolean };

function failureOf(err: unknown): Outcome {
  try {
    toFailure(err);
  } catch (failure) {
    if (!(failure instanceof ApplicationFailure)) throw failure;
    return { type: failure.type!, retryable: !failure.nonRetryable };
  }
  throw new Error('toFailure did not throw');
}

async function openai(status: number, error: { code?: string; type?: string; message?: string } = {}): Promise<Outcome> {
  answer = { status, body: { error: { message: error.message ?? `status ${status}`, type: error.type ?? 'invalid_request_error', code: error.code ?? null } } };
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
  const err = await client.batches.retrieve('batch_x').then(() => undefined, (e: unknown) => e);
  return failureOf(toProviderError(err));
}

async function anthropic(status: number, error: { type?: string; message?: string } = {}): Promise<Outcome> {
  answer = { status, body: { type: 'error', error: { type: error.type ?? 'api_error', message: error.message ?? `status ${status}` } } };
  const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: base, maxRetries: 0 });
  const err = await client.messages.batches.retrieve('msgbatch_x').then(() => undefined, (e: unknown) => e);
  return failureOf(toAnthropicProviderError(err));
}

const transient = { type: FailureType.transient, retryable: true };
const SHARED: Array<[number, Outcome]> = [
  [400, { type: FailureType.invalidRequest, retryable: false }],
  [401, { type: FailureType.auth, retryable: false }],
  [402, { type: FailureType.auth, retryable: false }],
  [403, { type: FailureType.auth, retryable: false }],
  [404, { type: FailureType.notFound, retryable: true }],
  [408, transient],
  [409, transient],
  [413, { type: FailureType.invalidRequest, retryable: false }],
  [422, { type: FailureType.invalidRequest, retryable: false }],
  [429, { type: FailureType.rateLimited, retryable: true }],
  [500, transient],
  [502, transient],
  [503, transient],
  [529, transient],
];

describe('provider errors: one meaning per status on every provider', () => {
  it.each(SHARED)('HTTP %i means the same on OpenAI and Anthropic', async (status, expected) => {
    expect(await openai(status)).toEqual(expected);
    expect(await anthropic(status)).toEqual(expected);
  });

  it('reads what each API says beyond the status: quota, flex capacity, billing', async () => {
    expect(await openai(429, { code: 'insufficient_quota', type: 'insufficient_quota' })).toEqual({ type: FailureType.auth, retryable: false });
    expect(await openai(429, { code: 'resource_unavailable' })).toEqual({ type: FailureType.unavailable, retryable: true });
    expect(await openai(400, { code: 'token_limit_exceeded' })).toEqual({ type: FailureType.quotaExceeded, retryable: true });
    expect(await anthropic(429, { type: 'rate_limit_error', message: 'Your batch queue is full' })).toEqual({ type: FailureType.quotaExceeded, retryable: true });
  });

  it('keeps retryability and the permanent list in step: a failure is retryable exactly when its type is not permanent', async () => {
    for (const [status] of SHARED) {
      for (const outcome of [await openai(status), await anthropic(status)]) {
        expect(PERMANENT_FAILURES.includes(outcome.type as never)).toBe(!outcome.retryable);
      }
    }
  });
});
