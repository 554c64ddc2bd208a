import type { DevServer } from '../../src/dev/temporal-dev-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __longhaulDevServer?: DevServer }).__longhaulDevServer?.stop();
}
