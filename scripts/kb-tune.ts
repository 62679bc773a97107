/**
 * npm run kb:tune -- [--questions FILE] [--folds N] [--options] [--json]
 * Grid-searches the decision thresholds (and, with --options, the matcher's options) on a
 * validation file (default knowledge/tests/dev.jsonl) and prints the best settings with their
 * figures. Never tune on the held-out test file: that is for reporting, once.
 *
 * With --folds N (N >= 2) the knowledge base's own sample questions join the validation set as
 * in-scope questions, by N-fold cross-validation: each fold's samples are matched by a matcher
 * built without them. Thresholds still come from the file alone, but the objective used to compare
 * matcher options becomes the mean of the file's objective and the samples' in-scope accuracy at
 * those thresholds, which keeps the choice from leaning on the few in-scope lines of the file.
 *
 * Objective: mean of in-scope accuracy, none recall and human recall, where anything short of
 * full human recall costs an extra penalty (a resident asking for a person must get one).
 * Among equally good answer thresholds the middle of the plateau is taken (more robust than
 * its edge); the did-you-mean threshold is then the lowest one that costs nothing on the file,
 * but never more than 0.15 below the answer threshold.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { evaluate, readQuestions, type EvalReport, type TestQuestion } from '../knowledge/evaluate';
import { loadKnowledgeBase, type KnowledgeBase } from '../knowledge/loader';
import { loadWordVectors } from '../knowledge/wordVectors';
import { defaultMatcherOptions, Matcher, type Candidate, type MatcherOptions } from '../knowledge/matcher';

const HUMAN_PENALTY = 0.5;
/** The installed word vectors, as the bot uses them. */
const vectors = loadWordVectors();

export function objective(r: EvalReport): number {
  return (r.inScopeAccuracy + r.noneRecall + r.humanRecall) / 3 - (r.humanRecall < 1 ? HUMAN_PENALTY * (1 - r.humanRecall) : 0);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

interface Best {
  answer: number;
  suggest: number;
  report: EvalReport;
  value: number;
}

export function tuneThresholds(questions: readonly TestQuestion[], candidates: readonly Candidate[][]): Best {
  const lookup = new Map(questions.map((q, i) => [q, candidates[i]!]));
  const match = (text: string) => lookup.get(questions.find((q) => q.text === text)!) ?? [];
  const grid: { answer: number; value: number; report: EvalReport }[] = [];
  for (let a = 0.1; a <= 0.9001; a += 0.01) {
    const answer = round2(a);
    const report = evaluate(questions, match, { answer, suggest: answer });
    grid.push({ answer, value: objective(report), report });
  }
  const top = Math.max(...grid.map((g) => g.value));
  // Middle of the longest run of best values.
  let run: typeof grid = [];
  let longest: typeof grid = [];
  for (const g of grid) {
    if (g.value >= top - 1e-9) run.push(g);
    else run = [];
    if (run.length > longest.length) longest = [...run];
  }
  const chosen = longest[Math.floor((longest.length - 1) / 2)]!;
  let suggest = chosen.answer;
  for (let s = chosen.answer; s >= Math.max(0.05, chosen.answer - 0.15) - 1e-9; s -= 0.01) {
    const report = evaluate(questions, match, { answer: chosen.answer, suggest: round2(s) });
    if (objective(report) >= chosen.value - 1e-9) suggest = round2(s);
    else break;
  }
  return { answer: chosen.answer, suggest, report: chosen.report, value: chosen.value };
}

function optionGrid(): Partial<MatcherOptions>[] {
  const out: Partial<MatcherOptions>[] = [];
  for (const classifierWeight of [0.5, 0.7, 0.9])
    for (const temperature of [0.3, 0.5, 1])
      for (const coveragePower of [1, 1.5])
        for (const charWeight of [0.3]) out.push({ classifierWeight, temperature, coveragePower, charWeight });
  return out;
}

/** Sample questions held out fold by fold, with the candidates of a matcher that never saw them. */
function crossValidation(kb: KnowledgeBase, folds: number, options: Partial<MatcherOptions>): { questions: TestQuestion[]; candidates: Candidate[][] } {
  const questions: TestQuestion[] = [];
  const candidates: Candidate[][] = [];
  for (let fold = 0; fold < folds; fold++) {
    const held: TestQuestion[] = [];
    const entries = kb.entries.map((entry) => ({
      ...entry,
      questions: entry.questions.filter((text, i) => {
        if ((i + fold) % folds !== 0) return true;
        held.push({ text, expect: entry.id });
        return false;
      }),
    }));
    const matcher = Matcher.build({ entries, synonyms: kb.synonyms }, options, vectors);
    for (const q of held) {
      questions.push(q);
      candidates.push(matcher.match(q.text));
    }
  }
  return { questions, candidates };
}

function run(kb: KnowledgeBase, questions: TestQuestion[], options: Partial<MatcherOptions>, folds: number): Best & { cv?: EvalReport } {
  const matcher = Matcher.build(kb, options, vectors);
  const candidates = questions.map((q) => matcher.match(q.text));
  const best = tuneThresholds(questions, candidates);
  if (folds < 2) return best;
  // Thresholds come from the validation file alone (held-out samples score lower than real
  // questions do against the full knowledge base); the samples then weigh in on the options.
  const cv = crossValidation(kb, folds, options);
  const lookup = (text: string) => cv.candidates[cv.questions.findIndex((q) => q.text === text)] ?? [];
  const report = evaluate(cv.questions, lookup, { answer: best.answer, suggest: best.suggest });
  return { ...best, value: (best.value + report.inScopeAccuracy) / 2, cv: report };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      questions: { type: 'string', default: 'knowledge/tests/dev.jsonl' },
      options: { type: 'boolean', default: false },
      folds: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
    },
  });
  const config = loadConfig();
  const kb = loadKnowledgeBase(config.knowledgeDir);
  const questions = readQuestions(path.resolve(values.questions!));

  let bestOptions: Partial<MatcherOptions> = {};
  const folds = Number(values.folds);
  let best = run(kb, questions, bestOptions, folds);
  if (values.options) {
    for (const options of optionGrid()) {
      const result = run(kb, questions, options, folds);
      if (!values.json) {
        const r = result.report;
        const cv = result.cv ? `, samples ${result.cv.inScopeAccuracy.toFixed(3)}` : '';
        console.log(`${JSON.stringify(options)} -> ${result.value.toFixed(3)} (answer ${result.answer}; ${r.inScopeAccuracy.toFixed(3)}/${r.noneRecall.toFixed(3)}/${r.humanRecall.toFixed(3)}${cv})`);
      }
      if (result.value > best.value + 1e-9) {
        best = result;
        bestOptions = options;
      }
    }
  }

  const summary = {
    questions: values.questions,
    options: { ...defaultMatcherOptions, ...bestOptions },
    answerThreshold: best.answer,
    suggestThreshold: best.suggest,
    inScopeAccuracy: best.report.inScopeAccuracy,
    noneRecall: best.report.noneRecall,
    humanRecall: best.report.humanRecall,
    samplesInScopeAccuracy: best.cv?.inScopeAccuracy,
    objective: Math.round(best.value * 1000) / 1000,
  };
  if (values.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`Validation file:    ${summary.questions}`);
  console.log(`Matcher options:    ${JSON.stringify(summary.options)}`);
  console.log(`Answer threshold:   ${summary.answerThreshold}  (PARLEY_ANSWER_THRESHOLD)`);
  console.log(`Suggest threshold:  ${summary.suggestThreshold}  (PARLEY_SUGGEST_THRESHOLD)`);
  console.log(`In-scope accuracy:  ${summary.inScopeAccuracy.toFixed(3)}`);
  console.log(`None recall:        ${summary.noneRecall.toFixed(3)}`);
  console.log(`Human recall:       ${summary.humanRecall.toFixed(3)}`);
  if (summary.samplesInScopeAccuracy !== undefined) {
    console.log(`Samples (${folds}-fold):   in-scope accuracy ${summary.samplesInScopeAccuracy.toFixed(3)}`);
  }
  console.log(`Objective:          ${summary.objective.toFixed(3)}`);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
