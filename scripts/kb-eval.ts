/**
 * npm run kb:eval -- --questions FILE [--json]
 * Runs every question through the bot's own matcher and decision and reports accuracy.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { evaluate, readQuestions } from '../knowledge/evaluate';
import { loadKnowledgeBase } from '../knowledge/loader';
import { Matcher } from '../knowledge/matcher';
import { loadWordVectors } from '../knowledge/wordVectors';

function main(): void {
  const { values } = parseArgs({
    options: {
      questions: { type: 'string', default: 'knowledge/tests/questions.jsonl' },
      json: { type: 'boolean', default: false },
    },
  });
  const config = loadConfig();
  const questions = readQuestions(path.resolve(values.questions!));
  const kb = loadKnowledgeBase(config.knowledgeDir);
  const vectors = loadWordVectors();
  const buildStart = performance.now();
  const matcher = Matcher.build(kb, {}, vectors);
  const buildMs = performance.now() - buildStart;
  const thresholds = { answer: config.PARLEY_ANSWER_THRESHOLD, suggest: config.PARLEY_SUGGEST_THRESHOLD };
  // One untimed pass first, so the timings are of a warmed-up matcher, as in a running server.
  questions.forEach((q) => matcher.match(q.text));
  const times: number[] = [];
  const report = evaluate(
    questions,
    (t) => {
      const start = performance.now();
      const candidates = matcher.match(t);
      times.push(performance.now() - start);
      return candidates;
    },
    thresholds,
  );

  if (values.json) {
    console.log(JSON.stringify(report));
    return;
  }
  console.log(`Questions:          ${report.total} (${values.questions})`);
  console.log(`Thresholds:         answer >= ${thresholds.answer}, did-you-mean >= ${thresholds.suggest}`);
  console.log(`In-scope accuracy:  ${report.inScopeAccuracy.toFixed(3)}`);
  console.log(`None recall:        ${report.noneRecall.toFixed(3)}`);
  console.log(`Human recall:       ${report.humanRecall.toFixed(3)}`);
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
  console.log(`Matcher build:      ${buildMs.toFixed(0)} ms; per question median ${at(0.5)} ms, p99 ${at(0.99)} ms (second pass)`);
  console.log(`\nMisses (${report.misses.length}):`);
  for (const m of report.misses) {
    const top = m.candidates.map((c) => `${c.id} ${c.score.toFixed(2)}`).join(', ') || 'no candidates';
    console.log(`  - "${m.text}"\n      expected ${m.expect}, got ${m.got} [${top}]`);
  }
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
