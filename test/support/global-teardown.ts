import type { DevServer } from '../../src/dev/temporal-dev-server';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __longhaulDevServer?: DevServer; __longhaulStoreServers?: Array<{ stop(): Promise<void> }> };
  await Promise.all([state.__longhaulDevServer?.stop(), ...(state.__longhaulStoreServers ?? []).map((server) => server.stop())]);
}
