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

function main(): void {
  const { values } = parseArgs({
    options: {
      questions: { type: 'string', default: 'knowledge/tests/questions.jsonl' },
      json: { type: 'boolean', default: false },
    },
  });
  const config = loadConfig();
  const kb = loadKnowledgeBase(config.knowledgeDir);
  const matcher = Matcher.build(kb);
  const thresholds = { answer: config.PARLEY_ANSWER_THRESHOLD, suggest: config.PARLEY_SUGGEST_THRESHOLD };
  const report = evaluate(readQuestions(path.resolve(values.questions!)), (t) => matcher.match(t), thresholds);

  if (values.json) {
    console.log(JSON.stringify(report));
    return;
  }
  console.log(`Questions:          ${report.total} (${values.questions})`);
  console.log(`Thresholds:         answer >= ${thresholds.answer}, did-you-mean >= ${thresholds.suggest}`);
  console.log(`In-scope accuracy:  ${report.inScopeAccuracy.toFixed(3)}`);
  console.log(`None recall:        ${report.noneRecall.toFixed(3)}`);
  console.log(`Human recall:       ${report.humanRecall.toFixed(3)}`);
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
