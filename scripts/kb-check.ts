/**
 * npm run kb:check -- [--dir FOLDER] [--json] [--min-questions N] [--folds N]
 * Validates every knowledge file, then checks the quality of the content (see knowledge/check.ts).
 * Exit 1 when there are errors, 0 with only warnings, 2 for a bad command line.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { REQUIRED_DEPARTMENTS, REQUIRED_ENTRIES } from '../bot/conversation';
import { loadBinData } from '../knowledge/bins/data';
import {
  formatFinding,
  fromProblems,
  heldOutMatches,
  Locator,
  missingContent,
  qualityFindings,
  type CheckReport,
  type Finding,
} from '../knowledge/check';
import { DEPARTMENTS_FILE, loadKnowledgeBase, type KnowledgeBase } from '../knowledge/loader';
import { Matcher } from '../knowledge/matcher';
import { loadWordVectors } from '../knowledge/wordVectors';
import { KnowledgeError } from '../knowledge/yamlFile';
import { UsageError } from './cli';


function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number of 1 or more (got "${value}")`);
  return n;
}

/** The loader's and the bin data's problems, or rethrows anything that is not about content. */
function problemsOf(load: () => unknown): Finding[] {
  try {
    load();
    return [];
  } catch (err) {
    if (err instanceof KnowledgeError) return fromProblems(err.problems);
    throw err;
  }
}

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        dir: { type: 'string' },
        json: { type: 'boolean', default: false },
        'min-questions': { type: 'string' },
        folds: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const config = loadConfig();
  const dir = values.dir ? path.resolve(values.dir) : config.knowledgeDir;
  const root = process.cwd();
  const minQuestions = positiveInteger('min-questions', values['min-questions'], 5);
  const folds = positiveInteger('folds', values.folds, 10);
  const thresholds = { answer: config.PARLEY_ANSWER_THRESHOLD, suggest: config.PARLEY_SUGGEST_THRESHOLD };

  let kb: KnowledgeBase | undefined;
  const errors = problemsOf(() => (kb = loadKnowledgeBase(dir, root)));
  errors.push(...problemsOf(() => loadBinData(path.join(dir, 'data'), root)));
  const display = (p: string) => path.relative(root, p) || p;
  if (kb) {
    errors.push(...missingContent(kb, { entries: REQUIRED_ENTRIES, departments: REQUIRED_DEPARTMENTS }, { entriesDir: display(dir), departmentsFile: display(path.join(dir, DEPARTMENTS_FILE)) }));
  }

  let warnings: Finding[] = [];
  let took = 0;
  if (kb) {
    const loaded = kb;
    const vectors = loadWordVectors();
    const start = performance.now();
    // The matcher exactly as the bot builds it, so the findings are about what residents get.
    const heldOut = heldOutMatches(loaded, (part) => Matcher.build(part, {}, vectors), folds);
    took = performance.now() - start;
    warnings = qualityFindings(loaded, heldOut, new Locator(loaded, root), { thresholds, minQuestions, confusable: {} });
  }

  const report: CheckReport = { errors, warnings };
  if (values.json) {
    console.log(JSON.stringify(report));
  } else {
    for (const [label, list] of [['error', errors], ['warning', warnings]] as const) {
      for (const f of list) console.log(`${label.padEnd(8)} ${formatFinding(f)}\n${' '.repeat(9)}Fix: ${f.hint}`);
    }
    if (errors.length || warnings.length) console.log('');
    const count = (n: number, word: string) => `${n === 0 ? 'no' : n} ${word}${n === 1 ? '' : 's'}`;
    const scope = kb
      ? `${kb.entries.length} entries, ${kb.entries.reduce((n, e) => n + e.questions.length, 0)} sample questions; leave-one-out in ${folds} folds took ${(took / 1000).toFixed(1)} s`
      : 'quality checks not run: fix the errors first';
    const verdict = errors.length ? 'The bot will not start until the errors are fixed.' : 'The knowledge base is valid.';
    console.log(`kb:check: ${count(errors.length, 'error')}, ${count(warnings.length, 'warning')} (${scope}). ${verdict}`);
  }
  return errors.length ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
