import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/**
 * The supervisor's whole program, run with `node -e`. It starts the command with its stdout and stderr on
 * the supervisor's stderr, prints the command's pid on stdout, and ends the command (SIGTERM, SIGKILL after
 * the grace period) when its stdin closes or its parent is gone. The kernel closes that stdin pipe when the
 * parent dies in any way, kill -9 included: Node has no PR_SET_PDEATHSIG, and this is its portable stand-in.
 * It exits with the command's code, so the parent sees an early exit of the command as its own.
 */
const SUPERVISOR_SOURCE = `// longhaul supervisor: ends the command below when its parent process dies
const { spawn } = require('node:child_process');
const [grace, parentPid, command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { stdio: ['ignore', 2, 2] });
child.on('error', (err) => { process.stderr.write('supervisor: ' + err.message + '\\n'); process.exit(127); });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
if (child.pid) process.stdout.write(child.pid + '\\n');
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), Number(grace)).unref();
}
process.stdin.on('end', stop).on('close', stop).on('error', stop).resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop);
setInterval(() => { try { process.kill(Number(parentPid), 0); } catch (err) { if (err.code === 'ESRCH') stop(); } }, 1000).unref();
`;

export interface SupervisedProcess {
  /** The command's own pid (not the supervisor's). */
  readonly pid: number;
  /** Resolves with the exit code once the command (and its supervisor) have exited. */
  readonly exited: Promise<number | null>;
  /** True once the command has exited. */
  hasExited(): boolean;
  /** Ends the command: SIGTERM, SIGKILL after the grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  /** Appends the command's stdout and stderr here; discarded when omitted. */
  logFile?: string;
  /** How long the command has to exit after SIGTERM before SIGKILL; default 10 s. */
  graceMs?: number;
}

/**
 * Starts `command args` under a supervisor process, so it ends with this process even when this one is
 * killed with SIGKILL (within about a second). Resolves once the command has been spawned.
 * @throws Error when the command cannot be spawned (e.g. no such file).
 */
export async function superviseProcess(command: string, args: string[], options: SuperviseOptions = {}): Promise<SupervisedProcess> {
  const grace = options.graceMs ?? 10_000;
  let logFd: number | undefined;
  if (options.logFile) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    logFd = openSync(options.logFile, 'a');
  }
  let supervisor: ChildProcess;
  try {
    supervisor = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE, String(grace), String(process.pid), command, ...args], {
      stdio: ['pipe', 'pipe', logFd ?? 'ignore'],
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const pid = await firstLine(supervisor, exited);
  if (pid === undefined) {
    const code = await exited;
    throw new Error(`${command} could not be started (supervisor exit ${code}${options.logFile ? `; see ${options.logFile}` : ''})`);
  }
  supervisor.stdout?.resume();
  return {
    pid,
    exited,
    hasExited: () => done,
    async stop() {
      if (done) return;
      supervisor.stdin?.end();
      // the supervisor escalates to SIGKILL itself; this is the backstop should it be stuck
      const backstop = setTimeout(() => {
        killQuietly(pid);
        supervisor.kill('SIGKILL');
      }, grace + 5_000);
      await exited;
      clearTimeout(backstop);
    },
  };
}

/** The pid the supervisor prints, or undefined when it exits first. */
function firstLine(supervisor: ChildProcess, exited: Promise<unknown>): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      supervisor.stdout?.off('data', onData);
      resolve(Number(text.slice(0, newline)));
    };
    supervisor.stdout?.on('data', onData);
    void exited.then(() => resolve(undefined));
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
