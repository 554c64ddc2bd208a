#!/usr/bin/env node
// Builds dist/ for running the CLI (`npm run demo`), and only when a source is newer than the last build.
// Fast path: @swc/core (a dev dependency, no native compile) strips the types of every file in well under a
// second, where the full `tsc` build (type check and declarations) takes 10-20 s; then the workflow bundle is
// made as `npm run build` makes it. The type check stays with `npm run build`, `npm run typecheck` and `npm test`;
// dist/.tsbuildinfo is removed after a quick build so that the next `npm run build` emits everything again.
// Without @swc/core (installed with --omit=dev) it runs `npm run build`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'workflows', 'activities'];
const INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
// written last by both builds: its age is the build's
const stamp = path.join(root, 'dist', 'workflow-bundle.js');

function sourceFiles(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(file, out);
    else if ((entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) || entry.name.endsWith('.json')) out.push(file);
  }
  return out;
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function quickBuild(swc, files) {
  for (const file of files) {
    const relative = path.relative(root, file);
    const target = path.join(root, 'dist', relative.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (file.endsWith('.json')) {
      fs.copyFileSync(file, target);
      continue;
    }
    const { code } = swc.transformFileSync(file, {
      swcrc: false,
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
      module: { type: 'commonjs' },
    });
    fs.writeFileSync(target, code);
  }
  fs.rmSync(path.join(root, 'dist', '.tsbuildinfo'), { force: true });
  run(process.execPath, [path.join(root, 'dist', 'src', 'worker', 'workflow-bundle.js')]);
}

const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(path.join(root, dir)));
const newest = Math.max(...files.map(mtime), ...INPUTS.map((f) => mtime(path.join(root, f))));
const built = mtime(stamp);
if (built >= newest) process.exit(0);

let swc;
try {
  swc = createRequire(import.meta.url)('@swc/core');
} catch {
  swc = undefined;
}
const started = Date.now();
if (swc) quickBuild(swc, files);
else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent']);
console.log(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s${swc ? ' (types not checked: npm run build does that)' : ''}`);
