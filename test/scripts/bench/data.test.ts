import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkSplits, DataError, firstShots, loadClinc, loadJsonl, loadSplits, type Splits } from '../../../scripts/bench/data';
import { knowledgeBaseFrom, toEntryId, writeKnowledgeBase } from '../../../scripts/bench/parley';

const fixtures = path.resolve(__dirname, '..', '..', 'fixtures', 'intents');
const clinc = path.join(fixtures, 'mini_clinc.json');
const jsonl = { train: path.join(fixtures, 'train.jsonl'), val: path.join(fixtures, 'val.jsonl'), test: path.join(fixtures, 'test.jsonl') };

function tempFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-data-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('loading data sets', () => {
  it('reads a CLINC150 file: oos splits appended to train, val and test', () => {
    const s = loadClinc(clinc);
    expect([s.train.length, s.val.length, s.test.length]).toEqual([24 + 2, 8 + 2, 8 + 3]);
    expect(s.train[0]).toEqual({ text: 'when is my bin collected', intent: 'bin_day' });
    expect(s.train.slice(-2).map((e) => e.intent)).toEqual(['oos', 'oos']);
    expect(s.test.filter((e) => e.intent === 'oos')).toHaveLength(3);
  });

  it('reads the same data from JSON lines', () => {
    expect(loadSplits(jsonl)).toEqual(loadSplits({ dataset: clinc }));
  });

  it('names the file and line of a bad JSON line', () => {
    const file = tempFile('bad.jsonl', '{"text": "hi", "intent": "greet"}\n\n{"text": "", "intent": "greet"}\n');
    expect(() => loadJsonl(file)).toThrow(DataError);
    expect(() => loadJsonl(file)).toThrow(`${file}:3: text must be a non-empty string`);
    const broken = tempFile('broken.jsonl', '{"text": "hi"\n');
    expect(() => loadJsonl(broken)).toThrow(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1: not valid JSON`));
  });

  it('names a missing split and a missing file', () => {
    const file = tempFile('no-test.json', JSON.stringify({ train: [], val: [] }));
    expect(() => loadClinc(file)).toThrow(`${file}: split "test" must be a list of [text, intent] pairs`);
    expect(() => loadClinc('/no/such/file.json')).toThrow('/no/such/file.json: cannot read (ENOENT)');
  });
});

describe('firstShots', () => {
  it('keeps the first N questions of every intent in file order and drops oos', () => {
    const train = [
      ['a1', 'a'], ['b1', 'b'], ['x', 'oos'], ['a2', 'a'], ['a3', 'a'], ['b2', 'b'], ['a4', 'a'],
    ].map(([text, intent]) => ({ text: text!, intent: intent! }));
    expect(firstShots(train, 2).map((e) => e.text)).toEqual(['a1', 'b1', 'a2', 'b2']);
  });
});

describe('checkSplits', () => {
  const ex = (intent: string, n: number) => Array.from({ length: n }, (_, i) => ({ text: `${intent} ${i}`, intent }));
  const splits = (train: Splits['train'], val: Splits['val'] = [], test: Splits['test'] = []): Splits => ({ train, val, test });

  it('accepts 4 questions per intent and oos anywhere', () => {
    expect(() => checkSplits(splits([...ex('a', 4), ...ex('oos', 1)], ex('oos', 1), ex('a', 1)))).not.toThrow();
  });
  it.each<[string, Splits, string]>([
    ['fewer than 4 questions', splits([...ex('a', 4), ...ex('b', 3)]), 'too few: b (3)'],
    ['no in-scope training data', splits(ex('oos', 5)), 'no in-scope examples'],
    ['an intent never trained', splits(ex('a', 4), ex('c', 1)), 'the val split has intents that never occur in training: c'],
  ])('rejects %s', (_, s, message) => {
    expect(() => checkSplits(s)).toThrow(message);
  });
});

describe('the Parley knowledge base written from training data', () => {
  it.each([
    ['pto_request', 'pto-request'],
    ['what_is_your_name', 'what-is-your-name'],
    ['w2', 'w2'],
    ['Book.Flight__now', 'book-flight-now'],
  ])('entry id of %s is %s', (intent, id) => {
    expect(toEntryId(intent)).toBe(id);
  });

  it('loads through the YAML loader: one entry per intent, first question as title, oos left out', () => {
    const { kb, intentOf } = knowledgeBaseFrom(loadClinc(clinc).train);
    expect(kb.entries.map((e) => e.id)).toEqual(['bin-day', 'pay-council-tax', 'report-pothole', 'library-hours']);
    expect([...intentOf.values()]).toEqual(['bin_day', 'pay_council_tax', 'report_pothole', 'library_hours']);
    const libraries = kb.byId.get('library-hours')!;
    expect(libraries.title).toBe("'library' opening times");
    expect(libraries.answer).toBe('Intent library_hours');
    expect(libraries.department).toBe('bench');
    expect(libraries.questions).toHaveLength(6);
    expect(kb.departments.has('bench')).toBe(true);
    expect(kb.synonyms).toEqual([]);
  });

  it('keeps text YAML would otherwise read as something else', () => {
    const awkward = ['yes', 'no: really?', '#hash first', '- a dash', '"quoted"', 'null', '123', '@home', 'tab\tinside', "it's {braces} & [brackets]", 'ünïcødé £5', 'a: b: c'];
    const train = awkward.map((text) => ({ text, intent: 'odd_one' }));
    const { kb } = knowledgeBaseFrom(train);
    expect(kb.entries[0]!.questions).toEqual(awkward);
    expect(kb.entries[0]!.title).toBe('yes');
  });

  it('refuses two intents that make the same entry id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-kb-'));
    const train = [...['a', 'b', 'c', 'd'].map((t) => ({ text: t, intent: 'x_y' })), ...['a', 'b', 'c', 'd'].map((t) => ({ text: t, intent: 'x-y' }))];
    expect(() => writeKnowledgeBase(train, dir)).toThrow('intents "x_y" and "x-y" both become the entry id "x-y"');
  });

  it('leaves no temporary folder behind', () => {
    const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('parley-bench-')).length;
    knowledgeBaseFrom(loadClinc(clinc).train);
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('parley-bench-')).length).toBe(before);
  });
});
