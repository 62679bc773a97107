/**
 * Loading intent-classification data sets into three splits for `npm run bench:intents`.
 *
 * Two formats:
 * - CLINC150 (`--dataset FILE`): one JSON object whose keys are splits (`train`, `val`, `test`,
 *   `oos_train`, `oos_val`, `oos_test`), each a list of `[text, intent]` pairs.
 * - JSON lines (`--train FILE --val FILE --test FILE`): one `{"text": "...", "intent": "..."}` a line,
 *   intent `oos` for out-of-scope questions.
 *
 * Out-of-scope lines in the training split are kept in `train` but every system in the benchmark
 * ignores them (the CLINC150 paper's "oos-threshold" setting trains on in-scope data only).
 */
import fs from 'node:fs';

export const OOS = 'oos';

export interface Example {
  text: string;
  intent: string;
}

export interface Splits {
  train: Example[];
  val: Example[];
  test: Example[];
}

export class DataError extends Error {
  override name = 'DataError';
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function checkExample(text: unknown, intent: unknown, where: string): Example {
  if (typeof text !== 'string' || text.trim() === '') throw new DataError(`${where}: text must be a non-empty string`);
  if (typeof intent !== 'string' || intent.trim() === '') throw new DataError(`${where}: intent must be a non-empty string`);
  return { text, intent };
}

/** A CLINC150 file: train = train + oos_train, val = val + oos_val, test = test + oos_test. */
export function loadClinc(file: string): Splits {
  let data: unknown;
  try {
    data = JSON.parse(readText(file));
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DataError(`${file}: expected one JSON object of splits (train, val, test, oos_train, oos_val, oos_test)`);
  }
  const record = data as Record<string, unknown>;
  const split = (name: string, required: boolean): Example[] => {
    const list = record[name];
    if (list === undefined && !required) return [];
    if (!Array.isArray(list)) throw new DataError(`${file}: split "${name}" must be a list of [text, intent] pairs`);
    return list.map((pair, i) => {
      const where = `${file}: ${name}[${i}]`;
      if (!Array.isArray(pair) || pair.length !== 2) throw new DataError(`${where}: expected a [text, intent] pair`);
      return checkExample(pair[0], pair[1], where);
    });
  };
  return {
    train: [...split('train', true), ...split('oos_train', false)],
    val: [...split('val', true), ...split('oos_val', false)],
    test: [...split('test', true), ...split('oos_test', false)],
  };
}

/** A JSON-lines file of `{"text", "intent"}`; blank lines are skipped; errors name the line. */
export function loadJsonl(file: string): Example[] {
  const out: Example[] = [];
  readText(file)
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${file}:${i + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new DataError(`${where}: not valid JSON (${(err as Error).message})`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new DataError(`${where}: expected an object like {"text": "...", "intent": "..."}`);
      }
      const v = value as Record<string, unknown>;
      out.push(checkExample(v.text, v.intent, where));
    });
  return out;
}

export type DataArgs = { dataset: string } | { train: string; val: string; test: string };

export function loadSplits(args: DataArgs): Splits {
  if ('dataset' in args) return loadClinc(args.dataset);
  return { train: loadJsonl(args.train), val: loadJsonl(args.val), test: loadJsonl(args.test) };
}

/** The first `shots` training examples of every intent, in file order (out-of-scope lines dropped). */
export function firstShots(train: readonly Example[], shots: number): Example[] {
  const seen = new Map<string, number>();
  return train.filter((ex) => {
    if (ex.intent === OOS) return false;
    const n = seen.get(ex.intent) ?? 0;
    seen.set(ex.intent, n + 1);
    return n < shots;
  });
}

/** The in-scope training examples grouped by intent, intents in order of first appearance. */
export function byIntent(train: readonly Example[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const ex of train) {
    if (ex.intent === OOS) continue;
    let list = groups.get(ex.intent);
    if (!list) groups.set(ex.intent, (list = []));
    list.push(ex.text);
  }
  return groups;
}

/** Smallest number of training questions a Parley entry accepts (knowledge/schema.ts). */
export const MIN_QUESTIONS = 4;

/**
 * Problems that would make the benchmark meaningless or impossible, found before any system
 * spends time training: no in-scope training data, an intent with fewer than 4 training questions
 * (a Parley entry needs 4), or val/test intents that never occur in training.
 */
export function checkSplits(splits: Splits): void {
  const groups = byIntent(splits.train);
  if (groups.size === 0) throw new DataError('the training split has no in-scope examples');
  const few = [...groups].filter(([, qs]) => qs.length < MIN_QUESTIONS).map(([intent, qs]) => `${intent} (${qs.length})`);
  if (few.length) {
    throw new DataError(
      `every intent needs at least ${MIN_QUESTIONS} training questions (a Parley entry needs ${MIN_QUESTIONS}); too few: ${few.slice(0, 10).join(', ')}${few.length > 10 ? `, and ${few.length - 10} more` : ''}`,
    );
  }
  for (const name of ['val', 'test'] as const) {
    const unknown = [...new Set(splits[name].map((ex) => ex.intent))].filter((i) => i !== OOS && !groups.has(i));
    if (unknown.length) throw new DataError(`the ${name} split has intents that never occur in training: ${unknown.slice(0, 10).join(', ')}`);
  }
}
