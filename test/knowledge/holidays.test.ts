import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBinData } from '../../knowledge/bins/data';
import { loadBankHolidays } from '../../knowledge/holidays';
import { formatProblem, KnowledgeError } from '../../knowledge/yamlFile';

const root = path.resolve(__dirname, '..', '..');
const shipped = path.join(root, 'knowledge', 'data');

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A data folder holding just this bank-holidays.yaml (or none), shown relative to itself. */
function dataDir(yaml?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-holidays-'));
  made.push(dir);
  if (yaml !== undefined) fs.writeFileSync(path.join(dir, 'bank-holidays.yaml'), yaml);
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadBankHolidays(dir, dir);
  } catch (err) {
    if (err instanceof KnowledgeError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('expected the file to be rejected');
}

describe('loadBankHolidays: the shipped England and Wales dates', () => {
  const holidays = loadBankHolidays(shipped, root);

  it('has every bank holiday of 2026 and 2027, and nothing else', () => {
    expect([...holidays.keys()]).toEqual([
      '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
      '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
    ]);
  });

  it('names substitute days', () => {
    expect(holidays.get('2026-12-28')).toBe('Boxing Day (substitute day)');
    expect(holidays.get('2027-12-27')).toBe('Christmas Day (substitute day)');
    expect(holidays.get('2026-12-26')).toBeUndefined(); // a Saturday: the substitute is the Monday
  });

  it('puts every bank holiday on a weekday', () => {
    for (const date of holidays.keys()) expect([1, 2, 3, 4, 5]).toContain(new Date(`${date}T12:00:00Z`).getUTCDay());
  });

  it('leaves the bin-collection changes in the same file readable', () => {
    expect(loadBinData(shipped, root).changes[0]).toEqual({ from: '2026-04-03', to: '2026-04-04', reason: 'Good Friday' });
  });
});

describe('loadBankHolidays: other files', () => {
  it('treats a file with only `changes` as having no holidays', () => {
    expect(loadBankHolidays(dataDir('changes: []\n'))).toEqual(new Map());
  });

  it.each([
    ['a date in the wrong shape', 'changes: []\nholidays:\n  - { date: 25/12/2026, name: Christmas Day }\n', [
      'bank-holidays.yaml:3 holidays[0].date: expected a date like 2026-12-25',
    ]],
    ['a date not on the calendar', 'changes: []\nholidays:\n  - { date: 2026-02-30, name: Made up }\n', [
      'bank-holidays.yaml:3 holidays[0].date: not a date on the calendar',
    ]],
    ['the same date twice', 'changes: []\nholidays:\n  - { date: 2026-12-25, name: Christmas Day }\n  - { date: 2026-12-25, name: Xmas }\n', [
      'bank-holidays.yaml:4 holidays[1].date: duplicate holiday on 2026-12-25',
    ]],
    ['a holiday without a name', 'changes: []\nholidays:\n  - { date: 2026-12-25, name: "" }\n', [
      'bank-holidays.yaml:3 holidays[0].name: Too small: expected string to have >=1 characters',
    ]],
    ['a misspelt field', 'changes: []\nholidays:\n  - { date: 2026-12-25, name: Christmas Day, nmae: x }\n', [
      'bank-holidays.yaml:3 holidays[0].nmae: unknown field "nmae" (check the spelling)',
    ]],
    ['broken YAML', 'changes: []\nholidays:\n  - { date: 2026-12-25, name: Christmas Day\n', [
      expect.stringMatching(/^bank-holidays\.yaml:\d+: YAML syntax: /),
    ]],
  ])('reports %s with its line', (_, yaml, expected) => {
    expect(problemsOf(dataDir(yaml))).toEqual(expected);
  });

  it('reports a missing file', () => {
    expect(problemsOf(dataDir())).toEqual(['bank-holidays.yaml:1: file is missing']);
  });
});
