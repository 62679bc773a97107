import path from 'node:path';
import {
  answerIssues,
  confusablePairs,
  formatFinding,
  fromProblems,
  heldOutMatches,
  leaveOneOutMisses,
  Locator,
  missingContent,
  qualityFindings,
  type HeldOut,
} from '../../knowledge/check';
import { loadKnowledgeBase, type KnowledgeBase } from '../../knowledge/loader';
import { Matcher, type Candidate } from '../../knowledge/matcher';
import { KnowledgeError } from '../../knowledge/yamlFile';

const root = path.resolve(__dirname, '..', '..');
const fixture = (name: string) => path.join(root, 'test', 'fixtures', 'kb', name);
/** The shipped defaults when these fixtures were written; fixed here so the fixtures stay put. */
const thresholds = { answer: 0.37, suggest: 0.34 };

/** Every quality finding for a fixture, as `kind file:line:column field: message`. */
function findings(name: string, withMatcher: boolean): string[] {
  const kb = loadKnowledgeBase(fixture(name), root);
  // Without word vectors: a purely lexical matcher, fast and independent of the installed vectors.
  const heldOut = withMatcher ? heldOutMatches(kb, (part) => Matcher.build(part)) : [];
  const all = qualityFindings(kb, heldOut, new Locator(kb, root), { thresholds, minQuestions: 5, confusable: {} });
  for (const f of all) expect(f.hint.length).toBeGreaterThan(20);
  return all.map((f) => `${f.kind} ${formatFinding(f)}`);
}

const at = (name: string, where: string) => `test/fixtures/kb/${name}/waste.yaml:${where}`;

describe('quality checks, one broken knowledge base per kind of problem', () => {
  it.each<[string, boolean, string[]]>([
    [
      'leave-one-out',
      true,
      [
        `leave-one-out ${at('leave-one-out', '10:9')} entries[0].questions[3]: left out of the index, "when do the bin men come to my street" goes to another entry: the bot would answer with "bins-missed-collection" (${at('leave-one-out', '14')}, score 0.56); this entry scores 0.24`,
        `leave-one-out ${at('leave-one-out', '20:9')} entries[1].questions[2]: left out of the index, "the bin men missed my street" goes to another entry: the bot would answer with "bins-collection-day" (${at('leave-one-out', '3')}, score 0.59); this entry scores 0.27`,
      ],
    ],
    [
      'confusable-entries',
      true,
      [
        `leave-one-out ${at('confusable-entries', '10:9')} entries[0].questions[3]: left out of the index, "garden waste bin rules" goes to another entry: the bot would ask "Did you mean" with "bins-garden-subscription" (${at('confusable-entries', '14')}, score 0.36) first; this entry scores 0.22`,
        `confusable ${at('confusable-entries', '17:5')} entries[1].questions: overlaps with "bins-garden-waste" (${at('confusable-entries', '3')}): 3 sample questions, left out, score close to both, e.g. "sign up for the brown garden bin" (bins-garden-subscription 0.15, bins-garden-waste 0.32); "renew my garden waste bin subscription" (bins-garden-subscription 0.16, bins-garden-waste 0.28); "garden waste bin rules" (bins-garden-waste 0.22, bins-garden-subscription 0.36)`,
      ],
    ],
    [
      'few-questions',
      false,
      [
        `too-few-questions ${at('few-questions', '6:5')} entries[0].questions: has 4 sample questions; at least 5 make matching reliable`,
        `duplicate-question ${at('few-questions', '20:9')} entries[1].questions[4]: "Report a missed bin!" is the same as question 1, "report a missed bin", once normalised (report a miss bin)`,
        `too-few-questions ${at('few-questions', '15:5')} entries[1].questions: has 4 different sample questions (5 written, 1 the same as another once normalised); at least 5 make matching reliable`,
      ],
    ],
    [
      'duplicate-questions',
      false,
      [
        `duplicate-question ${at('duplicate-questions', '11:9')} entries[0].questions[4]: "Report a missed bin collection!" is the same as question 1, "report a missed bin collection", once normalised (report a miss bin collect)`,
        `duplicate-question ${at('duplicate-questions', '13:9')} entries[0].questions[6]: "report missed bin collection" is the same as question 6, "report missed bin collections", once normalised (report miss bin collect)`,
        `duplicate-question ${at('duplicate-questions', '30:9')} entries[2].questions[1]: "where is the household waste recycling centre" is the same as question 1, "where is the hwrc", once normalised (where is the household wast recycl centr)`,
        `duplicate-question ${at('duplicate-questions', '33:9')} entries[2].questions[4]: "When is my bin collected?" is also a sample question of "bins-collection-day" (${at('duplicate-questions', '15')}) once normalised (when is my bin collect)`,
      ],
    ],
    [
      'broken-markdown',
      false,
      [
        `markdown ${at('broken-markdown', '13:24')} entries[0].answer: bold is not closed: ** appears an odd number of times in this paragraph`,
        `markdown ${at('broken-markdown', '15:22')} entries[0].answer: a space between ] and ( stops this link working`,
        `markdown ${at('broken-markdown', '17:36')} entries[0].answer: this link is not written correctly: the address is not closed with ) or contains a space`,
        `markdown ${at('broken-markdown', '18:7')} entries[0].answer: a code block starts here and is never closed`,
        `markdown ${at('broken-markdown', '30:20')} entries[1].answer: a \` starts code that is never closed on this line`,
        `markdown ${at('broken-markdown', '31:7')} entries[1].answer: the link to https://www.testshire.example/garden has no text`,
        `markdown ${at('broken-markdown', '31:52')} entries[1].answer: the link "Garden waste" has no address`,
        `markdown ${at('broken-markdown', '33:9')} entries[1].links[0].title: a link title with [ or ] breaks the link when the answer is shown`,
      ],
    ],
    [
      'insecure-links',
      false,
      [
        `insecure-link ${at('insecure-links', '13:24')} entries[0].answer: the link http://www.testshire.example/rules is not https`,
        `insecure-link ${at('insecure-links', '16:15')} entries[0].answer: the link http://www.testshire.example/more is not https`,
        `insecure-link ${at('insecure-links', '16:53')} entries[0].answer: the link www.testshire.example/bins is not https`,
        `insecure-link ${at('insecure-links', '20:9')} entries[0].links[0].url: http://www.testshire.example/rules is not https`,
        `insecure-link ${at('insecure-links', '32:17')} entries[1].answer: the link http://www.testshire.example/old is not https`,
      ],
    ],
    [
      'related-dead-ends',
      false,
      [
        `related ${at('related-dead-ends', '13:39')} entries[0].related[1]: "bins-missed-collection" is listed twice (also at related[0])`,
        `related ${at('related-dead-ends', '24:55')} entries[1].related[2]: "bins-garden-subscription" has the same title as "bins-garden-waste" ("Garden waste"), so its button can never be chosen`,
      ],
    ],
  ])('%s', (name, withMatcher, expected) => {
    expect(findings(name, withMatcher)).toEqual(expected);
  });

  it('finds nothing wrong in the valid fixture but its short question lists', () => {
    const found = findings('valid', true);
    expect(found).toHaveLength(8);
    expect(found.every((f) => f.startsWith('too-few-questions ') && f.endsWith('has 4 sample questions; at least 5 make matching reliable'))).toBe(true);
  });

  it('reports content the bot needs by id as errors', () => {
    const kb = loadKnowledgeBase(fixture('leave-one-out'), root);
    const found = missingContent(kb, { entries: ['greeting', 'bins-collection-day'], departments: ['customer-services', 'waste'] }, { entriesDir: 'kb', departmentsFile: 'kb/departments.yaml' });
    expect(found.map((f) => `${f.kind} ${formatFinding(f)}`)).toEqual([
      'missing-content kb:1:1: no entry has the id "greeting", and the bot needs it',
      'missing-content kb/departments.yaml:1:1 departments: no department has the id "customer-services", and the bot needs it',
    ]);
  });
});

describe('loader problems as errors with a fix hint', () => {
  const problems = (name: string) => {
    try {
      loadKnowledgeBase(fixture(name), root);
    } catch (err) {
      if (err instanceof KnowledgeError) return fromProblems(err.problems);
      throw err;
    }
    throw new Error(`${name} loaded`);
  };

  it.each<[string, [string, string][]]>([
    [
      'bad-fields',
      [
        ['schema', 'Use lower-case letters, digits and single hyphens only, for example bins-missed-collection.'],
        ['schema', 'This field is required: add it.'],
        ['schema', 'Write the whole web address, starting with https://'],
        ['schema', 'Use one of "none", "offer", "urgent".'],
        ['schema', '"answr" is not a field the bot knows. Check its spelling and indentation against the list of fields in knowledge/README.md.'],
      ],
    ],
    ['duplicate-id', [['duplicate-id', 'Every entry needs an id of its own. Rename one of the two, and update any related lists that point to it.']]],
    [
      'unknown-references',
      [
        ['unknown-reference', "Check the spelling against the entry's id, or remove it from the related list."],
        ['unknown-reference', 'Use one of the department ids in departments.yaml, or add the department there first.'],
      ],
    ],
    ['too-few-questions', [['schema', 'Add more ways a resident might ask this, in their own words: an entry needs at least 4 sample questions.']]],
    ['synonym-clash', [['schema', 'A word or phrase can stand for one term only. Remove it from one of the two terms.']]],
    [
      'bad-hours',
      [
        ['schema', 'The closing time must be later on the same day. Split overnight cover into the out-of-hours number instead.'],
        ['schema', 'Write the hours as two 24-hour times in quotes, for example "08:30-17:00". Leave a day out if the department is closed that day.'],
      ],
    ],
  ])('%s', (name, expected) => {
    expect(problems(name).map((f) => [f.kind, f.hint])).toEqual(expected);
  });

  it('keeps the loader\'s file, line, column, field and message', () => {
    const [first] = problems('duplicate-id');
    expect(first).toMatchObject({ file: 'test/fixtures/kb/duplicate-id/b.yaml', line: 3, column: 5, field: 'entries[0].id' });
    expect(first!.message).toMatch(/^duplicate id "bins-twice"/);
  });

  it('tells a YAML syntax error and a missing file apart', () => {
    expect(problems('bad-syntax').map((f) => f.kind)).toEqual(['yaml-syntax']);
    expect(problems('missing-departments').map((f) => f.kind)).toEqual(['missing-file']);
  });
});

describe('heldOutMatches', () => {
  const kb = loadKnowledgeBase(fixture('leave-one-out'), root);

  it('asks every sample question once, of a matcher built without it', () => {
    const indexed: string[][] = [];
    const held = heldOutMatches(
      kb,
      (part) => {
        indexed.push(part.entries.flatMap((e) => e.questions));
        return Matcher.build(part);
      },
      4,
    );
    expect(indexed).toHaveLength(4);
    const all = kb.entries.flatMap((e) => e.questions.map((q, index) => `${e.id}:${index}:${q}`));
    expect(held.map((h) => `${h.entryId}:${h.index}:${h.text}`)).toEqual(all);
    // Fold f leaves out question f, f+4, ... of every entry, and nothing else.
    indexed.forEach((questions, fold) => {
      const expected = kb.entries.flatMap((e) => e.questions.filter((_, j) => j % 4 !== fold));
      expect(questions).toEqual(expected);
    });
  });

  it('returns the candidates the matcher gives', () => {
    const [first] = heldOutMatches(kb, (part) => Matcher.build(part));
    expect(first!.candidates[0]).toMatchObject({ id: 'bins-collection-day' });
    expect(first!.candidates.length).toBeLessThanOrEqual(5);
  });
});

const candidate = (id: string, score: number): Candidate => ({ id, score, matched: [] });
const held = (entryId: string, text: string, candidates: Candidate[]): HeldOut => ({ entryId, index: 0, text, candidates });

describe('leaveOneOutMisses', () => {
  it.each<[string, HeldOut, string | undefined]>([
    ['answered with its own entry', held('a', 'q', [candidate('a', 0.9), candidate('b', 0.5)]), undefined],
    ['answered with another entry', held('a', 'q', [candidate('b', 0.6), candidate('a', 0.2)]), 'answer b'],
    ['"Did you mean" with its own entry first', held('a', 'q', [candidate('a', 0.35), candidate('b', 0.34)]), undefined],
    ['"Did you mean" with another entry first', held('a', 'q', [candidate('b', 0.36), candidate('a', 0.35)]), 'did-you-mean b'],
    ['"I don\'t know", even with another entry on top', held('a', 'q', [candidate('b', 0.3), candidate('a', 0.1)]), undefined],
    ['a handoff for the human entry itself', held('human', 'q', [candidate('human', 0.8)]), undefined],
    ['a handoff for another entry\'s question', held('a', 'q', [candidate('human', 0.8), candidate('a', 0.1)]), 'answer human'],
  ])('%s', (_, question, expected) => {
    const misses = leaveOneOutMisses([question], thresholds);
    expect(misses.map((m) => `${m.outcome} ${m.instead.id}`)).toEqual(expected ? [expected] : []);
  });
});

describe('confusablePairs', () => {
  const heldOut = [
    held('a', 'a1', [candidate('a', 0.5), candidate('b', 0.45)]), // close: 0.9 of own
    held('a', 'a2', [candidate('b', 0.6), candidate('a', 0.3)]), // b wins
    held('b', 'b1', [candidate('b', 0.5), candidate('a', 0.41)]), // close
    held('a', 'a3', [candidate('a', 0.5), candidate('b', 0.39)]), // 0.78 of own: not close
    held('a', 'a4', [candidate('a', 0.4), candidate('b', 0.38)]), // close
    held('c', 'c1', [candidate('c', 0.25), candidate('d', 0.24)]), // close
    held('c', 'c2', [candidate('d', 0.19), candidate('c', 0.1)]), // below the floor
    held('d', 'd1', [candidate('c', 0.3)]), // own not in the list at all
    held('d', 'd2', [candidate('d', 0.3), candidate('c', 0.3)]),
  ];

  it('ranks pairs by how many questions score close to both, and names the more confused entry first', () => {
    const pairs = confusablePairs(heldOut, { minQuestions: 2 });
    expect(pairs.map((p) => [p.a, p.b, p.questions])).toEqual([
      ['a', 'b', 4],
      ['d', 'c', 3],
    ]);
    // The most confused first: b beat a outright on a2.
    expect(pairs[0]!.examples.map((x) => x.text)).toEqual(['a2', 'a4', 'a1']);
    expect(pairs[1]!.examples[0]).toEqual({ entryId: 'd', index: 0, text: 'd1', own: undefined, other: 0.3 });
  });

  it('leaves out pairs with fewer close questions than the minimum', () => {
    expect(confusablePairs(heldOut, { minQuestions: 5 })).toEqual([]);
    expect(confusablePairs(heldOut, { minQuestions: 4 }).map((p) => p.a)).toEqual(['a']);
  });
});

describe('answerIssues', () => {
  const issues = (text: string) => answerIssues(text).map((i) => `${i.line}:${i.column} ${i.kind}: ${i.message}`);

  it.each([
    ['**Bold** and [a link](https://www.example.gov.uk/a) and `code`.'],
    ['**Bold across\ntwo lines** of one paragraph.'],
    ['Code keeps its stars: `**` and `[not](a link`.'],
    ['```\n**not bold\n```\nAfter the block.'],
    ['Email [us](mailto:bins@example.gov.uk) or call [01632 960 000](tel:01632960000).'],
    ['See https://www.example.gov.uk/bins. Or <https://www.example.gov.uk/>.'],
    ['Bring proof of address [for example a bill].'],
  ])('finds nothing wrong in %j', (text) => {
    expect(issues(text)).toEqual([]);
  });

  it.each([
    ['One **bold.\n\nTwo** paragraphs.', ['0:4 markdown: bold is not closed: ** appears an odd number of times in this paragraph', '2:3 markdown: bold is not closed: ** appears an odd number of times in this paragraph']],
    ['[Pay](https://www.example.gov.uk/pay now)', ['0:4 markdown: this link is not written correctly: the address is not closed with ) or contains a space']],
    ['[Pay] (https://www.example.gov.uk/pay)', ['0:0 markdown: a space between ] and ( stops this link working']],
    ['Intro\n  ```\ncode', ['1:2 markdown: a code block starts here and is never closed']],
    ['[Old](http://www.example.gov.uk/old)', ['0:6 insecure-link: the link http://www.example.gov.uk/old is not https']],
    ['[Files](ftp://files.example.gov.uk/)', ['0:8 insecure-link: the link ftp://files.example.gov.uk/ is not https']],
    ['[Form](/forms/apply)', ['0:7 insecure-link: the link /forms/apply is not https']],
  ])('flags %j', (text, expected) => {
    expect(issues(text)).toEqual(expected);
  });
});

describe('the shipped knowledge base', () => {
  it('has no markdown, link or related problems (the matching checks run in CI with kb:check)', () => {
    const kb: KnowledgeBase = loadKnowledgeBase(path.join(root, 'knowledge'), root);
    const found = qualityFindings(kb, [], new Locator(kb, root), { thresholds, minQuestions: 5, confusable: {} });
    expect(found.filter((f) => ['markdown', 'insecure-link', 'related', 'too-few-questions'].includes(f.kind))).toEqual([]);
  });
});
