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

/** Starts the server with `env` added to this process's environment, and waits until /healthz answers. */
export async function startServer(env: NodeJS.ProcessEnv, { readyWithinMs = 60_000 } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bot', 'index.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DOTENV_CONFIG_QUIET: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${port}`;
  const gaveUpAt = Date.now() + readyWithinMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return { url, child, output: () => output, exited };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > gaveUpAt) {
      child.kill('SIGKILL');
      throw new Error(`Parley did not answer /healthz within ${readyWithinMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Parley exited (${String(await exited)}) before it was ready:\n${output}`);
}
