import { parentPort } from 'node:worker_threads';
import { serveThread } from '../threads/thread-pool';
import { countTokens } from './token-estimator';

/** A token-counting thread of prepares: counts each text it is sent, so the tokenizer lives here, not in the worker. */
serveThread<{ texts: string[] }, number[]>(parentPort!, (request) => request.texts.map(countTokens), () => []);
