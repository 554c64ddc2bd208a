import { existsSync } from 'node:fs';
import { open, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { readLines, type FileLine } from '../jsonl-lines';
import type { BatchProgress } from '../state';

/** What handling one request line produced: lines to append, and how to count it. */
export interface LineOutcome {
  /** A line for the output (Anthropic: results) file, without line break. */
  output?: string;
  /** A line for the error file, without line break. */
  error?: string;
  succeeded: boolean;
  promptTokens?: number;
  completionTokens?: number;
}

const FLUSH_BYTES = 1024 * 1024;

/**
 * Walks one batch's request lines and appends what each produced to its output and error files, keeping
 * `progress` (the persisted cursor) consistent with the bytes on disk: counters move only after a chunk is
 * written. Opening truncates the files to the persisted sizes, so a restart redoes exactly the unsaved tail.
 */
export class RequestCursor {
  private constructor(
    private readonly lines: AsyncGenerator<FileLine>,
    private readonly output: FileHandle,
    private readonly error: FileHandle | undefined,
    private readonly progress: BatchProgress,
  ) {}

  static async open(inputPath: string, outputPath: string, errorPath: string | undefined, progress: BatchProgress): Promise<RequestCursor> {
    const output = await openAt(outputPath, progress.outputBytes);
    const error = errorPath ? await openAt(errorPath, progress.errorBytes) : undefined;
    return new RequestCursor(readLines(inputPath, progress.inputOffset), output, error, progress);
  }

  /** Whether every request line has been taken. */
  get done(): boolean {
    return this.progress.processed >= this.progress.total;
  }

  /** Handles up to `count` more request lines (blank lines are skipped) with `handle`. */
  async take(count: number, handle: (text: string) => LineOutcome): Promise<void> {
    let outputText = '';
    let errorText = '';
    let pending = { processed: 0, offset: this.progress.inputOffset, succeeded: 0, failed: 0, prompt: 0, completion: 0 };
    const flush = async () => {
      if (outputText) await this.output.write(outputText);
      if (errorText && this.error) await this.error.write(errorText);
      const p = this.progress;
      p.outputBytes += Buffer.byteLength(outputText);
      p.errorBytes += this.error ? Buffer.byteLength(errorText) : 0;
      p.processed += pending.processed;
      p.inputOffset = pending.offset;
      p.succeeded += pending.succeeded;
      p.failed += pending.failed;
      p.promptTokens += pending.prompt;
      p.completionTokens += pending.completion;
      outputText = '';
      errorText = '';
      pending = { processed: 0, offset: p.inputOffset, succeeded: 0, failed: 0, prompt: 0, completion: 0 };
    };
    while (pending.processed < count && this.progress.processed + pending.processed < this.progress.total) {
      const next = await this.lines.next();
      if (next.done) break;
      pending.offset = next.value.end;
      if (!next.value.text.trim()) continue;
      const outcome = handle(next.value.text);
      if (outcome.output !== undefined) outputText += `${outcome.output}\n`;
      if (outcome.error !== undefined) errorText += `${outcome.error}\n`;
      pending.processed += 1;
      if (outcome.succeeded) pending.succeeded += 1;
      else pending.failed += 1;
      pending.prompt += outcome.promptTokens ?? 0;
      pending.completion += outcome.completionTokens ?? 0;
      if (outputText.length + errorText.length >= FLUSH_BYTES) {
        count -= pending.processed;
        await flush();
      }
    }
    await flush();
  }

  async close(): Promise<void> {
    await this.lines.return(undefined);
    await this.output.close();
    await this.error?.close();
  }
}

async function openAt(filePath: string, bytes: number): Promise<FileHandle> {
  if (!existsSync(filePath)) await writeFile(filePath, '');
  await truncate(filePath, bytes);
  return open(filePath, 'a');
}
