import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';

/**
 * Parley as its own process (`node --import tsx bot/index.ts`), as `npm run dev` starts it, so it
 * can be killed with SIGKILL and started again on the same data folder.
 */

const ROOT = path.resolve(__dirname, '..', '..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** What the process wrote to stdout and stderr, for the report when something goes wrong. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has gone. */
  exited: Promise<number | string>;
}

/** A port nobody is listening on now: asked of the system, then let go for the child to take. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface LaunchOptions {
  /** Run as this user (and its group): root ignores file permissions, so read-only tests need another user. */
  uid?: number;
  /** The largest file the process may write, in KiB (`ulimit -f`): a full disk, without root. */
  fileSizeLimitKb?: number;
}

/** Starts the server process with `env` added to this process's environment; does not wait for it. */
export async function launch(env: NodeJS.ProcessEnv, { uid, fileSizeLimitKb }: LaunchOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const node = [process.execPath, '--import', 'tsx', path.join(ROOT, 'bot', 'index.ts')];
  const [command, ...args] =
    fileSizeLimitKb === undefined ? node : ['/bin/sh', '-c', `ulimit -f ${Math.floor(fileSizeLimitKb)} && exec "$@"`, 'sh', ...node];
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DOTENV_CONFIG_QUIET: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid !== undefined && { uid, gid: uid }),
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}

/** Starts the server with `env` added to this process's environment, and waits until /healthz answers. */
export async function startServer(env: NodeJS.ProcessEnv, { readyWithinMs = 60_000, ...options }: LaunchOptions & { readyWithinMs?: number } = {}): Promise<ServerProcess> {
  const server = await launch(env, options);
  const { url, child, output, exited } = server;
  const gaveUpAt = Date.now() + readyWithinMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > gaveUpAt) {
      child.kill('SIGKILL');
      throw new Error(`Parley did not answer /healthz within ${readyWithinMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Parley exited (${String(await exited)}) before it was ready:\n${output()}`);
}
