/** The systems of the intent benchmark and one system's whole run: build, tune on val, score test. */
import { firstShots, OOS, type Splits } from './data';
import { progress } from './progress';
import { metrics, median, percentile, pickThreshold, type Metrics, type Prediction } from './protocol';
import type { BenchSystem, Built, Top } from './system';

/**
 * Every system, in table order. Each is loaded only in the process that runs it, so one system's
 * libraries do not count towards another's peak memory.
 */
export const SYSTEMS = {
  parley: { label: 'Parley', load: async (): Promise<BenchSystem> => (await import('./parley')).parley },
  nlpjs: { label: 'NLP.js', load: async (): Promise<BenchSystem> => (await import('./nlpjs')).nlpjs },
  fuse: { label: 'fuse.js only', load: async (): Promise<BenchSystem> => (await import('./fuse')).fuse },
} as const;
export type SystemName = keyof typeof SYSTEMS;
export const SYSTEM_NAMES = Object.keys(SYSTEMS) as SystemName[];

export function isSystemName(name: string): name is SystemName {
  return Object.hasOwn(SYSTEMS, name);
}

export interface SystemResult extends Metrics {
  system: string;
  /** Threshold picked on the validation split. */
  threshold: number;
  /** Accuracy on the validation split with that threshold. */
  valAccuracy: number;
  buildMs: number;
  /** Median and 99th percentile time of one question on the test split (after a warm-up pass over val). */
  p50Ms: number;
  p99Ms: number;
  /** Peak resident memory of the process that ran this system, MB. */
  rssMb: number;
  counts: { trainQuestions: number; intents: number; val: number; test: number; testOos: number };
}

async function pass(
  built: Built,
  examples: Splits['val'],
  label: string,
  showProgress: boolean,
  times?: number[],
): Promise<Prediction[]> {
  const bar = progress(label, examples.length, showProgress);
  const out: Prediction[] = [];
  for (const ex of examples) {
    const start = performance.now();
    const pending = built.match(ex.text);
    const top: Top | null = pending instanceof Promise ? await pending : pending;
    times?.push(performance.now() - start);
    out.push({ gold: ex.intent, top: top?.intent ?? null, score: top?.score ?? 0 });
    bar.tick();
  }
  bar.done();
  return out;
}

/**
 * Runs one system: build from train (first `shots` per intent when given), one untimed pass over val
 * (warm-up, and the predictions the threshold is picked on), one timed pass over test, metrics.
 */
export async function runSystem(name: SystemName, splits: Splits, opts: { shots?: number; progress: boolean }): Promise<SystemResult> {
  const train = opts.shots === undefined ? splits.train.filter((ex) => ex.intent !== OOS) : firstShots(splits.train, opts.shots);
  const system = await SYSTEMS[name].load();
  const label = SYSTEMS[name].label;
  const building = progress(`${label}: building`, undefined, opts.progress);
  building.note(`${train.length} training questions`);
  const built = await system.build(train, building);
  building.done();
  const sample = <T>(list: readonly T[]): T[] => {
    const step = Math.ceil(list.length / (system.maxQuestionsPerSplit ?? Infinity)) || 1;
    return list.filter((_, i) => i % step === 0);
  };
  const valSplit = sample(splits.val);
  const testSplit = sample(splits.test);
  const val = await pass(built, valSplit, `${label}: val pass`, opts.progress);
  const { threshold, accuracy: valAccuracy } = pickThreshold(val);
  const times: number[] = [];
  const test = await pass(built, testSplit, `${label}: test pass`, opts.progress, times);
  return {
    system: name,
    threshold,
    valAccuracy,
    ...metrics(test, threshold),
    buildMs: built.buildMs,
    p50Ms: median(times),
    p99Ms: percentile(times, 0.99),
    rssMb: process.resourceUsage().maxRSS / 1024,
    counts: {
      trainQuestions: train.length,
      intents: new Set(train.map((ex) => ex.intent)).size,
      val: valSplit.length,
      test: testSplit.length,
      testOos: testSplit.filter((ex) => ex.intent === OOS).length,
    },
  };
}
