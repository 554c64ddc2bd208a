import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './create-worker';

/**
 * Where `npm run build` puts the prebuilt workflow bundle (dist/workflow-bundle.js). Workers started from the
 * build load it instead of bundling at start: faster, and without webpack's memory peak.
 */
export function prebuiltBundlePath(): string {
  return path.join(__dirname, '..', '..', 'workflow-bundle.js');
}

/** The prebuilt bundle when this process runs from dist/ and the build made one. */
export function prebuiltBundle(): { codePath: string } | undefined {
  const codePath = prebuiltBundlePath();
  return __filename.endsWith('.js') && existsSync(codePath) ? { codePath } : undefined;
}

async function build(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error } });
  writeFileSync(prebuiltBundlePath(), code);
}

if (require.main === module) {
  build().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
