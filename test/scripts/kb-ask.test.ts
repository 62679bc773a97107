import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { Matcher } from '../../knowledge/matcher';
import { loadWordVectors } from '../../knowledge/wordVectors';

const root = path.resolve(__dirname, '..', '..');
const FIXTURE_KB = path.join(root, 'test', 'fixtures', 'kb', 'valid');

function kbAsk(args: string[], thresholds = { answer: '0.37', suggest: '0.34' }) {
  const run = spawnSync('node', ['--import', 'tsx', 'scripts/kb-ask.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      DOTENV_CONFIG_QUIET: 'true',
      PARLEY_KNOWLEDGE_DIR: FIXTURE_KB,
      PARLEY_ANSWER_THRESHOLD: thresholds.answer,
      PARLEY_SUGGEST_THRESHOLD: thresholds.suggest,
    },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const askJson = (question: string, thresholds?: { answer: string; suggest: string }) => {
  const run = kbAsk([question, '--json'], thresholds);
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout);
};

interface Asked {
  decision: { kind: string; entryId?: string; options?: { id: string }[] };
  corrections: { from: string; to: string }[];
  terms: string[];
  candidates: { id: string; score: number; file: string; line: number; matched: { words: string; terms: string[] }[] }[];
}

describe('npm run kb:ask', () => {
  // The bot's own matcher over the same knowledge base, to hold kb:ask to what the bot sees.
  const matcher = Matcher.build(loadKnowledgeBase(FIXTURE_KB), {}, loadWordVectors());

  it.each([
    ['when is my bin day', 'answer', 'bins-collection-day'],
    ['speak to a human please', 'handoff', 'human'],
    ['how do I water a cactus', 'dont-know', undefined],
  ])('decides %j as the bot does: %s', (question, kind, entryId) => {
    const asked: Asked = askJson(question);
    expect(asked.decision.kind).toBe(kind);
    expect(asked.decision.entryId).toBe(entryId);
    const live = matcher.match(question, 5);
    expect(asked.candidates.map((c) => [c.id, c.score, c.matched.map((m) => m.words)])).toEqual(live.map((c) => [c.id, c.score, c.matched]));
  });

  it('uses the configured thresholds: "did you mean" between them', () => {
    const asked: Asked = askJson('council tax', { answer: '0.99', suggest: '0.1' });
    expect(asked.decision.kind).toBe('did-you-mean');
    expect(asked.decision.options!.map((o) => o.id).sort()).toEqual(['council-tax-arrears', 'council-tax-pay']);
  });

  it('shows the spelling fixes and synonyms, and the terms each matched word became', () => {
    const typo: Asked = askJson('pay my counsil tax');
    expect(typo.corrections).toEqual([{ from: 'counsil', to: 'council' }]);
    expect(typo.terms).toEqual(['pai', 'my', 'council', 'tax']);
    expect(typo.candidates[0]).toMatchObject({ id: 'council-tax-pay', file: 'test/fixtures/kb/valid/entries.yaml', line: 35 });
    expect(typo.candidates[0]!.matched).toEqual([
      { words: 'pay', terms: ['pai'] },
      { words: 'council', terms: ['council'] },
      { words: 'tax', terms: ['tax'] },
    ]);

    const synonym: Asked = askJson('where is the tip');
    expect(synonym.candidates[0]!.id).toBe('recycling-centre');
    expect(synonym.candidates[0]!.matched).toContainEqual({ words: 'the tip', terms: ['household', 'wast', 'recycl', 'centr'] });
  });

  it('prints the decision, the top 5 with scores and the matched words', () => {
    const run = kbAsk(['pay', 'my', 'counsil', 'tax']);
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Question:  "pay my counsil tax"',
      'Spelling:  counsil → council',
      'Read as:   pai my council tax',
      expect.stringMatching(/^Decision: {2}answer with "council-tax-pay" \(Pay your Council Tax\)\. Score 0\.\d{3}: it answers at 0\.37 or more\.$/),
    ]);
    expect(lines).toContain('Top 5 (answer at 0.37 or more, "did you mean" at 0.34 or more):');
    expect(lines.filter((l) => /^ {2}\d\. \d\.\d{3} {2}/.test(l))).toHaveLength(5);
    expect(lines).toContain('     matched: pay → pai, council, tax');
  });

  it('notes when the bot answers before matching: an entry\'s exact title', () => {
    const asked = askJson('Pay your Council Tax');
    expect(asked.shortcut).toEqual({ kind: 'title', entryId: 'council-tax-pay' });
  });

  it('exits 2 without a question', () => {
    const run = kbAsk([]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('Give the question to ask, for example: npm run kb:ask -- "when is my bin day"\n');
  });
});
