import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, CIPHER, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadKeyUnknownError, PayloadTamperedError } from '../../src/codec/aes-gcm-payload-codec';
import type { PayloadKey } from '../../src/codec/payload-keys';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32).toString('base64') });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const MARKER = 'PROMPT-MARKER-7f3a';

function payloadOf(value: unknown): Payload {
  return defaultPayloadConverter.toPayload(value);
}

describe('AesGcmPayloadCodec', () => {
  const a = key('a');
  const b = key('b');

  it('round-trips payloads of every kind, with metadata and data hidden', async () => {
    const codec = new AesGcmPayloadCodec([a]);
    const inputs = [payloadOf({ prompt: `say ${MARKER}`, n: 1 }), payloadOf(null), payloadOf(new Uint8Array([0, 1, 2])), payloadOf('')];
    const encoded = await codec.encode(inputs);
    for (const p of encoded) {
      expect(text(p.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(p.metadata?.[KEY_ID_METADATA])).toBe('a');
      expect(text(p.metadata?.['encryption-cipher'])).toBe(CIPHER);
      expect(text(p.data)).not.toContain(MARKER);
      expect(text(p.data)).not.toContain('json/plain');
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ prompt: `say ${MARKER}`, n: 1 }, null, new Uint8Array([0, 1, 2]), '']);
  });

  it('uses a fresh IV per payload: the same value encrypts differently each time', async () => {
    const codec = new AesGcmPayloadCodec([a]);
    const [x, y] = await codec.encode([payloadOf('same'), payloadOf('same')]);
    expect(Buffer.from(x!.data!).equals(Buffer.from(y!.data!))).toBe(false);
  });

  it('passes payloads that are not encrypted through (histories from before the key was set)', async () => {
    const plain = payloadOf({ old: true });
    const [decoded] = await new AesGcmPayloadCodec([a]).decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('rotation: encrypts with the first key of the ring, decrypts with any of them', async () => {
    const before = await new AesGcmPayloadCodec([a]).encode([payloadOf('written under a')]);
    const rotated = new AesGcmPayloadCodec([b, a]);
    const after = await rotated.encode([payloadOf('written under b')]);
    expect(text(after[0]!.metadata?.[KEY_ID_METADATA])).toBe('b');
    const decoded = await rotated.decode([...before, ...after]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['written under a', 'written under b']);
    // a ring that dropped the old key can no longer read what it encrypted
    await expect(new AesGcmPayloadCodec([b]).decode(before)).rejects.toBeInstanceOf(PayloadKeyUnknownError);
  });

  it('refuses an unknown key id, naming it and the ring (never a key)', async () => {
    const encoded = await new AesGcmPayloadCodec([a]).encode([payloadOf('x')]);
    const err = await new AesGcmPayloadCodec([b]).decode(encoded).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadKeyUnknownError);
    expect((err as Error).message).toBe('a payload is encrypted with key id a, which the payload key ring (b) lacks');
    expect((err as Error).message).not.toContain(b.key);
  });

  it('fails authentication when ciphertext, IV, tag or key id are changed, or another key has the same id', async () => {
    const codec = new AesGcmPayloadCodec([a, b]);
    const [sealed] = await codec.encode([payloadOf({ prompt: MARKER })]);
    const flip = (index: number): Payload => {
      const data = Buffer.from(sealed!.data!);
      data[index < 0 ? data.length + index : index]! ^= 1;
      return { metadata: sealed!.metadata, data };
    };
    for (const tampered of [flip(0), flip(20), flip(-1)]) {
      await expect(codec.decode([tampered])).rejects.toBeInstanceOf(PayloadTamperedError);
    }
    const relabelled: Payload = { metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('b') }, data: sealed!.data };
    await expect(codec.decode([relabelled])).rejects.toBeInstanceOf(PayloadTamperedError);
    const truncated: Payload = { metadata: sealed!.metadata, data: Buffer.from(sealed!.data!).subarray(0, 20) };
    await expect(codec.decode([truncated])).rejects.toBeInstanceOf(PayloadTamperedError);
    await expect(new AesGcmPayloadCodec([{ id: 'a', key: b.key }]).decode([sealed!])).rejects.toBeInstanceOf(PayloadTamperedError);
  });
});
