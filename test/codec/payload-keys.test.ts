import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/longhaul-config';
import { derivedKeyId, parsePayloadKeys, readPayloadKeys } from '../../src/codec/payload-keys';
import { InvalidSpecError } from '../../src/spec/spec-errors';
import { tempDir } from '../support/temp-dirs';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const dir = tempDir('longhaul-keys-');

function problem(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidSpecError);
    return (err as Error).message;
  }
  throw new Error('expected InvalidSpecError');
}

describe('payload key ring', () => {
  it('takes one bare base64 key and derives a stable id for it', () => {
    const [key] = readPayloadKeys({ LONGHAUL_PAYLOAD_KEY: k1.toString('base64') })!;
    expect(key).toEqual({ id: derivedKeyId(k1), key: k1.toString('base64') });
    expect(key!.id).toMatch(/^k[0-9a-f]{8}$/);
    expect(readPayloadKeys({ LONGHAUL_PAYLOAD_KEY: k1.toString('base64url') })![0]!.id).toBe(key!.id);
  });

  it('reads a file of ID:BASE64 lines (comments, blank lines); the first encrypts', () => {
    const file = path.join(dir, 'ring');
    writeFileSync(file, `# newest first\n2026-12:${k2.toString('base64')}\n\n2026-06:${k1.toString('base64')}  # retired for writing\n`);
    expect(readPayloadKeys({ LONGHAUL_PAYLOAD_KEY_FILE: file })).toEqual([
      { id: '2026-12', key: k2.toString('base64') },
      { id: '2026-06', key: k1.toString('base64') },
    ]);
    expect(parsePayloadKeys(`a:${k1.toString('base64')},b:${k2.toString('base64')}`, 'X').map((k) => k.id)).toEqual(['a', 'b']);
  });

  it('is off when neither variable is set', () => {
    expect(readPayloadKeys({})).toBeUndefined();
    expect(loadConfig({}, { dataDir: dir }).payloadKeys).toBeUndefined();
  });

  it('refuses bad keys with one line naming the variable, never echoing the key', () => {
    const short = randomBytes(16).toString('base64');
    const message = problem(() => loadConfig({ LONGHAUL_PAYLOAD_KEY: short }, { dataDir: dir }));
    expect(message).toBe('invalid configuration: LONGHAUL_PAYLOAD_KEY: 16 bytes, expected 32 (make one with: openssl rand -base64 32)');
    expect(message).not.toContain(short);
    expect(problem(() => readPayloadKeys({ LONGHAUL_PAYLOAD_KEY: 'not a key!' }))).toBe('invalid configuration: LONGHAUL_PAYLOAD_KEY: not base64');
    expect(problem(() => readPayloadKeys({ LONGHAUL_PAYLOAD_KEY: `a:${k1.toString('base64')}\na:${k2.toString('base64')}` }))).toBe(
      'invalid configuration: LONGHAUL_PAYLOAD_KEY: key 2 (id a): key id a appears twice',
    );
    expect(problem(() => readPayloadKeys({ LONGHAUL_PAYLOAD_KEY: `bad id:${k1.toString('base64')}` }))).toContain('a key id is 1-64 of');
    expect(problem(() => readPayloadKeys({ LONGHAUL_PAYLOAD_KEY: k1.toString('base64'), LONGHAUL_PAYLOAD_KEY_FILE: 'x' }))).toContain('not both');
    expect(problem(() => readPayloadKeys({ LONGHAUL_PAYLOAD_KEY_FILE: path.join(dir, 'missing') }))).toContain('no such file');
    writeFileSync(path.join(dir, 'empty'), '# nothing\n');
    expect(problem(() => readPayloadKeys({ LONGHAUL_PAYLOAD_KEY_FILE: path.join(dir, 'empty') }))).toContain('no key in it');
  });
});
