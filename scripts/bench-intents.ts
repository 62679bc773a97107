/**
 * npm run bench:intents -- --dataset FILE [--shots N] [--systems parley,nlpjs,fuse] [--json] [--progress]
 * npm run bench:intents -- --train FILE --val FILE --test FILE [...]
 *
 * Intent-classification benchmark with out-of-scope questions, by the CLINC150 paper's protocol:
 * every system is built from the training split, a confidence threshold is picked on the validation
 * split, and the test split is scored with it. Each system runs in a child process of its own
 * (`--system NAME`, which prints that system's result as JSON) so peak memory is per system.
 * See docs/benchmarks.md ("Intent benchmark (CLINC150)").
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkSplits, DataError, firstShots, MIN_QUESTIONS, OOS, loadSplits, type DataArgs, type Splits } from './bench/data';
import { endOpenLine } from './bench/progress';
import { isSystemName, runSystem, SYSTEM_NAMES, SYSTEMS, type SystemName, type SystemResult } from './bench/systems';
import { UsageError } from './cli';


const USAGE = `usage: npm run bench:intents -- (--dataset CLINC150.json | --train FILE --val FILE --test FILE)
       [--shots N] [--systems ${SYSTEM_NAMES.join(',')}] [--json] [--progress]`;

interface Options {
  data: DataArgs;
  shots?: number;
  systems: SystemName[];
  /** Set in a child process: run this one system and print its result as JSON. */
  system?: SystemName;
  json: boolean;
  progress: boolean;
}

function parse(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dataset: { type: 'string' },
        train: { type: 'string' },
        val: { type: 'string' },
        test: { type: 'string' },
        shots: { type: 'string' },
        systems: { type: 'string', default: SYSTEM_NAMES.join(',') },
        system: { type: 'string' },
        json: { type: 'boolean', default: false },
        progress: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const files = [values.train, values.val, values.test];
  let data: DataArgs;
  if (values.dataset !== undefined) {
    if (files.some((f) => f !== undefined)) throw new UsageError(`give either --dataset or --train/--val/--test, not both\n${USAGE}`);
    data = { dataset: path.resolve(values.dataset) };
  } else if (files.every((f) => f !== undefined)) {
    data = { train: path.resolve(values.train!), val: path.resolve(values.val!), test: path.resolve(values.test!) };
  } else {
    throw new UsageError(`give --dataset FILE, or all three of --train, --val and --test\n${USAGE}`);
  }
  let shots: number | undefined;
  if (values.shots !== undefined) {
    shots = Number(values.shots);
    if (!/^\d+$/.test(values.shots) || shots < MIN_QUESTIONS) {
      throw new UsageError(`--shots must be a whole number >= ${MIN_QUESTIONS} (a Parley entry needs at least ${MIN_QUESTIONS} questions); got "${values.shots}"`);
    }
  }
  const systems = values.systems!.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = systems.filter((s) => !isSystemName(s));
  if (unknown.length) throw new UsageError(`unknown system "${unknown.join('", "')}" in --systems; known: ${SYSTEM_NAMES.join(', ')}`);
  if (systems.length === 0) throw new UsageError(`--systems names no system; known: ${SYSTEM_NAMES.join(', ')}`);
  if (values.system !== undefined && !isSystemName(values.system)) {
    throw new UsageError(`unknown system "${values.system}" in --system; known: ${SYSTEM_NAMES.join(', ')}`);
  }
  const json = values.json!;
  if (json && values.system === undefined && !systems.includes('parley')) {
    throw new UsageError('--json reports Parley with the others under "baselines": include parley in --systems');
  }
  return {
    data,
    shots,
    systems: [...new Set(systems)] as SystemName[],
    system: values.system as SystemName | undefined,
    json,
    progress: values.progress! || process.stderr.isTTY === true,
  };
}

/** The splits every system gets, checked before anything is trained. */
function splitsFor(opts: Options): Splits {
  const splits = loadSplits(opts.data);
  const train = opts.shots === undefined ? splits.train.filter((ex) => ex.intent !== OOS) : firstShots(splits.train, opts.shots);
  checkSplits({ ...splits, train });
  return splits;
}

function dataArgs(opts: Options): string[] {
  const d = opts.data;
  const args = 'dataset' in d ? ['--dataset', d.dataset] : ['--train', d.train, '--val', d.val, '--test', d.test];
  if (opts.shots !== undefined) args.push('--shots', String(opts.shots));
  return args;
}

/** Runs one system in a child process of its own and returns what it printed. */
function runChild(name: SystemName, opts: Options): SystemResult {
  const args = ['--import', 'tsx', __filename, '--system', name, ...dataArgs(opts), ...(opts.progress ? ['--progress'] : [])];
  const child = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`${SYSTEMS[name].label} failed (exit ${child.status ?? child.signal}); its error is above`);
  try {
    return JSON.parse(child.stdout) as SystemResult;
  } catch {
    throw new Error(`${SYSTEMS[name].label} printed something that is not JSON:\n${child.stdout.slice(0, 500)}`);
  }
}

const KEYS = ['inScopeAccuracy', 'oosRecall', 'oosPrecision', 'buildMs', 'p50Ms', 'p99Ms', 'rssMb', 'threshold', 'untunedAccuracy'] as const;

function summary(r: SystemResult): Record<(typeof KEYS)[number], number | null> {
  return Object.fromEntries(KEYS.map((k) => [k, r[k]])) as Record<(typeof KEYS)[number], number | null>;
}

const ROWS: [string, (r: SystemResult) => string][] = [
  ['In-scope accuracy (threshold)', (r) => fixed(r.inScopeAccuracy, 3)],
  ['Out-of-scope recall', (r) => fixed(r.oosRecall, 3)],
  ['Out-of-scope precision', (r) => fixed(r.oosPrecision, 3)],
  ['In-scope accuracy, no threshold', (r) => fixed(r.untunedAccuracy, 3)],
  ['Threshold (picked on val)', (r) => fixed(r.threshold, 4)],
  ['Build, ms', (r) => fixed(r.buildMs, 0)],
  ['Per question, median ms', (r) => fixed(r.p50Ms, 3)],
  ['Per question, p99 ms', (r) => fixed(r.p99Ms, 3)],
  ['Peak memory (maxRSS), MB', (r) => fixed(r.rssMb, 0)],
  ['Val / test questions asked', (r) => `${r.counts.val} / ${r.counts.test}`],
];

function fixed(value: number | null, digits: number): string {
  return value === null ? '–' : value.toFixed(digits);
}

function table(results: SystemResult[], opts: Options): string {
  const first = results[0]!;
  const c = first.counts;
  const source = 'dataset' in opts.data ? path.basename(opts.data.dataset) : path.basename(opts.data.train, path.extname(opts.data.train)) + ' (JSON lines)';
  const lines = [
    `Intent benchmark: ${source}${opts.shots !== undefined ? `, first ${opts.shots} training questions per intent` : ''}`,
    `Train ${c.trainQuestions} questions, ${c.intents} intents; val ${c.val} (threshold picked here); test ${c.test} (${c.testOos} out of scope)`,
    '',
    `| Measure | ${results.map((r) => SYSTEMS[r.system as SystemName].label).join(' | ')} |`,
    `| --- |${results.map(() => ' ---: |').join('')}`,
    ...ROWS.map(([name, cell]) => `| ${name} | ${results.map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const splits = splitsFor(opts);
  if (opts.system) {
    const result = await runSystem(opts.system, splits, { shots: opts.shots, progress: opts.progress });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  // One after another, never at once: the timings would disturb each other.
  const results = opts.systems.map((name) => runChild(name, opts));
  if (opts.json) {
    const parley = results.find((r) => r.system === 'parley')!;
    const baselines = Object.fromEntries(results.filter((r) => r !== parley).map((r) => [r.system, summary(r)]));
    process.stdout.write(`${JSON.stringify({ ...summary(parley), baselines })}\n`);
    return;
  }
  console.log(table(results, opts));
}

main().catch((err: unknown) => {
  endOpenLine();
  console.error(err instanceof UsageError || err instanceof DataError ? err.message : err instanceof Error ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
