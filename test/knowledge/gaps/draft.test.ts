import { parse, parseDocument } from 'yaml';
import { ANSWER_PLACEHOLDER, draftEntry, draftYaml, QUESTION_PLACEHOLDER } from '../../../knowledge/gaps/draft';
import type { GapCluster } from '../../../knowledge/gaps/report';
import { loadKnowledgeBase } from '../../../knowledge/loader';
import { entryFileSchema, entrySchema } from '../../../knowledge/schema';
import { FIXTURE_KB } from '../../fixtureKb';

const kb = loadKnowledgeBase(FIXTURE_KB);

function cluster(questions: string[], closest: GapCluster['closest']): GapCluster {
  return {
    id: 'pay-council-tax-credit-6e53cf',
    rank: 1,
    residents: 3,
    asked: 4,
    kinds: { 'not-understood': 0, 'none-of-these': 1, 'not-helpful': 3 },
    examples: questions.slice(0, 3),
    questions: questions.map((text) => ({ text, asked: 1, centrality: 1 })),
    answeredWith: [],
    closest,
    firstAsked: '2026-11-02T09:07:00.000Z',
    lastAsked: '2026-11-20T16:00:00.000Z',
  };
}

const CARD = cluster(
  ['pay council tax with a credit card?', 'can I pay my council tax by card', 'Pay Council Tax with a credit card', 'council tax card payment for [postcode]', 'pay by card [email]', 'paying council tax by debit card'],
  { id: 'council-tax-pay', title: 'Pay your Council Tax', department: 'council-tax', score: 0.427 },
);

describe('draft entries for a cluster', () => {
  it('writes YAML that parses to one entry valid against the schema, answer TODO', () => {
    const yaml = draftYaml(CARD, kb, { fallbackDepartment: 'customer-services' });
    const doc = parseDocument(yaml);
    expect(doc.errors).toEqual([]);
    const items = parse(yaml) as unknown[];
    expect(items).toHaveLength(1);
    const entry = entrySchema.parse(items[0]);
    expect(entry).toEqual({
      id: 'pay-council-tax-credit-card',
      title: 'Pay council tax with a credit card',
      department: 'council-tax',
      // Residents' words without redaction's placeholders, each once (same words, other capitals or punctuation, once).
      questions: ['pay council tax with a credit card?', 'can I pay my council tax by card', 'council tax card payment for', 'pay by card', 'paying council tax by debit card'],
      answer: ANSWER_PLACEHOLDER,
      links: [],
      keywords: [],
      related: [],
      escalate: 'none',
    });
  });

  it('is not a whole knowledge file, so saved into knowledge/ as it is the loader refuses it', () => {
    const yaml = draftYaml(CARD, kb, { fallbackDepartment: 'customer-services' });
    expect(entryFileSchema.safeParse(parse(yaml)).success).toBe(false);
  });

  it('says in comments what to do, with the closest entry and where it lives', () => {
    const yaml = draftYaml(CARD, kb, { fallbackDepartment: 'customer-services' });
    const comments = yaml.split('\n').filter((l) => l.startsWith('#'));
    expect(comments).toEqual([
      '# Draft entry from npm run kb:gaps, cluster "pay-council-tax-credit-6e53cf":',
      '# 3 residents asked this 4 times between 2026-11-02 and 2026-11-20, and the bot could not help.',
      '#',
      '# To finish it:',
      '# 1. Write the answer in place of TODO: plain English, short paragraphs, what to do first.',
      '# 2. Make the title a short task, like "Rent an allotment", and check the id (kebab-case, not used by another entry).',
      '# 3. Check the department: "council-tax" is the department of the closest entry, "council-tax-pay" (Pay your Council Tax, score 0.427).',
      '#    If residents meant that entry, add these questions to it instead of making a new one.',
      '# 4. Keep at least 4 questions in residents\' own words; replace any that say TODO.',
      '# 5. Paste the entry under "entries:" in the service area\'s file (test/fixtures/kb/valid/entries.yaml holds the closest entry),',
      '#    then run npm run kb:check and npm run kb:ask -- "one of the questions".',
      '# This is one entry, not a whole knowledge file: do not save it in knowledge/ as it is.',
    ]);
  });

  it('fills up to the 4 questions the schema needs with placeholders, and uses the fallback department when no entry is close', () => {
    const entry = draftEntry(cluster(['can I rent an allotment plot', 'allotment waiting list'], null), kb, { fallbackDepartment: 'customer-services' });
    expect(entry).toEqual({
      id: 'rent-allotment-plot',
      title: 'Can I rent an allotment plot',
      department: 'customer-services',
      questions: ['can I rent an allotment plot', 'allotment waiting list', QUESTION_PLACEHOLDER, QUESTION_PLACEHOLDER],
      answer: 'TODO',
    });
    expect(entrySchema.safeParse(entry).success).toBe(true);
  });

  it('never reuses an existing entry’s id', () => {
    // Testshire already has an entry "homelessness".
    expect(draftEntry(cluster(['Homelessness', 'homelessness help'], null), kb, { fallbackDepartment: 'customer-services' }).id).toBe('homelessness-2');
    const taken = { byId: new Map([...kb.byId, ['homelessness-2', kb.byId.get('homelessness')!]]) };
    expect(draftEntry(cluster(['Homelessness'], null), taken, { fallbackDepartment: 'customer-services' }).id).toBe('homelessness-3');
  });
});
