import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { openKeyRing, type PayloadKey } from './payload-keys';

/** `encoding` of an encrypted payload (the name Temporal's encryption samples use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata that names the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload names a key id the key ring lacks (rotated out, or another deployment's key). */
export class PayloadKeyUnknownError extends Error {
  override readonly name = 'PayloadKeyUnknownError';
  constructor(readonly keyId: string, known: readonly string[]) {
    super(`a payload is encrypted with key id ${keyId}, which the payload key ring (${known.join(', ')}) lacks`);
  }
}

/** An encrypted payload did not authenticate: changed after encryption, or another key under the same id. */
export class PayloadTamperedError extends Error {
  override readonly name = 'PayloadTamperedError';
  constructor(readonly keyId: string) {
    super(`a payload encrypted with key id ${keyId} failed authentication (altered, or a different key under that id)`);
  }
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/** Authenticated data: binds the cipher and the key id in the metadata to the ciphertext. */
const aad = (keyId: string) => Buffer.from(`longhaul/${CIPHER}/${keyId}`);

/**
 * Encrypts each payload whole (its metadata and data, serialized as a Temporal `Payload` protobuf) with
 * AES-256-GCM under the first key of the ring: a fresh 12-byte IV per payload, data = IV | ciphertext | tag,
 * metadata `encoding: binary/encrypted`, `encryption-key-id`, `encryption-cipher`. Decoding picks the key by
 * id, so every key of the ring decrypts (rotation: put the new key first, keep old ones while histories that
 * use them are retained). Payloads that are not encrypted decode as they are (histories from before
 * encryption was turned on). Runs outside the workflow sandbox: the bundle needs nothing of it.
 * @throws PayloadKeyUnknownError, PayloadTamperedError from decode.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly encryptWith: string;

  constructor(ring: readonly PayloadKey[]) {
    ({ keys: this.keys, encryptWith: this.encryptWith } = openKeyRing(ring));
  }

  /** The id new payloads are encrypted with. */
  get keyId(): string {
    return this.encryptWith;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.encryptWith;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    cipher.setAAD(aad(keyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(keyId), [CIPHER_METADATA]: utf8(CIPHER) },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]) ?? '(none)';
    const key = this.keys.get(keyId);
    if (!key) throw new PayloadKeyUnknownError(keyId, [...this.keys.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadTamperedError(keyId);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(aad(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadTamperedError(keyId);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
