/**
 * npm run bench:load -- [--conversations N] [--duration S] [--json] [--cpu-prof DIR] [--skip-direct-line] [--skip-echo]
 *
 * Load figures for Parley against a bare echo bot on the same restify + CloudAdapter stack, in
 * one run on one machine. Each server runs as its own process (scripts/bench/loadServer.ts,
 * scripts/bench/echoBot.ts); Parley gets a fresh temporary data folder and the shipped knowledge
 * base. N residents at a time (autocannon connections) hold multi-turn conversations
 * (scripts/bench/loadScript.ts) for S seconds per phase:
 *   1. the echo bot on /api/messages with expectReplies;
 *   2. Parley on /api/messages with expectReplies (the figures compared with the echo bot's);
 *   3. Parley through its Direct Line channel (token, start, post, read after the watermark).
 * Reports turns per second, p50/p95/p99 turn latency, errors, the Parley process's peak memory
 * and the slope of its memory over phase 2 (MB per minute: the soak figure with --duration 600).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startServer, type RunningServer } from './bench/loadProcess';
import { runPhase, type PhaseResult } from './bench/loadRun';
import { directLinePhase, loadWords, messagesPhase, probeDidYouMean } from './bench/loadScript';
import { round, slopeMbPerMin } from './bench/loadStats';

class UsageError extends Error {}

const argsSchema = z.object({
  conversations: z.coerce.number().int().min(1).max(10_000),
  duration: z.coerce.number().min(1).max(24 * 3600),
  json: z.boolean(),
  cpuProf: z.string().optional(),
  skipDirectLine: z.boolean(),
  skipEcho: z.boolean(),
});
type Args = z.infer<typeof argsSchema>;

function readArgs(argv: string[]): Args {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        conversations: { type: 'string', default: '100' },
        duration: { type: 'string', default: '10' },
        json: { type: 'boolean', default: false },
        'cpu-prof': { type: 'string' },
        'skip-direct-line': { type: 'boolean', default: false },
        'skip-echo': { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const parsed = argsSchema.safeParse({
    conversations: values.conversations,
    duration: values.duration,
    json: values.json,
    cpuProf: values['cpu-prof'],
    skipDirectLine: values['skip-direct-line'],
    skipEcho: values['skip-echo'],
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
  return parsed.data;
}

export interface LoadReport {
  conversations: number;
  durationSec: number;
  turnsPerSec: number;
  echoTurnsPerSec: number;
  ratio: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
  rssMb: number;
  rssSlopeMbPerMin: number;
  /** The same over the second half of the phase only, after the heap has warmed up. */
  rssSlopeLateMbPerMin: number;
  /** RSS once a minute (and at the end) through the Parley /api/messages phase. */
  rssByMinuteMb: number[];
  /** Absent with --skip-echo (the soak: only Parley's memory matters); then echoTurnsPerSec and ratio are 0. */
  echo?: PhaseResult;
  messages: PhaseResult;
  directLine?: PhaseResult;
  /** Turns that failed inside the server (its error log), included in `errors`. */
  serverErrors: number;
  didYouMeanQuestions: number;
  loadAverage: number[];
}

async function withServer<T>(server: RunningServer, work: (s: RunningServer) => Promise<T>): Promise<T> {
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

export async function benchLoad(args: Args, progress: (line: string) => void): Promise<LoadReport> {
  const words = loadWords();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-load-'));
  try {
    let echo: PhaseResult | undefined;
    if (!args.skipEcho) {
      progress(`Echo bot: ${args.conversations} conversations for ${args.duration} s…`);
      echo = await withServer(await startServer('scripts/bench/echoBot.ts', { PORT: '0' }), (s) =>
        runPhase(s.url, args.conversations, args.duration, messagesPhase({ words: { ...words, didYouMean: [] }, prefix: 'echo', errorText: 'error' })),
      );
    }

    const parley = await startServer(
      'scripts/bench/loadServer.ts',
      {
        PORT: '0',
        HOST: '127.0.0.1',
        PARLEY_DATA_DIR: dataDir,
        PARLEY_KNOWLEDGE_DIR: path.resolve(__dirname, '..', 'knowledge'),
        PARLEY_KNOWLEDGE_RELOAD: 'off',
        // Every simulated resident comes from this one address; the per-address limit exists for
        // a real crowd's many addresses, so it is off. The per-conversation limit stays on.
        PARLEY_RATE_PER_ADDRESS: '0',
      },
      args.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args.cpuProf)] : [],
    );
    return await withServer(parley, async (s) => {
      // Also the warm-up: every answerable question once before anything is measured.
      const didYouMean = await probeDidYouMean(s.url, words.answered);
      progress(`Parley on /api/messages: ${args.conversations} conversations for ${args.duration} s…`);
      s.sampleRss();
      const messages = await runPhase(s.url, args.conversations, args.duration, messagesPhase({ words: { ...words, didYouMean }, prefix: 'load' }));
      const samples = s.samples();
      let directLine: PhaseResult | undefined;
      if (!args.skipDirectLine) {
        progress(`Parley through Direct Line: ${args.conversations} conversations for ${args.duration} s…`);
        directLine = await runPhase(s.url, args.conversations, args.duration, directLinePhase({ words: { ...words, didYouMean }, prefix: 'dl' }));
      }
      const serverErrors = s.errorLines().length;
      return {
        conversations: args.conversations,
        durationSec: args.duration,
        turnsPerSec: round(messages.turnsPerSec),
        echoTurnsPerSec: round(echo?.turnsPerSec ?? 0),
        ratio: round(echo && echo.turnsPerSec > 0 ? messages.turnsPerSec / echo.turnsPerSec : 0, 3),
        p50Ms: messages.p50Ms,
        p95Ms: messages.p95Ms,
        p99Ms: messages.p99Ms,
        errors: (echo?.errors ?? 0) + messages.errors + (directLine?.errors ?? 0) + serverErrors,
        rssMb: round(s.peakRssMb()),
        rssSlopeMbPerMin: round(slopeMbPerMin(samples), 2),
        rssSlopeLateMbPerMin: round(slopeMbPerMin(samples.filter((x) => x.t >= args.duration / 2)), 2),
        rssByMinuteMb: samples.filter((_, i) => i % 60 === 0 || i === samples.length - 1).map((x) => round(x.mb)),
        ...(echo && { echo }),
        messages,
        ...(directLine && { directLine }),
        serverErrors,
        didYouMeanQuestions: didYouMean.length,
        loadAverage: os.loadavg().map((l) => round(l, 2)),
      };
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function phaseLine(name: string, p: PhaseResult): string {
  return `${name.padEnd(26)} ${round(p.turnsPerSec).toString().padStart(8)} turns/s   p50 ${p.p50Ms} ms  p95 ${p.p95Ms} ms  p99 ${p.p99Ms} ms   errors ${p.errors}`;
}

function print(r: LoadReport): string {
  return [
    `${r.conversations} concurrent conversations, ${r.durationSec} s per phase (load average ${r.loadAverage.join(' ')})`,
    ...(r.echo ? [phaseLine('Echo bot (/api/messages)', r.echo)] : []),
    phaseLine('Parley (/api/messages)', r.messages),
    ...(r.directLine ? [phaseLine('Parley (Direct Line)', r.directLine)] : []),
    `Ratio to the echo bot: ${r.ratio} (goal: at least 0.8)`,
    `Errors: ${r.errors} (server-side ${r.serverErrors})`,
    `Parley peak memory: ${r.rssMb} MB; slope on /api/messages ${r.rssSlopeMbPerMin} MB/min (second half ${r.rssSlopeLateMbPerMin}); each minute: ${r.rssByMinuteMb.join(', ')} MB`,
    `"Did you mean" questions found in the knowledge base: ${r.didYouMeanQuestions}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  const report = await benchLoad(args, (line) => {
    if (!args.json) console.error(line);
  });
  console.log(args.json ? JSON.stringify(report) : print(report));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\nUsage: npm run bench:load -- [--conversations N] [--duration S] [--json] [--cpu-prof DIR] [--skip-direct-line] [--skip-echo]`);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
