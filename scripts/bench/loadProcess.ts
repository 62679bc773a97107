/**
 * A server under test for `npm run bench:load`: started as its own Node process (so its memory
 * is measured alone and `--cpu-prof` profiles it alone), ready when it prints `{"url": ...}`,
 * stopped with SIGTERM. Memory comes from /proc (Linux): VmRSS sampled once a second for the
 * slope, VmHWM for the peak the kernel saw, so a spike between samples is not missed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const readyLine = z.object({ url: z.string().url() });

export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

export interface RssSample {
  /** Seconds since sampling began. */
  t: number;
  mb: number;
}

export interface RunningServer {
  url: string;
  pid: number;
  /** Lines the server wrote to stderr that report a failed turn (`[onTurnError]`, `[directline]` errors). */
  errorLines(): string[];
  /** Starts sampling VmRSS once a second (again from empty). */
  sampleRss(): void;
  samples(): RssSample[];
  /** The peak resident set size of the process so far, in MB (VmHWM). */
  peakRssMb(): number;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Reads one field (in kB) of /proc/PID/status as MB. */
function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) / 1024;
}

/**
 * Starts `node --import tsx NODE_ARGS SCRIPT` with ENV added, and waits until it says where it
 * listens. tsx comes first so a NODE_ARGS `--import` of a TypeScript file (the memory log) loads.
 */
export async function startServer(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<RunningServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, path.join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  const errors: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 50) stderr.shift();
    if (/\[onTurnError\]|\[directline\]|Error:/.test(line)) errors.push(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let found = false;
    lines.on('line', (line) => {
      if (found) return;
      const parsed = readyLine.safeParse((() => { try { return JSON.parse(line) as unknown; } catch { return undefined; } })());
      if (parsed.success) {
        found = true;
        resolve(parsed.data.url);
      }
    });
    void exited.then((code) => {
      if (!found) reject(new ServerStartError(`${script} exited with code ${code} before listening:\n${stderr.join('\n')}`));
    });
  });

  const pid = child.pid!;
  let samples: RssSample[] = [];
  let timer: NodeJS.Timeout | undefined;
  return {
    url,
    pid,
    errorLines: () => [...errors],
    sampleRss: () => {
      if (timer) clearInterval(timer);
      samples = [];
      const start = Date.now();
      const take = () => samples.push({ t: (Date.now() - start) / 1000, mb: procStatusMb(pid, 'VmRSS') });
      take();
      timer = setInterval(take, 1000);
    },
    samples: () => [...samples],
    peakRssMb: () => procStatusMb(pid, 'VmHWM'),
    stop: async () => {
      if (timer) clearInterval(timer);
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new ServerStartError(`${script} exited with code ${code} on SIGTERM:\n${stderr.join('\n')}`);
    },
  };
}
