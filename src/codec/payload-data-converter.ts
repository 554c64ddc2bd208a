import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-payload-codec';
import type { PayloadKey } from './payload-keys';

/**
 * The data converter every Longhaul client and worker uses: Temporal's default, plus, when a payload key ring
 * is configured (LONGHAUL_PAYLOAD_KEY / LONGHAUL_PAYLOAD_KEY_FILE), the AES-256-GCM codec and a failure converter
 * that moves failure messages and stack traces into encrypted attributes. Clients and workers of one deployment
 * must agree: a worker without the key cannot read encrypted inputs (its workflow tasks fail and are retried
 * until a worker with the key takes them).
 */
export function payloadDataConverter(keys: readonly PayloadKey[] | undefined): DataConverter {
  if (!keys || keys.length === 0) return {};
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)], failureConverterPath: require.resolve('./encoded-failure-converter') };
}
