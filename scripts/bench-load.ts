/**
 * npm run bench:load -- [--conversations N] [--duration S] [--instances N] [--json] [--cpu-prof DIR] [--skip-direct-line] [--skip-echo]
 *                        [--memory-log FILE] [--node-arg ARG]...
 *
 * Load figures for Parley against a bare echo bot on the same restify + CloudAdapter stack, in
 * one run on one machine. Each server runs as its own process (scripts/bench/loadServer.ts,
 * scripts/bench/echoBot.ts); Parley gets a fresh temporary data folder and the shipped knowledge
 * base. N residents at a time (one connection each, scripts/bench/loadDriver.ts) hold multi-turn conversations
 * (scripts/bench/loadScript.ts) for S seconds per phase:
 *   1. the echo bot on /api/messages with expectReplies;
 *   2. Parley on /api/messages with expectReplies (the figures compared with the echo bot's);
 *   3. Parley through its Direct Line channel (token, start, post, read after the watermark).
 * Reports turns per second, p50/p95/p99 turn latency, errors, the Parley process's peak memory
 * and the slope of its memory over phase 2 (MB per minute: the soak figure with --duration 600).
 *
 * --instances N (issue 10) starts N Parley processes on one PostgreSQL database (DATABASE_URL in
 * the environment; a schema of the bench's own on that server, dropped after the run) and gives
 * each a fixed share of the residents, as a load balancer would; the echo bot stays one process.
 * The figures are then the instances' together, with each instance's own in `perInstance`.
 *
 * For looking inside the memory of a soak: --memory-log FILE has each Parley instance write its
 * `process.memoryUsage()` every 5 s to FILE (FILE.1, FILE.2, ... with several instances; see
 * bench/memoryLog.ts), and --node-arg ARG (repeatable) passes ARG to each Parley process's node,
 * e.g. `--node-arg=--expose-gc` or `--node-arg=--heapsnapshot-signal=SIGUSR2`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from './cli';
import { watchCpu, type CpuShares } from './bench/loadCpu';
import { BenchDatabaseError, databaseUrlSchema, freshSchema, localPostmaster, redactedUrl, type RunSchema } from './bench/loadDatabase';
import { startServer, type RunningServer } from './bench/loadProcess';
import { runPhase, runSpread, type PhaseResult, type Target } from './bench/loadRun';
import { directLinePhase, loadWords, messagesPhase, probeDidYouMean, type Words } from './bench/loadScript';
import { round, slopeMbPerMin } from './bench/loadStats';

const USAGE = [
  'Usage: npm run bench:load -- [--conversations N] [--duration S] [--instances N] [--json] [--cpu-prof DIR] [--skip-direct-line] [--skip-echo] [--memory-log FILE] [--node-arg ARG]...',
  'With DATABASE_URL=postgres://... in the environment, the instances share that PostgreSQL server (in a schema made for the run); without it, one instance on SQLite.',
].join('\n');

const argsSchema = z.object({
  conversations: z.coerce.number().int().min(1).max(10_000),
  duration: z.coerce.number().min(1).max(24 * 3600),
  instances: z.coerce.number().int().min(1).max(16),
  json: z.boolean(),
  cpuProf: z.string().optional(),
  skipDirectLine: z.boolean(),
  skipEcho: z.boolean(),
  memoryLog: z.string().min(1).optional(),
  /** Passed to each Parley process's node before the script (not to the echo bot). */
  nodeArgs: z.array(z.string().min(1)),
  /** From the environment, as Parley itself reads it: the PostgreSQL server the instances share. */
  databaseUrl: databaseUrlSchema.optional(),
});
type Args = z.infer<typeof argsSchema>;

export function readArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        conversations: { type: 'string', default: '100' },
        duration: { type: 'string', default: '10' },
        instances: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        'cpu-prof': { type: 'string' },
        'skip-direct-line': { type: 'boolean', default: false },
        'skip-echo': { type: 'boolean', default: false },
        'memory-log': { type: 'string' },
        'node-arg': { type: 'string', multiple: true, default: [] },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const parsed = argsSchema.safeParse({
    conversations: values.conversations,
    duration: values.duration,
    instances: values.instances,
    json: values.json,
    cpuProf: values['cpu-prof'],
    skipDirectLine: values['skip-direct-line'],
    skipEcho: values['skip-echo'],
    memoryLog: values['memory-log'],
    nodeArgs: values['node-arg'],
    databaseUrl: env.DATABASE_URL === '' ? undefined : env.DATABASE_URL,
  });
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => (i.path[0] === 'databaseUrl' ? `DATABASE_URL: ${i.message}` : `--${String(i.path[0])}: ${i.message}`)).join('; '));
  }
  const args = parsed.data;
  if (args.instances > 1 && args.databaseUrl === undefined) {
    throw new UsageError(
      `--instances ${args.instances} needs DATABASE_URL=postgres://... in the environment: without it each instance would have a SQLite file of its own, and SQLite serves one process. The bench makes a schema of its own on that server for the run and drops it after.`,
    );
  }
  if (args.conversations < args.instances) throw new UsageError('--conversations: at least one per instance (--instances)');
  return args;
}

/** One Parley instance's own figures. */
export interface InstanceReport {
  /** 1, 2, ... in the order they were started. */
  instance: number;
  /** The residents this instance was given (its share of --conversations). */
  conversations: number;
  turnsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Its residents' errors in every Parley phase, and its failed turns (`serverErrors`). */
  errors: number;
  serverErrors: number;
  rssMb: number;
  rssSlopeMbPerMin: number;
  messages: PhaseResult;
  directLine?: PhaseResult;
}

export interface LoadReport {
  conversations: number;
  durationSec: number;
  instances: number;
  database: 'sqlite' | 'postgres';
  turnsPerSec: number;
  echoTurnsPerSec: number;
  ratio: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
  /** The instances' peak memory added together: what the deployment needed at most. */
  rssMb: number;
  /** The instances' memory slopes added together (the slope of their sum). */
  rssSlopeMbPerMin: number;
  /** The same over the second half of the phase only, after the heap has warmed up. */
  rssSlopeLateMbPerMin: number;
  /**
   * The second half's slope per turn served (bytes, MB being 2^20): turns/s changes with what
   * else the machine runs, and memory kept per turn shows up as the same bytes a turn at any speed.
   */
  rssLateBytesPerTurn: number;
  /** The instances' RSS added together, once a minute (and at the end) through the /api/messages phase. */
  rssByMinuteMb: number[];
  /** Absent with --skip-echo (the soak: only Parley's memory matters); then echoTurnsPerSec and ratio are 0. */
  echo?: PhaseResult;
  /** Every instance's /api/messages turns together. */
  messages: PhaseResult;
  directLine?: PhaseResult;
  perInstance: InstanceReport[];
  /** Where the CPU went during the /api/messages phase. */
  cpu: CpuShares;
  /** Turns that failed inside the servers (their error logs), included in `errors`. */
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

/** Starts every instance; if one fails, stops those that started before reporting why. */
async function startInstances(env: Record<string, string>[], nodeArgs: string[]): Promise<RunningServer[]> {
  const started = await Promise.allSettled(env.map((e) => startServer('scripts/bench/loadServer.ts', e, nodeArgs)));
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.allSettled(running.map((s) => s.stop()));
    throw failed.reason;
  }
  return running;
}

async function stopAll(servers: readonly RunningServer[]): Promise<void> {
  const stopped = await Promise.allSettled(servers.map((s) => s.stop()));
  const failed = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Residents per instance: as even as they go, the first instances taking one more. */
export function shares(conversations: number, instances: number): number[] {
  return Array.from({ length: instances }, (_, i) => Math.floor(conversations / instances) + (i < conversations % instances ? 1 : 0));
}

/** Adds the instances' series index by index, as long as every instance has a value. */
function addSeries(series: readonly number[][]): number[] {
  const length = Math.min(...series.map((s) => s.length));
  return Array.from({ length }, (_, i) => series.reduce((sum, s) => sum + s[i]!, 0));
}

export async function benchLoad(args: Args, progress: (line: string) => void): Promise<LoadReport> {
  const words = loadWords();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-load-'));
  let schema: RunSchema | undefined;
  try {
    let echo: PhaseResult | undefined;
    if (!args.skipEcho) {
      progress(`Echo bot: ${args.conversations} conversations for ${args.duration} s…`);
      echo = await withServer(await startServer('scripts/bench/echoBot.ts', { PORT: '0' }), (s) =>
        runPhase(s.url, args.conversations, args.duration, messagesPhase({ words: { ...words, didYouMean: [] }, prefix: 'echo', errorText: 'error' })),
      );
    }

    if (args.databaseUrl !== undefined) {
      schema = await freshSchema(args.databaseUrl);
      progress(`PostgreSQL: schema ${schema.name} on ${redactedUrl(args.databaseUrl)}, dropped after the run`);
    }
    const postmaster = args.databaseUrl === undefined ? undefined : await localPostmaster(args.databaseUrl);
    const env = Array.from({ length: args.instances }, (_, i) => {
      // Each instance its own data folder: only the database is shared.
      const own = path.join(dataDir, `instance-${i + 1}`);
      mkdirSync(own);
      return {
        PORT: '0',
        HOST: '127.0.0.1',
        PARLEY_DATA_DIR: own,
        PARLEY_KNOWLEDGE_DIR: path.resolve(__dirname, '..', 'knowledge'),
        PARLEY_KNOWLEDGE_RELOAD: 'off',
        // Every simulated resident comes from this one address; the per-address limit exists for
        // a real crowd's many addresses, so it is off. The per-conversation limit stays on.
        PARLEY_RATE_PER_ADDRESS: '0',
        ...(schema && { DATABASE_URL: schema.url }),
        ...(args.memoryLog !== undefined && { PARLEY_BENCH_MEMORY_LOG: path.resolve(args.instances === 1 ? args.memoryLog : `${args.memoryLog}.${i + 1}`) }),
      };
    });
    const servers = await startInstances(env, [
      ...(args.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args.cpuProf)] : []),
      ...(args.memoryLog !== undefined ? ['--import', path.join(__dirname, 'bench', 'memoryLog.ts')] : []),
      ...args.nodeArgs,
    ]);
    try {
      return await measure(args, words, servers, postmaster, echo, progress);
    } finally {
      await stopAll(servers);
    }
  } finally {
    try {
      await schema?.drop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

async function measure(
  args: Args,
  words: Omit<Words, 'didYouMean'>,
  servers: readonly RunningServer[],
  postmaster: number | undefined,
  echo: PhaseResult | undefined,
  progress: (line: string) => void,
): Promise<LoadReport> {
  // Also the warm-up of every instance: every answerable question once before anything is measured.
  const probed = await Promise.all(servers.map((s, i) => probeDidYouMean(s.url, words.answered, `probe-i${i + 1}`)));
  const didYouMean = probed[0]!;
  const residents = shares(args.conversations, servers.length);
  const where = servers.length === 1 ? '' : ` over ${servers.length} instances (${residents.join(' + ')})`;
  const targets = <C>(phase: (i: number) => Target<C>['phase']): Target<C>[] =>
    servers.map((s, i) => ({ url: s.url, connections: residents[i]!, phase: phase(i) }));

  progress(`Parley on /api/messages: ${args.conversations} conversations${where} for ${args.duration} s…`);
  for (const s of servers) s.sampleRss();
  const cpu = watchCpu(
    servers.map((s) => s.pid),
    postmaster,
  );
  const messages = await runSpread(targets((i) => messagesPhase({ words: { ...words, didYouMean }, prefix: `load-i${i + 1}` })), args.duration);
  const cpuShares = cpu.stop();
  const samples = servers.map((s) => s.samples());
  let directLine: Awaited<ReturnType<typeof runSpread>> | undefined;
  if (!args.skipDirectLine) {
    progress(`Parley through Direct Line: ${args.conversations} conversations${where} for ${args.duration} s…`);
    directLine = await runSpread(targets((i) => directLinePhase({ words: { ...words, didYouMean }, prefix: `dl-i${i + 1}` })), args.duration);
  }

  const perInstance: InstanceReport[] = servers.map((s, i) => {
    const own = messages.each[i]!;
    const ownDirectLine = directLine?.each[i];
    const serverErrors = s.errorLines().length;
    return {
      instance: i + 1,
      conversations: residents[i]!,
      turnsPerSec: round(own.turnsPerSec),
      p50Ms: own.p50Ms,
      p95Ms: own.p95Ms,
      p99Ms: own.p99Ms,
      errors: own.errors + (ownDirectLine?.errors ?? 0) + serverErrors,
      serverErrors,
      rssMb: round(s.peakRssMb()),
      rssSlopeMbPerMin: round(slopeMbPerMin(samples[i]!), 2),
      messages: own,
      ...(ownDirectLine && { directLine: ownDirectLine }),
    };
  });
  const serverErrors = perInstance.reduce((n, x) => n + x.serverErrors, 0);
  const total = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const lateSlope = total(samples.map((x) => slopeMbPerMin(x.filter((p) => p.t >= args.duration / 2))));
  return {
    conversations: args.conversations,
    durationSec: args.duration,
    instances: servers.length,
    database: args.databaseUrl === undefined ? 'sqlite' : 'postgres',
    turnsPerSec: round(messages.total.turnsPerSec),
    echoTurnsPerSec: round(echo?.turnsPerSec ?? 0),
    ratio: round(echo && echo.turnsPerSec > 0 ? messages.total.turnsPerSec / echo.turnsPerSec : 0, 3),
    p50Ms: messages.total.p50Ms,
    p95Ms: messages.total.p95Ms,
    p99Ms: messages.total.p99Ms,
    errors: (echo?.errors ?? 0) + messages.total.errors + (directLine?.total.errors ?? 0) + serverErrors,
    rssMb: round(total(servers.map((s) => s.peakRssMb()))),
    rssSlopeMbPerMin: round(total(samples.map((x) => slopeMbPerMin(x))), 2),
    rssSlopeLateMbPerMin: round(lateSlope, 2),
    rssLateBytesPerTurn: round(messages.total.turnsPerSec > 0 ? (lateSlope * 1024 * 1024) / (messages.total.turnsPerSec * 60) : 0),
    rssByMinuteMb: addSeries(samples.map((x) => x.map((p) => p.mb))).filter((_, i, all) => i % 60 === 0 || i === all.length - 1).map((mb) => round(mb)),
    ...(echo && { echo }),
    messages: messages.total,
    ...(directLine && { directLine: directLine.total }),
    perInstance,
    cpu: cpuShares,
    serverErrors,
    didYouMeanQuestions: didYouMean.length,
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
}

function phaseLine(name: string, p: PhaseResult): string {
  return `${name.padEnd(26)} ${round(p.turnsPerSec).toString().padStart(8)} turns/s   p50 ${p.p50Ms} ms  p95 ${p.p95Ms} ms  p99 ${p.p99Ms} ms   errors ${p.errors}`;
}

function instanceLine(x: InstanceReport): string {
  return `  instance ${x.instance} (${x.conversations} residents) ${round(x.turnsPerSec).toString().padStart(8)} turns/s   p50 ${x.p50Ms} ms  p95 ${x.p95Ms} ms  p99 ${x.p99Ms} ms   errors ${x.errors}   peak ${x.rssMb} MB`;
}

function cpuLine(c: CpuShares): string {
  const parts = [
    `load generator ${c.loadGeneratorPct}%`,
    ...c.instancesPct.map((p, i) => `instance ${i + 1} ${p}%`),
    ...(c.postgresPct !== undefined ? [`PostgreSQL ${c.postgresPct}%`] : []),
    `other ${c.otherPct}%`,
  ];
  return `CPU on /api/messages (percent of one core; the machine has ${c.cores}, ${c.machinePct}% busy): ${parts.join(', ')}`;
}

function print(r: LoadReport): string {
  return [
    `${r.conversations} concurrent conversations, ${r.durationSec} s per phase, ${r.instances} Parley instance${r.instances === 1 ? '' : 's'} on ${r.database === 'postgres' ? 'PostgreSQL' : 'SQLite'} (load average ${r.loadAverage.join(' ')})`,
    ...(r.echo ? [phaseLine('Echo bot (/api/messages)', r.echo)] : []),
    phaseLine('Parley (/api/messages)', r.messages),
    ...(r.instances > 1 ? r.perInstance.map(instanceLine) : []),
    ...(r.directLine ? [phaseLine('Parley (Direct Line)', r.directLine)] : []),
    `Ratio to the echo bot: ${r.ratio} (goal: at least 0.8)`,
    `Errors: ${r.errors} (server-side ${r.serverErrors})`,
    `Parley peak memory${r.instances > 1 ? ' (instances added together)' : ''}: ${r.rssMb} MB; slope on /api/messages ${r.rssSlopeMbPerMin} MB/min (second half ${r.rssSlopeLateMbPerMin}: ${r.rssLateBytesPerTurn} bytes a turn); each minute: ${r.rssByMinuteMb.join(', ')} MB`,
    cpuLine(r.cpu),
    `"Did you mean" questions found in the knowledge base: ${r.didYouMeanQuestions}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2), process.env);
  const report = await benchLoad(args, (line) => {
    if (!args.json) console.error(line);
  });
  console.log(args.json ? JSON.stringify(report) : print(report));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      process.exit(2);
    }
    // An unreachable or refusing server is the operator's to fix: say so in one line, no stack.
    if (err instanceof BenchDatabaseError) {
      console.error(err.message);
      process.exit(1);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
