import { rename, rm } from 'node:fs/promises';
import type { EmulatorClock } from '../clock';
import type { EmulatorContext } from '../emulator-context';
import { ApiError } from '../http/api-error';
import { parseMultipart } from '../http/multipart';
import { pageLimit, paginate } from '../http/pagination';
import { sendFile, sendJson } from '../http/http-io';
import type { Router } from '../http/router';
import { newId } from '../ids';
import type { FileRecord } from '../state';
import { TERMINAL_OPENAI_STATUSES } from './batch-object';

/** Largest upload of any purpose (OpenAI's Files API limit). */
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const PURPOSES = new Set(['batch', 'fine-tune', 'assistants', 'vision', 'user_data', 'evals']);

/** The OpenAI file object for a record (`created_at`: wall-clock unix seconds). */
export function fileObject(file: FileRecord, clock: EmulatorClock): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: clock.wallSecondsAt(file.createdMs),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: null,
    status_details: null,
  };
}

/** The file record, or a 404 in OpenAI's words. */
export function requireFile(emu: EmulatorContext, id: string): FileRecord {
  const file = emu.store.state.files[id];
  if (!file) throw new ApiError(404, 'not_found', `No such File object: ${id}`, null, 'id');
  return file;
}

/** Registers a finished blob (an upload or a batch output) as a file. */
export function addFile(emu: EmulatorContext, id: string, blob: string, bytes: number, filename: string, purpose: string): FileRecord {
  const file: FileRecord = { id, seq: emu.store.nextSequence(), bytes, createdMs: emu.clock.emulatedNowMs(), filename, purpose, blob };
  emu.store.state.files[id] = file;
  return file;
}

/** Files API: upload (multipart, streamed to disk), list, retrieve, content (streamed), delete. */
export function registerFileRoutes(router: Router, emu: EmulatorContext): void {
  router.add('openai', 'POST', '/v1/files', async ({ req, res }) => {
    const id = newId(emu.store, 'file');
    const blob = emu.store.blobPath(`${id}.upload`);
    try {
      const upload = await parseMultipart(req, blob, MAX_UPLOAD_BYTES);
      const purpose = upload.fields.purpose;
      if (!upload.file) throw new ApiError(400, 'invalid_request', "Missing required parameter: 'file'.", null, 'file');
      if (!purpose || !PURPOSES.has(purpose)) throw new ApiError(400, 'invalid_request', `Invalid value for 'purpose': ${purpose ?? '(missing)'}.`, null, 'purpose');
      const limit = emu.scenario().limits.openaiMaxFileBytes;
      if (purpose === 'batch' && upload.file.bytes > limit) {
        throw new ApiError(400, 'invalid_request', `File is too large: ${upload.file.bytes} bytes; batch input files may be at most ${limit} bytes.`, 'file_too_large', 'file');
      }
      await rename(blob, emu.store.blobPath(id));
      const file = addFile(emu, id, id, upload.file.bytes, upload.file.filename, purpose);
      await emu.store.save();
      sendJson(res, 200, fileObject(file, emu.clock));
    } catch (err) {
      await rm(blob, { force: true });
      throw err;
    }
  });

  router.add('openai', 'GET', '/v1/files', async ({ res, query }) => {
    const purpose = query.get('purpose');
    const order = query.get('order') === 'asc' ? 1 : -1;
    const files = Object.values(emu.store.state.files)
      .filter((f) => !purpose || f.purpose === purpose)
      .sort((a, b) => (a.seq - b.seq) * order)
      .map((f) => fileObject(f, emu.clock)) as { id: string }[];
    const page = paginate(files, pageLimit(query, 10_000), { afterId: query.get('after') });
    sendJson(res, 200, { object: 'list', ...page });
  });

  router.add('openai', 'GET', '/v1/files/:id', async ({ res, params }) => {
    sendJson(res, 200, fileObject(requireFile(emu, params.id as string), emu.clock));
  });

  router.add('openai', 'GET', '/v1/files/:id/content', async ({ res, params }) => {
    const file = requireFile(emu, params.id as string);
    await sendFile(res, emu.store.blobPath(file.blob), file.bytes, 'application/octet-stream');
  });

  router.add('openai', 'DELETE', '/v1/files/:id', async ({ res, params }) => {
    const file = requireFile(emu, params.id as string);
    delete emu.store.state.files[file.id];
    await emu.store.save();
    // A running batch keeps reading its input, as the real service keeps its own copy.
    const inUse = Object.values(emu.store.state.openaiBatches).some((b) => b.input_file_id === file.id && !TERMINAL_OPENAI_STATUSES.has(b.status));
    if (!inUse) await rm(emu.store.blobPath(file.blob), { force: true });
    sendJson(res, 200, { id: file.id, object: 'file', deleted: true });
  });
}
