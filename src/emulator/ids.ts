import { randomBytes } from 'node:crypto';
import { hashHex } from './hashing';
import type { StateStore } from './state-store';

/** Id prefixes as the providers spell them. */
export type IdKind = 'file' | 'batch' | 'batch_req' | 'req' | 'chatcmpl' | 'resp' | 'msg_out' | 'msgbatch' | 'msg' | 'toolu';

const shapes: Record<IdKind, { prefix: string; length: number }> = {
  file: { prefix: 'file-', length: 22 },
  batch: { prefix: 'batch_', length: 32 },
  batch_req: { prefix: 'batch_req_', length: 32 },
  req: { prefix: 'req_', length: 32 },
  chatcmpl: { prefix: 'chatcmpl-', length: 29 },
  resp: { prefix: 'resp_', length: 48 },
  msg_out: { prefix: 'msg_', length: 48 },
  msgbatch: { prefix: 'msgbatch_', length: 24 },
  msg: { prefix: 'msg_', length: 24 },
  toolu: { prefix: 'toolu_', length: 24 },
};

/**
 * A fresh, unique id of the given kind with its provider prefix: a hash of the data directory's instance
 * nonce and a persisted sequence number, so ids never repeat across restarts.
 */
export function newId(store: StateStore, kind: IdKind): string {
  const { prefix, length } = shapes[kind];
  return prefix + hashHex(store.state.instance, kind, store.nextSequence()).slice(0, length);
}

/** An id derived from stable facts (e.g. a batch id and a line number): the same facts give the same id. */
export function derivedId(kind: IdKind, ...facts: (string | number)[]): string {
  const { prefix, length } = shapes[kind];
  return prefix + hashHex(kind, ...facts).slice(0, length);
}

/** A random id of the given kind, for ids nothing needs to remember (request ids): no state is touched. */
export function freshId(kind: IdKind): string {
  const { prefix, length } = shapes[kind];
  return prefix + randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}
