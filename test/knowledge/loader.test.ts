import path from 'node:path';
import { loadBinData } from '../../knowledge/bins/data';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { formatProblem, KnowledgeError } from '../../knowledge/yamlFile';

const root = path.resolve(__dirname, '..', '..');
const fixture = (name: string) => path.join(root, 'test', 'fixtures', 'kb', name);

/** The problems a broken knowledge folder produces, formatted as editors see them. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof KnowledgeError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('expected the knowledge base to be rejected');
}

describe('loadKnowledgeBase', () => {
  it('loads a valid knowledge base with defaults filled in', () => {
    const kb = loadKnowledgeBase(fixture('valid'), root);
    expect(kb.entries).toHaveLength(8);
    const pay = kb.byId.get('council-tax-pay')!;
    expect(pay.escalate).toBe('none');
    expect(pay.keywords).toEqual([]);
    expect(pay.file).toBe('test/fixtures/kb/valid/entries.yaml');
    expect(pay.line).toBe(35);
    expect(kb.departments.get('housing')?.outOfHours).toBe('01632 960 999');
    expect(kb.synonyms[0]?.variants).toContain('the tip');
  });

  it.each([
    ['too-few-questions', ['test/fixtures/kb/too-few-questions/waste.yaml:11 entries[1].questions: expected at least 4 items']],
    [
      'duplicate-id',
      ['test/fixtures/kb/duplicate-id/b.yaml:3 entries[0].id: duplicate id "bins-twice" (first defined at test/fixtures/kb/duplicate-id/a.yaml:3)'],
    ],
    [
      'unknown-references',
      [
        'test/fixtures/kb/unknown-references/waste.yaml:8 entries[0].related[0]: no entry has the id "bins-nowhere"',
        'test/fixtures/kb/unknown-references/waste.yaml:5 entries[0].department: unknown department "roads" (see departments.yaml)',
      ],
    ],
    [
      'bad-fields',
      [
        'test/fixtures/kb/bad-fields/waste.yaml:3 entries[0].id: must be kebab-case: lower-case letters, digits and single hyphens',
        'test/fixtures/kb/bad-fields/waste.yaml:3 entries[0].answer: Invalid input: expected string, received undefined',
        'test/fixtures/kb/bad-fields/waste.yaml:10 entries[0].links[0].url: must be a full URL, e.g. https://www.example.gov.uk/page',
        'test/fixtures/kb/bad-fields/waste.yaml:11 entries[0].escalate: Invalid option: expected one of "none"|"offer"|"urgent"',
        'test/fixtures/kb/bad-fields/waste.yaml:7 entries[0].answr: unknown field "answr" (check the spelling)',
      ],
    ],
    ['missing-departments', ['test/fixtures/kb/missing-departments/departments.yaml:1: file is missing']],
    [
      'bad-hours',
      [
        'test/fixtures/kb/bad-hours/departments.yaml:7 departments[0].hours.monday: must close after it opens (same day)',
        'test/fixtures/kb/bad-hours/departments.yaml:8 departments[0].hours.tuesday: expected opening times like "08:30-17:00"',
      ],
    ],
    ['synonym-clash', ['test/fixtures/kb/synonym-clash/synonyms.yaml:5 synonyms[1].variants[0]: "tip" is already a variant of "household waste recycling centre"']],
  ])('reports every problem in %s with file, line and field', (name, expected) => {
    expect(problemsOf(() => loadKnowledgeBase(fixture(name), root))).toEqual(expected);
  });

  it('reports YAML syntax errors with their line', () => {
    const [problem, ...rest] = problemsOf(() => loadKnowledgeBase(fixture('bad-syntax'), root));
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^test\/fixtures\/kb\/bad-syntax\/waste\.yaml:[45]: YAML syntax: /);
  });

  it('says clearly when the folder does not exist', () => {
    expect(problemsOf(() => loadKnowledgeBase(fixture('no-such-folder'), root))).toEqual([
      'test/fixtures/kb/no-such-folder:1: knowledge folder not found',
    ]);
  });

  it('ships every entry id that integrations rely on, with urgent topics starting with what to do now', () => {
    const kb = loadKnowledgeBase(path.join(root, 'knowledge'), root);
    const required = `bins-collection-day bins-missed-collection bins-bulky-waste bins-garden-waste bins-new-or-replacement
      recycling-what-goes-where recycling-centre fly-tipping council-tax-pay council-tax-bands council-tax-single-person-discount
      council-tax-moving-home council-tax-support council-tax-arrears council-tax-direct-debit housing-benefit housing-apply
      housing-repairs homelessness parking-permit parking-fine-appeal potholes-report street-lights-report roads-gritting
      planning-application-search planning-apply building-control library-opening-hours register-to-vote births-deaths-marriages
      blue-badge school-admissions free-school-meals noise-complaint pest-control business-rates licensing adult-social-care
      child-safeguarding contact-us complaints foi-request find-councillor jobs greeting thanks goodbye human`.split(/\s+/);
    expect(required.filter((id) => !kb.byId.has(id))).toEqual([]);
    for (const id of ['homelessness', 'child-safeguarding']) {
      const entry = kb.byId.get(id)!;
      expect(entry.escalate).toBe('urgent');
      expect(entry.answer.split('\n')[0]).toMatch(/call 999/);
    }
    expect(kb.byId.get('bins-collection-day')?.lookup).toBe('bin-day');
  });

  it('loads the shipped knowledge base without problems', () => {
    const kb = loadKnowledgeBase(path.join(root, 'knowledge'), root);
    expect(kb.entries.length).toBeGreaterThanOrEqual(48);
    for (const entry of kb.entries) expect(entry.questions.length).toBeGreaterThanOrEqual(4);
  });
});

describe('loadBinData', () => {
  it('loads rounds, postcodes and bank-holiday changes', () => {
    const data = loadBinData(path.join(fixture('valid'), 'data'), root);
    expect(data.rounds).toEqual([
      { round: 'tue-a', day: 'tuesday', recyclingAnchor: '2026-12-01' },
      { round: 'fri-a', day: 'friday', recyclingAnchor: '2026-11-06' },
    ]);
    expect(data.postcodes).toHaveLength(2);
    expect(data.changes).toEqual([{ from: '2026-12-25', to: '2026-12-26', reason: 'Christmas Day' }]);
  });

  it('reports every bad row with its file and line', () => {
    expect(problemsOf(() => loadBinData(fixture('bad-bin-data'), root))).toEqual([
      'test/fixtures/kb/bad-bin-data/bin-rounds.csv:3 day: expected one of monday, tuesday, wednesday, thursday, friday, saturday, sunday',
      'test/fixtures/kb/bad-bin-data/bin-rounds.csv:4 recycling_anchor: must be a date on the round\'s collection day',
      'test/fixtures/kb/bad-bin-data/bin-postcodes.csv:3 postcode: "NOT A POSTCODE" is not a valid UK postcode',
      'test/fixtures/kb/bad-bin-data/bin-postcodes.csv:4 round: no round "no-such-round" in bin-rounds.csv',
      'test/fixtures/kb/bad-bin-data/bank-holidays.yaml:2 changes[0].to: expected a date like 2026-12-25',
      'test/fixtures/kb/bad-bin-data/bank-holidays.yaml:5 changes[3].from: not a date on the calendar',
      'test/fixtures/kb/bad-bin-data/bank-holidays.yaml:4 changes[2].from: 2026-12-28 is already moved by an earlier change',
    ]);
  });

  it('ships at least 200 postcodes', () => {
    expect(loadBinData(path.join(root, 'knowledge', 'data'), root).postcodes.length).toBeGreaterThanOrEqual(200);
  });
});
