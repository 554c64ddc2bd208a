import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { startEmulator, type EmulatorHandle, type Scenario } from '../../src/emulator';

/** Fast clock for tests: an emulated day passes in well under a second unless a test slows it. */
export const FAST: Scenario = { clock: { speed: 20_000 } };

export async function withEmulator(scenario: Scenario = FAST, dataDir?: string): Promise<EmulatorHandle> {
  return startEmulator({ scenario, ...(dataDir ? { dataDir } : {}) });
}

export function openaiClient(handle: EmulatorHandle, timeout = 10_000): OpenAI {
  return new OpenAI({ apiKey: 'test', baseURL: handle.openaiBaseURL, maxRetries: 0, timeout });
}

export function anthropicClient(handle: EmulatorHandle, timeout = 10_000): Anthropic {
  return new Anthropic({ apiKey: 'test', baseURL: handle.anthropicBaseURL, maxRetries: 0, timeout });
}

/** A chat request line for a batch input file. */
export function chatLine(customId: string, text: string, extra: Record<string, unknown> = {}, model = 'gpt-4o-mini'): Record<string, unknown> {
  return { custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: text }], ...extra } };
}

export function jsonl(lines: unknown[]): string {
  return lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
}

export async function uploadBatchFile(client: OpenAI, content: string, name = 'input.jsonl'): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(content), name), purpose: 'batch' });
  return file.id;
}

/** Uploads the lines and creates a chat-completions batch. */
export async function submitChatBatch(client: OpenAI, lines: unknown[], metadata?: Record<string, string>): Promise<Batch> {
  const fileId = await uploadBatchFile(client, jsonl(lines));
  return client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', ...(metadata ? { metadata } : {}) });
}

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Polls until the batch is terminal (or `until` says stop); returns every status seen, in order. */
export async function pollBatch(client: OpenAI, id: string, until: (b: Batch) => boolean = (b) => TERMINAL.has(b.status), timeoutMs = 20_000): Promise<{ batch: Batch; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (seen[seen.length - 1] !== batch.status) seen.push(batch.status);
    if (until(batch)) return { batch, seen };
    if (Date.now() > deadline) throw new Error(`batch ${id} still ${batch.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A line of a batch output or error file, with the body type of the endpoint (or an error body). */
export interface BatchFileLine<Body = ChatCompletion> {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Body & { error?: { message: string; type: string; code: string | null } } } | null;
  error: { code: string; message: string } | null;
}

/** Downloads a file's JSONL content as parsed lines. */
export async function downloadLines<T = BatchFileLine>(client: OpenAI, fileId: string | null | undefined): Promise<T[]> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
}
