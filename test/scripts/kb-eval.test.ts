import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { evaluate, QuestionsFileError, readQuestions } from '../../knowledge/evaluate';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { Matcher } from '../../knowledge/matcher';
import { FIXTURE_KB } from '../bot/harness';

const root = path.resolve(__dirname, '..', '..');
const small = path.join(root, 'test/fixtures/questions/small.jsonl');
const thresholds = { answer: 0.5, suggest: 0.25 };

describe('evaluate', () => {
  const matcher = Matcher.build(loadKnowledgeBase(FIXTURE_KB));

  it('scores ids, human and none separately, and lists every miss', () => {
    const report = evaluate(readQuestions(small), (t) => matcher.match(t), thresholds);
    expect(report).toMatchObject({ total: 6, inScopeAccuracy: 0.667, noneRecall: 0.5, humanRecall: 1 });
    expect(report.misses.map((m) => [m.text, m.expect, m.got])).toEqual([
      ['when is my bin day', 'council-tax-pay', 'bins-collection-day'],
      ['how do I pay my council tax', 'none', 'council-tax-pay'],
    ]);
  });

  it('counts a "did you mean" as wrong', () => {
    const report = evaluate([{ text: 'pay council tax', expect: 'council-tax-pay' }], (t) => matcher.match(t), { answer: 1.01, suggest: 0.1 });
    expect(report.inScopeAccuracy).toBe(0);
    expect(report.misses[0]?.got).toMatch(/^did-you-mean\(council-tax-pay/);
  });

  it('names the file and line of a bad question', () => {
    const file = path.join(root, 'test/fixtures/questions/missing-expect.jsonl');
    expect(() => readQuestions(file)).toThrow(QuestionsFileError);
    expect(() => readQuestions(file)).toThrow(`${file}:2: expect: Invalid input: expected string, received undefined`);
  });
});

describe('npm run kb:eval', () => {
  it('prints one JSON object with --json', () => {
    const out = execFileSync('node', ['--import', 'tsx', 'scripts/kb-eval.ts', '--questions', small, '--json'], {
      cwd: root,
      env: { ...process.env, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB, PARLEY_ANSWER_THRESHOLD: '0.5', PARLEY_SUGGEST_THRESHOLD: '0.25', DOTENV_CONFIG_QUIET: 'true' },
      encoding: 'utf8',
    });
    const report = JSON.parse(out);
    expect(Object.keys(report).sort()).toEqual(['humanRecall', 'inScopeAccuracy', 'misses', 'noneRecall', 'total']);
    expect(report.total).toBe(6);
    expect(report.misses).toHaveLength(2);
  });

  it('exits non-zero with the reason when the questions file is missing', () => {
    expect(() =>
      execFileSync('node', ['--import', 'tsx', 'scripts/kb-eval.ts', '--questions', 'no/such/file.jsonl'], { cwd: root, stdio: 'pipe', env: { ...process.env, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB } }),
    ).toThrow(/no\/such\/file\.jsonl/);
  });
});
