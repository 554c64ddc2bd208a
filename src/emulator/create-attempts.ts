import type { EmulatorContext } from './emulator-context';
import type { RouteContext } from './http/router';
import type { CreateAttempt } from './state';

/** Records one batch-create attempt and its outcome (inspection lists them all, in order). */
export function recordAttempt(emu: EmulatorContext, attempt: Omit<CreateAttempt, 'atMs'>): void {
  emu.store.state.createAttempts.push({ atMs: emu.clock.emulatedNowMs(), ...attempt });
}

/**
 * Answers a create whose batch was made, the way a scenario's "response lost" fault wants: a 500 in the
 * provider's format (via `lostError`) or a connection closed without any answer.
 */
export function loseResponse(ctx: RouteContext, mode: 'status_500' | 'close' | 'hang', lostError: () => Error): never {
  if (mode === 'hang') {
    // the batch exists; the caller waits until its own timeout (or is killed meanwhile)
    throw new ResponseAbandoned();
  }
  if (mode === 'close') {
    ctx.req.socket.destroy();
    throw new ResponseAbandoned();
  }
  throw lostError();
}

/** Thrown after a handler dropped the connection on purpose: nothing more to send. */
export class ResponseAbandoned extends Error {
  override readonly name = 'ResponseAbandoned';
}
