import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidSpecError } from '../spec/spec-errors';

/**
 * One AES-256 key of the payload key ring: `id` goes into every payload it encrypts (metadata
 * `encryption-key-id`), `key` is the base64 of its 32 bytes. Temporal-agnostic: the config reads it here.
 */
export interface PayloadKey {
  readonly id: string;
  readonly key: string;
}

/** What a key id may look like: short, printable, safe in metadata and log lines. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The id of a key given without one: `k` + 8 hex digits of a domain-separated SHA-256 of the key. Stable, so
 * the same key always carries the same id; 32 bits of a hash of a 256-bit random key reveal nothing of it.
 */
export function derivedKeyId(key: Buffer): string {
  return `k${createHash('sha256').update('longhaul payload key id\0').update(key).digest('hex').slice(0, 8)}`;
}

/** Bytes of a base64 key, or why it is not one; never repeats the key itself in the reason. */
function keyBytes(text: string): Buffer | string {
  const compact = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  const padded = compact + '='.repeat((4 - (compact.length % 4)) % 4);
  if (!compact || !BASE64.test(padded)) return 'not base64';
  const bytes = Buffer.from(padded, 'base64');
  return bytes.length === 32 ? bytes : `${bytes.length} bytes, expected 32 (make one with: openssl rand -base64 32)`;
}

/**
 * Parses a key ring: entries `ID:BASE64` or bare `BASE64` (its id derived by `derivedKeyId`), one per line or
 * separated by commas; `#` starts a comment. The first entry encrypts, every entry decrypts.
 * @throws InvalidSpecError naming `source` and the entry number, never the key.
 */
export function parsePayloadKeys(text: string, source: string): PayloadKey[] {
  const entries = text
    .split(/[\n,]/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
  const problem = (message: string) => new InvalidSpecError([{ path: source, message }], 'configuration');
  if (entries.length === 0) throw problem('no key in it (expected base64 of 32 bytes, or ID:BASE64 entries)');
  const keys: PayloadKey[] = [];
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon >= 0 ? entry.slice(0, colon).trim() : undefined;
    const bytes = keyBytes(colon >= 0 ? entry.slice(colon + 1) : entry);
    const where = entries.length > 1 ? `key ${index + 1}${id ? ` (id ${KEY_ID_PATTERN.test(id) ? id : '?'})` : ''}: ` : '';
    if (typeof bytes === 'string') throw problem(`${where}${bytes}`);
    if (id !== undefined && !KEY_ID_PATTERN.test(id)) throw problem(`${where}a key id is 1-64 of A-Z a-z 0-9 . _ -`);
    const keyId = id ?? derivedKeyId(bytes);
    if (keys.some((k) => k.id === keyId)) throw problem(`${where}key id ${keyId} appears twice`);
    keys.push({ id: keyId, key: bytes.toString('base64') });
  });
  return keys;
}

/**
 * The payload key ring from the environment: LONGHAUL_PAYLOAD_KEY (the ring inline) or LONGHAUL_PAYLOAD_KEY_FILE
 * (a file holding it); undefined when neither is set (payloads are not encrypted).
 * @throws InvalidSpecError when both are set, the file cannot be read, or a key is malformed.
 */
export function readPayloadKeys(env: NodeJS.ProcessEnv): PayloadKey[] | undefined {
  const inline = env.LONGHAUL_PAYLOAD_KEY?.trim();
  const file = env.LONGHAUL_PAYLOAD_KEY_FILE?.trim();
  if (inline && file) {
    throw new InvalidSpecError([{ path: 'LONGHAUL_PAYLOAD_KEY', message: 'set it or LONGHAUL_PAYLOAD_KEY_FILE, not both' }], 'configuration');
  }
  if (inline) return parsePayloadKeys(inline, 'LONGHAUL_PAYLOAD_KEY');
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new InvalidSpecError([{ path: 'LONGHAUL_PAYLOAD_KEY_FILE', message: `cannot read ${file}: ${reason}` }], 'configuration');
  }
  return parsePayloadKeys(text, `LONGHAUL_PAYLOAD_KEY_FILE (${file})`);
}

/** A key ring ready to use: every key's bytes by id, and the id of the one that encrypts (the first). */
export interface OpenKeyRing {
  readonly keys: ReadonlyMap<string, Buffer>;
  readonly encryptWith: string;
}

/** Opens a parsed key ring for AES-256 (the payload codec and blobs at rest both use it). */
export function openKeyRing(ring: readonly PayloadKey[]): OpenKeyRing {
  if (ring.length === 0) throw new Error('the payload key ring is empty');
  const keys = new Map(ring.map((k) => [k.id, Buffer.from(k.key, 'base64')]));
  for (const [id, key] of keys) if (key.length !== 32) throw new Error(`payload key ${id} is ${key.length} bytes, expected 32`);
  return { keys, encryptWith: ring[0]!.id };
}
